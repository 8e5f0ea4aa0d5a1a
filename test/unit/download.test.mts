/**
 * A video n8n downloads itself (transport/download.ts through actions/video/source.ts), against a stand-in for
 * n8n's request helper that answers with real streams: what is asked, what is refused before a byte is read,
 * how far a body without a size is stored, the wall-clock limit, and that every way out closes the connection.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { readDownloadLimits } from '../../nodes/TikTok/actions/shared/properties.ts';
import { videoFromUrl } from '../../nodes/TikTok/actions/video/source.ts';
import { DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES } from '../../nodes/TikTok/helpers/limits.ts';
import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import type { DownloadLimits } from '../../nodes/TikTok/transport/download.ts';
import { mp4Buffer } from '../fixtures/video.mts';

const URL = 'https://media.example.com/v/clip.mp4';
const VIDEO = mp4Buffer({ sizeBytes: 3000, durationSec: 4 });
const LIMITS: DownloadLimits = {
	maxBytes: 1024 * 1024,
	timeLimitMs: 60_000,
	ignoreSslIssues: false,
};

/** How n8n's binary store reads a stream: 2.x filesystem iterates it, 1.x memory listens for 'data', others pipe. */
type Consumer = 'iterate' | 'data' | 'pipe';

/** A body that serves `pieces`, then ends, stalls, or breaks with `breakWith`; counts what was read. */
function body(pieces: Buffer[], end: 'end' | 'stall' | 'endless' | Error = 'end') {
	const queue = [...pieces];
	const state = { served: 0 };
	const stream = new Readable({
		read() {
			const next = queue.shift() ?? (end === 'endless' ? Buffer.alloc(64 * 1024, 7) : undefined);
			if (next) {
				state.served += next.length;
				this.push(next);
			} else if (end instanceof Error) this.destroy(end);
			else if (end === 'end') this.push(null);
		},
	});
	return { stream, state };
}

function fakeContext(
	answer:
		{ statusCode?: number; headers?: Record<string, string>; stream?: Readable } | 'hang' | Error,
	options: { consumer?: Consumer; cancel?: AbortSignal } = {},
) {
	const requests: IHttpRequestOptions[] = [];
	const stored: Buffer[] = [];
	const ctx = {
		getExecutionCancelSignal: () => options.cancel,
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) => {
				requests.push(request);
				if (answer instanceof Error) throw answer;
				const signal = request.abortSignal as AbortSignal;
				if (answer === 'hang' || signal.aborted) {
					// As axios does: the request fails once its signal aborts.
					await new Promise((resolve) =>
						signal.aborted ? resolve(null) : signal.addEventListener('abort', resolve),
					);
					throw Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' });
				}
				return {
					statusCode: answer.statusCode ?? 200,
					headers: answer.headers ?? {},
					body: answer.stream ?? Readable.from([]),
				};
			},
			prepareBinaryData: async (stream: Readable, fileName: string, mimeType: string) => {
				const parts: Buffer[] = [];
				const consumer = options.consumer ?? 'iterate';
				if (consumer === 'iterate') {
					for await (const part of stream) parts.push(part as Buffer);
				} else if (consumer === 'data') {
					// n8n 1.x in-memory mode (streamToBuffer): a 'data' listener, nothing else.
					await new Promise<void>((resolve, reject) => {
						stream.on('data', (part: Buffer) => parts.push(part));
						stream.on('end', resolve);
						stream.once('error', reject);
					});
				} else {
					await new Promise<void>((resolve, reject) => {
						stream.once('error', reject);
						stream.pipe(
							new Writable({
								write: (part: Buffer, _encoding, done) => (parts.push(part), done()),
								final: (done) => (resolve(), done()),
							}),
						);
					});
				}
				stored.push(Buffer.concat(parts));
				return { data: Buffer.concat(parts).toString('base64'), mimeType, fileName };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, requests, stored };
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
	let bytes = 0;
	for await (const piece of source) bytes += piece.length;
	return bytes;
}

