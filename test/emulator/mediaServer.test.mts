import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { patternSource, sha256Of } from './media.mts';
import { startMediaServer } from './mediaServer.mts';
import { request } from './testkit.mts';

/** A GET that reads until `stopAfter` bytes (then closes), the end, or an error; what arrived and how it ended. */
function get(url: string, options: { stopAfter?: number; headers?: Record<string, string> } = {}) {
	return new Promise<{
		headers: http.IncomingHttpHeaders;
		body: Buffer;
		ended: 'end' | 'stopped' | string;
	}>((resolve) => {
		const parts: Buffer[] = [];
		let length = 0;
		const req = http.get(url, { agent: false, headers: options.headers }, (res) => {
			const finish = (ended: string) =>
				resolve({ headers: res.headers, body: Buffer.concat(parts), ended });
			res.on('data', (c: Buffer) => {
				parts.push(c);
				length += c.length;
				if (options.stopAfter !== undefined && length >= options.stopAfter) {
					req.destroy();
					finish('stopped');
				}
			});
			res.on('end', () => finish('end'));
			res.on('error', (error: Error) => finish(error.message));
		});
		// Bytes after a complete answer (a Content-Length shorter than the body) are a parse error on the request,
		// after the response already has all it announced.
		req.on('error', () => {});
	});
}

