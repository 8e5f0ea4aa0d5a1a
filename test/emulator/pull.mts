// PULL_FROM_URL: the emulator really downloads the media after init, streaming and hashing it
// (byte count + sha256 only, never the bytes), like TikTok's puller (§11.4): no redirects,
// non-2xx fails, inactivity timeout, 1 h deadline on the emulator clock. Whether TikTok reads a file whole or in
// ranges is not documented: `config.pullReads` picks one (ranges: 206 with the exact Content-Range, or the pull fails).
import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Ctx, PublishRuntime } from './context.mts';
import { mediaType } from './http.mts';
import { MediaProbe, imageSize, sniffImage } from './probe.mts';
import { checkPullDeadline, failNow, finishTransfer } from './status.mts';
import type { FailReason, PhotoDownload, PublishRecord } from './types.mts';

interface DownloadOk {
	ok: true;
	bytes: number;
	sha256: string;
	/** The whole file's size a ranged answer stated (Content-Range), else the bytes read. */
	total: number;
	contentType: string;
	httpStatus: number;
}
interface DownloadFailed {
	ok: false;
	/** pull = network/HTTP problem (→ *_pull_failed); otherwise a media check fail_reason. */
	reason: 'pull' | FailReason;
	error: string;
	httpStatus: number | null;
	contentType: string | null;
}
type DownloadResult = DownloadOk | DownloadFailed;

interface DownloadHooks {
	/** Inspect response headers; return a failure to stop before the body. */
	onHeaders?(
		status: number,
		contentType: string,
		contentLength: number | null,
	): DownloadFailed | null;
	/** Every body chunk; return a failure to stop the download. */
	onData(chunk: Buffer, total: number): DownloadFailed | null;
}

/** One GET of `url` (of bytes `range.start`–`range.end` when given), fed into `hash`; `offset`: bytes before it. */
function download(
	ctx: Ctx,
	rt: PublishRuntime,
	url: string,
	hooks: DownloadHooks,
	hash: Hash,
	range?: { start: number; end: number },
): Promise<DownloadResult> {
	return new Promise((resolve) => {
		let settled = false;
		let httpStatus: number | null = null;
		let contentType: string | null = null;
		const settle = (result: DownloadResult) => {
			if (settled) return;
			settled = true;
			resolve(result);
		};
		const fail = (reason: DownloadFailed['reason'], error: string): DownloadFailed => ({
			ok: false,
			reason,
			error,
			httpStatus,
			contentType,
		});
		const target = new URL(url);
		const isHttps = target.protocol === 'https:';
		const options: https.RequestOptions = {
			agent: false,
			signal: rt.abort?.signal,
			headers: {
				'User-Agent': 'TikTokEmulator-MediaPuller/1.0',
				Accept: '*/*',
				...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
			},
		};
		if (isHttps && ctx.config.pullTrustedCaPem) options.ca = [ctx.config.pullTrustedCaPem];
		let req: http.ClientRequest;
		try {
			req = (isHttps ? https : http).get(target, options);
		} catch (err) {
			settle(fail('pull', `request failed: ${(err as Error).message}`));
			return;
		}
		req.setTimeout(ctx.config.pullTimeoutMs, () => {
			req.destroy(new Error(`no data for ${ctx.config.pullTimeoutMs} ms`));
		});
		req.on('error', (err) => settle(fail('pull', err.message)));
		req.on('response', (res) => {
			httpStatus = res.statusCode ?? 0;
			contentType = mediaType(res.headers['content-type']);
			const stop = (failure: DownloadFailed) => {
				settle(failure);
				res.destroy();
				req.destroy();
			};
			if (httpStatus >= 300 && httpStatus < 400) {
				return stop(fail('pull', `HTTP ${httpStatus} redirect: TikTok does not follow redirects`));
			}
			if (httpStatus < 200 || httpStatus >= 300) return stop(fail('pull', `HTTP ${httpStatus}`));
			const lengthHeader = res.headers['content-length'];
			let length = lengthHeader !== undefined ? Number(lengthHeader) : null;
			let total: number | null = null;
			if (range) {
				const stated = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(
					String(res.headers['content-range'] ?? ''),
				);
				if (httpStatus !== 206 || !stated)
					return stop(fail('pull', `HTTP ${httpStatus} without a Content-Range to a ranged read`));
				const [first, last] = [Number(stated[1]), Number(stated[2])];
				if (first !== range.start || last > range.end || length !== last - first + 1)
					return stop(
						fail('pull', `Content-Range ${stated[0]} does not answer ${range.start}-${range.end}`),
					);
				total = Number(stated[3]);
			}
			const headerFailure =
				range && range.start > 0
					? null
					: hooks.onHeaders?.(httpStatus, contentType, total ?? length);
			if (headerFailure) return stop({ ...headerFailure, httpStatus, contentType });
			const offset = range?.start ?? 0;
			let bytes = 0;
			res.on('data', (chunk: Buffer) => {
				if (settled) return;
				hash.update(chunk);
				bytes += chunk.length;
				const failure = hooks.onData(chunk, offset + bytes);
				if (failure) return stop({ ...failure, httpStatus, contentType });
				if (rt.stage !== 'downloading') return stop(fail('pull', 'download no longer wanted'));
			});
			res.on('end', () => {
				if (!res.complete)
					return settle(fail('pull', 'connection closed before the body was complete'));
				if (length !== null && bytes !== length)
					return settle(fail('pull', `${bytes} bytes for a Content-Length of ${length}`));
				settle({
					ok: true,
					bytes,
					sha256: '',
					total: total ?? bytes,
					contentType: contentType ?? '',
					httpStatus: httpStatus ?? 0,
				});
			});
			res.on('error', (err) => settle(fail('pull', err.message)));
			res.on('close', () => {
				if (!res.complete) settle(fail('pull', 'connection closed before the body was complete'));
			});
		});
	});
}

