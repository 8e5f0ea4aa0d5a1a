import type { IExecuteFunctions } from 'n8n-workflow';

import type { ChunkPlan } from '../helpers/chunkPlan';
import { chunkRange, contentRangeHeader } from '../helpers/chunkPlan';
import { UPLOAD_URL_LIFETIME_MS } from '../helpers/limits';
import { settle } from '../helpers/settle';
import { TikTokApiError, backoffMs, isTransientNetworkFailure, pause, putChunk } from './index';

/**
 * A video's bytes, in pieces. A piece is only valid until the next one is requested (the source may free or
 * reuse its memory then): consumers copy whatever they keep longer.
 */
export type ByteSource = AsyncIterable<Uint8Array>;

type DetachableArrayBuffer = ArrayBuffer & { transfer?: (newLength: number) => ArrayBuffer; detached?: boolean };

/**
 * Yields the pieces of a stream whose buffers nobody else holds (n8n's binary-store streams), freeing each
 * piece's memory as soon as the next is requested. Left to the garbage collector, those buffers pile up as
 * external memory that makes V8 mark n8n's whole heap every ~40 MB read: for a large video that was most of
 * the upload's time and several chunks of extra memory (docs/benchmarks.md). Detaching an ArrayBuffer
 * (`transfer(0)`, Node 21+) releases its memory at once; older runtimes just leave it to the collector.
 */
export async function* releasingPieces(pieces: AsyncIterable<Uint8Array>): ByteSource {
	for await (const piece of pieces) {
		yield piece;
		release(piece);
	}
}

function release(piece: Uint8Array): void {
	const whole = piece.buffer as DetachableArrayBuffer;
	// Only a piece that spans its whole ArrayBuffer: a view may share memory with data that is still in use.
	if (piece.byteOffset !== 0 || piece.byteLength !== whole.byteLength || whole.byteLength === 0) return;
	if (typeof whole.transfer !== 'function' || whole.detached === true) return;
	whole.transfer(0);
}

export interface UploadReport {
	chunks: number;
	retries: number;
	bytes: number;
}

const MAX_ATTEMPTS_PER_CHUNK = 6;
/** Time allowed for one chunk PUT: generous for slow links, short enough not to hang a worker. */
const CHUNK_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Reads exactly `length` bytes into `target` from a byte source, keeping any surplus for the next call.
 * Only one chunk of the video is ever held in memory.
 */
class ChunkReader {
	private iterator: AsyncIterator<Uint8Array>;
	private leftover: Uint8Array | undefined;

	constructor(source: ByteSource) {
		this.iterator = source[Symbol.asyncIterator]();
	}

	async fill(target: Buffer, length: number): Promise<void> {
		let filled = 0;
		while (filled < length) {
			let piece = this.leftover;
			this.leftover = undefined;
			if (!piece) {
				const next = await this.iterator.next();
				if (next.done) {
					throw new TikTokApiError(
						'source_too_short',
						`The video ended after fewer bytes than its reported size (${filled} of ${length} bytes in this chunk)`,
						undefined,
						undefined,
					);
				}
				piece = next.value;
			}
			const take = Math.min(piece.length, length - filled);
			target.set(piece.subarray(0, take), filled);
			filled += take;
			if (take < piece.length) this.leftover = piece.subarray(take);
		}
	}

	/** Fails when the source holds more bytes than planned: better no post than a truncated one. */
	async expectEnd(): Promise<void> {
		const next = this.leftover ? { done: false } : await this.iterator.next();
		if (!next.done) {
			throw new TikTokApiError('source_too_long', 'The video is longer than its reported size, so the upload was stopped before TikTok could publish a cut-off video', undefined, undefined);
		}
	}

	async close(): Promise<void> {
		await this.iterator.return?.();
	}
}

/**
 * Uploads a video to TikTok's upload URL chunk by chunk, in order.
 * A chunk that meets a 5xx, a reset connection or a timeout is sent again (TikTok: "retry submitting this
 * chunk"); when a retry is answered 416 but TikTok's Content-Range shows the chunk arrived, we move on.
 */
export async function uploadVideoChunks(
	ctx: IExecuteFunctions,
	uploadUrl: string,
	plan: ChunkPlan,
	source: ByteSource,
	contentType: string,
	issuedAt: number,
): Promise<UploadReport> {
	const reader = new ChunkReader(source);
	// One buffer for every chunk, sized for the final (longest) one: the upload holds one chunk of memory, never two.
	const buffer = Buffer.allocUnsafe(chunkRange(plan, plan.totalChunkCount - 1).length);
	let retries = 0;
	try {
		for (let index = 0; index < plan.totalChunkCount; index++) {
			const range = chunkRange(plan, index);
			const chunk = buffer.subarray(0, range.length);
			await reader.fill(chunk, range.length);
			if (index === plan.totalChunkCount - 1) await reader.expectEnd();
			const contentRange = contentRangeHeader(plan, range);
			let ambiguousBefore = false;
			for (let attempt = 1; ; attempt++) {
				if (Date.now() - issuedAt > UPLOAD_URL_LIFETIME_MS) {
					throw new TikTokApiError('upload_url_expired', 'The upload link expired before the upload finished', undefined, 403);
				}
				const outcome = await settle(putChunk(ctx, uploadUrl, chunk, { contentType, contentRange }, CHUNK_TIMEOUT_MS));
				if (!outcome.ok) {
					if (ctx.getExecutionCancelSignal()?.aborted) throw outcome.error;
					if (!isTransientNetworkFailure(outcome.error) || attempt >= MAX_ATTEMPTS_PER_CHUNK) {
						const message = String((outcome.error as Error)?.message);
						throw new TikTokApiError('upload_failed', `Chunk ${index + 1} of ${plan.totalChunkCount} could not be sent: ${message}`, undefined, undefined);
					}
					ambiguousBefore = true;
					retries++;
					await pause(ctx, backoffMs(attempt));
					continue;
				}
				const { statusCode, contentRange: reply } = outcome.value;
				if (statusCode === 206 || statusCode === 201) break;
				if (statusCode === 416 && ambiguousBefore && acknowledges(reply, range.end)) break;
				if (statusCode >= 500 && attempt < MAX_ATTEMPTS_PER_CHUNK) {
					ambiguousBefore = true;
					retries++;
					await pause(ctx, backoffMs(attempt));
					continue;
				}
				throw new TikTokApiError(`upload_http_${statusCode}`, `TikTok's upload server answered HTTP ${statusCode} to chunk ${index + 1} of ${plan.totalChunkCount}`, undefined, statusCode);
			}
		}
	} finally {
		await reader.close();
	}
	return { chunks: plan.totalChunkCount, retries, bytes: plan.videoSize };
}

/** Whether TikTok's `Content-Range: bytes 0-N/total` reply shows every byte up to `lastByte` received. */
export function acknowledges(contentRange: string | undefined, lastByte: number): boolean {
	const match = /bytes\s+0-(\d+)\//.exec(contentRange ?? '');
	return match !== null && Number(match[1]) >= lastByte;
}