function httpsGet(url: string, ca?: string): Promise<{ status: number; body: Buffer }> {
	return new Promise((resolve, reject) => {
		https
			.get(url, { ca, agent: false }, (res) => {
				const parts: Buffer[] = [];
				res.on('data', (c: Buffer) => parts.push(c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
			})
			.on('error', reject);
	});
}

describe('startMediaServer (test fixture)', () => {
	it('serves a Buffer with its Content-Type and Content-Length and logs the request', async () => {
		const media = await startMediaServer({
			files: { '/a.jpg': { body: Buffer.from('abc'), contentType: 'image/jpeg' } },
		});
		try {
			const r = await request(`${media.url}/a.jpg`);
			assert.equal(r.status, 200);
			assert.equal(r.text, 'abc');
			assert.equal(r.headers['content-type'], 'image/jpeg');
			assert.equal(r.headers['content-length'], '3');
			assert.deepEqual(
				media.requests.map((q) => [q.method, q.path]),
				[['GET', '/a.jpg']],
			);
		} finally {
			await media.stop();
		}
	});

	it('streams a generated body, chunked when contentLength is false', async () => {
		const src = patternSource(3_000_000, 7);
		const media = await startMediaServer({
			files: {
				'/v.mp4': {
					body: () => src.stream(),
					size: src.size,
					contentType: 'video/mp4',
					contentLength: false,
				},
			},
		});
		try {
			const r = await new Promise<{ headers: Record<string, unknown>; sha: string; n: number }>(
				(resolve) => {
					http.get(`${media.url}/v.mp4`, (res) => {
						const hash = createHash('sha256');
						let n = 0;
						res.on('data', (c: Buffer) => {
							hash.update(c);
							n += c.length;
						});
						res.on('end', () =>
							resolve({
								headers: res.headers as Record<string, unknown>,
								sha: hash.digest('hex'),
								n,
							}),
						);
					});
				},
			);
			assert.equal(r.headers['transfer-encoding'], 'chunked');
			assert.equal(r.headers['content-length'], undefined);
			assert.equal(r.n, src.size);
			assert.equal(r.sha, await sha256Of(src));
		} finally {
			await media.stop();
		}
	});

	it('answers 404 for unknown paths and a configured status (e.g. a redirect) when asked', async () => {
		const media = await startMediaServer({
			files: { '/moved': { status: 302, headers: { Location: '/elsewhere' } } },
		});
		try {
			assert.equal((await request(`${media.url}/nope`)).status, 404);
			const r = await request(`${media.url}/moved`);
			assert.equal(r.status, 302);
			assert.equal(r.headers.location, '/elsewhere');
		} finally {
			await media.stop();
		}
	});

	it('serves https with a self-signed loopback certificate that verifies against caPem, and reuses it', async () => {
		const media = await startMediaServer({
			https: true,
			files: { '/x': { body: Buffer.from('tls'), contentType: 'text/plain' } },
		});
		const again = await startMediaServer({ https: true });
		try {
			assert.match(media.url, /^https:\/\/127\.0\.0\.1:\d+$/);
			assert.ok(media.caPem?.includes('BEGIN CERTIFICATE'));
			assert.equal(again.caPem, media.caPem);
			const ok = await httpsGet(`${media.url}/x`, media.caPem);
			assert.equal(ok.body.toString(), 'tls');
			await assert.rejects(httpsGet(`${media.url}/x`), /self-signed|self signed/);
		} finally {
			await media.stop();
			await again.stop();
		}
	});

	it('stalls after stallAfterBytes and waits delayMs before answering', async () => {
		const media = await startMediaServer({
			files: {
				'/slow': { body: Buffer.alloc(1000), contentType: 'video/mp4', delayMs: 100 },
				'/stall': { body: Buffer.alloc(1000), contentType: 'video/mp4', stallAfterBytes: 10 },
			},
		});
		try {
			const t0 = Date.now();
			await request(`${media.url}/slow`);
			assert.ok(Date.now() - t0 >= 95);
			const got = await new Promise<number>((resolve) => {
				let n = 0;
				const req = http.get(`${media.url}/stall`, (res) => {
					res.on('data', (c: Buffer) => (n += c.length));
				});
				setTimeout(() => {
					req.destroy();
					resolve(n);
				}, 150);
			});
			assert.equal(got, 10);
		} finally {
			await media.stop();
		}
	});

	describe('hostile switches (for the downloads n8n makes itself)', () => {
		it('endless: no Content-Length and no end; counts the bytes sent and the open connections until the client leaves', async () => {
			const media = await startMediaServer({
				files: {
					'/endless.mp4': { body: Buffer.from('head'), contentType: 'video/mp4', endless: true },
				},
			});
			try {
				const r = await get(`${media.url}/endless.mp4`, { stopAfter: 5_000_000 });
				assert.equal(r.ended, 'stopped');
				assert.equal(r.headers['content-length'], undefined);
				assert.equal(r.body.subarray(0, 4).toString(), 'head');
				assert.equal(await media.connectionsClosed(2000), 0);
				assert.equal(media.openConnections(), 0);
				assert.ok(media.requests[0].bytesSent >= 5_000_000, `sent ${media.requests[0].bytesSent}`);
			} finally {
				await media.stop();
			}
		});

		it('declaredLength: a shorter Content-Length delivers only what it says; a longer one closes the connection early', async () => {
			const media = await startMediaServer({
				files: {
					'/short.mp4': { body: Buffer.alloc(1000, 1), declaredLength: 600 },
					'/long.mp4': { body: Buffer.alloc(1000, 1), declaredLength: 1500 },
				},
			});
			try {
				const short = await get(`${media.url}/short.mp4`);
				assert.deepEqual(
					[short.headers['content-length'], short.body.length, short.ended],
					['600', 600, 'end'],
				);
				assert.equal(media.requests[0].bytesSent, 1000, 'the server sent the whole file anyway');
				const long = await get(`${media.url}/long.mp4`);
				assert.equal(long.headers['content-length'], '1500');
				assert.equal(long.body.length, 1000);
				assert.match(long.ended, /aborted/);
				assert.equal(await media.connectionsClosed(2000), 0);
			} finally {
				await media.stop();
			}
		});

		it('bytesPerSecond trickles the body', async () => {
			const media = await startMediaServer({
				files: { '/slow.mp4': { body: Buffer.alloc(1000, 1), bytesPerSecond: 40 } },
			});
			try {
				const started = Date.now();
				const r = await get(`${media.url}/slow.mp4`, { stopAfter: 12 });
				assert.equal(r.ended, 'stopped');
				assert.ok(
					Date.now() - started >= 150,
					'three tenths of a second for 12 bytes at 40 per second',
				);
				assert.ok(media.requests[0].bytesSent < 40, `sent ${media.requests[0].bytesSent}`);
			} finally {
				await media.stop();
			}
		});

		it('gzip: compressed with Content-Encoding gzip and the compressed Content-Length, even when the client asked for identity', async () => {
			const file = Buffer.from('a video, compressible '.repeat(100));
			const media = await startMediaServer({
				files: { '/z.mp4': { body: file, contentType: 'video/mp4', gzip: true } },
			});
			try {
				const r = await get(`${media.url}/z.mp4`, { headers: { 'Accept-Encoding': 'identity' } });
				assert.equal(r.headers['content-encoding'], 'gzip');
				assert.equal(Number(r.headers['content-length']), r.body.length);
				assert.ok(r.body.length < file.length);
				assert.deepEqual(gunzipSync(r.body), file);
				assert.equal(media.requests[0].acceptEncoding, 'identity');
			} finally {
				await media.stop();
			}
		});
	});
});
