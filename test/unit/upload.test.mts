import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { planChunks } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import { acknowledges, uploadVideoChunks } from '../../nodes/TikTok/transport/upload.ts';
import { fakeContext } from './fakeUploadContext.mts';

async function* bytes(total: number, piece = 1_000_000) {
	for (let sent = 0; sent < total; sent += piece) yield Buffer.alloc(Math.min(piece, total - sent), 7);
}

const SIZE = 21_000_000; // two chunks of 10,500,000
const CHUNK = 10_500_001; // a Chunk Size that splits SIZE (and SIZE + 1) in two
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('chunk upload', () => {
	it('sends every chunk once, in order, with exact Content-Range headers', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([{ statusCode: 206 }, { statusCode: 201 }]);
		const report = await uploadVideoChunks(ctx, 'https://upload.example/?id=1', plan, bytes(SIZE), 'video/mp4', Date.now());
		assert.deepEqual(sent, [
			{ range: 'bytes 0-10499999/21000000', bytes: 10_500_000 },
			{ range: 'bytes 10500000-20999999/21000000', bytes: 10_500_000 },
		]);
		assert.equal(report.retries, 0);
	});

	it('holds one chunk of memory for the whole upload, the longer final chunk included', async () => {
		const plan = planChunks(SIZE + 1, CHUNK); // the final chunk carries the extra byte
		const { ctx, sent, bodyMemory } = fakeContext();
		await uploadVideoChunks(ctx, 'https://upload.example/?id=1', plan, bytes(SIZE + 1), 'video/mp4', Date.now());
		assert.deepEqual(sent.map((s) => s.bytes), [10_500_000, 10_500_001]);
		assert.equal(new Set(bodyMemory).size, 1, 'every chunk body is a view of the same buffer');
	});

	it('sends a chunk again after a 5xx and after a reset connection', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([{ statusCode: 503 }, { statusCode: 206 }, reset(), { statusCode: 201 }]);
		const report = await uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE), 'video/mp4', Date.now());
		assert.equal(report.retries, 2);
		assert.deepEqual(sent.map((s) => s.range.split('/')[0]), ['bytes 0-10499999', 'bytes 0-10499999', 'bytes 10500000-20999999', 'bytes 10500000-20999999']);
	});

	it('moves on when a retried chunk is answered 416 but TikTok shows it arrived', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx } = fakeContext([reset(), { statusCode: 416, contentRange: 'bytes 0-10499999/21000000' }, { statusCode: 201 }]);
		const report = await uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE), 'video/mp4', Date.now());
		assert.equal(report.chunks, 2);
	});

	it('fails on a 416 that was not preceded by an unclear attempt', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx } = fakeContext([{ statusCode: 416, contentRange: 'bytes 0-10499999/21000000' }]);
		await assert.rejects(uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE), 'video/mp4', Date.now()), (e: TikTokError) => e.details.code === 'upload_http_416');
	});

	it('refuses an expired upload link without sending', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([]);
		await assert.rejects(uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE), 'video/mp4', Date.now() - 61 * 60_000), (e: TikTokError) => e.details.code === 'upload_url_expired');
		assert.equal(sent.length, 0);
	});

	it('stops before the final chunk when the source has more bytes than its reported size, so TikTok never publishes a cut-off video', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx, sent } = fakeContext([{ statusCode: 206 }, { statusCode: 201 }]);
		await assert.rejects(uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE + 5), 'video/mp4', Date.now()), (e: TikTokError) => e.details.code === 'source_too_long');
		assert.equal(sent.length, 1, 'the final chunk was never sent');
	});

	it('reports a source shorter than its reported size', async () => {
		const plan = planChunks(SIZE, CHUNK);
		const { ctx } = fakeContext([{ statusCode: 206 }]);
		await assert.rejects(uploadVideoChunks(ctx, 'https://u/', plan, bytes(SIZE - 5), 'video/mp4', Date.now()), (e: TikTokError) => e.details.code === 'source_too_short');
	});

	it("reads TikTok's Content-Range acknowledgement", () => {
		assert.equal(acknowledges('bytes 0-10499999/21000000', 10_499_999), true);
		assert.equal(acknowledges('bytes 0-999/21000000', 10_499_999), false);
		assert.equal(acknowledges(undefined, 0), false);
	});
});
