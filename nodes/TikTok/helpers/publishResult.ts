import type { IDataObject } from 'n8n-workflow';

import { adviceForFailReason } from './errorMap';
import { invalidInput } from './errors';

/** status/fetch `data`, ids already strings (see tiktokJson). */
export interface TikTokStatus {
	status?: string;
	fail_reason?: string;
	publicaly_available_post_id?: Array<string | number>;
	uploaded_bytes?: number;
	downloaded_bytes?: number;
}

const TERMINAL_STATUSES: readonly string[] = ['PUBLISH_COMPLETE', 'SEND_TO_USER_INBOX', 'FAILED'];

export function isTerminal(status: string | undefined, draft: boolean): boolean {
	if (status === 'SEND_TO_USER_INBOX') return draft;
	return status !== undefined && TERMINAL_STATUSES.includes(status);
}

/**
 * Whether a status shows that TikTok holds the video's first `bytes` bytes: its count of uploaded bytes reaches
 * them, or the publish went past receiving (posted, or delivered to the inbox).
 */
export function hasReceived(status: TikTokStatus | undefined, bytes: number): boolean {
	if (status?.status === 'PUBLISH_COMPLETE' || status?.status === 'SEND_TO_USER_INBOX') return true;
	return typeof status?.uploaded_bytes === 'number' && status.uploaded_bytes >= bytes;
}

/** Publish ids look like `v_pub_file~v2-1.123456789`, `v_inbox_url~v2.123`, `p_pub_url~v2.123`. */
const PUBLISH_ID = /^[vp]_(pub|inbox)_(file|url)~[A-Za-z0-9._~-]{1,60}$/;

export function assertPublishId(publishId: string): void {
	if (!PUBLISH_ID.test(publishId) || publishId.length > 64) {
		throw invalidInput(
			`"${publishId}" is not a TikTok publish ID`,
			"Use the publish_id returned by this node's Publish operation, e.g. v_pub_file~v2-1.123456789.",
		);
	}
}

export interface PublishOutput extends IDataObject {
	publish_id: string;
	status: string;
	fail_reason?: string;
	fail_message?: string;
	post_ids: string[];
	post_url?: string;
	uploaded_bytes?: number;
	downloaded_bytes?: number;
}

/** The public address of a post, when TikTok gave its id. */
export function postUrl(
	username: string | undefined,
	postId: string | undefined,
	kind: 'video' | 'photo' = 'video',
): string | undefined {
	if (!username || !postId) return undefined;
	return `https://www.tiktok.com/@${encodeURIComponent(username)}/${kind}/${postId}`;
}

/** The item a Publish or Get Status operation outputs, one shape for both. */
export function toPublishOutput(
	publishId: string,
	status: TikTokStatus,
	username?: string,
	kind: 'video' | 'photo' = publishId.startsWith('p_') ? 'photo' : 'video',
): PublishOutput {
	const postIds = (status.publicaly_available_post_id ?? []).map((id) => String(id));
	const output: PublishOutput = {
		publish_id: publishId,
		status: status.status ?? 'UNKNOWN',
		post_ids: postIds,
	};
	if (status.fail_reason) {
		output.fail_reason = status.fail_reason;
		output.fail_message = adviceForFailReason(status.fail_reason).message;
	}
	const url = postUrl(username, postIds[0], kind);
	if (url) output.post_url = url;
	if (status.uploaded_bytes !== undefined) output.uploaded_bytes = status.uploaded_bytes;
	if (status.downloaded_bytes !== undefined) output.downloaded_bytes = status.downloaded_bytes;
	return output;
}
