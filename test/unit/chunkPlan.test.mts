import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	assertValidPlan,
	chunkRange,
	contentRangeHeader,
	planChunks,
} from '../../nodes/TikTok/helpers/chunkPlan.ts';
import { TikTokError } from './commonjs.mts';

const MiB5 = 5 * 1024 * 1024;

function ranges(size: number) {
	const plan = planChunks(size);
	return { plan, all: Array.from({ length: plan.totalChunkCount }, (_, i) => chunkRange(plan, i)) };
}

describe('chunk planner (TikTok media transfer rules)', () => {
	it('uploads a video just under 5 MiB whole, as one chunk of its own size', () => {
		assert.deepEqual(planChunks(MiB5 - 1), { videoSize: MiB5 - 1, chunkSize: MiB5 - 1, totalChunkCount: 1 });
	});

	it('uploads a video of exactly 5 MiB and just over it as one chunk', () => {
		assert.deepEqual(planChunks(MiB5), { videoSize: MiB5, chunkSize: MiB5, totalChunkCount: 1 });
		assert.deepEqual(planChunks(MiB5 + 1), { videoSize: MiB5 + 1, chunkSize: MiB5 + 1, totalChunkCount: 1 });
	});

	it('splits exactly 64,000,000 bytes into equal chunks within 5 MiB–64 MB', () => {
		const plan = planChunks(64_000_000);
		assert.equal(plan.totalChunkCount, 6);
		assert.equal(plan.chunkSize, Math.floor(64_000_000 / 6));
		assert.doesNotThrow(() => assertValidPlan(plan));
	});

	it('splits 64,000,001 bytes into at least two chunks (over 64 MB must be split)', () => {
		const plan = planChunks(64_000_001);
		assert.ok(plan.totalChunkCount >= 2);
		assert.equal(plan.totalChunkCount, Math.floor(64_000_001 / plan.chunkSize));
	});

	it('plans a 4 GB video with every chunk within the limits and 1000 chunks at most', () => {
		const size = 4 * 1024 ** 3;
		const plan = planChunks(size);
		assert.ok(plan.totalChunkCount <= 1000);
		assert.ok(plan.chunkSize >= MiB5 && plan.chunkSize <= 64_000_000);
		const last = chunkRange(plan, plan.totalChunkCount - 1);
		assert.equal(last.end, size - 1);
		assert.ok(last.length - plan.chunkSize < plan.totalChunkCount, 'the final chunk carries fewer extra bytes than there are chunks');
	});

	it('refuses an empty file and a file over 4 GB', () => {
		assert.throws(() => planChunks(0), TikTokError);
		assert.throws(() => planChunks(4 * 1024 ** 3 + 1), /4 GB/);
	});

	it('covers every byte exactly once, in order, for sizes around every boundary', () => {
		for (const size of [1, MiB5 - 1, MiB5, 20_000_000, 63_999_999, 64_000_000, 64_000_001, 123_456_789, 1_000_000_007]) {
			const { plan, all } = ranges(size);
			assert.doesNotThrow(() => assertValidPlan(plan), `size ${size}`);
			let next = 0;
			for (const range of all) {
				assert.equal(range.start, next, `size ${size} chunk ${range.index} starts where the last ended`);
				assert.equal(range.end - range.start + 1, range.length);
				if (range.index < plan.totalChunkCount - 1) assert.equal(range.length, plan.chunkSize);
				next = range.end + 1;
			}
			assert.equal(next, size);
		}
	});

	it("matches TikTok's worked example ranges for a 50,000,123-byte video in 10,000,000-byte chunks", () => {
		const plan = { videoSize: 50_000_123, chunkSize: 10_000_000, totalChunkCount: 5 };
		assertValidPlan(plan);
		assert.equal(contentRangeHeader(plan, chunkRange(plan, 0)), 'bytes 0-9999999/50000123');
		assert.equal(contentRangeHeader(plan, chunkRange(plan, 4)), 'bytes 40000000-50000122/50000123');
	});

	it('names the broken rule when a plan violates TikTok rules', () => {
		assert.throws(() => assertValidPlan({ videoSize: 100_000_000, chunkSize: 100_000_000, totalChunkCount: 1 }), /5,242,880–64,000,000/);
		assert.throws(() => assertValidPlan({ videoSize: 70_000_000, chunkSize: 10_000_000, totalChunkCount: 6 }), /floor/);
		assert.throws(() => assertValidPlan({ videoSize: 4_000_000, chunkSize: 2_000_000, totalChunkCount: 2 }), /whole/);
		assert.throws(() => assertValidPlan({ videoSize: 6_000_000_000, chunkSize: 5_242_880, totalChunkCount: 1144 }), /1–1000/);
		// The 128 MB final-chunk rule follows from the floor rule (final < 2 × chunk_size ≤ 128 MB), so a plan
		// that passes the floor rule always passes it: the largest legal final chunk stays under 128,000,000.
		const largest = { videoSize: 64_000_000 * 3 - 1, chunkSize: 64_000_000, totalChunkCount: 2 };
		assert.doesNotThrow(() => assertValidPlan(largest));
		assert.ok(chunkRange(largest, 1).length < 128_000_000);
	});

	it('keeps chunk size at or above the target so memory stays near one chunk', () => {
		const plan = planChunks(2 * 1024 ** 3);
		assert.ok(plan.chunkSize >= 10_000_000 && plan.chunkSize < 20_000_000);
	});
});
