// The upload host: chunk PUTs to upload_url (tiktok-api.md §7.2). Raw statuses, no envelope.
// Bodies are streamed and hashed as they arrive; a chunk only counts once it arrived whole.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx, PublishRuntime } from './context.mts';
import { forAccount, takeFault } from './faults.mts';
import { drain, mediaType, sendText, setDetail } from './http.mts';
import { finishTransfer } from './status.mts';
import type { Fault, PublishRecord } from './types.mts';

const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm'];
const RANGE_RE = /^bytes (\d+)-(\d+)\/(\d+)$/;

function findUpload(ctx: Ctx, url: URL): { p: PublishRecord; rt: PublishRuntime } | null {
	const id = url.searchParams.get('upload_id');
	const token = url.searchParams.get('upload_token');
	if (!id || !token) return null;
	for (const [publishId, rt] of ctx.runtime) {
		if (rt.uploadId === id && rt.uploadToken === token) {
			const p = ctx.state.publishes.get(publishId);
			return p ? { p, rt } : null;
		}
	}
	return null;
}

/** Answers after reading the whole body, so clients see the status rather than a reset. */
async function refuse(
	res: ServerResponse,
	req: IncomingMessage,
	status: number,
	why: string,
): Promise<void> {
	await drain(req);
	if (res.destroyed) return;
	setDetail(res, why);
	sendText(res, status, `${status} ${why}\n`);
}

/** Milliseconds on the wall clock, finer than Date.now(): what `chunkArrivals` records. */
const wallClock = () => performance.timeOrigin + performance.now();

/** When each upload-host connection was opened (for TLS: when its handshake completed); index.mts fills it. */
const uploadConnectedAt = new WeakMap<object, number>();

export function noteUploadConnection(socket: object): void {
	uploadConnectedAt.set(socket, wallClock());
}

