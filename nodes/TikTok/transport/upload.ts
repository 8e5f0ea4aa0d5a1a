/** The video upload: its chunks, in order, PUT to the upload URL TikTok's init returned. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { ChunkPlan, ChunkRange } from '../helpers/chunkPlan';
import { chunkRange, contentRangeHeader } from '../helpers/chunkPlan';
import { networkFailed, transferFailed, uploadRefused } from '../helpers/errors';
import { UPLOAD_URL_LIFETIME_MS } from '../helpers/limits';
import type { ByteSource } from '../helpers/video';
import { ChunkBody } from './chunkBody';
import type { FullResponse, HttpOutcome } from './http';
import { backoffMs, isTransientNetworkFailure, pause, refuseRedirect, sendRequest } from './http';

export interface UploadReport {
	chunks: number;
	retries: number;
	bytes: number;
}

const MAX_ATTEMPTS_PER_CHUNK = 6;
/**
 * How long a connection opened early may wait for its chunk. It waits about a round trip plus the next chunk's read;
 * a slow source (a download feeding the upload) can make that long, and servers close idle connections.
 */
const MAX_HOLD_MS = 20_000;
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
			throw transferFailed(
				'source_too_long',
				'The video is longer than its reported size, so the upload was stopped before TikTok could publish a cut-off video',
			);
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
 *
 * n8n's request helper opens a new connection for every request (docs/benchmarks.md), so each chunk would pay a TCP
 * and a TLS handshake between chunks. Instead, once a chunk's body is all in its connection, the next chunk's request
 * is opened held (chunkBody.ts): its handshakes happen while the current chunk travels, and it sends nothing, not even
 * headers, until the current chunk is answered and the buffer holds the next chunk. TikTok still sees one request at a
 * time, in order. A held request that sent nothing and failed or was answered anyway is replaced by a fresh one: the
 * server never saw it, so it is no attempt.
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
	const requestFor = (range: ChunkRange, held: boolean) =>
		openChunkRequest(
			ctx,
			uploadUrl,
			range.index,
			buffer.subarray(0, range.length),
			contentType,
			contentRangeHeader(plan, range),
			held,
		);
	/** The next chunk's request, opened while the current one is on its way. */
	let early: ChunkRequest | undefined;
	/** The request opened early for chunk `index`, while it is fresh; any other one is called off. */
	const takeEarly = async (index?: number): Promise<ChunkRequest | undefined> => {
		const taken = early;
		early = undefined;
		if (taken && taken.index === index && Date.now() - taken.openedAt <= MAX_HOLD_MS) return taken;
		await taken?.cancel();
		return undefined;
	};
	/** Sends `request`'s body now; once it is all in the connection, opens the request after it, held. */
	const attempt = async (
		request: ChunkRequest,
		next: ChunkRange | undefined,
	): Promise<HttpOutcome<FullResponse>> => {
		request.body.release();
		let answered = false;
		if (next) {
			void request.body.handedOver.then(() => {
				if (!answered) early = requestFor(next, true);
			});
		}
		const sent = await request.sent;
		answered = true;
		return sent;
	};
	try {
		for (let index = 0; index < plan.totalChunkCount; index++) {
			const range = chunkRange(plan, index);
			const isFinal = index === plan.totalChunkCount - 1;
			const next = isFinal ? undefined : chunkRange(plan, index + 1);
			await reader.fill(buffer.subarray(0, range.length), range.length);
			if (isFinal) await reader.expectEnd();
			let ambiguousBefore = false;
			for (let attemptNumber = 1; ; attemptNumber++) {
				if (Date.now() - issuedAt > UPLOAD_URL_LIFETIME_MS) {
					throw uploadRefused(403, 'upload_url_expired');
				}
				const held = await takeEarly(index);
				let sent = await attempt(held ?? requestFor(range, false), next);
				if (held && !held.body.wroteAny && !ctx.getExecutionCancelSignal()?.aborted) {
					// The held connection closed (or was answered) before its request was sent: TikTok saw nothing.
					await held.cancel();
					sent = await attempt(requestFor(range, false), next);
				}
				const accepted =
					sent.ok && (sent.response.statusCode === 206 || sent.response.statusCode === 201);
				// This chunk goes again or the upload ends: the next chunk's request is not wanted now.
				if (!accepted) await takeEarly();
				const unclear = !sent.ok || sent.response.statusCode >= 500;
				if (unclear && isFinal) delivery.finalMayHaveArrived = true;
				if (!sent.ok) {
					if (ctx.getExecutionCancelSignal()?.aborted) throw sent.failure;
					if (!isTransientNetworkFailure(sent.failure) || attemptNumber >= MAX_ATTEMPTS_PER_CHUNK) {
						throw networkFailed(
							'upload',
							uploadUrl,
							sent.failure,
							`Chunk ${index + 1} of ${plan.totalChunkCount} could not be sent`,
						);
					}
					ambiguousBefore = true;
					delivery.retries++;
					await pause(ctx, backoffMs(attemptNumber));
					continue;
				}
				refuseRedirect('upload', uploadUrl, sent.response);
				const { statusCode, headers } = sent.response;
				const reply = headers['content-range'];
				if (accepted) break;
				if (statusCode === 416 && ambiguousBefore && acknowledges(reply, range.end)) break;
				if (
					(statusCode === 404 || statusCode === 416) &&
					ambiguousBefore &&
					(await delivery.received(range.end + 1))
				)
					break;
				if (statusCode >= 500 && attemptNumber < MAX_ATTEMPTS_PER_CHUNK) {
					ambiguousBefore = true;
					delivery.retries++;
					await pause(ctx, backoffMs(attemptNumber));
					continue;
				}
				throw uploadRefused(statusCode);
			}
		}
	} finally {
		await takeEarly();
		await reader.close();
	}
	return { chunks: plan.totalChunkCount, retries: delivery.retries, bytes: plan.videoSize };
}

