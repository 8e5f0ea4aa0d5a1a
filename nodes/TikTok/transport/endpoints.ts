/**
 * TikTok's endpoints, one function each: creator info, the publish inits (paced to TikTok's 6 per minute, and
 * remembering a daily cap TikTok reported earlier in the run), status polling, and the Display API reads
 * (user info, video list and query; paced to 600 per minute per endpoint).
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type {
	ListProgress,
	PostLookup,
	PostMatch,
	TikTokVideo,
	VideoPage,
} from '../helpers/analytics';
import {
	findPostedVideo,
	idBatches,
	listingReachedBefore,
	matchById,
	pageSize,
	parseScopes,
	scopesOfUserFields,
	startListing,
	takePage,
} from '../helpers/analytics';
import type { TikTokError } from '../helpers/errors';
import {
	isTikTokError,
	mayPassLater,
	missingScope,
	publishOutcomeUnknown,
} from '../helpers/errors';
import { DISPLAY_CALLS_PER_MINUTE, INIT_CALLS_PER_MINUTE } from '../helpers/limits';
import { SlidingWindowPacer } from '../helpers/pacer';
import type { CreatorInfo } from '../helpers/postSettings';
import type { TikTokStatus } from '../helpers/publishResult';
import { isTerminal } from '../helpers/publishResult';
import type { TikTokContext } from './http';
import { cancelSignal, pause } from './http';
import { callTikTokApi } from './request';
import { CREDENTIAL_TYPE, tokenDataOf } from './token';
import { rememberUsername } from './webhookMemory';

export const PATHS = {
	creatorInfo: '/v2/post/publish/creator_info/query/',
	videoInit: '/v2/post/publish/video/init/',
	inboxVideoInit: '/v2/post/publish/inbox/video/init/',
	contentInit: '/v2/post/publish/content/init/',
	status: '/v2/post/publish/status/fetch/',
	userInfo: '/v2/user/info/',
	videoList: '/v2/video/list/',
	videoQuery: '/v2/video/query/',
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

function pacingKey(ctx: TikTokContext): string {
	const credential = ctx.getNode().credentials?.[CREDENTIAL_TYPE];
	return credential?.id ?? credential?.name ?? 'default';
}

function capKey(ctx: IExecuteFunctions, draft: boolean): string {
	return `${ctx.getExecutionId()} ${ctx.getNode().name} ${pacingKey(ctx)} ${draft ? 'draft' : 'direct'}`;
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
	const key = pacingKey(ctx);
	let pacedMs = 0;
	const data = await withCapMemory(
		capKey(ctx, draft),
		async () =>
			await callTikTokApi<IDataObject>(ctx, 'POST', path, body, {
				idempotent: false,
				maxAttempts: 6,
				timeoutMs: options.timeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
				whenUnanswered: publishOutcomeUnknown,
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

// ---------------------------------------------------------------------------------------------------------------
// Display API: user/info, video/list, video/query

/** TikTok's 600 per minute, per endpoint and credential, with a second of slack like the init pacer. */
const displayPacer = new SlidingWindowPacer(DISPLAY_CALLS_PER_MINUTE, 61_000);

/** What TikTok answers when a requested field needs a scope the user did not grant (which one is unconfirmed). */
const SCOPE_CODES = ['scope_not_authorized', 'scope_permission_missed'];

/** The scopes the connection was granted (the token response's `scope`), or undefined when it was not stored. */
export async function grantedScopes(ctx: TikTokContext): Promise<string[] | undefined> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	return parseScopes((credentials.oauthTokenData as IDataObject | undefined)?.scope);
}

/**
 * One Display API read: `fields` in the query string as TikTok requires, paced per endpoint, retried on 429 (the
 * transport waits 10, 20, then 30 s: TikTok's window is a minute). A scope refusal names the scopes `needs` lists
 * that the connection lacks (all of them when the granted scopes are unknown).
 */
