import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { planChunks } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import { acknowledges, uploadVideoChunks } from '../../nodes/TikTok/transport/upload.ts';
import { fakeContext } from './fakeUploadContext.mts';

async function* bytes(total: number, piece = 1_000_000) {
	for (let sent = 0; sent < total; sent += piece)
		yield Buffer.alloc(Math.min(piece, total - sent), 7);
}

const SIZE = 21_000_000; // two chunks of 10,500,000
const CHUNK = 10_500_001; // a Chunk Size that splits SIZE (and SIZE + 1) in two
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('chunk upload', () => {
	it('sends every chunk once, in order, with exact Content-Range headers', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([{ statusCode: 206 }, { statusCode: 201 }]);
		const report = await uploadVideoChunks(
			ctx,
			'https://upload.example/?id=1',
			plan,
			bytes(SIZE),
			'video/mp4',
			Date.now(),
		);
		assert.deepEqual(sent, [
			{ range: 'bytes 0-10499999/21000000', bytes: 10_500_000 },
			{ range: 'bytes 10500000-20999999/21000000', bytes: 10_500_000 },
		]);
		assert.equal(report.retries, 0);
	});

	it('holds one chunk of memory for the whole upload, the longer final chunk included', async () => {
		const plan = planChunks(SIZE + 1, CHUNK); // the final chunk carries the extra byte
		const { ctx, sent, bodyMemory } = fakeContext();
		await uploadVideoChunks(
			ctx,
			'https://upload.example/?id=1',
			plan,
			bytes(SIZE + 1),
			'video/mp4',
			Date.now(),
		);
		assert.deepEqual(
			sent.map((s) => s.bytes),
			[10_500_000, 10_500_001],
		);
		assert.equal(
			new Set(bodyMemory.flat()).size,
			1,
			'every chunk body is a view of the same buffer',
		);
	});

	it('streams each chunk in slices with its exact Content-Length, and follows no redirect', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent, options } = fakeContext();
		await uploadVideoChunks(
			ctx,
			'https://upload.example/?id=1',
			plan,
			bytes(SIZE),
			'video/mp4',
			Date.now(),
		);
		for (const [index, request] of options.entries()) {
			assert.equal(
				Buffer.isBuffer(request.body),
				false,
				'the body is a stream, not the whole chunk at once',
			);
			assert.equal(
				(request.headers as Record<string, string>)['Content-Length'],
				String(sent[index].bytes),
			);
			assert.equal(request.disableFollowRedirect, true);
		}
	});

	it('sends a chunk again after a 5xx and after a reset connection', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([
			{ statusCode: 503 },
			{ statusCode: 206 },
			reset(),
			{ statusCode: 201 },
		]);
		const report = await uploadVideoChunks(
			ctx,
			'https://u/',
			plan,
			bytes(SIZE),
			'video/mp4',
			Date.now(),
		);
		assert.equal(report.retries, 2);
		assert.deepEqual(
			sent.map((s) => s.range.split('/')[0]),
			[
				'bytes 0-10499999',
				'bytes 0-10499999',
				'bytes 10500000-20999999',
				'bytes 10500000-20999999',
			],
		);
		assert.deepEqual(
			sent.map((s) => s.bytes),
			[10_500_000, 10_500_000, 10_500_000, 10_500_000],
			'every attempt sends the whole chunk again',
		);
	});

	it('moves on when a retried chunk is answered 416 but TikTok shows it arrived', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx } = fakeContext([
			reset(),
			{ statusCode: 416, contentRange: 'bytes 0-10499999/21000000' },
			{ statusCode: 201 },
		]);
		const report = await uploadVideoChunks(
			ctx,
			'https://u/',
			plan,
			bytes(SIZE),
			'video/mp4',
			Date.now(),
		);
		assert.equal(report.chunks, 2);
	});

	it('fails on a 416 that was not preceded by an unclear attempt', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx } = fakeContext([{ statusCode: 416, contentRange: 'bytes 0-10499999/21000000' }]);
		await assert.rejects(
			uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE), 'video/mp4', Date.now()),
			(e: TikTokError) => e.details.code === 'upload_http_416',
		);
	});

	it('refuses an expired upload link without sending', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([]);
		await assert.rejects(
			uploadVideoChunks(
				ctx,
				'https://u/',
				plan,
				bytes(SIZE),
				'video/mp4',
				Date.now() - 61 * 60_000,
			),
			(e: TikTokError) => e.details.code === 'upload_url_expired',
		);
		assert.equal(sent.length, 0);
	});

	it('stops before the final chunk when the source has more bytes than its reported size, so TikTok never publishes a cut-off video', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([{ statusCode: 206 }, { statusCode: 201 }]);
		await assert.rejects(
			uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE + 5), 'video/mp4', Date.now()),
			(e: TikTokError) => e.details.code === 'source_too_long',
		);
		assert.equal(sent.length, 1, 'the final chunk was never sent');
	});

	it('reports a source shorter than its reported size', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx } = fakeContext([{ statusCode: 206 }]);
		await assert.rejects(
			uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE - 5), 'video/mp4', Date.now()),
			(e: TikTokError) => e.details.code === 'source_too_short',
		);
	});

	it('a held request is only opened, never sent, while the chunk before it is on its way; it goes once that chunk is answered', async () => {
		const { ctx, events } = fakeContext([{ statusCode: 206 }, { statusCode: 201 }]);
		await uploadVideoChunks(
			ctx,
			'https://u/',
			planChunks(SIZE, CHUNK),
			bytes(SIZE),
			'video/mp4',
			Date.now(),
		);
		const first = 'bytes 0-10499999/21000000';
		const second = 'bytes 10500000-20999999/21000000';
		assert.deepEqual(events, [
			`open ${first}`,
			`send ${first}`,
			`open ${second}`,
			`answer ${first}`,
			`send ${second}`,
			`answer ${second}`,
		]);
	});

	it('a held request whose connection the server closed before it sent anything is replaced by a fresh one: no attempt, no retry', async () => {
		const { ctx, sent, events } = fakeContext([{ statusCode: 206 }, { statusCode: 201 }], {
			idleDrops: [1],
		});
		const report = await uploadVideoChunks(
			ctx,
			'https://u/',
			planChunks(SIZE, CHUNK),
			bytes(SIZE),
			'video/mp4',
			Date.now(),
		);
		assert.equal(report.retries, 0);
		assert.deepEqual(
			sent.map((s) => s.bytes),
			[10_500_000, 10_500_000],
			'each chunk sent once',
		);
		assert.equal(
			events.filter((event) => event === 'open bytes 10500000-20999999/21000000').length,
			2,
		);
	});

	it('a held request is called off, having sent nothing, when the chunk before it must be sent again', async () => {
		const { ctx, sent, events } = fakeContext([
			{ statusCode: 503 },
			{ statusCode: 206 },
			{ statusCode: 201 },
		]);
		await uploadVideoChunks(
			ctx,
			'https://u/',
			planChunks(SIZE, CHUNK),
			bytes(SIZE),
			'video/mp4',
			Date.now(),
		);
		assert.deepEqual(
			sent.map((s) => s.range.split('/')[0]),
			['bytes 0-10499999', 'bytes 0-10499999', 'bytes 10500000-20999999'],
		);
		assert.equal(
			events.filter((event) => event === 'send bytes 10500000-20999999/21000000').length,
			1,
			'only the last request for chunk 2 sent bytes',
		);
	});

	it('a held request is called off when the upload fails, and the upload ends only once it is', async () => {
		const { ctx, events } = fakeContext([{ statusCode: 403 }]);
		await assert.rejects(
			uploadVideoChunks(
				ctx,
				'https://u/',
				planChunks(SIZE, CHUNK),
				bytes(SIZE),
				'video/mp4',
				Date.now(),
			),
			(e: TikTokError) => e.details.code === 'upload_http_403',
		);
		assert.deepEqual(events, [
			'open bytes 0-10499999/21000000',
			'send bytes 0-10499999/21000000',
			'open bytes 10500000-20999999/21000000',
			'answer bytes 0-10499999/21000000',
		]);
	});

	it("reads TikTok's Content-Range acknowledgement", () => {
		assert.equal(acknowledges('bytes 0-10499999/21000000', 10_499_999), true);
		assert.equal(acknowledges('bytes 0-999/21000000', 10_499_999), false);
		assert.equal(acknowledges(undefined, 0), false);
	});
});

