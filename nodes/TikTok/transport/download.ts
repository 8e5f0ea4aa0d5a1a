/** Media n8n downloads itself: a video for TikTok's FILE_UPLOAD, when TikTok may not or cannot pull the URL. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { downloadFailed } from '../helpers/errors';
import type { FullResponse } from './http';
import { send } from './http';

const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;

/** A readable stream as n8n's helpers take it (the lint rules forbid importing node's stream types). */
export type DownloadBody = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

/** Starts streaming a URL's body; fails with the fix when the server cannot be reached or refuses. */
export async function download(ctx: IExecuteFunctions, url: string, ignoreSslIssues: boolean): Promise<FullResponse<DownloadBody>> {
	const sent = await send<FullResponse<DownloadBody>>(ctx, {
		method: 'GET',
		url,
		encoding: 'stream',
		returnFullResponse: true,
		skipSslCertificateValidation: ignoreSslIssues,
		timeout: DOWNLOAD_TIMEOUT_MS,
		abortSignal: ctx.getExecutionCancelSignal(),
	});
	if (!sent.ok) throw downloadFailed(url, sent.failure);
	return sent.response;
}
