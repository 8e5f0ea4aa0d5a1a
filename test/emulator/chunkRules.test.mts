import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { api, directFileBody, tokenFor } from './testkit.mts';

let emu: TikTokEmulator;
let token: string;
beforeEach(async () => {
	emu = await startEmulator({ rateLimits: { init: 1000 }, directPostsPerDay: 1000 });
	token = tokenFor(emu);
});
afterEach(() => emu.stop());

async function plan(size: number, chunk: number, total: number) {
	return api(emu, 'video/init', token, directFileBody(size, chunk, total));
}

async function accepts(size: number, chunk: number, total: number) {
	const r = await plan(size, chunk, total);
	assert.equal(
		r.status,
		200,
		`${size}/${chunk}/${total}: ${r.text} ${r.headers['x-emulator-detail'] ?? ''}`,
	);
}

/** Rejected with TikTok's exact words; the reason is in X-Emulator-Detail. */
async function rejects(size: number, chunk: number, total: number, detail: RegExp) {
	const r = await plan(size, chunk, total);
	assert.equal(r.status, 400, `${size}/${chunk}/${total} should be rejected`);
	assert.equal(r.json.error.code, 'invalid_params');
	assert.equal(r.json.error.message, 'The chunk size is invalid');
	assert.match(String(r.headers['x-emulator-detail']), detail);
}

describe('video/init chunk rules (§7.1, strict)', () => {
	it("accepts TikTok's worked example: 50,000,123 bytes in 5 chunks of 10,000,000", async () => {
		await accepts(50_000_123, 10_000_000, 5);
	});

	it('accepts a 4,194,304-byte video uploaded whole', async () => {
		await accepts(4_194_304, 4_194_304, 1);
	});

	it('requires total_chunk_count == floor(video_size / chunk_size): the ceiling is rejected', async () => {
		await rejects(50_000_123, 10_000_000, 6, /floor\(video_size \/ chunk_size\) = 5/);
	});

	it('rejects a total_chunk_count below the floor', async () => {
		await rejects(50_000_123, 10_000_000, 4, /= 5/);
	});

	it('rejects total_chunk_count 0', async () => {
		await rejects(10_000_000, 10_000_000, 0, /between 1 and 1,000/);
	});

	it('accepts exactly 1000 chunks and rejects 1001', async () => {
		emu.config.limits.maxVideoSize = 10_000_000_000; // 1000 × 5,242,880 exceeds 4 GB
		await accepts(1000 * 5_242_880, 5_242_880, 1000);
		await rejects(1001 * 5_242_880, 5_242_880, 1001, /between 1 and 1,000/);
	});

	it('uses limits.maxChunkCount as the chunk-count ceiling', async () => {
		emu.config.limits.maxChunkCount = 3;
		await accepts(3 * 5_242_880, 5_242_880, 3);
		await rejects(4 * 5_242_880, 5_242_880, 4, /between 1 and 3/);
	});

	it('requires chunk_size == video_size for a video under 5,242,880 bytes', async () => {
		await accepts(5_242_879, 5_242_879, 1);
		await rejects(4_194_304, 5_242_880, 1, /chunk_size must equal video_size/);
		await rejects(4_194_304, 4_194_303, 1, /chunk_size must equal video_size/);
	});

	it('requires a single chunk for a video under 5,242,880 bytes', async () => {
		await rejects(4_194_304, 4_194_304, 2, /total_chunk_count must be 1/);
	});

	it('accepts a 5,242,880-byte video as one chunk (the smallest chunk_size)', async () => {
		await accepts(5_242_880, 5_242_880, 1);
	});

	it('rejects chunk_size 5,242,879 and accepts 5,242,880 for larger videos', async () => {
		await rejects(10_485_758, 5_242_879, 2, /at least 5,242,880/);
		await accepts(10_485_760, 5_242_880, 2);
	});

	it('accepts chunk_size 64,000,000 and rejects a chunk_size above 64,000,000', async () => {
		await accepts(64_000_000, 64_000_000, 1);
		await rejects(64_000_001, 64_000_001, 1, /at most 64,000,000/);
		await rejects(128_000_002, 64_000_001, 2, /at most 64,000,000/);
	});

	it('requires at least 2 chunks for a video above 64,000,000 bytes', async () => {
		await rejects(100_000_000, 64_000_000, 1, /at least 2 chunks/);
		await accepts(100_000_000, 50_000_000, 2);
	});

	it("merges the remainder into the final chunk, up to 2 × chunk_size − 1 (< 128,000,000 with TikTok's limits)", async () => {
		await accepts(191_999_999, 64_000_000, 2); // final chunk 127,999,999
		await rejects(192_000_000, 64_000_000, 2, /= 3/);
	});

	it('rejects a final chunk above limits.maxFinalChunkSize', async () => {
		emu.config.limits.maxFinalChunkSize = 100_000_000;
		await accepts(150_000_000, 60_000_000, 2); // final chunk 90,000,000
		await rejects(179_000_000, 60_000_000, 2, /final chunk would be 119,000,000 bytes/);
	});

	it('treats chunk_size above video_size as invalid (floor is 0)', async () => {
		await rejects(6_000_000, 10_000_000, 1, /= 0/);
	});
});

describe('video/init chunk rules (lenient)', () => {
	it('accepts the ceiling as total_chunk_count when chunkRules is lenient', async () => {
		emu.config.chunkRules = 'lenient';
		await accepts(50_000_123, 10_000_000, 6);
		await accepts(50_000_123, 10_000_000, 5);
		await rejects(50_000_123, 10_000_000, 7, /= 5 \(or 6\)/);
	});

	it('accepts a chunk_size above video_size for a small video when lenient', async () => {
		emu.config.chunkRules = 'lenient';
		await accepts(4_194_304, 10_000_000, 1);
	});
});

describe('refuseMultiChunkUploads (the refusal reported since about 2026-08-09)', () => {
	it('refuses every multi-chunk init with "The chunk size is invalid" and still accepts one chunk', async () => {
		emu.config.refuseMultiChunkUploads = true;
		await rejects(70_000_000, 35_000_000, 2, /multi-chunk uploads are refused/);
		await rejects(50_000_123, 10_000_000, 5, /multi-chunk uploads are refused/);
		await accepts(64_000_000, 64_000_000, 1);
		await accepts(4_194_304, 4_194_304, 1);
	});

	it('is off by default', async () => {
		await accepts(70_000_000, 35_000_000, 2);
	});
});
