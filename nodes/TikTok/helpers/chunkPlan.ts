import { invalidInput } from './errors';
import {
	MAX_CHUNK_BYTES,
	MAX_CHUNKS,
	MAX_FINAL_CHUNK_BYTES,
	MAX_SINGLE_CHUNK_BYTES,
	MAX_VIDEO_BYTES,
	MIN_CHUNK_BYTES,
} from './limits';

export interface ChunkPlan {
	videoSize: number;
	/** What TikTok calls chunk_size: every chunk but the last has exactly this many bytes. */
	chunkSize: number;
	totalChunkCount: number;
}

export interface ChunkRange {
	index: number;
	/** First byte offset, inclusive. */
	start: number;
	/** Last byte offset, inclusive (as in Content-Range). */
	end: number;
	length: number;
}

/** A plan that breaks one of TikTok's chunk rules: `hint` is what the user can do about it. */
function planError(
	message: string,
	hint = 'This is a bug in the node: please report it with the video size.',
) {
	return invalidInput(message, hint);
}

/**
 * Splits a video into TikTok's FILE_UPLOAD chunks.
 *
 * TikTok's rules: total = floor(size / chunk_size); chunks are 5 MB–64 MB except the final one, which
 * takes the remainder (≤ 128 MB); files under 5 MB go whole; files over 64 MB must be split; 1–1000 chunks.
 *
 * Automatic (`maxChunkBytes` undefined): one request up to 64,000,000 bytes, because TikTok has been reported to
 * refuse multi-chunk uploads (DayMoonDevelopment/post-for-me#327); above that, n = ceil(size / 64,000,000)
 * near-equal chunks of floor(size / n) bytes, the final one carrying the fewer than n bytes left over: so every
 * chunk but the final is at most 64,000,000 bytes, and the final may pass it by up to n − 1 bytes (191,999,999
 * bytes: 2 × 63,999,999 + 64,000,001), which TikTok allows (its final chunk may reach 128 MB). That is at most one
 * chunk more than TikTok's rules allow, and it keeps the upload's one buffer at about 64 MB instead of up to 128 MB. The extra chunk costs
 * little time, because the next chunk's connection is opened while the current one travels (upload.ts); measured in
 * docs/benchmarks.md.
 *
 * A fixed `maxChunkBytes` (the Chunk Size option) bounds memory lower: the same near-equal split at that size, one
 * chunk when the video fits in it.
 */
export function planChunks(videoSize: number, maxChunkBytes?: number): ChunkPlan {
	if (!Number.isSafeInteger(videoSize) || videoSize <= 0) {
		throw planError(
			'The video file is empty',
			'Check the node before this one: it produced a file with no bytes.',
		);
	}
	if (videoSize > MAX_VIDEO_BYTES) {
		throw planError(
			"The video is larger than TikTok's 4 GB limit",
			'Compress or trim the video to under 4 GB.',
		);
	}
	const limit = Math.min(
		Math.max(Math.floor(maxChunkBytes ?? MAX_SINGLE_CHUNK_BYTES), MIN_CHUNK_BYTES),
		MAX_CHUNK_BYTES,
	);
	// Never below TikTok's 5 MiB minimum chunk (a video just over a small Chunk Size goes whole).
	const totalChunkCount = Math.min(
		MAX_CHUNKS,
		Math.max(1, Math.min(Math.ceil(videoSize / limit), Math.floor(videoSize / MIN_CHUNK_BYTES))),
	);
	// floor(size / n) ≤ `limit` bytes per chunk; the final one also carries the fewer than n bytes left over.
	const chunkSize = Math.floor(videoSize / totalChunkCount);
	const plan = { videoSize, chunkSize, totalChunkCount };
	assertValidPlan(plan);
	return plan;
}

/** Checks a plan against TikTok's chunk rules; throws an invalid-input TikTokError naming the rule broken. */
export function assertValidPlan({ videoSize, chunkSize, totalChunkCount }: ChunkPlan): void {
	if (totalChunkCount < 1 || totalChunkCount > MAX_CHUNKS) {
		throw planError(`total_chunk_count must be 1–${MAX_CHUNKS}`);
	}
	if (totalChunkCount !== Math.floor(videoSize / chunkSize)) {
		throw planError('total_chunk_count must equal floor(video_size / chunk_size)');
	}
	if (videoSize < MIN_CHUNK_BYTES) {
		if (chunkSize !== videoSize || totalChunkCount !== 1) {
			throw planError('a video under 5 MB must be uploaded whole');
		}
		return;
	}
	if (chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES) {
		throw planError('chunk_size must be 5,242,880–64,000,000 bytes');
	}
	if (videoSize > MAX_SINGLE_CHUNK_BYTES && totalChunkCount < 2) {
		throw planError('a video over 64,000,000 bytes must be split');
	}
	if (finalChunkLength({ videoSize, chunkSize, totalChunkCount }) > MAX_FINAL_CHUNK_BYTES) {
		throw planError('the final chunk must be at most 128,000,000 bytes');
	}
}

function finalChunkLength({ videoSize, chunkSize, totalChunkCount }: ChunkPlan): number {
	return videoSize - (totalChunkCount - 1) * chunkSize;
}

/** The largest chunk of a plan (the final one): what the upload holds in memory at once. */
export function largestChunkLength(plan: ChunkPlan): number {
	return finalChunkLength(plan);
}

export function chunkRange(plan: ChunkPlan, index: number): ChunkRange {
	const start = index * plan.chunkSize;
	const length = index === plan.totalChunkCount - 1 ? finalChunkLength(plan) : plan.chunkSize;
	return { index, start, end: start + length - 1, length };
}

export function contentRangeHeader(plan: ChunkPlan, range: ChunkRange): string {
	return `bytes ${range.start}-${range.end}/${plan.videoSize}`;
}
