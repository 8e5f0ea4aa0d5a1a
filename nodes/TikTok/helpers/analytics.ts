/**
 * TikTok's Display API rules (user/info, video/list, video/query): which scope each field needs, the fields to
 * request for the scopes a connection was granted, cursor paging, batches of 20 ids, and the rule that finds a
 * post TikTok's status gave no id for.
 */
import type { IDataObject } from 'n8n-workflow';

import { invalidInput, missingScope } from './errors';
import { MAX_LIST_PAGES, MAX_LISTED_TEXT, MAX_VIDEOS_PER_REQUEST } from './limits';

/** The scopes the credential's Analytics option adds to the posting scopes. */
export const ANALYTICS_SCOPES = ['user.info.profile', 'user.info.stats', 'video.list'] as const;

/** Every field of TikTok's v2 User Object and the scope it needs (TikTok's own table). */
export const USER_FIELD_SCOPES: Readonly<Record<string, string>> = {
	open_id: 'user.info.basic',
	union_id: 'user.info.basic',
	avatar_url: 'user.info.basic',
	avatar_url_100: 'user.info.basic',
	avatar_large_url: 'user.info.basic',
	display_name: 'user.info.basic',
	bio_description: 'user.info.profile',
	profile_deep_link: 'user.info.profile',
	is_verified: 'user.info.profile',
	username: 'user.info.profile',
	follower_count: 'user.info.stats',
	following_count: 'user.info.stats',
	likes_count: 'user.info.stats',
	video_count: 'user.info.stats',
};

export const STATS_FIELDS = ['follower_count', 'following_count', 'likes_count', 'video_count'];

/** Every field of TikTok's Video Object; all need `video.list`. */
export const VIDEO_FIELDS = [
	'id',
	'create_time',
	'title',
	'video_description',
	'duration',
	'height',
	'width',
	'cover_image_url',
	'share_url',
	'embed_html',
	'embed_link',
	'view_count',
	'like_count',
	'comment_count',
	'share_count',
];

/** What Video → List and Get return unless other fields are chosen: the counts and what identifies a video. */
export const DEFAULT_VIDEO_FIELDS = [
	'id',
	'create_time',
	'title',
	'video_description',
	'duration',
	'share_url',
	'cover_image_url',
	'view_count',
	'like_count',
	'comment_count',
	'share_count',
];

/** The granted scopes of a token response's `scope` ("a,b,c"; spaces tolerated), or undefined when unknown. */
export function parseScopes(scope: unknown): string[] | undefined {
	if (typeof scope !== 'string' || scope.trim() === '') return undefined;
	return scope.split(/[\s,]+/).filter(Boolean);
}

/** Fails, naming the scopes, when the granted scopes are known and lack any of `needed`. */
export function assertScopes(needed: readonly string[], granted: string[] | undefined): void {
	if (granted === undefined) return;
	const missing = [...new Set(needed)].filter((scope) => !granted.includes(scope));
	if (missing.length > 0) throw missingScope(missing);
}

export function scopesOfUserFields(fields: readonly string[]): string[] {
	return [...new Set(fields.map((field) => USER_FIELD_SCOPES[field]).filter(Boolean))];
}

export interface UserFieldPlan {
	fields: string[];
	/** Fields left out because the connection lacks their scope (automatic selection only). */
	skipped: Array<{ field: string; scope: string }>;
}

/**
 * The user/info fields for Creator → Get Stats. Nothing chosen: `open_id`, the display fields, the four counts and,
 * only when `user.info.profile` is known to be granted, the profile fields and the verified flag (the others are
 * listed as skipped). Chosen fields are requested as they are. The counts always need `user.info.stats`; a chosen field
 * whose scope is missing fails before TikTok is called, naming the scope (TikTok would refuse the whole call).
 */
export function planUserFields(
	chosen: readonly string[],
	granted: string[] | undefined,
): UserFieldPlan {
	const unknown = chosen.filter((field) => !(field in USER_FIELD_SCOPES));
	if (unknown.length > 0) {
		throw invalidInput(
			`Unknown TikTok user field: ${unknown.join(', ')}`,
			`Use fields of TikTok's User Object: ${Object.keys(USER_FIELD_SCOPES).join(', ')}.`,
		);
	}
	if (chosen.length > 0) {
		const fields = [...new Set(['open_id', ...chosen])];
		assertScopes(scopesOfUserFields(fields), granted);
		return { fields, skipped: [] };
	}
	assertScopes(['user.info.stats'], granted);
	const automatic = Object.keys(USER_FIELD_SCOPES).filter(
		(field) => field !== 'avatar_url_100' && field !== 'avatar_large_url',
	);
	const allowed = (field: string) =>
		USER_FIELD_SCOPES[field] !== 'user.info.profile' ||
		(granted ?? []).includes('user.info.profile');
	return {
		fields: automatic.filter(allowed),
		skipped: automatic
			.filter((field) => !allowed(field))
			.map((field) => ({ field, scope: USER_FIELD_SCOPES[field] })),
	};
}

