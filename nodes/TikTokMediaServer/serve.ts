/**
 * One request to the TikTok Media Server (docs/decisions/media-endpoint.md), in order:
 * 1. the URL-prefix verification file, when the path is its name → 200 text/plain;
 * 2. anything that is not a well-formed token (length and shape, no cryptography) → 404, no body;
 * 3. one HMAC check and the expiry → 404, no body, when either fails;
 * 4. the file in n8n's binary store the token names, with the signed size as Content-Length: the whole file
 *    (200) or one range (206); an unsatisfiable range → 416; HEAD → the headers only. Never a redirect.
 * Nothing here logs or answers with the request's path: it is the signed URL.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { ByteRange } from '../TikTok/helpers/mediaToken';
import {
	looksLikeMediaToken,
	parseByteRange,
	verifyMediaToken,
} from '../TikTok/helpers/mediaToken';
import { CREDENTIAL_TYPE } from '../TikTok/transport/token';

/** Size of the pieces read from n8n's binary store (filesystem and S3 honour it; database mode sends one piece). */
const STREAM_PIECE_BYTES = 1024 * 1024;

type Response = ReturnType<IWebhookFunctions['getResponseObject']>;

const answered: IWebhookResponseData = { noWebhookResponse: true };

/** A refusal: a status, no body, and a log line that names the reason but never the URL. */
function refuse(
	ctx: IWebhookFunctions,
	status: 404 | 416,
	reason: string,
	headers: Record<string, string> = {},
): IWebhookResponseData {
	ctx.logger.debug(`TikTok Media Server refused a request (${status}): ${reason}`, {
		node: ctx.getNode().name,
		workflowId: ctx.getWorkflow().id,
	});
	const response = ctx.getResponseObject();
	response.status(status);
	for (const [name, value] of Object.entries({
		...headers,
		'Cache-Control': 'no-store',
		'Content-Length': '0',
	}))
		response.setHeader(name, value);
	response.end();
	return answered;
}

function serveVerificationFile(response: Response, content: string, headOnly: boolean): void {
	const body = Buffer.from(content, 'utf8');
	response.status(200);
	response.setHeader('Content-Type', 'text/plain; charset=utf-8');
	response.setHeader('Content-Length', String(body.length));
	response.setHeader('Cache-Control', 'no-store');
	if (headOnly) response.end();
	else response.end(body);
}

/** Resolves when the response can take more bytes, or has closed (then `false`). */
function writable(response: Response): Promise<boolean> {
	if (response.destroyed || response.writableEnded) return Promise.resolve(false);
	return new Promise((resolve) => {
		const done = (open: boolean) => {
			response.off('drain', onDrain);
			response.off('close', onClose);
			resolve(open);
		};
		const onDrain = () => done(true);
		const onClose = () => done(false);
		response.on('drain', onDrain);
		response.on('close', onClose);
	});
}

/** Writes bytes `[start, end]` of `pieces` into the response, following its pace; stops when it closes. Returns the bytes written. */
async function writeRange(
	response: Response,
	pieces: AsyncIterable<Uint8Array> & { destroy?: () => void },
	start: number,
	end: number,
): Promise<number> {
	let position = 0;
	let written = 0;
	try {
		for await (const piece of pieces) {
			const from = Math.max(0, start - position);
			const to = Math.min(piece.length, end + 1 - position);
			position += piece.length;
			if (to > from) {
				written += to - from;
				const open = response.write(
					from === 0 && to === piece.length ? piece : piece.subarray(from, to),
				);
				if (!open && !(await writable(response))) return written;
			}
			if (position > end || response.destroyed) break;
		}
	} finally {
		pieces.destroy?.();
	}
	return written;
}

/** The whole file, piped (the stream's own pace and buffering, as a plain Node file server does). Returns the bytes sent. */
function pipeWhole(
	response: Response,
	pieces: Awaited<ReturnType<IWebhookFunctions['helpers']['getBinaryStream']>>,
): Promise<number> {
	return new Promise((resolve) => {
		let sent = 0;
		pieces.on('data', (piece: Uint8Array) => (sent += piece.length));
		pieces.on('error', () => resolve(-1));
		response.on('close', () => {
			pieces.destroy();
			resolve(-1);
		});
		pieces.pipe(response, { end: false });
		pieces.on('end', () => resolve(sent));
	});
}

export async function serveMedia(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const request = ctx.getRequestObject();
	const response = ctx.getResponseObject();
	const headOnly = request.method === 'HEAD';
	const file = String((ctx.getParamsData() as IDataObject).file ?? '');

	const verification = ctx.getNodeParameter('verificationFile', {}) as {
		fileName?: string;
		content?: string;
	};
	if (verification.fileName && file === verification.fileName.trim()) {
		serveVerificationFile(response, verification.content ?? '', headOnly);
		return answered;
	}
	if (!looksLikeMediaToken(file)) return refuse(ctx, 404, 'not a media link');
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const check = await verifyMediaToken(
		String(credentials.clientSecret ?? ''),
		file,
		Math.floor(Date.now() / 1000),
	);
	if (!check.ok) return refuse(ctx, 404, `${check.reason} media link`);
	const { binaryId, size, mimeType } = check.grant;

	const stored = await ctx.helpers.getBinaryMetadata(binaryId).then(
		(metadata) => metadata,
		() => undefined,
	);
	if (!stored || stored.fileSize !== size) return refuse(ctx, 404, 'the file is no longer stored');

	const rangeHeader = request.headers.range;
	const range: ByteRange = parseByteRange(
		Array.isArray(rangeHeader) ? rangeHeader.join(',') : rangeHeader,
		size,
	);
	if (range.kind === 'unsatisfiable')
		return refuse(ctx, 416, 'unsatisfiable range', { 'Content-Range': `bytes */${size}` });
	const [start, end] = range.kind === 'range' ? [range.start, range.end] : [0, size - 1];

	response.status(range.kind === 'range' ? 206 : 200);
	response.setHeader('Content-Type', mimeType);
	response.setHeader('Content-Length', String(end - start + 1));
	response.setHeader('Accept-Ranges', 'bytes');
	response.setHeader('Cache-Control', 'no-store');
	if (range.kind === 'range') response.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
	if (headOnly || size === 0) {
		response.end();
		return answered;
	}
	const pieces = await ctx.helpers.getBinaryStream(binaryId, STREAM_PIECE_BYTES).then(
		(stream) => stream,
		() => undefined,
	);
	if (!pieces) {
		// Headers are not sent yet (nothing was written): still a clean refusal.
		response.removeHeader('Content-Range');
		response.removeHeader('Content-Type');
		response.removeHeader('Accept-Ranges');
		return refuse(ctx, 404, 'the file could not be read');
	}
	const written =
		range.kind === 'whole'
			? await pipeWhole(response, pieces)
			: await writeRange(response, pieces, start, end).catch(() => -1);
	// A store that gave fewer bytes than signed must not look like a complete file: the connection is cut.
	if (written !== end - start + 1) response.destroy();
	else response.end();
	return answered;
}
