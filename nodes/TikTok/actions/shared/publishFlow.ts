import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ChunkPlan } from '../../helpers/chunkPlan';
import { WAIT_TIMED_OUT_STEP } from '../../helpers/errorMap';
import type { TikTokError } from '../../helpers/errors';
import { executionCancelled, publishFailed } from '../../helpers/errors';
import type { CreatorInfo, DirectPostSettings, PostKind } from '../../helpers/postSettings';
import { assertDirectPostSettings } from '../../helpers/postSettings';
import type { StartedPublish, TikTokStatus } from '../../helpers/publishResult';
import { afterInitFailure, hasReceived, toPublishOutput } from '../../helpers/publishResult';
import type { InitResult } from '../../transport/publishApi';
import {
	fetchCreatorInfoForPost,
	fetchStatus,
	waitForFinalStatus,
} from '../../transport/publishApi';
import type { UploadDelivery, UploadReport } from '../../transport/upload';
import type { readWaitOptions } from './properties';

/**
 * TikTok's guidelines: fetch fresh creator info before every direct post and honour it. Returns undefined
 * for drafts (TikTok's inbox flow has no settings to check).
 */
export async function creatorForDirectPost(
	ctx: IExecuteFunctions,
	settings: DirectPostSettings | undefined,
	kind: PostKind,
): Promise<CreatorInfo | undefined> {
	if (!settings) return undefined;
	const creator = await fetchCreatorInfoForPost(ctx);
	assertDirectPostSettings(settings, creator, kind);
	return creator;
}

/** A video n8n sends itself after a FILE_UPLOAD init. */
export interface VideoUpload {
	plan: ChunkPlan;
	/** Sends the chunks (transport/upload.ts), reporting through `delivery`. */
	send: (delivery: UploadDelivery) => Promise<UploadReport>;
}

/** TikTok's download window: a pull from this n8n ends (done or failed) within it. */
const PULL_WINDOW_MS = 60 * 60_000;

/**
 * The wait when TikTok pulls from this n8n: always waited for, and at least past TikTok's 1-hour download window,
 * so the execution (and with it the files in n8n's binary store) outlives PROCESSING_DOWNLOAD.
 */
export function mustWait(
	wait: ReturnType<typeof readWaitOptions>,
): ReturnType<typeof readWaitOptions> {
	return { ...wait, wait: true, timeoutMs: Math.max(wait.timeoutMs, PULL_WINDOW_MS + 5 * 60_000) };
}

/**
 * Everything after TikTok accepted a publish, for both Publish operations: the upload when n8n sends the video,
 * then the status TikTok reports right after, or, when the user waits, the final one (post ids as strings, post
 * URL). A FAILED publish becomes an error item with TikTok's reason. Any other failure from here on (an upload,
 * status polling, the execution cancelled) becomes an error carrying the publish_id and TikTok's last status,
 * saying whether a post may still come of it (`afterInitFailure`).
 */
export async function publishAfterInit(
	ctx: IExecuteFunctions,
	init: InitResult,
	options: {
		wait: ReturnType<typeof readWaitOptions>;
		draft: boolean;
		creator?: CreatorInfo;
		kind: PostKind;
		upload?: VideoUpload;
	},
): Promise<{ output: IDataObject; upload?: UploadReport; transferredAt: number }> {
	const { wait, draft, creator, kind } = options;
	const publishId = init.publish_id;
	const upload = options.upload ? await sendVideo(ctx, publishId, options.upload) : undefined;
	const transferredAt = Date.now();
	if (!wait.wait) {
		// What status/fetch says while TikTok is still receiving the media.
		const status = upload ? 'PROCESSING_UPLOAD' : 'PROCESSING_DOWNLOAD';
		return { output: { publish_id: publishId, status, post_ids: [] }, upload, transferredAt };
	}
	const waited = await waitForFinalStatus(ctx, publishId, { ...wait, draft });
	if ('failure' in waited) {
		throw failedAfterInit(ctx, waited.failure, {
			publishId,
			status: waited.lastStatus,
			mayPost: true,
		});
	}
	const output: IDataObject = toPublishOutput(
		publishId,
		waited.status,
		creator?.creator_username,
		kind,
	);
	if (waited.status.status === 'FAILED') throw publishFailed(waited.status.fail_reason, output);
	if (waited.timedOut)
		Object.assign(output, { wait_timed_out: true, next_step: WAIT_TIMED_OUT_STEP });
	return { output, upload, transferredAt };
}

/**
 * The upload, and after a failure TikTok's word before concluding anything: the video may have arrived whole
 * though no answer said so (the connection dropped after the final chunk), and then the publish goes on.
 */
async function sendVideo(
	ctx: IExecuteFunctions,
	publishId: string,
	upload: VideoUpload,
): Promise<UploadReport> {
	// TikTok's answer when the upload stopped on it (a chunk refused after TikTok did not show its bytes).
	let stoppedOn: { status?: TikTokStatus } | undefined;
	const delivery: UploadDelivery = {
		retries: 0,
		finalMayHaveArrived: false,
		received: async (bytes) => {
			const status = await readStatus(ctx, publishId);
			const received = hasReceived(status, bytes);
			stoppedOn = received ? undefined : { status };
			return received;
		},
	};
	const sent = await upload.send(delivery).then(
		(report) => ({ report }),
		(failure: unknown) => ({ failure }),
	);
	if ('report' in sent) return sent.report;
	const { plan } = upload;
	const status = stoppedOn ? stoppedOn.status : await readStatus(ctx, publishId);
	if (hasReceived(status, plan.videoSize))
		return { chunks: plan.totalChunkCount, retries: delivery.retries, bytes: plan.videoSize };
	const mayPost = delivery.finalMayHaveArrived && status?.status !== 'FAILED';
	throw failedAfterInit(ctx, sent.failure, { publishId, status, mayPost });
}

/** One status/fetch (with the request layer's retries); undefined when TikTok could not be asked. */
async function readStatus(
	ctx: IExecuteFunctions,
	publishId: string,
): Promise<TikTokStatus | undefined> {
	return await fetchStatus(ctx, publishId).catch(() => undefined);
}

/**
 * The error a failure after init becomes (`afterInitFailure`), naming the cancellation when n8n stopped the
 * execution (an aborted request fails with the HTTP client's own words). n8n drops the output of an execution
 * stopped with its Stop button, so the publish_id and the next step then go to n8n's log too.
 */
function failedAfterInit(
	ctx: IExecuteFunctions,
	failure: unknown,
	publish: StartedPublish,
): TikTokError {
	const cancelled = ctx.getExecutionCancelSignal()?.aborted === true;
	const error = afterInitFailure(cancelled ? executionCancelled() : failure, publish);
	if (cancelled)
		ctx.logger.warn(`TikTok: ${error.message}. ${error.advice.description}`, {
			publishId: publish.publishId,
		});
	return error;
}

/** What every Publish output says about the mode and the account (a wait that timed out has its own next step). */
export function publishContext(
	draft: boolean,
	creator: CreatorInfo | undefined,
	output: IDataObject,
): IDataObject {
	return {
		mode: draft ? 'draft' : 'direct',
		...(draft && !output.wait_timed_out
			? { next_step: 'Open the TikTok app: the draft is waiting in the inbox notification.' }
			: {}),
		...(creator
			? { creator_nickname: creator.creator_nickname, creator_username: creator.creator_username }
			: {}),
	};
}
