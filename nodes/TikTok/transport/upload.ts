/** The video upload: its chunks, in order, PUT to the upload URL TikTok's init returned. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { ChunkPlan } from '../helpers/chunkPlan';
import { chunkRange, contentRangeHeader } from '../helpers/chunkPlan';
import { networkFailed, transferFailed, uploadRefused } from '../helpers/errors';
import { UPLOAD_URL_LIFETIME_MS } from '../helpers/limits';
import type { ByteSource } from '../helpers/video';
import { ChunkBody } from './chunkBody';
import type { FullResponse } from './http';
import { backoffMs, isTransientNetworkFailure, pause, refuseRedirect, send } from './http';

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
					throw transferFailed(
						'source_too_short',
						`The video ended after fewer bytes than its reported size (${filled} of ${length} bytes in this chunk)`,
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
			throw transferFailed('source_too_long', 'The video is longer than its reported size, so the upload was stopped before TikTok could publish a cut-off video');
		}
	}

	async close(): Promise<void> {
		await this.iterator.return?.();
	}
}

/**
 * What an upload tells its caller about delivery while it runs, and asks it: the caller decides, after a failure,
 * whether TikTok may have the whole video (and so may post it).
 */
export interface UploadDelivery {
	/** Chunks sent again after a 5xx or no answer. */
	retries: number;
	/** An attempt at the final chunk got no clear answer (none, a 5xx, or cancelled in flight): TikTok may have the whole video. */
	finalMayHaveArrived: boolean;
	/** Whether TikTok says (status/fetch) that it holds the video's first `bytes` bytes; false when it cannot tell. */
	received(bytes: number): Promise<boolean>;
}

/** For an upload whose caller asks nothing of it. */
function untrackedDelivery(): UploadDelivery {
	return { retries: 0, finalMayHaveArrived: false, received: async () => false };
}

/**
 * Uploads a video to TikTok's upload URL chunk by chunk, in order.
 * A chunk that meets a 5xx, a reset connection or a timeout is sent again (TikTok: "retry submitting this
 * chunk"). A retry refused as out of step (416) or as gone (404) may only mean the earlier attempt arrived: when
 * TikTok's Content-Range, or else its status, shows the chunk's bytes, we move on.
 */
export async function uploadVideoChunks(
	ctx: IExecuteFunctions,
	uploadUrl: string,
	plan: ChunkPlan,
	source: ByteSource,
	contentType: string,
	issuedAt: number,
	delivery: UploadDelivery = untrackedDelivery(),
): Promise<UploadReport> {
	const reader = new ChunkReader(source);
	// One buffer for every chunk, sized for the final (longest) one: the upload holds one chunk of memory, never two.
	const buffer = Buffer.allocUnsafe(chunkRange(plan, plan.totalChunkCount - 1).length);
	try {
		for (let index = 0; index < plan.totalChunkCount; index++) {
			const range = chunkRange(plan, index);
			const chunk = buffer.subarray(0, range.length);
			const isFinal = index === plan.totalChunkCount - 1;
			await reader.fill(chunk, range.length);
			if (isFinal) await reader.expectEnd();
			const contentRange = contentRangeHeader(plan, range);
			let ambiguousBefore = false;
			for (let attempt = 1; ; attempt++) {
				if (Date.now() - issuedAt > UPLOAD_URL_LIFETIME_MS) {
					throw uploadRefused(403, 'upload_url_expired');
				}
				const sent = await putChunk(ctx, uploadUrl, chunk, contentType, contentRange);
				const unclear = !sent.ok || sent.response.statusCode >= 500;
				if (unclear && isFinal) delivery.finalMayHaveArrived = true;
				if (!sent.ok) {
					if (ctx.getExecutionCancelSignal()?.aborted) throw sent.failure;
					if (!isTransientNetworkFailure(sent.failure) || attempt >= MAX_ATTEMPTS_PER_CHUNK) {
						throw networkFailed('upload', uploadUrl, sent.failure, `Chunk ${index + 1} of ${plan.totalChunkCount} could not be sent`);
					}
					ambiguousBefore = true;
					delivery.retries++;
					await pause(ctx, backoffMs(attempt));
					continue;
				}
				const { statusCode, headers } = sent.response;
				const reply = headers['content-range'];
				if (statusCode === 206 || statusCode === 201) break;
				if (statusCode === 416 && ambiguousBefore && acknowledges(reply, range.end)) break;
				if ((statusCode === 404 || statusCode === 416) && ambiguousBefore && (await delivery.received(range.end + 1))) break;
				if (statusCode >= 500 && attempt < MAX_ATTEMPTS_PER_CHUNK) {
					ambiguousBefore = true;
					delivery.retries++;
					await pause(ctx, backoffMs(attempt));
					continue;
				}
				throw uploadRefused(statusCode);
			}
		}
	} finally {
		await reader.close();
	}
	return { chunks: plan.totalChunkCount, retries: delivery.retries, bytes: plan.videoSize };
}

/**
 * PUTs one chunk to TikTok's pre-signed upload URL. The URL is opaque (query string included) and needs
 * no Authorization header, so this is a plain request. A redirect is refused, not followed: the video goes to
 * TikTok's host only (and the redirect-following layer takes every write at once, which would let the whole chunk pile
 * up in the TLS socket again).
 * The body streams slices of the chunk buffer as the connection takes them (chunkBody.ts), a fresh stream per
 * attempt; its length is exact, so the request carries Content-Length (TikTok requires it), never chunked encoding.
 */
async function putChunk(ctx: IExecuteFunctions, uploadUrl: string, chunk: Buffer, contentType: string, contentRange: string) {
	const sent = await send<FullResponse>(ctx, {
		method: 'PUT',
		url: uploadUrl,
		body: new ChunkBody(chunk),
		headers: { 'Content-Type': contentType, 'Content-Length': String(chunk.length), 'Content-Range': contentRange },
		json: false,
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		timeout: CHUNK_TIMEOUT_MS,
		abortSignal: ctx.getExecutionCancelSignal(),
	});
	if (sent.ok) refuseRedirect('upload', uploadUrl, sent.response);
	return sent;
}

/** Whether TikTok's `Content-Range: bytes 0-N/total` reply shows every byte up to `lastByte` received. */
export function acknowledges(contentRange: string | string[] | undefined, lastByte: number): boolean {
	const match = /bytes\s+0-(\d+)\//.exec((Array.isArray(contentRange) ? contentRange[0] : contentRange) ?? '');
	return match !== null && Number(match[1]) >= lastByte;
}