/** The video fields to request: `id` always (results are matched by it), then the chosen ones or the defaults. */
export function planVideoFields(chosen: readonly string[]): string[] {
	const unknown = chosen.filter((field) => !VIDEO_FIELDS.includes(field));
	if (unknown.length > 0) {
		throw invalidInput(
			`Unknown TikTok video field: ${unknown.join(', ')}`,
			`Use fields of TikTok's Video Object: ${VIDEO_FIELDS.join(', ')}.`,
		);
	}
	return [...new Set(['id', ...(chosen.length > 0 ? chosen : DEFAULT_VIDEO_FIELDS)])];
}

// ---------------------------------------------------------------------------------------------------------------
// Paging (video/list)

/** A Video Object with its id kept as a string. */
export interface TikTokVideo extends IDataObject {
	id: string;
	create_time?: number;
	title?: string;
	video_description?: string;
	share_url?: string;
}

export interface VideoPage {
	videos?: TikTokVideo[];
	cursor?: number | string;
	has_more?: boolean;
}

/** `max_count` for the next page: 1–20, never more than what is still wanted. */
export function pageSize(remaining: number | undefined): number {
	if (remaining === undefined) return MAX_VIDEOS_PER_REQUEST;
	return Math.min(MAX_VIDEOS_PER_REQUEST, Math.max(1, Math.floor(remaining)));
}

export interface ListProgress {
	videos: TikTokVideo[];
	seen: Set<string>;
	pages: number;
	/** The cursor to send for the next page; undefined before the first. */
	cursor?: number;
	/** Why the listing stopped, once it has. */
	done?: 'limit' | 'no_more' | 'cursor_stuck' | 'page_cap';
}

export function startListing(): ListProgress {
	return { videos: [], seen: new Set(), pages: 0 };
}

/**
 * Takes one video/list page into `progress`. Short pages do not end the listing: only `has_more: false` does (TikTok
 * may return fewer than max_count while more exist), or the limit, a cursor that does not move back in time, or
 * the page cap. Videos are de-duplicated by id across pages.
 */
export function takePage(
	progress: ListProgress,
	page: VideoPage,
	limit: number | undefined,
): ListProgress {
	progress.pages++;
	for (const video of page.videos ?? []) {
		if (limit !== undefined && progress.videos.length >= limit) break;
		const id = String(video.id);
		if (progress.seen.has(id)) continue;
		progress.seen.add(id);
		progress.videos.push({ ...video, id });
	}
	const next = Number(page.cursor);
	if (limit !== undefined && progress.videos.length >= limit) progress.done = 'limit';
	else if (page.has_more !== true) progress.done = 'no_more';
	else if (!Number.isFinite(next) || (progress.cursor !== undefined && next >= progress.cursor))
		progress.done = 'cursor_stuck';
	else if (progress.pages >= MAX_LIST_PAGES) progress.done = 'page_cap';
	progress.cursor = next;
	return progress;
}

/**
 * Why a listing that was to return everything stopped before TikTok said it had no more (`has_more: false`), in
 * words; undefined when it is complete (or stopped at the limit asked for).
 */