/** A chunk PUT under way: its body (held or flowing), its answer to come, and a way to call it off. */
interface ChunkRequest {
	/** The chunk it sends. */
	index: number;
	body: ChunkBody;
	sent: Promise<HttpOutcome<FullResponse>>;
	openedAt: number;
	/** Aborts the request (a held one sends nothing) and waits until n8n's helper has let go of it. */
	cancel(): Promise<void>;
}

/**
 * PUTs one chunk to TikTok's pre-signed upload URL. The URL is opaque (query string included) and needs
 * no Authorization header, so this is a plain request. A redirect is refused, not followed: the video goes to
 * TikTok's host only (and the redirect-following layer takes every write at once, which would let the whole chunk pile
 * up in the TLS socket again).
 * The body streams slices of the chunk buffer as the connection takes them (chunkBody.ts), a fresh stream per
 * attempt; its length is exact, so the request carries Content-Length (TikTok requires it), never chunked encoding.
 */
function openChunkRequest(
	ctx: IExecuteFunctions,
	uploadUrl: string,
	index: number,
	chunk: Buffer,
	contentType: string,
	contentRange: string,
	held: boolean,
): ChunkRequest {
	const body = new ChunkBody(chunk, { held });
	const abort = new AbortController();
	const cancelled = ctx.getExecutionCancelSignal();
	const sent = sendRequest<FullResponse>(ctx, {
		method: 'PUT',
		url: uploadUrl,
		body,
		headers: {
			'Content-Type': contentType,
			'Content-Length': String(chunk.length),
			'Content-Range': contentRange,
		},
		json: false,
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		timeout: CHUNK_TIMEOUT_MS,
		abortSignal: cancelled ? AbortSignal.any([cancelled, abort.signal]) : abort.signal,
	});
	return {
		index,
		body,
		sent,
		openedAt: Date.now(),
		cancel: async () => {
			body.withdraw();
			abort.abort();
			await sent;
		},
	};
}

/** Whether TikTok's `Content-Range: bytes 0-N/total` reply shows every byte up to `lastByte` received. */
export function acknowledges(
	contentRange: string | string[] | undefined,
	lastByte: number,
): boolean {
	const match = /bytes\s+0-(\d+)\//.exec(
		(Array.isArray(contentRange) ? contentRange[0] : contentRange) ?? '',
	);
	return match !== null && Number(match[1]) >= lastByte;
}
