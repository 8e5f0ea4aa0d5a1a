// A loopback static file server for PULL_FROM_URL tests: HTTP, or HTTPS with the self-signed
// loopback certificate. Streams generated bodies of any size; can omit Content-Length (chunked),
// answer an error status or a redirect, wait before answering, or stall mid-body.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
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
}

export interface MediaRequest {
	time: number;
	method: string;
	path: string;
	userAgent: string | undefined;
	/** The Range header asked for (the server itself ignores it and sends the whole file). */
	range: string | undefined;
}

export interface MediaServer {
	/** e.g. https://127.0.0.1:PORT (no trailing slash). */
	url: string;
	/** The certificate to trust for https (undefined for http). */
	caPem: string | undefined;
	files: Record<string, MediaFile>;
	requests: MediaRequest[];
	stop(): Promise<void>;
}

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: MediaFile): void {
	const status = file.status ?? 200;
	const headers: Record<string, string | number> = { ...(file.headers ?? {}) };
	if (file.contentType) headers['Content-Type'] = file.contentType;
	const body = file.body;
	const size = Buffer.isBuffer(body) ? body.length : file.size;
	if (file.contentLength !== false && size !== undefined) headers['Content-Length'] = size;
	res.writeHead(status, headers);
	if (req.method === 'HEAD' || body === undefined) return void res.end();
	const stream: Readable | null = Buffer.isBuffer(body) ? null : body();
	const limit = file.stallAfterBytes ?? Infinity;
	if (!stream) {
		const buf = body as Buffer;
		if (limit >= buf.length) return void res.end(buf);
		res.write(buf.subarray(0, limit));
		return; // stall: never end
	}
	let sent = 0;
	stream.on('data', (chunk: Buffer) => {
		const room = limit - sent;
		if (room <= 0) return;
		const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
		sent += piece.length;
		if (!res.write(piece)) {
			stream.pause();
			res.once('drain', () => stream.resume());
		}
		if (sent >= limit) stream.destroy();
	});
	stream.on('end', () => {
		if (sent < limit || limit === Infinity) res.end();
	});
	stream.on('error', () => res.destroy());
	res.on('close', () => stream.destroy());
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
		requests.push({
			time: Date.now(),
			method: req.method ?? '',
			path,
			userAgent: req.headers['user-agent'],
			range: req.headers.range,
		});
		const file = files[path];
		if (!file) {
			res.writeHead(404, { 'Content-Type': 'text/plain' });
			return void res.end('not found');
		}
		if (file.delayMs) {
			const t = setTimeout(() => {
				timers.delete(t);
				if (!res.destroyed) sendFile(req, res, file);
			}, file.delayMs);
			timers.add(t);
		} else sendFile(req, res, file);
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
		stop: () =>
			new Promise<void>((resolve) => {
				for (const t of timers) clearTimeout(t);
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
