/**
 * TikTok's Content Posting API, one function per endpoint: creator info, the publish inits (paced to TikTok's 6 per
 * minute per credential, and remembering a daily cap TikTok reported earlier in the run), status/fetch and the
 * wait for a final status. The Display API (user info, videos, the post lookup) is displayApi.ts.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { TikTokError } from '../helpers/errors';
import {
	isTikTokError,
	mayPassLater,
	publishNotSent,
	publishOutcomeUnknown,
} from '../helpers/errors';
import { INIT_CALLS_PER_MINUTE } from '../helpers/limits';
import { SlidingWindowPacer } from '../helpers/pacer';
import type { CreatorInfo } from '../helpers/postSettings';
import type { TikTokStatus } from '../helpers/publishResult';
import { isTerminal } from '../helpers/publishResult';
import type { TikTokContext } from './http';
import { cancelSignal, pause } from './http';
import { callTikTokApi, credentialKey } from './request';
import { CREDENTIAL_TYPE, tokenDataOf } from './token';
import { rememberUsername } from './webhookMemory';

export const PATHS = {
	creatorInfo: '/v2/post/publish/creator_info/query/',
	videoInit: '/v2/post/publish/video/init/',
	inboxVideoInit: '/v2/post/publish/inbox/video/init/',
	contentInit: '/v2/post/publish/content/init/',
	status: '/v2/post/publish/status/fetch/',
} as const;

export type InitPath = (typeof PATHS)['videoInit' | 'inboxVideoInit' | 'contentInit'];

const DEFAULT_INIT_TIMEOUT_MS = 120_000;

/** Daily limits: once TikTok answers one of these, later items of the same run would get it too. */
const CAP_CODES = [
	'spam_risk_too_many_posts',
	'spam_risk_user_banned_from_posting',
	'reached_active_user_cap',
	'spam_risk_too_many_pending_share',
];

/** Caps TikTok reported, per execution, node and credential (kept for the last few executions only). */
const capsReached = new Map<string, TikTokError>();
const MAX_REMEMBERED_CAPS = 200;

/** One second of slack over TikTok's minute: our clock starts before TikTok's does. */
const initPacer = new SlidingWindowPacer(INIT_CALLS_PER_MINUTE, 61_000);

function capKey(ctx: IExecuteFunctions, draft: boolean): string {
	return `${ctx.getExecutionId()} ${ctx.getNode().name} ${credentialKey(ctx)} ${draft ? 'draft' : 'direct'}`;
}

/** Fails at once with a cap TikTok reported earlier in this run; remembers a cap `call` runs into. */
async function withCapMemory<T>(key: string, call: () => Promise<T>): Promise<T> {
	const known = capsReached.get(key);
	if (known) throw known;
	return await call().catch((error: unknown) => {
		if (isTikTokError(error) && CAP_CODES.includes(error.details.code)) {
			capsReached.set(key, error);
			if (capsReached.size > MAX_REMEMBERED_CAPS)
				capsReached.delete(capsReached.keys().next().value as string);
		}
		throw error;
	});
}

export async function fetchCreatorInfo(
	ctx: TikTokContext,
	options: { maxAttempts?: number; timeoutMs?: number } = {},
): Promise<CreatorInfo> {
	const info = (await callTikTokApi<IDataObject>(
		ctx,
		'POST',
		PATHS.creatorInfo,
		{},
		{ idempotent: true, ...options },
	)) as unknown as CreatorInfo;
	// The TikTok Trigger in this process then has the username for post URLs without asking TikTok.
	const openId = tokenDataOf(await ctx.getCredentials<IDataObject>(CREDENTIAL_TYPE))?.open_id;
	if (typeof info.creator_username === 'string' && typeof openId === 'string')
		rememberUsername(
			String(ctx.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? ''),
			openId,
			info.creator_username,
		);
	return info;
}

/**
 * Fresh creator info before a direct post (TikTok's guidelines). When TikTok says the account cannot post now,
 * later items of the same run fail with that answer without asking again.
 */
export async function fetchCreatorInfoForPost(ctx: IExecuteFunctions): Promise<CreatorInfo> {
	return await withCapMemory(capKey(ctx, false), async () => await fetchCreatorInfo(ctx));
}

