import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { publishFailed } from '../../helpers/errors';
import type { CreatorInfo, DirectPostSettings, PostKind } from '../../helpers/postSettings';
import { assertDirectPostSettings } from '../../helpers/postSettings';
import { toPublishOutput } from '../../helpers/publishResult';
import type { InitResult } from '../../transport/endpoints';
import { fetchCreatorInfoForPost, waitForFinalStatus } from '../../transport/endpoints';
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

/**
 * The publish part of a Publish output: the status TikTok reports right after init, or, when the user waits,
 * the final one (post ids as strings, post URL). A FAILED publish becomes an error item with TikTok's reason.
 */
export async function publishOutcome(
	ctx: IExecuteFunctions,
	init: InitResult,
	options: {
		wait: ReturnType<typeof readWaitOptions>;
		draft: boolean;
		creator?: CreatorInfo;
		kind: PostKind;
		/** What status/fetch says while TikTok is still receiving the media. */
		pendingStatus: 'PROCESSING_UPLOAD' | 'PROCESSING_DOWNLOAD';
	},
): Promise<IDataObject> {
	const { wait, draft, creator, kind } = options;
	if (!wait.wait) return { publish_id: init.publish_id, status: options.pendingStatus, post_ids: [] };
	const result = await waitForFinalStatus(ctx, init.publish_id, { ...wait, draft });
	const output: IDataObject = toPublishOutput(init.publish_id, result.status, creator?.creator_username, kind);
	if (result.status.status === 'FAILED') throw publishFailed(result.status.fail_reason, output);
	if (result.timedOut) output.wait_timed_out = true;
	return output;
}

/** What every Publish output says about the mode and the account. */
export function publishContext(draft: boolean, creator: CreatorInfo | undefined): IDataObject {
	return {
		mode: draft ? 'draft' : 'direct',
		...(draft ? { next_step: 'Open the TikTok app: the draft is waiting in the inbox notification.' } : {}),
		...(creator ? { creator_nickname: creator.creator_nickname, creator_username: creator.creator_username } : {}),
	};
}