async function displayRequest<T extends IDataObject>(
	ctx: TikTokContext,
	method: 'GET' | 'POST',
	path: (typeof PATHS)['userInfo' | 'videoList' | 'videoQuery'],
	fields: readonly string[],
	body: IDataObject | undefined,
	needs: readonly string[],
): Promise<T> {
	const key = `${pacingKey(ctx)} ${path}`;
	return await callTikTokApi<T>(ctx, method, `${path}?fields=${fields.join(',')}`, body, {
		idempotent: true,
		beforeAttempt: async () => {
			const delay = displayPacer.delayFor(key);
			if (delay > 0) await pause(ctx, delay);
			displayPacer.record(key);
		},
	}).catch(async (error: unknown) => {
		if (!isTikTokError(error) || !SCOPE_CODES.includes(error.details.code)) throw error;
		const granted = await grantedScopes(ctx);
		const missing = needs.filter((scope) => !granted?.includes(scope));
		throw missingScope(missing.length > 0 ? missing : needs, {
			code: error.details.code,
			logId: error.details.log_id,
			httpStatus: error.details.http_status,
		});
	});
}

/** GET /v2/user/info/: the connected user's requested fields. */
export async function fetchUserInfo(
	ctx: TikTokContext,
	fields: readonly string[],
): Promise<IDataObject> {
	const needs = scopesOfUserFields(fields).filter((scope) => scope !== 'user.info.basic');
	const data = await displayRequest<IDataObject>(
		ctx,
		'GET',
		PATHS.userInfo,
		fields,
		undefined,
		needs,
	);
	return (data.user as IDataObject | undefined) ?? {};
}

/** POST /v2/video/list/: one page of the user's public videos, newest first, before `cursor` (ms). */
export async function listVideosPage(
	ctx: TikTokContext,
	fields: readonly string[],
	page: { cursor?: number; maxCount: number },
): Promise<VideoPage> {
	const body: IDataObject = { max_count: page.maxCount };
	if (page.cursor !== undefined) body.cursor = page.cursor;
	return (await displayRequest<IDataObject>(ctx, 'POST', PATHS.videoList, fields, body, [
		'video.list',
	])) as VideoPage;
}

/** POST /v2/video/query/: the user's videos among at most 20 ids (others are left out by TikTok). */
export async function queryVideos(
	ctx: TikTokContext,
	fields: readonly string[],
	ids: readonly string[],
): Promise<TikTokVideo[]> {
	const data = await displayRequest<IDataObject>(
		ctx,
		'POST',
		PATHS.videoQuery,
		fields,
		{ filters: { video_ids: [...ids] } },
		['video.list'],
	);
	return (data.videos as TikTokVideo[] | undefined) ?? [];
}

/** Pages through video/list until `limit` videos (all when undefined), has_more ends, or `enough` says stop. */
export async function listVideos(
	ctx: TikTokContext,
	fields: readonly string[],
	options: { limit?: number; enough?: (progress: ListProgress) => boolean } = {},
): Promise<ListProgress> {
	const progress = startListing();
	while (!progress.done) {
		const remaining =
			options.limit === undefined ? undefined : options.limit - progress.videos.length;
		takePage(
			progress,
			await listVideosPage(ctx, fields, { cursor: progress.cursor, maxCount: pageSize(remaining) }),
			options.limit,
		);
		if (!progress.done && options.enough?.(progress)) break;
	}
	return progress;
}

/** video/query for any number of ids, 20 per call; results in request order, ids TikTok did not return listed. */
export async function fetchVideosById(
	ctx: TikTokContext,
	fields: readonly string[],
	ids: readonly string[],
): Promise<{ found: TikTokVideo[]; missing: string[] }> {
	const returned: TikTokVideo[] = [];
	for (const batch of idBatches(ids)) returned.push(...(await queryVideos(ctx, fields, batch)));
	return matchById(ids, returned);
}

/** Fields the post lookup reads from video/list. */
const LOOKUP_FIELDS = ['id', 'create_time', 'title', 'video_description', 'share_url'];
/** The post lookup reads at most this many pages (200 videos) back to the publish's start. */
const LOOKUP_MAX_PAGES = 10;

/** The public video a publish became, by the rule of `findPostedVideo` (helpers/analytics.ts). */
export async function findPostByCaption(
	ctx: TikTokContext,
	lookup: PostLookup,
): Promise<PostMatch> {
	const listing = await listVideos(ctx, LOOKUP_FIELDS, {
		enough: (progress) =>
			listingReachedBefore(progress.videos, lookup) || progress.pages >= LOOKUP_MAX_PAGES,
	});
	return findPostedVideo(listing.videos, lookup);
}
