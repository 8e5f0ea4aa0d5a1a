import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

export type Reply = { statusCode: number; contentRange?: string; location?: string } | Error;

interface StreamBody {
	pipe(destination: Writable): Writable;
}

/** What a request body carried, read as n8n's helper sends it: a Buffer as is, a stream piped into a socket-like sink. */
async function readBody(
	body: Buffer | StreamBody,
	abortSignal?: AbortSignal,
	onFirstPiece = () => {},
): Promise<Uint8Array[]> {
	if (Buffer.isBuffer(body)) return [body];
	const pieces: Uint8Array[] = [];
	await new Promise<void>((resolve, reject) => {
		// As n8n's helper does: an aborted request ends at once (a held body has sent nothing).
		abortSignal?.addEventListener(
			'abort',
			() => reject(Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' })),
			{ once: true },
		);
		const sink = new Writable({
			highWaterMark: 16 * 1024,
			write(piece: Uint8Array, _encoding, done) {
				if (pieces.length === 0) onFirstPiece();
				pieces.push(piece);
				setImmediate(done);
			},
		});
		sink.on('finish', resolve).on('error', reject);
		// As axios does: a body that closes before its end aborts the request.
		let ended = false;
		(body as unknown as Writable).on?.('end', () => (ended = true));
		(body as unknown as Writable).on?.('close', () => {
			if (!ended)
				reject(
					Object.assign(new Error('Request stream has been aborted'), { code: 'ERR_CANCELED' }),
				);
		});
		body.pipe(sink);
	});
	return pieces;
}

/**
 * A stand-in for n8n's execute context whose chunk PUTs answer from a script (206 once it runs out), recording
 * each request's Content-Range and size in `sent`, its body's sha256 in `bodySha256`, the memory behind it in
 * `bodyMemory` (one entry per request), and the options it was sent with in `options`.
 * `events` tells, in order, when each request was opened ("open R"), sent its first byte ("send R") and was
 * answered ("answer R"), R being its Content-Range. `idleDrops` lists the requests (by the order they were opened,
 * from 0) whose connection the server closes before they send anything, as a server closes an idle connection.
 */
export function fakeContext(script: Reply[] = [], { idleDrops = [] as number[] } = {}) {
	const events: string[] = [];
	let opened = 0;
	const sent: Array<{ range: string; bytes: number }> = [];
	const bodySha256: string[] = [];
	const bodyMemory: ArrayBufferLike[][] = [];
	const options: IHttpRequestOptions[] = [];
	const ctx = {
		getExecutionCancelSignal: () => undefined,
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) => {
				options.push(request);
				const headers = request.headers as Record<string, string>;
				const range = headers['Content-Range'];
				events.push(`open ${range}`);
				if (idleDrops.includes(opened++)) {
					await new Promise((resolve) => setImmediate(resolve));
					throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
				}
				const pieces = await readBody(
					request.body as Buffer | StreamBody,
					request.abortSignal,
					() => events.push(`send ${range}`),
				);
				const hash = createHash('sha256');
				pieces.forEach((piece) => hash.update(piece));
				sent.push({
					range: headers['Content-Range'],
					bytes: pieces.reduce((sum, piece) => sum + piece.length, 0),
				});
				bodySha256.push(hash.digest('hex'));
				bodyMemory.push([...new Set(pieces.map((piece) => piece.buffer))]);
				const reply = script.shift() ?? { statusCode: 206 };
				events.push(`answer ${range}`);
				if (reply instanceof Error) throw reply;
				const replyHeaders: Record<string, string> = {};
				if (reply.contentRange) replyHeaders['content-range'] = reply.contentRange;
				if (reply.location) replyHeaders.location = reply.location;
				return { statusCode: reply.statusCode, headers: replyHeaders, body: '' };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, sent, bodySha256, bodyMemory, options, events };
}
