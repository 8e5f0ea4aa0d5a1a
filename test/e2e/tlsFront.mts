/**
 * An https front for a loopback n8n, as the reverse proxy of a real deployment: TikTok pulls over https only, and
 * the harness runs n8n on plain http. Passes every request through unchanged (never follows a redirect) and records
 * what each answer was: status and body bytes, so tests can say "refused with 0 bytes".
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

import { loopbackCert } from '../emulator/tls.mts';

export interface FrontRequest {
	method: string;
	path: string;
	range: string | undefined;
	userAgent: string | undefined;
	status: number;
	/** Body bytes the answer carried. */
	bytes: number;
	done: boolean;
}

export interface TlsFront {
	/** e.g. https://127.0.0.1:PORT (no trailing slash). */
	url: string;
	caPem: string;
	requests: FrontRequest[];
	stop(): Promise<void>;
}

export async function startTlsFront(target: string): Promise<TlsFront> {
	const cert = loopbackCert();
	const upstream = new URL(target);
	const requests: FrontRequest[] = [];
	const sockets = new Set<Socket>();
	const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
		const record: FrontRequest = {
			method: req.method ?? '',
			path: req.url ?? '',
			range: req.headers.range,
			userAgent: req.headers['user-agent'],
			status: 0,
			bytes: 0,
			done: false,
		};
		requests.push(record);
		const forward = http.request(
			{
				host: upstream.hostname,
				port: upstream.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: upstream.host, 'x-forwarded-proto': 'https' },
				agent: false,
			},
			(answer) => {
				record.status = answer.statusCode ?? 0;
				res.writeHead(record.status, answer.headers);
				answer.on('data', (chunk: Buffer) => {
					record.bytes += chunk.length;
				});
				answer.on('end', () => {
					record.done = true;
				});
				answer.pipe(res);
				res.on('close', () => answer.destroy());
			},
		);
		forward.on('error', () => res.destroy());
		req.pipe(forward);
	});
	server.on('secureConnection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
		caPem: cert.certPem,
		requests,
		stop: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}