/** The whole file, in one GET or (config.pullReads = 'ranges') in consecutive ranged GETs, hashed as one. */
async function fetchMedia(
	ctx: Ctx,
	rt: PublishRuntime,
	url: string,
	hooks: DownloadHooks,
): Promise<DownloadResult> {
	const hash = createHash('sha256');
	if (ctx.config.pullReads !== 'ranges') {
		const whole = await download(ctx, rt, url, hooks, hash);
		return whole.ok ? { ...whole, sha256: hash.digest('hex') } : whole;
	}
	let offset = 0;
	let part: DownloadResult;
	do {
		const range = { start: offset, end: offset + ctx.config.pullRangeBytes - 1 };
		part = await download(ctx, rt, url, hooks, hash, range);
		if (!part.ok) return part;
		offset += part.bytes;
		if (rt.stage !== 'downloading') return part;
	} while (offset < part.total);
	return { ...part, bytes: offset, total: offset, sha256: hash.digest('hex') };
}

async function pullVideo(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): Promise<void> {
	const probe = new MediaProbe();
	rt.probe = probe;
	const url = String(p.sourceInfo.video_url);
	const result = await fetchMedia(ctx, rt, url, {
		onData: (chunk) => {
			probe.push(chunk);
			p.downloadedBytes += chunk.length;
			checkPullDeadline(ctx, p, rt);
			return null;
		},
	});
	if (rt.stage !== 'downloading') return; // cancelled, past the deadline or auth removed
	if (!result.ok) return failNow(ctx, p, rt, 'video_pull_failed');
	p.sha256 = result.sha256;
	finishTransfer(ctx, p, rt);
}

const PHOTO_TYPES: Record<string, 'jpeg' | 'webp'> = { 'image/jpeg': 'jpeg', 'image/webp': 'webp' };
/** The start of each photo kept to read its size (a JPEG's frame header follows its metadata). */
const PHOTO_HEAD_BYTES = 1024 * 1024;

