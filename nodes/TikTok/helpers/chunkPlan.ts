import { invalidInput } from './errors';
import {
	DEFAULT_TARGET_CHUNK_BYTES,
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
function planError(message: string, hint = 'This is a bug in the node: please report it with the video size.') {
	return invalidInput(message, hint);
}

/**
 * Splits a video into TikTok's FILE_UPLOAD chunks.
 *
 * TikTok's rules: total = floor(size / chunk_size); chunks are 5 MB–64 MB except the final one, which
 * takes the remainder (≤ 128 MB); files under 5 MB go whole; files over 64 MB must be split; 1–1000 chunks.
 * We split into near-equal chunks of at least `targetChunkSize` so the final chunk exceeds the others by
 * fewer than `totalChunkCount` bytes: memory stays bounded by one chunk.
 */
export function planChunks(videoSize: number, targetChunkSize = DEFAULT_TARGET_CHUNK_BYTES): ChunkPlan {
	if (!Number.isSafeInteger(videoSize) || videoSize <= 0) {
		throw planError('The video file is empty', 'Check the node before this one: it produced a file with no bytes.');
	}
	if (videoSize > MAX_VIDEO_BYTES) {
		throw planError("The video is larger than TikTok's 4 GB limit", 'Compress or trim the video to under 4 GB.');
	}
	const target = Math.min(Math.max(targetChunkSize, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES / 2);
	if (videoSize < MIN_CHUNK_BYTES) {
		return { videoSize, chunkSize: videoSize, totalChunkCount: 1 };
	}
	let totalChunkCount = Math.max(1, Math.floor(videoSize / target));
	if (videoSize > MAX_SINGLE_CHUNK_BYTES) totalChunkCount = Math.max(2, totalChunkCount);
	totalChunkCount = Math.min(totalChunkCount, MAX_CHUNKS);
	let chunkSize = Math.floor(videoSize / totalChunkCount);
	if (chunkSize > MAX_CHUNK_BYTES) {
		// Only reachable with fewer than 2 chunks per 64 MB, i.e. never for sizes within the 4 GB limit.
		totalChunkCount = Math.ceil(videoSize / MAX_CHUNK_BYTES);
		chunkSize = Math.floor(videoSize / totalChunkCount);
	}
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

export function chunkRange(plan: ChunkPlan, index: number): ChunkRange {
	const start = index * plan.chunkSize;
	const length = index === plan.totalChunkCount - 1 ? finalChunkLength(plan) : plan.chunkSize;
	return { index, start, end: start + length - 1, length };
}

export function contentRangeHeader(plan: ChunkPlan, range: ChunkRange): string {
	return `bytes ${range.start}-${range.end}/${plan.videoSize}`;
}
