/**
 * TikTok's Display API, one function per endpoint (user/info, video/list, video/query; paced to 600 per minute per
 * credential and endpoint, a scope refusal naming the missing scope), and what is built on them: paging through
 * the list with the cursor, querying ids in batches of 20, the lookup of the post a publish became.
 */
import type { IDataObject } from 'n8n-workflow';

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
import { isTikTokError, missingScope } from '../helpers/errors';
import { DISPLAY_CALLS_PER_MINUTE } from '../helpers/limits';
import { SlidingWindowPacer } from '../helpers/pacer';
import type { TikTokContext } from './http';
import { pause } from './http';
import { credentialKey, callTikTokApi } from './request';
import { CREDENTIAL_TYPE } from './token';

export const DISPLAY_PATHS = {
	userInfo: '/v2/user/info/',
	videoList: '/v2/video/list/',
	videoQuery: '/v2/video/query/',
} as const;

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
	path: (typeof DISPLAY_PATHS)[keyof typeof DISPLAY_PATHS],
	fields: readonly string[],
	body: IDataObject | undefined,
	needs: readonly string[],
): Promise<T> {
	const key = `${credentialKey(ctx)} ${path}`;
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
		DISPLAY_PATHS.userInfo,
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
	return (await displayRequest<IDataObject>(ctx, 'POST', DISPLAY_PATHS.videoList, fields, body, [
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
		DISPLAY_PATHS.videoQuery,
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
