// A loopback static file server for PULL_FROM_URL tests and for media n8n downloads itself: HTTP, or HTTPS with
// the self-signed loopback certificate. Streams generated bodies of any size; can omit Content-Length (chunked),
// answer an error status or a redirect, wait before answering, or stall mid-body. Hostile switches (for
// test/e2e/hostileMedia.test.mts): an endless body, a Content-Length that lies, a trickle of bytes per second,
// gzip whatever the client accepts. It counts open connections and the bytes each answer sent.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { loopbackCert } from './tls.mts';

export interface MediaFile {
	/** A Buffer, or a factory of a fresh stream per request (for large generated files). */
	body?: Buffer | (() => Readable);
	/** Byte size of a stream body (needed for Content-Length). */
	size?: number;
	contentType?: string;
	/** false → no Content-Length, chunked transfer encoding. Default true (when the size is known). */
	contentLength?: boolean;
	/** Answer this status instead of 200 (e.g. 404, 500, 302). */
	status?: number;
	headers?: Record<string, string>;
	/** Wait before sending the response head. */
	delayMs?: number;
	/** Send this many body bytes, then stall until the client gives up. */
	stallAfterBytes?: number;
	/** After the body, send filler bytes forever (no Content-Length): a server that never ends. */
	endless?: boolean;
	/**
	 * Announce this Content-Length whatever the body's size. Shorter: the whole body is sent anyway (the client
	 * reads only what was announced). Longer: the connection is closed after the body.
	 */
	declaredLength?: number;
	/** Send the body at this many bytes per second. */
	bytesPerSecond?: number;
	/** Send the body gzip-compressed with Content-Encoding: gzip, whatever the request's Accept-Encoding. */
	gzip?: boolean;
	/** Answer a `Range: bytes=a-b` request with 206 and that part (Buffer bodies only). */
	ranges?: boolean;
}

export interface MediaRequest {
	time: number;
	method: string;
	path: string;
	userAgent: string | undefined;
	acceptEncoding: string | undefined;
	/** Body bytes written to the connection so far. */
	bytesSent: number;
	/** The Range header asked for (the server ignores it and sends the whole file unless the file has `ranges`). */
	range: string | undefined;
}

export interface MediaServer {
	/** e.g. https://127.0.0.1:PORT (no trailing slash). */
	url: string;
	/** The certificate to trust for https (undefined for http). */
	caPem: string | undefined;
	files: Record<string, MediaFile>;
	requests: MediaRequest[];
	/** Connections open right now. */
	openConnections(): number;
	/** Waits until no connection is open, up to `timeoutMs`; returns how many are still open. */
	connectionsClosed(timeoutMs?: number): Promise<number>;
	stop(): Promise<void>;
}

const FILLER = Buffer.alloc(64 * 1024, 0x2a);

async function bufferOf(stream: Readable): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const part of stream) parts.push(part as Buffer);
	return Buffer.concat(parts);
}

/** Writes `piece`, waiting for the connection to drain; false when the client has gone. */
async function write(
	res: http.ServerResponse,
	piece: Buffer,
	sent: MediaRequest,
): Promise<boolean> {
	if (res.destroyed) return false;
	sent.bytesSent += piece.length;
	if (res.write(piece)) return true;
	return await new Promise<boolean>((resolve) => {
		const done = (ok: boolean) => {
			res.off('drain', drained);
			res.off('close', closed);
			resolve(ok);
		};
		const drained = () => done(true);
		const closed = () => done(false);
		res.on('drain', drained);
		res.on('close', closed);
	});
}

/** The pieces of an answer's body, with the hostile switches applied (endless, trickle, stall). */
async function* pieces(body: Buffer | Readable, file: MediaFile): AsyncGenerator<Buffer> {
	const source: AsyncIterable<Buffer> = Buffer.isBuffer(body)
		? [body]
		: (body as AsyncIterable<Buffer>);
	let left = file.stallAfterBytes ?? Infinity;
	const rate = file.bytesPerSecond;
	for await (const chunk of source) {
		let rest = chunk.subarray(0, Math.min(chunk.length, left));
		left -= rest.length;
		while (rest.length > 0) {
			const take = rate ? Math.max(1, Math.floor(rate / 10)) : rest.length;
			yield rest.subarray(0, take);
			rest = rest.subarray(take);
			if (rate) await sleep((take / rate) * 1000);
		}
		if (left <= 0) break;
	}
	if (left <= 0) {
		await new Promise(() => {}); // stall: the connection stays open until the client gives up
	}
	while (file.endless) yield FILLER;
}

