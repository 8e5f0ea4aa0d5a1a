import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { preflightImages } from '../../nodes/TikTok/transport/preflight.ts';

type Answer = { statusCode: number; headers?: Record<string, string> } | Error;

/** n8n's execute context with a media server scripted per "METHOD url"; records every request and body closed. */
function fakeContext(answers: Record<string, Answer>, cancel?: AbortSignal) {
	const requests: IHttpRequestOptions[] = [];
	const closedBodies: string[] = [];
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
				const key = `${options.method} ${options.url}`;
				const answer = answers[key] ?? { statusCode: 404 };
				if (answer instanceof Error) throw answer;
				return { statusCode: answer.statusCode, headers: answer.headers ?? {}, body: { destroy: () => closedBodies.push(key) } };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, requests, closedBodies, maxInFlight: () => maxInFlight };
}

const jpeg = (bytes: number) => ({ statusCode: 200, headers: { 'content-type': 'image/jpeg', 'content-length': String(bytes) } });

describe('photo preflight requests (headers only, never whole images)', () => {
	it('asks each server with a HEAD that does not follow redirects, with a timeout and the cancel signal, and reports what it learnt', async () => {
		const { ctx, requests } = fakeContext({ 'HEAD https://a/1.jpg': jpeg(3000), 'HEAD https://a/2.webp': { statusCode: 200, headers: { 'content-type': 'image/webp' } } });
		const checked = await preflightImages(ctx, ['https://a/1.jpg', 'https://a/2.webp'], false);
		assert.deepEqual(checked, [
			{ url: 'https://a/1.jpg', content_type: 'image/jpeg', bytes: 3000 },
			{ url: 'https://a/2.webp', content_type: 'image/webp' },
		]);
		assert.deepEqual(requests.map((r) => r.method), ['HEAD', 'HEAD']);
		for (const request of requests) {
			assert.equal(request.disableFollowRedirect, true);
			assert.equal(request.skipSslCertificateValidation, false);
			assert.ok(typeof request.timeout === 'number' && request.timeout > 0);
			assert.ok('abortSignal' in request);
		}
	});

	it("bounds each check by a wall-clock signal that also follows the execution's cancel signal", async () => {
		const cancel = new AbortController();
		const { ctx, requests } = fakeContext({ 'HEAD https://a/1.jpg': jpeg(3000) }, cancel.signal);
		await preflightImages(ctx, ['https://a/1.jpg'], false);
		const signal = requests[0].abortSignal as AbortSignal;
		assert.notEqual(signal, cancel.signal, 'its own signal, which also ends after 30 seconds');
		assert.equal(signal.aborted, false);
		cancel.abort();
		assert.equal(signal.aborted, true);
	});

	it('falls back to a one-byte ranged GET when the HEAD is refused, reading the size from Content-Range and closing the body', async () => {
		const { ctx, requests, closedBodies } = fakeContext({
			'HEAD https://s3/a.jpg': { statusCode: 403 },
			'GET https://s3/a.jpg': { statusCode: 206, headers: { 'content-type': 'image/jpeg', 'content-range': 'bytes 0-0/20000001' } },
		});
		await assert.rejects(preflightImages(ctx, ['https://s3/a.jpg'], true), (error: Error) => /index 0 \("https:\/\/s3\/a.jpg"\) is 20,000,001 bytes/.test(error.message));
		assert.deepEqual(requests.map((r) => [r.method, (r.headers as Record<string, string>).Range]), [['HEAD', undefined], ['GET', 'bytes=0-0']]);
		assert.equal(requests[1].encoding, 'stream', 'the GET body is a stream, so it is never read in full');
		assert.equal(requests[1].skipSslCertificateValidation, true);
		assert.ok(closedBodies.includes('GET https://s3/a.jpg'), 'the GET body is closed at once');
	});

	it('closes the body when a server ignores the range and starts sending the whole image', async () => {
		const { ctx, closedBodies } = fakeContext({ 'HEAD https://a/x.jpg': { statusCode: 405 }, 'GET https://a/x.jpg': jpeg(5_000_000) });
		assert.deepEqual(await preflightImages(ctx, ['https://a/x.jpg'], false), [{ url: 'https://a/x.jpg', content_type: 'image/jpeg', bytes: 5_000_000 }]);
		assert.ok(closedBodies.includes('GET https://a/x.jpg'));
	});

	it('names the first bad image and lists every other one, after checking them all', async () => {
		const urls = Array.from({ length: 8 }, (_, i) => `https://a/${i}.jpg`);
		const answers: Record<string, Answer> = Object.fromEntries(urls.map((url) => [`HEAD ${url}`, jpeg(1000)]));
		answers['HEAD https://a/2.jpg'] = { statusCode: 200, headers: { 'content-type': 'image/png' } };
		answers['HEAD https://a/6.jpg'] = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
		const { ctx, requests } = fakeContext(answers);
		await assert.rejects(preflightImages(ctx, urls, false), (error: Error & { advice: { description: string } }) => {
			assert.match(error.message, /image at index 2 \("https:\/\/a\/2.jpg"\) is a PNG image, and TikTok does not accept PNG/);
			assert.match(error.advice.description, /Also failing: the image at index 6 \("https:\/\/a\/6.jpg"\) could not be reached \(connect ECONNREFUSED/);
			return true;
		});
		assert.equal(requests.filter((r) => r.method === 'HEAD').length, 8, 'every image was checked');
	});

	it('checks a 35-image carousel a few at a time', async () => {
		const urls = Array.from({ length: 35 }, (_, i) => `https://a/${i}.jpg`);
		const probe = fakeContext(Object.fromEntries(urls.map((url) => [`HEAD ${url}`, jpeg(100)])));
		const checked = await preflightImages(probe.ctx, urls, false);
		assert.deepEqual(checked.map((image) => image.url), urls, 'results keep the carousel order');
		assert.ok(probe.maxInFlight() > 1 && probe.maxInFlight() <= 5, `parallel but bounded (${probe.maxInFlight()})`);
	});
});
