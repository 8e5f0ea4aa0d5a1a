/** Media n8n downloads itself: a video for TikTok's FILE_UPLOAD, when TikTok may not or cannot pull the URL. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { TikTokError } from '../helpers/errors';
import { executionCancelled, invalidInput, isTikTokError } from '../helpers/errors';
import {
	beyondLimit,
	downloadFailed,
	downloadTimedOut,
	fewerBytesThanDeclared,
	judgeVideoAnswer,
	moreBytesThanDeclared,
} from '../helpers/videoDownload';
import { DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES } from '../helpers/limits';
import type { Deadline, FullResponse } from './http';
import { cancelSignal, failureMessage, sendRequest, startDeadline } from './http';

/** A download that receives nothing for this long fails, whatever its time limit. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** A readable stream as n8n's helpers take it (the lint rules forbid importing node's stream types). */
export type DownloadBody = Exclude<
	Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0],
	Buffer
>;

export interface DownloadLimits {
	/** The most bytes n8n reads: TikTok's maximum video size, or a lower limit the user set. */
	maxBytes: number;
	/**
	 * The most bytes n8n reads when the server declares no size (never more than `maxBytes`); default
	 * DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES: such a body is held whole in n8n's binary data (memory on n8n 1.x).
	 */
	maxUnknownLengthBytes?: number;
	/** Wall-clock time for the whole download, including the upload it feeds as it goes. */
	timeLimitMs: number;
	ignoreSslIssues: boolean;
}

/**
 * Why a download stopped that the download itself knows: the execution was cancelled, or the time limit passed.
 * Undefined for anything else (the server or the network).
 */
function stopReason(
	ctx: IExecuteFunctions,
	url: string,
	deadline: Deadline,
	limits: DownloadLimits,
): TikTokError | undefined {
	if (cancelSignal(ctx)?.aborted) return executionCancelled();
	if (deadline.expired()) return downloadTimedOut(url, limits.timeLimitMs);
	return undefined;
}

/**
 * An open download whose answer passed its checks. Its body is read once, through `pieces()`; `close()` ends the
 * connection, is safe to call at any time and more than once, and is how every failure path lets go of it.
 */
export class VideoDownload {
	private received = 0;
	private closed = false;
	/** The most bytes read: the size limit, or the lower one for a body of unknown length. */
	private get maxBytes(): number {
		const { maxBytes, maxUnknownLengthBytes = DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES } = this.limits;
		return this.length === undefined ? Math.min(maxBytes, maxUnknownLengthBytes) : maxBytes;
	}

	/** Why the node closed the body (limit, deadline), so a reader that meets the closed stream can say so. */
	private reason: TikTokError | undefined;
	private readonly onDeadline = () =>
		this.close(stopReason(this.ctx, this.url, this.deadline, this.limits));

	constructor(
		private readonly ctx: IExecuteFunctions,
		readonly url: string,
		private readonly body: DownloadBody,
		private readonly deadline: Deadline,
		/** Aborts the request: n8n's HTTP layer then closes the connection, even under a body nobody started reading. */
		private readonly request: AbortController,
		private readonly limits: DownloadLimits,
		/** The Content-Length the server declared, if any. */
		readonly length: number | undefined,
		readonly contentType: string | undefined,
	) {
		// Failures reach the reader through its iterator; with no listener a late one (after a destroy) would be uncaught.
		body.on('error', () => {});
		if (deadline.signal.aborted) this.onDeadline();
		else deadline.signal.addEventListener('abort', this.onDeadline, { once: true });
	}

	close(reason?: TikTokError): void {
		this.reason ??= reason;
		if (this.closed) return;
		this.closed = true;
		this.deadline.signal.removeEventListener('abort', this.onDeadline);
		// Aborted through the deadline's signal, the one the request carries; the deadline stops watching after.
		this.request.abort();
		this.deadline.end();
		this.body.destroy();
	}