const withLength = (bytes: Buffer | number) => ({
	'content-type': 'video/mp4',
	'content-length': String(typeof bytes === 'number' ? bytes : bytes.length),
});

function expectCode(code: string, message?: RegExp) {
	return (error: TikTokError) => {
		assert.equal(error.details?.code, code, `${error.message}`);
		if (message) assert.match(error.message, message);
		return true;
	};
}

describe('downloading a video (Uploaded by n8n)', () => {
	it('asks for the file as it is, judges statuses itself, under an idle timeout and a wall-clock signal', async () => {
		const { stream } = body([VIDEO]);
		const { ctx, requests } = fakeContext({ headers: withLength(VIDEO), stream });
		const video = await videoFromUrl(ctx, URL, { ...LIMITS, timeLimitMs: 120_000 });
		video.discard?.();
		const [request] = requests;
		assert.equal((request.headers as Record<string, string>)['Accept-Encoding'], 'identity');
		assert.equal(request.encoding, 'stream');
		assert.equal(request.ignoreHttpStatusErrors, true);
		assert.equal(request.timeout, 120_000, 'the idle timeout never outlasts the time limit');
		assert.ok(request.abortSignal instanceof AbortSignal);
	});

	it('streams a video with a Content-Length once, byte-exact, and closes the connection at the end', async () => {
		const { stream } = body([VIDEO.subarray(0, 10), VIDEO.subarray(10)]);
		const { ctx } = fakeContext({ headers: withLength(VIDEO), stream });
		const video = await videoFromUrl(ctx, URL, LIMITS);
		assert.deepEqual(
			[video.size, video.container, video.mimeType, video.fileName],
			[VIDEO.length, 'mp4', 'video/mp4', 'clip.mp4'],
		);
		assert.equal(await drain(await video.open()), VIDEO.length);
		assert.equal(stream.destroyed, true);
		await assert.rejects(video.open(), /only be read once/);
	});

	it('refuses a declared size above the limit without reading a byte, and closes the answer', async () => {
		const { stream, state } = body([VIDEO], 'endless');
		const { ctx, requests } = fakeContext({ headers: withLength(5 * 1024 ** 3), stream });
		await assert.rejects(
			videoFromUrl(ctx, URL, LIMITS),
			expectCode('download_too_large', /5368709120 bytes .*more than the download limit of 1 MB/),
		);
		assert.equal(state.served, 0);
		assert.equal(stream.destroyed, true);
		assert.equal(
			(requests[0].abortSignal as AbortSignal).aborted,
			true,
			"the request's signal aborts: n8n's HTTP layer then closes the connection",
		);
	});

	it('refuses an HTTP error, a compressed answer and a web page before reading, closing each', async () => {
		const cases: Array<[number, Record<string, string>, string]> = [
			[404, { 'content-type': 'text/plain' }, 'download_http_error'],
			[500, {}, 'download_http_error'],
			[200, { 'content-encoding': 'gzip', 'content-length': '100' }, 'download_encoded'],
			[200, { 'content-type': 'text/html' }, 'download_not_video'],
		];
		for (const [statusCode, headers, code] of cases) {
			const { stream, state } = body([Buffer.from('<html>nope</html>')], 'endless');
			const { ctx } = fakeContext({ statusCode, headers, stream });
			await assert.rejects(videoFromUrl(ctx, URL, LIMITS), expectCode(code));
			assert.equal(state.served, 0, `${statusCode} ${code}: nothing read`);
			assert.equal(stream.destroyed, true, `${statusCode} ${code}: closed`);
		}
	});

	it('refuses a body that is not a video after its first bytes, naming a web page, and closes it', async () => {
		const { stream } = body(
			[Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>')],
			'endless',
		);
		const { ctx, stored } = fakeContext({
			headers: { 'content-type': 'application/octet-stream' },
			stream,
		});
		await assert.rejects(
			videoFromUrl(ctx, URL, LIMITS),
			expectCode(
				'download_not_video',
				/web page, not a video \(Content-Type application\/octet-stream\)/,
			),
		);
		assert.equal(stream.destroyed, true);
		assert.equal(stored.length, 0, 'nothing was stored in n8n');
	});

	for (const consumer of ['iterate', 'data', 'pipe'] as const) {
		it(`stores a body without a size in n8n (${consumer}) to learn it, and stops one past the limit`, async () => {
			const good = body([VIDEO.subarray(0, 5), VIDEO.subarray(5)]);
			const ok = fakeContext({ stream: good.stream }, { consumer });
			const video = await videoFromUrl(ok.ctx, URL, LIMITS);
			assert.deepEqual([video.size, video.durationSec], [VIDEO.length, 4]);
			assert.deepEqual(ok.stored, [VIDEO]);
			assert.equal(good.stream.destroyed, true);

			const endless = body([VIDEO], 'endless');
			const capped = fakeContext({ stream: endless.stream }, { consumer });
			await assert.rejects(
				videoFromUrl(capped.ctx, URL, LIMITS),
				expectCode(
					'download_too_large',
					/larger than the download limit of 1 MB: the server sent no size, so n8n stopped reading after 1048577 bytes$/,
				),
			);
			assert.equal(endless.stream.destroyed, true);
			assert.ok(
				endless.state.served < LIMITS.maxBytes + 256 * 1024,
				`read ${endless.state.served} bytes, not much past the limit`,
			);
		});
	}

	it('holds a body without a size to its own, lower limit (256 MB by default), one with a size to the size limit', async () => {
		const limits: DownloadLimits = {
			...LIMITS,
			maxBytes: 4 * 1024 * 1024,
			maxUnknownLengthBytes: 64 * 1024,
		};
		const endless = body([VIDEO], 'endless');
		const capped = fakeContext({ stream: endless.stream });
		await assert.rejects(
			videoFromUrl(capped.ctx, URL, limits),
			expectCode(
				'download_too_large',
				/larger than the download limit of 0.1 MB: the server sent no size, so n8n stopped reading after 65537 bytes$/,
			),
		);
		assert.ok(endless.state.served < 64 * 1024 + 256 * 1024, `read ${endless.state.served}`);
		const declared = Buffer.concat([VIDEO, Buffer.alloc(200 * 1024)]);
		const sized = fakeContext({ headers: withLength(declared), stream: body([declared]).stream });
		const video = await videoFromUrl(sized.ctx, URL, limits);
		assert.equal(video.size, declared.length, 'a declared size is held to maxBytes only');
		video.discard?.();
		assert.equal(DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES, 256 * 1024 * 1024);
		const readLimits = (requestOptions: IDataObject) =>
			readDownloadLimits(
				{ getNodeParameter: () => requestOptions } as unknown as IExecuteFunctions,
				0,
			);
		assert.equal(readLimits({}).maxUnknownLengthBytes, DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES);
		assert.equal(readLimits({}).maxBytes, 4 * 1024 ** 3);
		assert.equal(readLimits({ unknownLengthSizeLimitMb: 1024 }).maxUnknownLengthBytes, 1024 ** 3);
	});

	it('stores a body that comes as a zlib-like Duplex (n8n 1.x decompressing) as a plain byte stream', async () => {
		const duplex = new PassThrough();
		duplex.end(VIDEO);
		const { ctx, stored } = fakeContext({ stream: duplex }, { consumer: 'data' });
		assert.equal((await videoFromUrl(ctx, URL, LIMITS)).size, VIDEO.length);
		assert.deepEqual(stored, [VIDEO]);
	});

	it('ends a download at its time limit: before the answer, before the first bytes, and while the upload reads it', async () => {
		const quick = { ...LIMITS, timeLimitMs: 100 };
		const slowHeaders = fakeContext('hang');
		await assert.rejects(
			videoFromUrl(slowHeaders.ctx, URL, quick),
			expectCode('download_timed_out', /did not finish within its time limit of 0\.1 seconds/),
		);

		const silent = body([], 'stall');
		await assert.rejects(
			videoFromUrl(
				fakeContext({ headers: withLength(VIDEO), stream: silent.stream }).ctx,
				URL,
				quick,
			),
			expectCode('download_timed_out'),
		);
		assert.equal(silent.stream.destroyed, true);

		// The head n8n reads before the init (container, and the moov box's facts: its first 490 bytes) comes, then nothing.
		const trickle = body([VIDEO.subarray(0, 1000)], 'stall');
		const video = await videoFromUrl(
			fakeContext({ headers: withLength(VIDEO), stream: trickle.stream }).ctx,
			URL,
			quick,
		);
		await assert.rejects(drain(await video.open()), expectCode('download_timed_out'));
		assert.equal(trickle.stream.destroyed, true);
	});

	it("names a request that got no answer by its cause, with the fix for the video's server", async () => {
		const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
			code: 'ECONNREFUSED',
		});
		await assert.rejects(
			videoFromUrl(fakeContext(refused).ctx, 'http://127.0.0.1:9/clip.mp4', LIMITS),
			expectCode(
				'connection_refused',
				/^n8n could not connect to the video's server at "127\.0\.0\.1:9" \(connection refused\)$/,
			),
		);
		const loop = Object.assign(new Error('Maximum number of redirects exceeded'), {
			code: 'ERR_FR_TOO_MANY_REDIRECTS',
		});
		await assert.rejects(
			videoFromUrl(fakeContext(loop).ctx, URL, LIMITS),
			expectCode('download_http_error', /redirects too many times \(a redirect loop\)/),
		);
	});

	it('says the execution was cancelled when it was', async () => {
		const cancel = new AbortController();
		cancel.abort();
		await assert.rejects(
			videoFromUrl(fakeContext('hang', { cancel: cancel.signal }).ctx, URL, LIMITS),
			expectCode('execution_cancelled'),
		);
	});

	it('fails with source_too_short when the body breaks off or ends before its Content-Length, naming the bytes', async () => {
		const broken = body(
			[VIDEO.subarray(0, 2000)],
			Object.assign(new Error('aborted'), { code: 'ECONNRESET' }),
		);
		const early = await videoFromUrl(
			fakeContext({ headers: withLength(VIDEO), stream: broken.stream }).ctx,
			URL,
			LIMITS,
		);
		await assert.rejects(
			drain(await early.open()),
			expectCode(
				'source_too_short',
				/sent 2000 of the 3000 bytes its Content-Length announced, then the download broke off \(aborted\)/,
			),
		);

		const ended = body([VIDEO.subarray(0, 2000)]);
		const short = await videoFromUrl(
			fakeContext({ headers: withLength(VIDEO), stream: ended.stream }).ctx,
			URL,
			LIMITS,
		);
		await assert.rejects(
			drain(await short.open()),
			expectCode('source_too_short', /sent 2000 of the 3000 bytes/),
		);
	});

	it('fails with source_too_long when more bytes come than announced, or the MP4 ends inside a box', async () => {
		const more = body([VIDEO, Buffer.alloc(10)]);
		const long = await videoFromUrl(
			fakeContext({ headers: withLength(VIDEO), stream: more.stream }).ctx,
			URL,
			LIMITS,
		);
		await assert.rejects(
			drain(await long.open()),
			expectCode('source_too_long', /more bytes than its Content-Length of 3000 bytes/),
		);
		assert.equal(more.stream.destroyed, true);

		// A Content-Length shorter than the file: n8n's HTTP layer delivers exactly the announced bytes.
		const cut = body([VIDEO.subarray(0, 2500)]);
		const truncated = await videoFromUrl(
			fakeContext({ headers: withLength(2500), stream: cut.stream }).ctx,
			URL,
			LIMITS,
		);
		await assert.rejects(drain(await truncated.open()), expectCode('source_too_long', /cut off/));
	});

	it('discard() closes a download nobody read (a later step failed), and may be called twice', async () => {
		const { stream } = body([VIDEO], 'stall');
		const video = await videoFromUrl(
			fakeContext({ headers: withLength(5000), stream }).ctx,
			URL,
			LIMITS,
		);
		assert.equal(stream.destroyed, false);
		video.discard?.();
		video.discard?.();
		assert.equal(stream.destroyed, true);
	});
});
