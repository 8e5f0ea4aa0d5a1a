/**
 * Rules for a video n8n downloads from a URL itself: what the media server's answer means before its body is read,
 * what its first bytes say, and whether an MP4/MOV that ended where its Content-Length said is whole.
 */
import type { TikTokError } from './errors';
import { networkFailed, sourceProblem } from './errors';
import { redactUrl, redactUrlsIn } from './redact';

/** The part of an HTTP answer the rules look at. */
export interface MediaAnswer {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
}

function header(answer: MediaAnswer, name: string): string | undefined {
	const value = answer.headers[name];
	return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

/** Bytes as people read them: "2 MB" for 2,097,152 (1 MB = 1,048,576 bytes, as the size limit option counts). */
export function megabytes(bytes: number): string {
	const mb = bytes / 1024 / 1024;
	return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

const WEB_PAGE_TYPES = ['text/html', 'application/xhtml+xml'];

/**
 * Judges an answer before any of its body is read: an HTTP error, a compressed or web-page answer, or a declared
 * size above `maxBytes` is refused (the caller closes the connection); otherwise the declared size, if any.
 */
export function judgeVideoAnswer(
	url: string,
	answer: MediaAnswer,
	maxBytes: number,
): { error: TikTokError } | { length?: number; contentType?: string } {
	const { statusCode } = answer;
	if (statusCode < 200 || statusCode >= 300) return { error: httpError(url, statusCode) };
	// n8n's HTTP layer decompresses gzip, deflate and brotli itself and drops their header; what still shows is refused.
	const encoding = header(answer, 'content-encoding');
	if (encoding && encoding.toLowerCase() !== 'identity') {
		return {
			error: sourceProblem(
				'download_encoded',
				`The media server sent the video compressed (Content-Encoding: ${encoding}): "${redactUrl(url)}"`,
			),
		};
	}
	const contentType = header(answer, 'content-type');
	if (contentType && WEB_PAGE_TYPES.includes(contentType.split(';')[0].trim().toLowerCase())) {
		return { error: notAVideo(url, contentType) };
	}
	const declared = header(answer, 'content-length');
	const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
	if (length !== undefined && length > maxBytes) {
		return {
			error: sourceProblem(
				'download_too_large',
				`The video at "${redactUrl(url)}" is ${length} bytes (${megabytes(length)}), more than the download limit of ${megabytes(maxBytes)}; n8n did not download it`,
			),
		};
	}
	return { length, contentType };
}

function httpError(url: string, status: number): TikTokError {
	return sourceProblem(
		'download_http_error',
		`The video URL answered HTTP ${status} instead of the video: "${redactUrl(url)}"`,
		{ http_status: status },
	);
}

/**
 * A request for the video that brought no usable answer, as the fix: a redirect loop or an HTTP error is the URL's
 * problem (download_http_error); no answer at all is told apart like any request (helpers/networkErrors.ts: DNS,
 * refused, certificate, timeout) with the fix for a video's server. Redirects are followed (a media host often
 * redirects; the request carries nothing secret), so only a loop fails.
 */
export function downloadFailed(url: string, failure: unknown): TikTokError {
	const error = failure as
		{ message?: unknown; code?: unknown; response?: { status?: number } } | undefined;
	if (
		error?.code === 'ERR_FR_TOO_MANY_REDIRECTS' ||
		/maximum number of redirects/i.test(String(error?.message ?? ''))
	) {
		return sourceProblem(
			'download_http_error',
			`The video URL redirects too many times (a redirect loop): "${redactUrl(url)}"`,
		);
	}
	const status = error?.response?.status;
	return status === undefined ? networkFailed('download', url, failure) : httpError(url, status);
}

/** The URL answered with something other than a video: a web page (by its type or its first bytes) or other content. */
export function notAVideo(
	url: string,
	contentType: string | undefined,
	head: Uint8Array = new Uint8Array(0),
): TikTokError {
	const type = contentType ? `Content-Type ${contentType}` : 'no Content-Type';
	const text = Buffer.from(head).toString('latin1').trimStart().toLowerCase();
	const page =
		WEB_PAGE_TYPES.includes((contentType ?? '').split(';')[0].trim().toLowerCase()) ||
		text.startsWith('<!doctype html') ||
		text.startsWith('<html');
	return sourceProblem(
		'download_not_video',
		page
			? `The URL returned a web page, not a video (${type}): "${redactUrl(url)}"`
			: `The URL did not return a video TikTok accepts (MP4, MOV or WebM, judged by its first bytes; ${type}): "${redactUrl(url)}"`,
	);
}

/** More bytes than the download limit arrived from a server that declared no size. */
export function beyondLimit(url: string, maxBytes: number): TikTokError {
	return sourceProblem(
		'download_too_large',
		`The video at "${redactUrl(url)}" is larger than the download limit of ${megabytes(maxBytes)}: the server sent no size, so n8n stopped reading after ${maxBytes + 1} bytes`,
	);
}

/** The whole download did not finish within its time limit. */
export function downloadTimedOut(url: string, timeLimitMs: number): TikTokError {
	const seconds = timeLimitMs / 1000;
	const limit =
		seconds < 60
			? `${Math.round(seconds * 10) / 10} seconds`
			: `${Math.round(seconds / 6) / 10} minutes`;
	return sourceProblem(
		'download_timed_out',
		`The video download from "${redactUrl(url)}" did not finish within its time limit of ${limit}`,
	);
}

/** The body ended, or broke off, before the bytes its Content-Length announced. */
export function fewerBytesThanDeclared(
	received: number,
	declared: number,
	cause?: string,
): TikTokError {
	return sourceProblem(
		'source_too_short',
		`The media server sent ${received} of the ${declared} bytes its Content-Length announced${cause ? `, then the download broke off (${redactUrlsIn(cause)})` : ''}`,
	);
}

/** More bytes arrived than the Content-Length announced (an answer n8n's HTTP layer decompressed on its own). */
export function moreBytesThanDeclared(declared: number): TikTokError {
	return sourceProblem(
		'source_too_long',
		`The media server sent more bytes than its Content-Length of ${declared} bytes announced`,
	);
}

/**
 * Follows the top-level boxes of an MP4/MOV byte stream (each starts with its size) so that, at the end, it can
 * tell whether the stream stopped inside a box: what a Content-Length shorter than the file looks like, since
 * n8n's HTTP layer reads exactly the declared bytes and drops the rest. Media data is skipped, never kept.
 */
export class TopLevelBoxes {
	private skip = 0;
	private readonly header = new Uint8Array(16);
	private headerFill = 0;
	private headerLength = 8;
	/** A box of size 0 runs to the end of the file, and an impossible size ends what can be checked. */
	private unchecked = false;

	push(piece: Uint8Array): void {
		let at = 0;
		while (at < piece.length && !this.unchecked) {
			if (this.skip > 0) {
				const skipped = Math.min(this.skip, piece.length - at);
				this.skip -= skipped;
				at += skipped;
				continue;
			}
			const take = Math.min(this.headerLength - this.headerFill, piece.length - at);
			this.header.set(piece.subarray(at, at + take), this.headerFill);
			this.headerFill += take;
			at += take;
			if (this.headerFill < this.headerLength) continue;
			const view = new DataView(this.header.buffer);
			let size = view.getUint32(0);
			if (size === 1 && this.headerLength === 8) {
				this.headerLength = 16; // a 64-bit size follows the type
				continue;
			}
			if (this.headerLength === 16) size = view.getUint32(8) * 2 ** 32 + view.getUint32(12);
			if (size === 0 || size < this.headerLength) this.unchecked = true;
			else this.skip = size - this.headerLength;
			this.headerFill = 0;
			this.headerLength = 8;
		}
	}

	/** How many more bytes the box the stream stopped in needs (0 when it stopped between boxes). */
	missingBytes(): number {
		return this.unchecked ? 0 : this.skip;
	}
}

/**
 * Passes an MP4/MOV stream through and, when it ends inside a box, fails with source_too_long: the server's
 * Content-Length (`declared`) was shorter than its file, so uploading would publish a cut-off video.
 */
export async function* wholeMp4(
	source: AsyncIterable<Uint8Array>,
	declared: number,
): AsyncGenerator<Uint8Array> {
	const boxes = new TopLevelBoxes();
	for await (const piece of source) {
		boxes.push(piece);
		yield piece;
	}
	const missing = boxes.missingBytes();
	if (missing > 0) {
		throw sourceProblem(
			'source_too_long',
			`The video is cut off: the server's Content-Length of ${declared} bytes ends ${missing} bytes before the end of the file's last MP4 box, so the file is longer than the server said`,
		);
	}
}