async function pullPhoto(
	ctx: Ctx,
	p: PublishRecord,
	rt: PublishRuntime,
	photo: PhotoDownload,
): Promise<DownloadResult> {
	const max = ctx.config.limits.maxPhotoBytes;
	let head = Buffer.alloc(0);
	photo.status = 'downloading';
	const sizeFailure = (n: number): DownloadFailed => ({
		ok: false,
		reason: 'picture_size_check_failed',
		error: `image is ${n} bytes; at most ${max} allowed`,
		httpStatus: null,
		contentType: null,
	});
	const result = await fetchMedia(ctx, rt, photo.url, {
		onHeaders: (_status, contentType, length) => {
			if (!PHOTO_TYPES[contentType]) {
				return {
					ok: false,
					reason: 'file_format_check_failed',
					error: `Content-Type ${contentType || 'none'} is not image/jpeg or image/webp`,
					httpStatus: null,
					contentType: null,
				};
			}
			return length !== null && length > max ? sizeFailure(length) : null;
		},
		onData: (chunk, total) => {
			if (head.length < PHOTO_HEAD_BYTES)
				head = Buffer.concat([head, chunk.subarray(0, PHOTO_HEAD_BYTES - head.length)]);
			photo.bytes = total;
			p.downloadedBytes += chunk.length;
			checkPullDeadline(ctx, p, rt);
			return total > max ? sizeFailure(total) : null;
		},
	});
	photo.httpStatus = result.httpStatus;
	photo.contentType = result.contentType;
	if (!result.ok) {
		photo.status = 'failed';
		photo.error = result.error;
		return result;
	}
	photo.sha256 = result.sha256;
	photo.detectedFormat = sniffImage(head);
	const declared = PHOTO_TYPES[result.contentType];
	if (!photo.detectedFormat || photo.detectedFormat !== declared) {
		photo.status = 'failed';
		photo.error = `bytes are ${photo.detectedFormat ?? 'not JPEG/WebP'} but Content-Type says ${result.contentType}`;
		return { ...result, ok: false, reason: 'file_format_check_failed', error: photo.error };
	}
	const size = imageSize(head);
	photo.width = size?.width ?? null;
	photo.height = size?.height ?? null;
	const { maxPhotoLongSide, maxPhotoShortSide } = ctx.config.limits;
	const fault = !size
		? ({
				reason: 'file_format_check_failed',
				error: `no frame size in the first ${PHOTO_HEAD_BYTES} bytes`,
			} as const)
		: Math.max(size.width, size.height) > maxPhotoLongSide ||
			  Math.min(size.width, size.height) > maxPhotoShortSide
			? ({
					reason: 'picture_size_check_failed',
					error: `image is ${size.width}×${size.height}; at most 1080p (${maxPhotoShortSide}×${maxPhotoLongSide} either way round) allowed`,
				} as const)
			: null;
	if (fault) {
		photo.status = 'failed';
		photo.error = fault.error;
		return { ...result, ok: false, reason: fault.reason, error: fault.error };
	}
	photo.status = 'done';
	return result;
}

async function pullPhotos(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): Promise<void> {
	for (const photo of p.photoDownloads) {
		const result = await pullPhoto(ctx, p, rt, photo);
		if (rt.stage !== 'downloading') return;
		if (!result.ok) {
			if (result.reason === 'pull') return failNow(ctx, p, rt, 'photo_pull_failed');
			// A media check failed: the rest need not be fetched; reported after processing.
			rt.mediaFailReason = result.reason;
			break;
		}
	}
	finishTransfer(ctx, p, rt);
}

export function startPull(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): void {
	rt.abort = new AbortController();
	const run = p.kind === 'video' ? pullVideo : pullPhotos;
	const promise: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
		.then(() => run(ctx, p, rt))
		.catch((err) => {
			if (rt.stage === 'downloading')
				failNow(ctx, p, rt, p.kind === 'photo' ? 'photo_pull_failed' : 'video_pull_failed');
			process.emitWarning(`emulator pull failed unexpectedly: ${(err as Error).message}`);
		})
		.finally(() => ctx.pulls.delete(promise));
	ctx.pulls.add(promise);
}