	/** Why reading stopped, as the error the user reads. */
	explain(failure: unknown): TikTokError {
		if (isTikTokError(failure)) return failure;
		const known = this.reason ?? stopReason(this.ctx, this.url, this.deadline, this.limits);
		if (known) return known;
		if (this.length !== undefined)
			return fewerBytesThanDeclared(this.received, this.length, failureMessage(failure));
		return downloadFailed(this.url, failure);
	}

	/**
	 * The body's pieces, read once. Stops at `maxBytes` + 1 bytes and at a Content-Length the bytes do not match;
	 * closes the connection however it ends.
	 */
	async *pieces(): AsyncGenerator<Uint8Array> {
		const iterator = (this.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
		try {
			for (;;) {
				const next = await iterator.next().then(
					(step) => ({ step }),
					(failure: unknown) => ({ failure }),
				);
				if ('failure' in next) throw this.explain(next.failure);
				if (next.step.done) break;
				this.received += next.step.value.length;
				if (this.received > this.maxBytes) throw this.stop(beyondLimit(this.url, this.maxBytes));
				if (this.length !== undefined && this.received > this.length)
					throw this.stop(moreBytesThanDeclared(this.length));
				yield next.step.value;
			}
			if (this.length !== undefined && this.received < this.length)
				throw fewerBytesThanDeclared(this.received, this.length);
		} finally {
			this.close();
		}
	}

	/**
	 * `source` as a readable stream for n8n's binary store. Made with `Readable.from` of the body's own stream
	 * class: the lint rules forbid importing node's stream module, and n8n's stores need a real stream (its
	 * in-memory mode listens for 'data', its filesystem mode iterates).
	 */
	streamOf(source: AsyncIterable<Uint8Array>): DownloadBody {
		for (
			let proto = Object.getPrototypeOf(this.body) as object | null;
			proto;
			proto = Object.getPrototypeOf(proto) as object | null
		) {
			const Readable = (proto as { constructor?: { name?: string; from?: unknown } }).constructor;
			if (Readable?.name === 'Readable' && typeof Readable.from === 'function') {
				return (
					Readable.from as (
						source: AsyncIterable<Uint8Array>,
						options: { objectMode: boolean },
					) => DownloadBody
				)(source, { objectMode: false });
			}
		}
		throw invalidInput(
			'n8n returned the download in a form the node cannot store',
			'This is a bug in the node; please report it.',
		);
	}

	private stop(error: TikTokError): TikTokError {
		this.close(error);
		return error;
	}
}

/**
 * Starts downloading a video: asks for the file as it is (`Accept-Encoding: identity`), under a wall-clock limit
 * that also covers reading the body later, and checks the answer before reading any of it (HTTP status,
 * compression, a web page, a declared size above the limit). A refused answer is closed at once.
 */
export async function download(
	ctx: IExecuteFunctions,
	url: string,
	limits: DownloadLimits,
): Promise<VideoDownload> {
	const request = new AbortController();
	const deadline = startDeadline(ctx, limits.timeLimitMs, request.signal);
	const sent = await sendRequest<FullResponse<DownloadBody>>(ctx, {
		method: 'GET',
		url,
		// TikTok is told the file's size: a compressed answer would have another.
		headers: { 'Accept-Encoding': 'identity' },
		encoding: 'stream',
		returnFullResponse: true,
		// Statuses are judged here, so an error answer's body is closed rather than left open.
		ignoreHttpStatusErrors: true,
		skipSslCertificateValidation: limits.ignoreSslIssues,
		timeout: Math.min(IDLE_TIMEOUT_MS, limits.timeLimitMs),
		abortSignal: deadline.signal,
	});
	if (!sent.ok) {
		deadline.end();
		throw stopReason(ctx, url, deadline, limits) ?? downloadFailed(url, sent.failure);
	}
	const answer = judgeVideoAnswer(url, sent.response, limits.maxBytes);
	const opened = new VideoDownload(
		ctx,
		url,
		sent.response.body,
		deadline,
		request,
		limits,
		'length' in answer ? answer.length : undefined,
		'contentType' in answer ? answer.contentType : undefined,
	);
	if ('error' in answer) {
		opened.close();
		throw answer.error;
	}
	return opened;
}
