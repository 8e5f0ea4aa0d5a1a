/**
 * The photo preflight: every image URL fetched as TikTok will pull it, but only its first bytes, before anything is
 * sent to TikTok: reachable without redirects, JPEG or WebP by content and by Content-Type, ≤ 20 MB, ≤ 1080p.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { executionCancelled, mediaRefused } from '../helpers/errors';
import type { MediaCheckCode } from '../helpers/errorMap';
import { imageHeadSettled } from '../helpers/image';
import type { ImageHead, ImageProbeResponse, ImageVerdict } from '../helpers/photo';
import { imageLabel, judgeImage, judgeImageStatus, unreachableVerdict } from '../helpers/photo';
import { redactUrl } from '../helpers/redact';
import { cancelSignal, failureMessage, sendRequest, startDeadline } from './http';

/** Each image's answer and first bytes must come within this (a wall-clock bound, however slowly bytes trickle). */
export const CHECK_TIMEOUT_MS = 30_000;
/** Bytes asked for (and read at most) per image: a JPEG's frame size follows its metadata, usually in the first few KB. */
export const PREFIX_BYTES = 256 * 1024;
/** Images checked at the same time: 35 URLs take a few round trips, not 35. */
const PARALLEL_CHECKS = 5;

export interface CheckedImage extends IDataObject {
	/** Where the image is: its URL, or (served by n8n) its binary field. */
	url?: string;
	binary_field?: string;
	content_type: string;
	/** The size the server reported, when it did. */
	bytes?: number;
	width?: number;
	height?: number;
}

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

/** Reads at most PREFIX_BYTES, stopping as soon as the bytes say all they will, or when `stop` aborts; closes the body. */
async function readPrefix(body: Body, stop: AbortSignal, timeoutMs: number): Promise<ImageHead> {
	const pieces: Uint8Array[] = [];
	let length = 0;
	let complete = false;
	let error: string | undefined;
	const iterator = body[Symbol.asyncIterator]();
	const stopped = new Promise<'stopped'>((resolve) => {
		if (stop.aborted) resolve('stopped');
		else stop.addEventListener('abort', () => resolve('stopped'), { once: true });
	});
	try {
		while (length < PREFIX_BYTES && !imageHeadSettled(Buffer.concat(pieces))) {
			const next = await Promise.race([iterator.next(), stopped]);
			if (next === 'stopped') {
				error = `no more bytes within ${timeoutMs / 1000} s`;
				break;
			}
			if (next.done) {
				complete = true;
				break;
			}
			pieces.push(new Uint8Array(next.value));
			length += next.value.length;
		}
	} catch (failure) {
		error = failureMessage(failure);
	} finally {
		body.destroy?.();
	}
	return { bytes: Buffer.concat(pieces).subarray(0, PREFIX_BYTES), complete, error };
}

/** One ranged GET that follows no redirect (TikTok follows none), bounded in time, cancelled with the execution. */
async function checkImage(
	ctx: IExecuteFunctions,
	url: string,
	ignoreSslIssues: boolean,
	timeoutMs: number,
): Promise<ImageVerdict> {
	const bound = startDeadline(ctx, timeoutMs);
	try {
		const sent = await sendRequest<ImageProbeResponse & { body?: Body }>(ctx, {
			method: 'GET',
			url,
			headers: { Range: `bytes=0-${PREFIX_BYTES - 1}`, 'Accept-Encoding': 'identity' },
			encoding: 'stream',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			skipSslCertificateValidation: ignoreSslIssues,
			timeout: timeoutMs,
			abortSignal: bound.signal,
		});
		if (!sent.ok)
			return unreachableVerdict(
				bound.expired() ? `no answer within ${timeoutMs / 1000} s` : failureMessage(sent.failure),
			);
		const { body, ...response } = sent.response;
		const byStatus = judgeImageStatus(response);
		if (byStatus || !body) {
			body?.destroy?.();
			return (
				byStatus ?? judgeImage(response, { bytes: new Uint8Array(0), complete: true }, PREFIX_BYTES)
			);
		}
		return judgeImage(response, await readPrefix(body, bound.signal, timeoutMs), PREFIX_BYTES);
	} finally {
		bound.end();
	}
}

/**
 * Checks every image the way TikTok will pull it before anything is sent to TikTok. Fails naming the first bad
 * image (position and URL) and listing the others; returns what was learnt and a warning for every limit an image
 * gave no number to check.
 */
export async function preflightImages(
	ctx: IExecuteFunctions,
	urls: string[],
	ignoreSslIssues: boolean,
	timeoutMs = CHECK_TIMEOUT_MS,
): Promise<{ images: CheckedImage[]; warnings: string[] }> {
	const verdicts: ImageVerdict[] = new Array(urls.length);
	let next = 0;
	const worker = async () => {
		while (next < urls.length) {
			const index = next++;
			verdicts[index] = await checkImage(ctx, urls[index], ignoreSslIssues, timeoutMs);
		}
	};
	await Promise.all(Array.from({ length: Math.min(PARALLEL_CHECKS, urls.length) }, worker));
	if (cancelSignal(ctx)?.aborted) throw executionCancelled();

	return settleVerdicts(
		verdicts,
		(index) => imageLabel(index, urls.length, urls[index]),
		(index) => ({ url: urls[index] }),
		(index) => ({ image_url: redactUrl(urls[index]) }),
	);
}

/**
 * Every image's verdict as the preflight's answer: the facts and warnings of accepted images, or a refusal naming
 * the first bad image (`label`, its `where` in the details) and listing the others.
 */
export function settleVerdicts(
	verdicts: ImageVerdict[],
	label: (index: number) => string,
	identify: (index: number) => IDataObject,
	where: (index: number) => IDataObject,
): { images: CheckedImage[]; warnings: string[] } {
	const images: CheckedImage[] = [];
	const warnings: string[] = [];
	const failures: Array<{ index: number; code: MediaCheckCode; problem: string; fix: string }> = [];
	verdicts.forEach((verdict, index) => {
		if (!verdict.ok) {
			failures.push({ index, code: verdict.code, problem: verdict.problem, fix: verdict.fix });
			return;
		}
		const { contentType, ...facts } = verdict.image;
		images.push({ ...identify(index), content_type: contentType, ...facts } as CheckedImage);
		warnings.push(...verdict.notes.map((note) => `The ${label(index)} ${note}.`));
	});
	if (failures.length > 0) {
		const [first, ...others] = failures;
		const alsoFailing = others.length
			? ` Also failing: ${others.map((failure) => `the ${label(failure.index)} ${failure.problem}`).join('; ')}.`
			: '';
		throw mediaRefused(
			first.code,
			`The ${label(first.index)} ${first.problem}`,
			`${first.fix}${alsoFailing}`,
			{
				image_position: first.index + 1,
				...where(first.index),
				failing_positions: failures.map((failure) => failure.index + 1).join(','),
			},
		);
	}
	return { images, warnings };
}