export interface InitResult {
	publish_id: string;
	upload_url?: string;
	/** When the upload URL was issued: it lives one hour. */
	issuedAt: number;
	/** Time spent waiting to stay within TikTok's 6 inits per minute. */
	pacedMs: number;
}

/**
 * Starts a publish. Paced to 6 per minute per credential; repeated only after a 429 (TikTok refused it).
 * Any other failure after sending is ambiguous: it surfaces as "may or may not have started", never as a retry.
 */
export async function startPublish(
	ctx: IExecuteFunctions,
	path: InitPath,
	body: IDataObject,
	options: { timeoutMs?: number } = {},
): Promise<InitResult> {
	const draft = path === PATHS.inboxVideoInit || body.post_mode === 'MEDIA_UPLOAD';
	const key = credentialKey(ctx);
	let pacedMs = 0;
	const data = await withCapMemory(
		capKey(ctx, draft),
		async () =>
			await callTikTokApi<IDataObject>(ctx, 'POST', path, body, {
				idempotent: false,
				maxAttempts: 6,
				timeoutMs: options.timeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
				whenUnanswered: publishOutcomeUnknown,
				whenNotSent: publishNotSent,
				beforeAttempt: async () => {
					const delay = initPacer.delayFor(key);
					if (delay > 0) {
						pacedMs += delay;
						await pause(ctx, delay);
					}
					initPacer.record(key);
				},
			}),
	);
	return {
		publish_id: String(data.publish_id),
		upload_url: data.upload_url === undefined ? undefined : String(data.upload_url),
		issuedAt: Date.now(),
		pacedMs,
	};
}

export async function fetchStatus(
	ctx: TikTokContext,
	publishId: string,
	options: { maxAttempts?: number; timeoutMs?: number } = {},
): Promise<TikTokStatus> {
	return (await callTikTokApi<IDataObject>(
		ctx,
		'POST',
		PATHS.status,
		{ publish_id: publishId },
		{ idempotent: true, ...options },
	)) as TikTokStatus;
}

export interface WaitOptions {
	intervalMs: number;
	timeoutMs: number;
	draft: boolean;
}

/** How a wait ended: with a status (final, or the last one when time ran out), or with a failure after the last status seen. */
export type WaitResult =
	| { status: TikTokStatus; timedOut: boolean; polls: number }
	| { failure: unknown; lastStatus?: TikTokStatus; polls: number };

/** Each poll may wait this long for an answer (less when the wait ends sooner, never under the minimum). */
const POLL_TIMEOUT_MS = 60_000;
const MIN_POLL_TIMEOUT_MS = 5_000;

/**
 * Polls status/fetch every interval until a final status or the timeout. A poll that fails in a way that may
 * pass (no answer, 5xx, 429) is made again at the next interval, within the same timeout; TikTok's other refusals
 * (a revoked connection) and a cancelled execution end the wait at once. Running out of time while polls fail is
 * a failure: TikTok's status is then not known.
 */
export async function waitForFinalStatus(
	ctx: IExecuteFunctions,
	publishId: string,
	options: WaitOptions,
): Promise<WaitResult> {
	const deadline = Date.now() + options.timeoutMs;
	let polls = 0;
	let lastStatus: TikTokStatus | undefined;
	for (;;) {
		const timeoutMs = Math.max(
			MIN_POLL_TIMEOUT_MS,
			Math.min(POLL_TIMEOUT_MS, deadline - Date.now()),
		);
		const answer = await fetchStatus(ctx, publishId, { maxAttempts: 1, timeoutMs }).then(
			(status) => ({ status }),
			(failure: unknown) => ({ failure }),
		);
		polls++;
		const timeLeft = Date.now() + options.intervalMs <= deadline;
		if ('status' in answer) {
			lastStatus = answer.status;
			if (isTerminal(answer.status.status, options.draft))
				return { status: answer.status, timedOut: false, polls };
			if (!timeLeft) return { status: answer.status, timedOut: true, polls };
		} else if (!timeLeft || !mayPassLater(answer.failure) || cancelSignal(ctx)?.aborted) {
			return { failure: answer.failure, lastStatus, polls };
		}
		const cancelled = await pause(ctx, options.intervalMs).then(
			() => undefined,
			(failure: unknown) => failure,
		);
		if (cancelled !== undefined) return { failure: cancelled, lastStatus, polls };
	}
}