export async function handleUpload(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const requestAt = wallClock();
	if (url.pathname !== '/upload/') return refuse(res, req, 404, 'Not found');
	if (req.method !== 'PUT') return refuse(res, req, 405, 'Use PUT');
	const found = findUpload(ctx, url);
	if (!found) return refuse(res, req, 404, 'No upload task for this URL');
	const { p, rt } = found;
	if (req.headers.authorization !== undefined) p.uploadAuthorizationHeaderSeen = true;
	if (rt.stage !== 'uploading')
		return refuse(res, req, 404, 'This upload is finished or no longer valid');
	const expireNow = takeFault(
		ctx,
		(f) =>
			f.type === 'chunkExpired' &&
			f.chunkIndex === p.chunksReceived &&
			(!f.publishId || f.publishId === p.publishId) &&
			forAccount(f, p.accountName),
		{ publishId: p.publishId, chunkIndex: p.chunksReceived },
	);
	if (expireNow) p.uploadExpiresAt = ctx.now() - 1;
	if (p.uploadExpiresAt !== null && ctx.now() > p.uploadExpiresAt) {
		return refuse(res, req, 403, 'upload_url expired (valid for 1 hour after init)');
	}
	if (rt.uploadInFlight)
		return refuse(
			res,
			req,
			416,
			'Another chunk of this upload is still in flight; upload sequentially',
		);

	const type = mediaType(req.headers['content-type']);
	if (!VIDEO_TYPES.includes(type)) {
		return refuse(
			res,
			req,
			400,
			`Content-Type must be one of ${VIDEO_TYPES.join(', ')} (got ${type || 'none'})`,
		);
	}
	const lengthHeader = req.headers['content-length'];
	if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) {
		return refuse(res, req, 400, 'Content-Length is required');
	}
	const contentLength = Number(lengthHeader);
	const m = RANGE_RE.exec(req.headers['content-range'] ?? '');
	if (!m) return refuse(res, req, 400, 'Content-Range must be "bytes {first}-{last}/{total}"');
	const first = Number(m[1]);
	const last = Number(m[2]);
	const total = Number(m[3]);
	const videoSize = p.videoSize ?? 0;
	const chunkSize = p.chunkSize ?? 0;
	const totalChunks = p.totalChunkCount ?? 0;
	if (last < first)
		return refuse(res, req, 400, 'Content-Range last byte is before the first byte');
	if (total !== videoSize) {
		return refuse(
			res,
			req,
			416,
			`Content-Range total ${total} does not match video_size ${videoSize}`,
		);
	}
	if (first !== p.uploadedBytes) {
		return refuse(
			res,
			req,
			416,
			`Content-Range starts at ${first} but ${p.uploadedBytes} bytes were received so far`,
		);
	}
	if (last >= total)
		return refuse(res, req, 416, `Content-Range last byte ${last} is beyond the video`);
	const length = last - first + 1;
	if (contentLength !== length) {
		return refuse(
			res,
			req,
			400,
			`Content-Length ${contentLength} does not match the Content-Range length ${length}`,
		);
	}
	// Earlier chunks were exactly chunk_size each, so this is chunk number chunksReceived.
	const index = p.chunksReceived;
	const isFinal = index === totalChunks - 1;
	if (!isFinal && length !== chunkSize) {
		return refuse(
			res,
			req,
			400,
			`Chunk ${index} must be exactly chunk_size (${chunkSize}) bytes, got ${length}`,
		);
	}
	if (isFinal && last !== total - 1) {
		return refuse(
			res,
			req,
			400,
			`Chunk ${index} is the final chunk and must carry the remainder up to byte ${total - 1}`,
		);
	}

	const matches = (f: Fault) =>
		(f.type === 'chunk5xx' ||
			f.type === 'chunkDrop' ||
			f.type === 'chunkDropAfterReceive' ||
			f.type === 'chunkAnswerDelay') &&
		f.chunkIndex === index &&
		(!f.publishId || f.publishId === p.publishId) &&
		forAccount(f, p.accountName);
	const fault = takeFault(ctx, matches, { publishId: p.publishId, chunkIndex: index });
	if (fault?.type === 'chunk5xx') {
		const status = fault.status ?? 500;
		ctx.state.faults[ctx.state.faults.length - 1].status = status;
		return refuse(res, req, status, 'Injected upload failure; retry this chunk');
	}

	// Hash and probe copies absorb this chunk; they replace the committed ones only if it arrives whole.
	rt.uploadInFlight = true;
	const hash = rt.hash!.copy();
	const probe = rt.probe!.clone();
	let received = 0;
	let firstByteAt = 0;
	let lastByteAt = 0;
	const dropAfter = fault?.type === 'chunkDrop' ? Math.max(1, Math.floor(length / 2)) : Infinity;
	const done = await new Promise<boolean>((resolve) => {
		req.on('data', (chunk: Buffer) => {
			lastByteAt = wallClock();
			if (received === 0) firstByteAt = lastByteAt;
			received += chunk.length;
			hash.update(chunk);
			probe.push(chunk);
			if (received >= dropAfter && !req.destroyed) {
				req.socket.destroy();
				resolve(false);
			}
		});
		req.on('end', () => resolve(received === length));
		req.on('aborted', () => resolve(false));
		req.on('close', () => resolve(req.complete && received === length));
		req.on('error', () => resolve(false));
	});
	rt.uploadInFlight = false;
	if (!done) {
		if (!res.destroyed && !res.headersSent && req.complete) {
			sendText(res, 400, 'Body length does not match Content-Length\n');
		}
		return;
	}
	rt.hash = hash;
	rt.probe = probe;
	p.uploadedBytes += length;
	p.chunksReceived += 1;
	const arrival = {
		connectionOpenedAt: uploadConnectedAt.get(req.socket) ?? 0,
		requestAt,
		firstByteAt,
		lastByteAt,
		answeredAt: 0,
	};
	p.chunkArrivals.push(arrival);
	const complete = p.uploadedBytes >= videoSize;
	if (complete) {
		p.sha256 = hash.digest('hex');
		rt.hash = null;
		finishTransfer(ctx, p, rt);
	}
	if (fault?.type === 'chunkDropAfterReceive') {
		// TikTok has the chunk (the final one completes the upload), but the client never hears so.
		req.socket.destroy();
		return;
	}
	if (fault?.type === 'chunkAnswerDelay')
		await new Promise((resolve) => setTimeout(resolve, fault.ms));
	arrival.answeredAt = wallClock();
	res.writeHead(complete ? 201 : 206, {
		'Content-Range': `bytes 0-${p.uploadedBytes - 1}/${videoSize}`,
		'Content-Length': 0,
	});
	res.end();
}
