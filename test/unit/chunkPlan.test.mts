import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	assertValidPlan,
	chunkRange,
	contentRangeHeader,
	largestChunkLength,
	planChunks,
	type ChunkPlan,
} from '../../nodes/TikTok/helpers/chunkPlan.ts';
import { TikTokError } from './commonjs.mts';

const MiB5 = 5 * 1024 * 1024;

const MB64 = 64_000_000;
const MB128 = 128_000_000;
const GiB4 = 4 * 1024 ** 3;

/** Every byte covered once, in order; every chunk but the last exactly chunk_size; TikTok's rules hold. */
function assertCovers(plan: ChunkPlan, label: string) {
	assert.doesNotThrow(() => assertValidPlan(plan), label);
	let next = 0;
	for (let index = 0; index < plan.totalChunkCount; index++) {
		const range = chunkRange(plan, index);
		assert.equal(range.start, next, `${label}: chunk ${index} starts where the last ended`);
		assert.equal(range.end - range.start + 1, range.length);
		if (index < plan.totalChunkCount - 1) assert.equal(range.length, plan.chunkSize, label);
		next = range.end + 1;
	}
	assert.equal(next, plan.videoSize, label);
}

describe('chunk planner, Automatic: one chunk up to 64,000,000 bytes, then the fewest chunks of at most 64,000,000', () => {
	it('sends a video up to 64,000,000 bytes as one chunk of its own size, at every boundary', () => {
		for (const size of [
			1,
			4_194_304,
			MiB5 - 1,
			MiB5,
			MiB5 + 1,
			20_000_000,
			50_000_123,
			MB64 - 1,
			MB64,
		]) {
			assert.deepEqual(
				planChunks(size),
				{ videoSize: size, chunkSize: size, totalChunkCount: 1 },
				`size ${size}`,
			);
		}
	});

	it('splits 64,000,001 bytes (over 64 MB must be split) into two near-equal chunks', () => {
		assert.deepEqual(planChunks(MB64 + 1), {
			videoSize: MB64 + 1,
			chunkSize: 32_000_000,
			totalChunkCount: 2,
		});
		assert.equal(chunkRange(planChunks(MB64 + 1), 1).length, 32_000_001);
	});

	it('uses two chunks up to 128,000,000 bytes, three from 128,000,001', () => {
		assert.deepEqual(planChunks(70_000_000), {
			videoSize: 70_000_000,
			chunkSize: 35_000_000,
			totalChunkCount: 2,
		});
		assert.deepEqual(planChunks(MB128 - 1), {
			videoSize: MB128 - 1,
			chunkSize: 63_999_999,
			totalChunkCount: 2,
		});
		assert.deepEqual(planChunks(MB128), { videoSize: MB128, chunkSize: MB64, totalChunkCount: 2 });
		assert.deepEqual(planChunks(MB128 + 1), {
			videoSize: MB128 + 1,
			chunkSize: 42_666_667,
			totalChunkCount: 3,
		});
		assert.equal(chunkRange(planChunks(MB128 + 1), 2).length, 42_666_667);
	});

	it('never holds more than 64,000,000 bytes plus fewer bytes than there are chunks: the final chunk included', () => {
		for (const size of [
			MB64 + 1,
			99_999_999,
			MB128 - 1,
			MB128,
			MB128 + 1,
			3 * MB64 - 1,
			3 * MB64,
			3 * MB64 + 1,
			1_000_000_000,
			1_000_000_007,
			GiB4 - 1,
			GiB4,
		]) {
			const plan = planChunks(size);
			assert.ok(plan.chunkSize <= MB64, `size ${size}: chunk_size ${plan.chunkSize}`);
			assert.ok(
				largestChunkLength(plan) < MB64 + plan.totalChunkCount,
				`size ${size}: final chunk ${largestChunkLength(plan)}`,
			);
		}
	});

	it('plans 1 GB as 16 chunks of 62,500,000 bytes and 4 GB as 68 chunks', () => {
		const gb = planChunks(1_000_000_000);
		assert.deepEqual(gb, { videoSize: 1_000_000_000, chunkSize: 62_500_000, totalChunkCount: 16 });
		assert.equal(largestChunkLength(gb), 62_500_000);
		const max = planChunks(GiB4);
		assert.deepEqual(max, {
			videoSize: GiB4,
			chunkSize: Math.floor(GiB4 / 68),
			totalChunkCount: 68,
		});
		assert.equal(largestChunkLength(max), GiB4 - 67 * Math.floor(GiB4 / 68));
	});

	it('uses the fewest chunks of at most 64,000,000 bytes: one chunk fewer would need a chunk over 64 MB', () => {
		for (const size of [
			MB64 + 1,
			99_999_999,
			MB128 - 1,
			MB128,
			MB128 + 1,
			200_000_000,
			1_000_000_007,
			GiB4,
		]) {
			const { totalChunkCount: n } = planChunks(size);
			assert.ok(
				size / (n - 1) > MB64,
				`size ${size}: ${n - 1} chunks would need a chunk over 64 MB`,
			);
		}
	});

	it('is Chunk Size 64 MB: Automatic differs only in sending up to 64,000,000 bytes whole', () => {
		for (const size of [MB64 + 1, MB128 + 1, 1_000_000_000, GiB4])
			assert.deepEqual(planChunks(size), planChunks(size, MB64), `size ${size}`);
	});

	it('covers every byte exactly once, in order, for sizes around every boundary', () => {
		for (const size of [
			1,
			MiB5 - 1,
			MiB5,
			20_000_000,
			MB64 - 1,
			MB64,
			MB64 + 1,
			123_456_789,
			MB128 - 1,
			MB128,
			MB128 + 1,
			3 * MB64 - 1,
			3 * MB64,
			1_000_000_007,
			GiB4,
		]) {
			assertCovers(planChunks(size), `size ${size}`);
		}
	});

	it('refuses an empty file and a file over 4 GB', () => {
		assert.throws(() => planChunks(0), TikTokError);
		assert.throws(() => planChunks(GiB4 + 1), /4 GB/);
		assert.doesNotThrow(() => planChunks(GiB4));
	});
});