async function sendFile(
	req: http.IncomingMessage,
	res: http.ServerResponse,
	file: MediaFile,
	sent: MediaRequest,
): Promise<void> {
	const status = file.status ?? 200;
	const headers: Record<string, string | number> = { ...(file.headers ?? {}) };
	if (file.contentType) headers['Content-Type'] = file.contentType;
	let body: Buffer | Readable | undefined = Buffer.isBuffer(file.body) ? file.body : file.body?.();
	if (file.gzip && body !== undefined) {
		body = gzipSync(Buffer.isBuffer(body) ? body : await bufferOf(body));
		headers['Content-Encoding'] = 'gzip';
	}
	const asked = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
	let answerStatus = status;
	if (file.ranges && asked && Buffer.isBuffer(body)) {
		const total = body.length;
		const start = Number(asked[1]);
		const end = Math.min(Number(asked[2]), total - 1);
		body = body.subarray(start, end + 1);
		answerStatus = 206;
		headers['Content-Range'] = `bytes ${start}-${end}/${total}`;
	}
	const size = Buffer.isBuffer(body) ? body.length : file.size;
	if (file.declaredLength !== undefined) headers['Content-Length'] = file.declaredLength;
	else if (file.contentLength !== false && !file.endless && size !== undefined)
		headers['Content-Length'] = size;
	// A lying length leaves the connection unusable for another request.
	if (file.declaredLength !== undefined) headers.Connection = 'close';
	res.writeHead(answerStatus, headers);
	if (req.method === 'HEAD' || body === undefined) return void res.end();
	res.on('close', () => {
		if (!Buffer.isBuffer(body)) body?.destroy();
	});
	for await (const piece of pieces(body, file)) {
		if (!(await write(res, piece, sent))) return;
	}
	// Fewer bytes than announced: close the connection once they are out, as a server that gave up would.
	if (file.declaredLength !== undefined && (size ?? 0) < file.declaredLength)
		return void res.socket?.end();
	res.end();
}

export async function startMediaServer(
	opts: { https?: boolean; files?: Record<string, MediaFile> } = {},
): Promise<MediaServer> {
	const files: Record<string, MediaFile> = { ...(opts.files ?? {}) };
	const requests: MediaRequest[] = [];
	const sockets = new Set<Socket>();
	const timers = new Set<NodeJS.Timeout>();
	const handler: http.RequestListener = (req, res) => {
		const path = new URL(req.url ?? '/', 'http://x').pathname;
		const sent: MediaRequest = {
			time: Date.now(),
			method: req.method ?? '',
			path,
			userAgent: req.headers['user-agent'],
			acceptEncoding: req.headers['accept-encoding'],
			bytesSent: 0,
			range: req.headers.range,
		};
		requests.push(sent);
		const file = files[path];
		if (!file) {
			res.writeHead(404, { 'Content-Type': 'text/plain' });
			return void res.end('not found');
		}
		const answer = () => void sendFile(req, res, file, sent).catch(() => res.destroy());
		if (file.delayMs) {
			const t = setTimeout(() => {
				timers.delete(t);
				if (!res.destroyed) answer();
			}, file.delayMs);
			timers.add(t);
		} else answer();
	};
	const cert = opts.https ? loopbackCert() : undefined;
	const server = cert
		? https.createServer({ cert: cert.certPem, key: cert.keyPem }, handler)
		: http.createServer(handler);
	server.on(opts.https ? 'secureConnection' : 'connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `${opts.https ? 'https' : 'http'}://127.0.0.1:${port}`,
		caPem: cert?.certPem,
		files,
		requests,
		openConnections: () => sockets.size,
		async connectionsClosed(timeoutMs = 5000) {
			const until = Date.now() + timeoutMs;
			while (sockets.size > 0 && Date.now() < until) await sleep(20);
			return sockets.size;
		},
		stop: () =>
			new Promise<void>((resolve) => {
				for (const t of timers) clearTimeout(t);
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