export function listingCutShort(progress: ListProgress): string | undefined {
	if (progress.done === 'cursor_stuck')
		return `TikTok's cursor stopped moving back in time after ${progress.pages} page(s), so the node stopped to avoid listing the same videos forever: ${progress.videos.length} video(s) returned, and the account may have more. Run it again later, or use Video → Get with the ids you need.`;
	if (progress.done === 'page_cap')
		return `The node reads at most ${MAX_LIST_PAGES} pages (${MAX_LIST_PAGES * MAX_VIDEOS_PER_REQUEST} videos) in one run: ${progress.videos.length} video(s) returned, and the account has more. Use Limit, or Video → Get with the ids you need.`;
	return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Ids and batches (video/query)

const VIDEO_ID = /^\d{1,19}$/;

/**
 * Video ids from a parameter: an array, or text separated by commas, spaces or new lines. Ids stay strings; a
 * number too large to be exact (it already lost digits) is refused rather than rounded.
 */
export function parseVideoIds(input: unknown): string[] {
	const values = Array.isArray(input)
		? input.flat(Infinity)
		: typeof input === 'number'
			? [input]
			: String(input ?? '').split(/[\s,]+/);
	const ids: string[] = [];
	for (const value of values) {
		if (typeof value === 'number') {
			if (!Number.isSafeInteger(value)) {
				throw invalidInput(
					`The video ID ${value} arrived as a number and has lost its last digits`,
					'TikTok video IDs have 19 digits, more than a JavaScript number keeps. Pass them as text, e.g. {{ $json.id }} from this node, or a column stored as text.',
				);
			}
			ids.push(String(value));
			continue;
		}
		const text = String(value ?? '').trim();
		if (text) ids.push(text);
	}
	const bad = ids.filter((id) => !VIDEO_ID.test(id));
	if (bad.length > 0) {
		throw invalidInput(
			`Not a TikTok video ID: ${bad.slice(0, 5).join(', ')}`,
			'A video ID is the number at the end of a post URL (…/video/7300000000000000001), up to 19 digits.',
		);
	}
	if (ids.length === 0)
		throw invalidInput(
			'No video ID given',
			'Enter one or more video IDs, separated by commas, or an expression giving an array of IDs.',
		);
	return [...new Set(ids)];
}

/** Ids in batches TikTok accepts (at most 20 per video/query). */
export function idBatches(ids: readonly string[], size = MAX_VIDEOS_PER_REQUEST): string[][] {
	const batches: string[][] = [];
	for (let i = 0; i < ids.length; i += size) batches.push(ids.slice(i, i + size));
	return batches;
}

/** video/query answers in no documented order and drops ids it does not return: match by id, in request order. */
export function matchById(
	ids: readonly string[],
	videos: readonly TikTokVideo[],
): { found: TikTokVideo[]; missing: string[] } {
	const byId = new Map(
		videos.map((video) => [String(video.id), { ...video, id: String(video.id) }]),
	);
	return {
		found: ids.flatMap((id) => byId.get(id) ?? []),
		missing: ids.filter((id) => !byId.has(id)),
	};
}

/** A video as the node outputs it: TikTok's fields, plus its creation time as ISO text when TikTok gave it. */
export function videoOutput(video: TikTokVideo): IDataObject {
	const output: IDataObject = { ...video, id: String(video.id) };
	if (typeof video.create_time === 'number')
		output.created_at = new Date(video.create_time * 1000).toISOString();
	return output;
}

// ---------------------------------------------------------------------------------------------------------------
// Finding a post TikTok's status gave no id for

/** How far before the publish started a video may have been created: clocks of n8n and TikTok differ. */
export const CLOCK_SLACK_SEC = 300;
/** A listed text shorter than this must equal the caption; from here on it may be the caption cut short. */
export const MIN_TRUNCATED_LENGTH = 100;

export interface PostLookup {
	/** The caption (video) the publish sent. */
	caption: string;
	/** When the publish started, in Unix seconds. */
	startedAtSec: number;
}

/** Unicode NFC, whitespace runs as one space, trimmed. */
export function normalizeCaption(text: string): string {
	return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/**
 * Whether a listed title or description is this caption: equal once normalised, or (TikTok lists at most 150
 * characters) a prefix of it at least 100 characters long. An empty text never matches.
 */
export function captionMatches(caption: string, listed: string | undefined): boolean {
	const wanted = normalizeCaption(caption);
	const seen = normalizeCaption(listed ?? '');
	if (!wanted || !seen) return false;
	if (seen === wanted) return true;
	return (
		seen.length >= Math.min(MIN_TRUNCATED_LENGTH, MAX_LISTED_TEXT) &&
		seen.length < wanted.length &&
		wanted.startsWith(seen)
	);
}

/** Videos created early enough that older pages cannot hold the post: the listing may stop. */
export function listingReachedBefore(videos: readonly TikTokVideo[], lookup: PostLookup): boolean {
	const last = videos[videos.length - 1];
	return (
		last !== undefined &&
		typeof last.create_time === 'number' &&
		last.create_time < lookup.startedAtSec - CLOCK_SLACK_SEC
	);
}

export type PostMatch = { found: TikTokVideo } | { found?: undefined; candidates: number };

/**
 * The documented rule: among the account's public videos, the one created after the publish started (less
 * CLOCK_SLACK_SEC) whose title or description matches the caption. Exactly one must match; none or several
 * derive nothing.
 */
export function findPostedVideo(videos: readonly TikTokVideo[], lookup: PostLookup): PostMatch {
	const matches = videos.filter(
		(video) =>
			typeof video.create_time === 'number' &&
			video.create_time >= lookup.startedAtSec - CLOCK_SLACK_SEC &&
			(captionMatches(lookup.caption, video.video_description) ||
				captionMatches(lookup.caption, video.title)),
	);
	return matches.length === 1 ? { found: matches[0] } : { candidates: matches.length };
}