describe('chunk planner, a fixed Chunk Size: near-equal chunks of at most that size (memory ≈ one chunk)', () => {
	it('sends a video that fits in one chunk whole', () => {
		assert.deepEqual(planChunks(8_000_000, 8_000_000), {
			videoSize: 8_000_000,
			chunkSize: 8_000_000,
			totalChunkCount: 1,
		});
		assert.deepEqual(planChunks(3_000_000, 8_000_000), {
			videoSize: 3_000_000,
			chunkSize: 3_000_000,
			totalChunkCount: 1,
		});
	});

	it('never plans a chunk under 5 MiB: a video just over the size stays whole until it can be split', () => {
		assert.deepEqual(planChunks(8_000_001, 8_000_000), {
			videoSize: 8_000_001,
			chunkSize: 8_000_001,
			totalChunkCount: 1,
		});
		assert.deepEqual(planChunks(2 * MiB5, 8_000_000), {
			videoSize: 2 * MiB5,
			chunkSize: MiB5,
			totalChunkCount: 2,
		});
	});

	it('keeps every chunk, the final one included, within the size plus fewer bytes than there are chunks', () => {
		for (const limit of [8_000_000, 16_000_000, 32_000_000, MB64]) {
			for (const size of [MB64 + 1, 70_000_000, 1_000_000_000, GiB4]) {
				const plan = planChunks(size, limit);
				assertCovers(plan, `size ${size} limit ${limit}`);
				assert.ok(plan.chunkSize <= limit, `size ${size} limit ${limit}`);
				assert.ok(
					largestChunkLength(plan) < limit + plan.totalChunkCount,
					`size ${size} limit ${limit}: final chunk`,
				);
				assert.ok(plan.totalChunkCount <= 1000);
			}
		}
	});

	it('clamps a size outside 5,242,880–64,000,000 bytes to TikTok limits', () => {
		assert.equal(planChunks(1_000_000_000, 1_000).chunkSize >= MiB5, true);
		assert.equal(planChunks(1_000_000_000, 500_000_000).chunkSize <= MB64, true);
	});
});

describe('chunk plan rules', () => {
	it("matches TikTok's worked example ranges for a 50,000,123-byte video in 10,000,000-byte chunks", () => {
		const plan = { videoSize: 50_000_123, chunkSize: 10_000_000, totalChunkCount: 5 };
		assertValidPlan(plan);
		assert.equal(contentRangeHeader(plan, chunkRange(plan, 0)), 'bytes 0-9999999/50000123');
		assert.equal(contentRangeHeader(plan, chunkRange(plan, 4)), 'bytes 40000000-50000122/50000123');
	});

	it('names the broken rule when a plan violates TikTok rules', () => {
		assert.throws(
			() => assertValidPlan({ videoSize: 100_000_000, chunkSize: 100_000_000, totalChunkCount: 1 }),
			/5,242,880–64,000,000/,
		);
		assert.throws(
			() => assertValidPlan({ videoSize: 70_000_000, chunkSize: 10_000_000, totalChunkCount: 6 }),
			/floor/,
		);
		assert.throws(
			() => assertValidPlan({ videoSize: 4_000_000, chunkSize: 2_000_000, totalChunkCount: 2 }),
			/whole/,
		);
		assert.throws(
			() =>
				assertValidPlan({ videoSize: 6_000_000_000, chunkSize: 5_242_880, totalChunkCount: 1144 }),
			/1–1000/,
		);
		// The 128 MB final-chunk rule follows from the floor rule (final < 2 × chunk_size ≤ 128 MB), so a plan
		// that passes the floor rule always passes it: the largest legal final chunk stays under 128,000,000.
		const largest = { videoSize: MB64 * 3 - 1, chunkSize: MB64, totalChunkCount: 2 };
		assert.doesNotThrow(() => assertValidPlan(largest));
		assert.ok(chunkRange(largest, 1).length < MB128);
	});
});
