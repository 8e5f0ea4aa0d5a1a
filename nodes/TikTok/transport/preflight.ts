/** The photo preflight: every image URL asked for its headers, as TikTok will pull it, before anything is sent to TikTok. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { executionCancelled, invalidInput } from '../helpers/errors';
import type { ImageProbeResponse, ImageVerdict } from '../helpers/photo';
import { imageLabel, judgeImageResponse, needsRangedGet, unreachableVerdict } from '../helpers/photo';
import type { Sent } from './http';
import { cancelSignal, deadlineSignal, failureMessage, send } from './http';

/** One image's check (headers only) must finish within this, wall clock; TikTok itself gives a download up to an hour. */
const CHECK_TIMEOUT_MS = 30_000;
/** Images checked at the same time: 35 URLs take a few round trips, not 35. */
const PARALLEL_CHECKS = 5;

export interface CheckedImage extends IDataObject {
	url: string;
	content_type: string;
	/** The size the server reported, when it did. */
	bytes?: number;
}

/** Headers only: a HEAD, or a one-byte ranged GET whose body (whole, if the range is ignored) is not read. */
async function askServer(ctx: IExecuteFunctions, url: string, method: 'HEAD' | 'GET', ignoreSslIssues: boolean): Promise<Sent<ImageProbeResponse>> {
	// The request's timeout is an idle one: a server trickling its headers would hold it; the deadline does not.
	const deadline = deadlineSignal(ctx, CHECK_TIMEOUT_MS);
	const sent = await send<ImageProbeResponse & { body?: { destroy?: () => void } }>(ctx, {
		method,
		url,
		headers: method === 'GET' ? { Range: 'bytes=0-0' } : {},
		encoding: method === 'GET' ? 'stream' : 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// TikTok does not follow redirects, so a redirect is an answer to report, not to follow.
		disableFollowRedirect: true,
		skipSslCertificateValidation: ignoreSslIssues,
		timeout: CHECK_TIMEOUT_MS,
		abortSignal: deadline.signal,
	});
	if (sent.ok) sent.response.body?.destroy?.();
	if (!sent.ok && deadline.expired()) return { ok: false, failure: new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} seconds`) };
	return sent;
}

async function checkImage(ctx: IExecuteFunctions, url: string, ignoreSslIssues: boolean): Promise<ImageVerdict> {
	let answer = await askServer(ctx, url, 'HEAD', ignoreSslIssues);
	if (answer.ok && needsRangedGet(answer.response.statusCode)) {
		answer = await askServer(ctx, url, 'GET', ignoreSslIssues);
	}
	if (!answer.ok) return unreachableVerdict(failureMessage(answer.failure));
	return judgeImageResponse(answer.response);
}

/**
 * Checks every image URL the way TikTok will pull it (reachable without redirects, JPEG or WebP, ≤ 20 MB when
 * the size is stated) before anything is sent to TikTok. Fails naming the first bad image, and lists the others.
 */
export async function preflightImages(ctx: IExecuteFunctions, urls: string[], ignoreSslIssues: boolean): Promise<CheckedImage[]> {
	const verdicts: ImageVerdict[] = new Array(urls.length);
	let next = 0;
	const worker = async () => {
		while (next < urls.length) {
			const index = next++;
			verdicts[index] = await checkImage(ctx, urls[index], ignoreSslIssues);
		}
	};
	await Promise.all(Array.from({ length: Math.min(PARALLEL_CHECKS, urls.length) }, worker));
	if (cancelSignal(ctx)?.aborted) throw executionCancelled();

	const checked: CheckedImage[] = [];
	const failures: Array<{ index: number; problem: string; fix: string }> = [];
	verdicts.forEach((verdict, index) => {
		if (verdict.ok) checked.push({ url: urls[index], content_type: verdict.contentType, ...(verdict.bytes === undefined ? {} : { bytes: verdict.bytes }) });
		else failures.push({ index, problem: verdict.problem, fix: verdict.fix });
	});
	if (failures.length > 0) {
		const [first, ...others] = failures;
		const alsoFailing = others.length
			? ` Also failing: ${others.map((failure) => `the ${imageLabel(failure.index, urls[failure.index])} ${failure.problem}`).join('; ')}.`
			: '';
		throw invalidInput(`The ${imageLabel(first.index, urls[first.index])} ${first.problem}`, `${first.fix}${alsoFailing}`);
	}
	return checked;
}
