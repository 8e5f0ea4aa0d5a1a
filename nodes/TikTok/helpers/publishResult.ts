/**
 * A publish after TikTok accepted it: publish ids, final statuses, the Publish / Get Status output item, and the error
 * any later failure becomes (it keeps the publish_id and says whether a post may still come of it).
 */
import type { IDataObject } from 'n8n-workflow';

import { AFTER_INIT_ERRORS, adviceForFailReason, afterInitNextStep } from './errorMap';
import type { ErrorDetails } from './errors';
import { TikTokError, invalidInput, isTikTokError } from './errors';
import { redactUrlsIn } from './redact';

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

/** What the node knows of a publish TikTok accepted, when a later step fails. */
export interface StartedPublish {
	publishId: string;
	/** TikTok's last status/fetch answer; undefined when none could be read. */
	status?: TikTokStatus;
	/** False only when the video provably never reached TikTok whole, so no post can come of this publish. */
	mayPost: boolean;
}

/** A fix that still applies once a publish exists: the upload's own refusals, and a connection to reconnect. */
function fixAfterInit(error: TikTokError | undefined): string | undefined {
	if (!error) return undefined;
	const { code, http_status: httpStatus } = error.details;
	const uploadRefusal = code === 'upload_url_expired' || code.startsWith('upload_http_');
	const connectionRefused = httpStatus === 401;
	return uploadRefusal || connectionRefused ? error.advice.description : undefined;
}

/**
 * Any failure after TikTok accepted a publish (upload, status polling, cancellation). It keeps what happened
 * (message, TikTok's code, log_id, HTTP status) and adds the publish_id, TikTok's last status (UNKNOWN when none
 * could be read) and the next step. When a post may still come of it, the code becomes publish_outcome_unknown
 * (the original kept as `cause_code`) and the next step is to check Post → Get Status before publishing again;
 * otherwise the code stays and the item says publishing again is safe. Never "run the item again" while a post
 * may come: a user who did could post twice.
 */
export function afterInitFailure(cause: unknown, publish: StartedPublish): TikTokError {
	const known = isTikTokError(cause) ? cause : undefined;
	const what =
		known?.advice.message ?? redactUrlsIn(String((cause as Error | undefined)?.message ?? cause));
	const rawCode = (cause as { code?: unknown } | undefined)?.code;
	const status = publish.status?.status ?? 'UNKNOWN';
	const details: ErrorDetails = {
		...(known?.details ?? { code: typeof rawCode === 'string' ? rawCode : 'unexpected' }),
		publish_id: publish.publishId,
		status,
	};
	if (publish.status?.uploaded_bytes !== undefined)
		details.uploaded_bytes = publish.status.uploaded_bytes;
	const fix = fixAfterInit(known);
	const nextStep = afterInitNextStep(publish.publishId, publish.mayPost, status);
	const description = fix ? `${fix} ${nextStep}` : nextStep;
	if (!publish.mayPost) return new TikTokError({ message: what, description }, details);
	return new TikTokError(
		{ message: `${AFTER_INIT_ERRORS.publish_outcome_unknown.message}: ${what}`, description },
		{ ...details, code: 'publish_outcome_unknown', cause_code: details.code },
	);
}
