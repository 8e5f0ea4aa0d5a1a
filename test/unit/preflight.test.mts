import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import {
	CHECK_TIMEOUT_MS,
	PREFIX_BYTES,
	preflightImages,
} from '../../nodes/TikTok/transport/preflight.ts';
import { bytesOf, jpegSource, pngSource, webpSource } from '../emulator/media.mts';

/** A media server's answer: status, headers and the body's pieces (`stall`: then never another byte). */
type Answer =
	| { statusCode: number; headers?: Record<string, string>; body?: Uint8Array[]; stall?: boolean }
	| Error;

/**
 * n8n's execute context with a media server scripted per URL; records every request, the bytes each body gave
 * and whether it was closed.
 */
function fakeContext(answers: Record<string, Answer>, cancel?: AbortSignal) {
	const requests: IHttpRequestOptions[] = [];
	const bodies: Record<string, { read: number; closed: boolean }> = {};
	let inFlight = 0;
	let maxInFlight = 0;
	const ctx = {
		getExecutionCancelSignal: () => cancel,
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => {
				requests.push(options);
				inFlight++;
				maxInFlight = Math.max(maxInFlight, inFlight);
				await new Promise((resolve) => setImmediate(resolve));
				inFlight--;
				const url = String(options.url);
				const answer = answers[url] ?? { statusCode: 404 };
				if (answer instanceof Error) throw answer;
				const seen = (bodies[url] = { read: 0, closed: false });
				const signal = options.abortSignal as AbortSignal;
				const body = {
					async *[Symbol.asyncIterator]() {
						for (const piece of answer.body ?? []) {
							if (seen.closed) return;
							seen.read += piece.length;
							yield piece;
						}
						if (answer.stall)
							await new Promise((resolve) => signal.addEventListener('abort', resolve));
					},
					destroy: () => {
						seen.closed = true;
					},
				};
				return { statusCode: answer.statusCode, headers: answer.headers ?? {}, body };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, requests, bodies, maxInFlight: () => maxInFlight };
}

/** `bytes` as a server sends them: in pieces of 16 KB. */
function pieces(bytes: Buffer, size = 16_384): Uint8Array[] {
	const out: Uint8Array[] = [];
	for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
	return out;
}

const served = async (
	source: Parameters<typeof bytesOf>[0],
	contentType: string,
	statusCode = 206,
): Promise<Answer> => {
	const bytes = await bytesOf(source);
	const sent = bytes.subarray(0, PREFIX_BYTES);
	return {
		statusCode,
		headers: {
			'content-type': contentType,
			...(statusCode === 206
				? { 'content-range': `bytes 0-${sent.length - 1}/${bytes.length}` }
				: { 'content-length': String(bytes.length) }),
		},
		body: pieces(statusCode === 206 ? sent : bytes),
	};
};

function refusedWith(code: string, message: RegExp, description?: RegExp) {
	return (error: TikTokError) => {
		assert.equal(error.details.code, code);
		assert.match(error.message, message);
		if (description) assert.match(error.advice.description, description);
		return true;
	};
}

describe('photo preflight requests (the first bytes only, never whole images)', () => {
	it('asks each server for a bounded range with a GET that does not follow redirects, with a timeout and a signal, and reports what it learnt', async () => {
		const { ctx, requests, bodies } = fakeContext({
			'https://a/1.jpg': await served(
				jpegSource(300_000, { width: 1080, height: 1920 }),
				'image/jpeg',
			),
			'https://a/2.webp': await served(
				webpSource(3000, { width: 1920, height: 1080 }),
				'image/webp',
				200,
			),
		});
		const checked = await preflightImages(ctx, ['https://a/1.jpg', 'https://a/2.webp'], false);
		assert.deepEqual(checked, {
			images: [
				{
					url: 'https://a/1.jpg',
					content_type: 'image/jpeg',
					bytes: 300_000,
					width: 1080,
					height: 1920,
				},
				{
					url: 'https://a/2.webp',
					content_type: 'image/webp',
					bytes: 3000,
					width: 1920,
					height: 1080,
				},
			],
			warnings: [],
		});
		for (const request of requests) {
			assert.equal(request.method, 'GET');
			assert.deepEqual(request.headers, {
				Range: `bytes=0-${PREFIX_BYTES - 1}`,
				'Accept-Encoding': 'identity',
			});
			assert.equal(request.encoding, 'stream', 'the body is a stream, read only as far as needed');
			assert.equal(request.disableFollowRedirect, true);
			assert.equal(request.skipSslCertificateValidation, false);
			assert.ok(typeof request.timeout === 'number' && request.timeout > 0);
			assert.ok(request.abortSignal instanceof AbortSignal);
		}
		assert.deepEqual(
			bodies['https://a/1.jpg'],
			{ read: 16_384, closed: true },
			'one piece held the frame size; the body was closed then',
		);
		assert.equal(bodies['https://a/2.webp'].closed, true);
	});

	it('reads no further than its byte cap from a server that ignores the range, and warns that the size in pixels was not there', async () => {
		const { ctx, bodies } = fakeContext({
			'https://a/exif.jpg': await served(
				jpegSource(2_000_000, undefined, 400_000),
				'image/jpeg',
				200,
			),
		});
		const { images, warnings } = await preflightImages(ctx, ['https://a/exif.jpg'], true);
		assert.deepEqual(images, [
			{ url: 'https://a/exif.jpg', content_type: 'image/jpeg', bytes: 2_000_000 },
		]);
		assert.deepEqual(warnings, [
			`The image 1 of 1 ("https://a/exif.jpg") has no size in pixels n8n could read in its first 256 KB, so TikTok's 1080p limit was not checked.`,
		]);
		assert.ok(
			bodies['https://a/exif.jpg'].read <= PREFIX_BYTES + 16_384,
			`read ${bodies['https://a/exif.jpg'].read} bytes of 2,000,000`,
		);
		assert.equal(bodies['https://a/exif.jpg'].closed, true);
	});

	it('names the first bad image by position and URL, lists every other one, and keeps them in details', async () => {
		const urls = Array.from({ length: 8 }, (_, i) => `https://a/${i}.jpg`);
		const answers: Record<string, Answer> = {};
		for (const url of urls) answers[url] = await served(jpegSource(1000), 'image/jpeg');
		answers['https://a/2.jpg'] = await served(pngSource(4000), 'image/jpeg');
		answers['https://a/5.jpg'] = await served(
			jpegSource(3000, { width: 4000, height: 3000 }),
			'image/jpeg',
		);
		answers['https://a/6.jpg'] = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
			code: 'ECONNREFUSED',
		});
		const { ctx, requests } = fakeContext(answers);
		await assert.rejects(preflightImages(ctx, urls, false), (error: TikTokError) => {
			refusedWith(
				'photo_format_unsupported',
				/^The image 3 of 8 \("https:\/\/a\/2.jpg"\) is a PNG image \(judged by its content; the server calls it "image\/jpeg"\), and TikTok does not accept PNG$/,
			)(error);
			assert.match(
				error.advice.description,
				/Also failing: the image 6 of 8 \("https:\/\/a\/5.jpg"\) is 4000×3000 pixels, larger than TikTok's 1080p.*; the image 7 of 8 \("https:\/\/a\/6.jpg"\) could not be reached \(connect ECONNREFUSED/,
			);
			assert.deepEqual(
				[error.details.image_position, error.details.image_url, error.details.failing_positions],
				[3, 'https://a/2.jpg', '3,6,7'],
			);
			assert.ok(error.isInputError, 'the user fixes the images');
			return true;
		});
		assert.equal(requests.length, 8, 'every image was checked');
	});

	it('bounds each check in wall-clock time: a server that stops sending after the headers is refused, its body closed', async () => {
		const { ctx, bodies } = fakeContext({
			'https://slow/a.jpg': {
				statusCode: 200,
				headers: { 'content-type': 'image/jpeg' },
				body: [Buffer.from([0xff, 0xd8])],
				stall: true,
			},
		});
		assert.equal(CHECK_TIMEOUT_MS, 30_000, 'the default bound');
		const started = Date.now();
		await assert.rejects(
			preflightImages(ctx, ['https://slow/a.jpg'], false, 400),
			refusedWith(
				'photo_unreachable',
				/image 1 of 1 .* could not be read \(no more bytes within 0.4 s\)/,
			),
		);
		const ms = Date.now() - started;
		assert.ok(ms >= 390 && ms < 2000, `gave up after ${ms} ms`);
		assert.equal(bodies['https://slow/a.jpg'].closed, true);
	});

	it('stops at once when the execution is cancelled', async () => {
		const cancel = new AbortController();
		const { ctx } = fakeContext(
			{
				'https://slow/b.jpg': {
					statusCode: 200,
					headers: { 'content-type': 'image/jpeg' },
					body: [],
					stall: true,
				},
			},
			cancel.signal,
		);
		const started = Date.now();
		const checking = preflightImages(ctx, ['https://slow/b.jpg'], false);
		setTimeout(() => cancel.abort(), 50);
		await assert.rejects(
			checking,
			(error: TikTokError) => error.details.code === 'execution_cancelled',
		);
		assert.ok(Date.now() - started < 5000);
	});

	it('checks a 35-image carousel a few at a time', async () => {
		const urls = Array.from({ length: 35 }, (_, i) => `https://a/${i}.jpg`);
		const answer = await served(jpegSource(100), 'image/jpeg');
		const probe = fakeContext(Object.fromEntries(urls.map((url) => [url, answer])));
		const { images } = await preflightImages(probe.ctx, urls, false);
		assert.deepEqual(
			images.map((image) => image.url),
			urls,
			'results keep the carousel order',
		);
		assert.ok(
			probe.maxInFlight() > 1 && probe.maxInFlight() <= 5,
			`parallel but bounded (${probe.maxInFlight()})`,
		);
	});
});