describe('chunk upload: what TikTok may have when an answer was lost', () => {
	/** A delivery whose status/fetch says TikTok holds `held` bytes; records what it was asked. */
	function tracking(held: number) {
		const asked: number[] = [];
		const received = async (bytes: number) => {
			asked.push(bytes);
			return held >= bytes;
		};
		const delivery = { retries: 0, finalMayHaveArrived: false, received };
		return { delivery, asked };
	}
	const plan = () => planChunks(SIZE, CHUNK);
	const refusedWith = (code: string) => (e: TikTokError) => e.details.code === code;

	it('a final chunk whose answer was lost, then refused as gone (404), is asked about: TikTok holding every byte ends the upload', async () => {
		const { ctx, sent } = fakeContext([{ statusCode: 206 }, reset(), { statusCode: 404 }]);
		const { delivery, asked } = tracking(SIZE);
		const report = await uploadVideoChunks(
			ctx,
			'https://u/',
			plan(),
			bytes(SIZE),
			'video/mp4',
			Date.now(),
			delivery,
		);
		assert.deepEqual(asked, [SIZE]);
		assert.equal(sent.length, 3, 'nothing sent after TikTok confirmed');
		assert.deepEqual([report.chunks, report.retries, delivery.finalMayHaveArrived], [2, 1, true]);
	});

	it('a middle chunk refused as out of step (416) without a Content-Range moves on when the status shows its bytes', async () => {
		const { ctx, sent } = fakeContext([reset(), { statusCode: 416 }, { statusCode: 201 }]);
		const { delivery, asked } = tracking(10_500_000);
		await uploadVideoChunks(
			ctx,
			'https://u/',
			plan(),
			bytes(SIZE),
			'video/mp4',
			Date.now(),
			delivery,
		);
		assert.deepEqual(asked, [10_500_000]);
		assert.deepEqual(
			sent.map((s) => s.range.split('/')[0]),
			['bytes 0-10499999', 'bytes 0-10499999', 'bytes 10500000-20999999'],
		);
		assert.equal(delivery.finalMayHaveArrived, false);
	});

	it('when the status does not show the bytes, the 404 stands, and the final chunk is marked as possibly arrived (a 5xx is no clear answer)', async () => {
		const { ctx } = fakeContext([{ statusCode: 206 }, { statusCode: 503 }, { statusCode: 404 }]);
		const { delivery, asked } = tracking(10_500_000);
		await assert.rejects(
			uploadVideoChunks(ctx, 'https://u/', plan(), bytes(SIZE), 'video/mp4', Date.now(), delivery),
			refusedWith('upload_http_404'),
		);
		assert.deepEqual(asked, [SIZE]);
		assert.equal(delivery.finalMayHaveArrived, true);
	});

	it("a 404 or 416 at a chunk's first attempt is TikTok's plain answer: nothing is asked and the final chunk cannot have arrived", async () => {
		for (const statusCode of [404, 416]) {
			const { ctx } = fakeContext([{ statusCode: 206 }, { statusCode }]);
			const { delivery, asked } = tracking(SIZE);
			await assert.rejects(
				uploadVideoChunks(
					ctx,
					'https://u/',
					plan(),
					bytes(SIZE),
					'video/mp4',
					Date.now(),
					delivery,
				),
				refusedWith(`upload_http_${statusCode}`),
			);
			assert.deepEqual([asked.length, delivery.finalMayHaveArrived], [0, false]);
		}
	});

	it('a request that got no answer marks the final chunk only when it was the final chunk', async () => {
		const refused = () => new Error('certificate has expired');
		const early = fakeContext([refused()]);
		const first = tracking(0);
		await assert.rejects(
			uploadVideoChunks(
				early.ctx,
				'https://u/',
				plan(),
				bytes(SIZE),
				'video/mp4',
				Date.now(),
				first.delivery,
			),
			refusedWith('certificate_rejected'),
		);
		assert.equal(first.delivery.finalMayHaveArrived, false);
		const late = fakeContext([{ statusCode: 206 }, refused()]);
		const last = tracking(0);
		await assert.rejects(
			uploadVideoChunks(
				late.ctx,
				'https://u/',
				plan(),
				bytes(SIZE),
				'video/mp4',
				Date.now(),
				last.delivery,
			),
			refusedWith('certificate_rejected'),
		);
		assert.equal(last.delivery.finalMayHaveArrived, true);
	});
});
