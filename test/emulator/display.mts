// TikTok's Display API: GET /v2/user/info/, POST /v2/video/list/ and /v2/video/query/
// (tiktok-display-and-webhooks.md §1–8, §13). Fields in the query string, checked against the granted scopes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject, makeReply, runPipeline, type JsonObject, type Reply } from './api.mts';
import { accountByName, type Ctx, type Grant } from './context.mts';
import type { RateBucket } from './rateLimit.mts';
import type { AccountFixture, FaultEndpoint, VideoCounts, VideoFixture } from './types.mts';

/** Every User Object field and its scope (§2). */
export const USER_FIELDS: Record<string, string> = {
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

/** The 15 requestable Video Object fields (§4); all need video.list. */
export const VIDEO_FIELDS = [
	'id',
	'create_time',
	'cover_image_url',
	'share_url',
	'video_description',
	'duration',
	'height',
	'width',
	'title',
	'embed_html',
	'embed_link',
	'like_count',
	'comment_count',
	'share_count',
	'view_count',
];

const HOUR_MS = 3_600_000;
const COVER_TTL_SEC = 6 * 3600;

/** A video of an account, wherever it came from (fixture or a post published through the emulator). */
interface Video extends VideoFixture {
	/** Counts of fixture videos add to the account's likes. */
	fixture: boolean;
}

/** The fixture videos and the posts published through the emulator that got public ids. */
export function videosOf(ctx: Ctx, accountName: string): Video[] {
	const account = accountByName(ctx, accountName);
	if (!account) return [];
	const posted: Video[] = [];
	for (const p of ctx.state.publishes.values()) {
		const rt = ctx.runtime.get(p.publishId);
		if (
			p.accountName !== accountName ||
			p.kind !== 'video' ||
			p.postIds.length === 0 ||
			!rt?.publicAt
		)
			continue;
		const caption = String(p.postInfo?.title ?? '').slice(0, ctx.config.display.maxTextLength);
		posted.push({
			id: p.postIds[0],
			createTime: Math.floor(rt.publicAt / 1000),
			title: caption,
			description: caption,
			durationSec: Math.round(p.detectedDurationSec ?? 0),
			width: 1080,
			height: 1920,
			privacy: 'PUBLIC_TO_EVERYONE',
			counts: { view: 0, like: 0, comment: 0, share: 0 },
			growthPerHour: { view: 120, like: 12, comment: 2, share: 1 },
			fixture: false,
		});
	}
	const all = [...account.videos.map((v) => ({ ...v, fixture: true })), ...posted];
	// Newest first; within one second, the higher id first.
	return all.sort((a, b) => b.createTime - a.createTime || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
}

/** Counts at the emulator clock (less `countsLagSec` in stale mode): they grow after the video is created. */
export function countsAt(ctx: Ctx, video: VideoFixture): VideoCounts {
	const at = ctx.now() - ctx.config.display.countsLagSec * 1000;
	const hours = Math.max(0, (at - video.createTime * 1000) / HOUR_MS);
	const grow = (key: keyof VideoCounts) =>
		Math.min(2 ** 31 - 1, video.counts[key] + Math.floor(video.growthPerHour[key] * hours));
	return {
		view: video.counts.view + Math.floor(video.growthPerHour.view * hours),
		like: grow('like'),
		comment: grow('comment'),
		share: grow('share'),
	};
}

const isPublic = (v: VideoFixture) => v.privacy === 'PUBLIC_TO_EVERYONE';

function renderVideo(
	ctx: Ctx,
	v: VideoFixture,
	fields: string[],
	account: AccountFixture,
	clientKey: string,
): JsonObject {
	const counts = countsAt(ctx, v);
	const utm = `utm_campaign=tt4d_open_api&utm_source=${clientKey}`;
	const expires = Math.floor(ctx.now() / 1000) + COVER_TTL_SEC;
	const shareUrl = `https://www.tiktok.com/@${account.username}/video/${v.id}?${utm}`;
	const all: JsonObject = {
		id: v.id,
		create_time: v.createTime,
		cover_image_url: `https://p16-sign.tiktokcdn-us.com/emu-cover/${v.id}.jpeg?x-expires=${expires}&x-signature=emu`,
		share_url: shareUrl,
		video_description: v.description.slice(0, ctx.config.display.maxTextLength),
		duration: v.durationSec,
		height: v.height,
		width: v.width,
		title: v.title.slice(0, ctx.config.display.maxTextLength),
		embed_html: `<blockquote class="tiktok-embed" cite="${shareUrl}" data-video-id="${v.id}"><section></section></blockquote>`,
		embed_link: `https://www.tiktok.com/static/profile-video?id=${v.id}&hide_author=1&${utm}`,
		like_count: counts.like,
		comment_count: counts.comment,
		share_count: counts.share,
		view_count: counts.view,
	};
	return Object.fromEntries(fields.map((f) => [f, all[f]]));
}

/**
 * `fields` from the query string: required, comma-separated, known names only (strict: TikTok's answer to unknown
 * names is unconfirmed); every field's scope must be granted, else the whole call fails with no data.
 */
function checkFields(
	ctx: Ctx,
	reply: Reply,
	url: URL,
	grant: Grant,
	scopeOf: (field: string) => string | undefined,
): string[] | null {
	const raw = url.searchParams.get('fields');
	if (!raw) {
		reply(400, 'invalid_params', {}, 'fields is required in the query string');
		return null;
	}
	const fields = [...new Set(raw.split(','))];
	const unknown = fields.filter((f) => !scopeOf(f));
	if (unknown.length > 0) {
		reply(400, 'invalid_params', {}, `Unknown field: ${unknown.join(',')}`);
		return null;
	}
	const missing = [...new Set(fields.map((f) => scopeOf(f) as string))].filter(
		(s) => !grant.scopes.includes(s),
	);
	if (missing.length > 0) {
		const code = ctx.config.display.scopeErrorCode;
		reply(
			code === 'scope_not_authorized' ? 401 : 400,
			code,
			{},
			undefined,
			`needs ${missing.join(',')}`,
		);
		return null;
	}
	return fields;
}

interface DisplayCall {
	grant: Grant;
	body: JsonObject | null;
	fields: string[];
	account: AccountFixture;
}

async function displayPipeline(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
	reply: Reply,
	opts: {
		endpoint: string;
		bucket: RateBucket;
		faultEndpoint: FaultEndpoint;
		bodyRequired: boolean;
		scopeOf: (field: string) => string | undefined;
	},
): Promise<DisplayCall | null> {
	let fields: string[] | null = null;
	const call = await runPipeline(ctx, req, res, reply, {
		endpoint: opts.endpoint,
		bucket: opts.bucket,
		faultEndpoint: opts.faultEndpoint,
		bodyRequired: opts.bodyRequired,
		scopes: () => [],
		ratePerClient: ctx.config.rateLimits.displayKey === 'client',
		precheck: (grant) => {
			fields = checkFields(ctx, reply, url, grant, opts.scopeOf);
			return fields !== null;
		},
	});
	if (!call || !fields) return null;
	const account = accountByName(ctx, call.grant.accountName);
	if (!account) {
		reply(500, 'internal_error', {}, undefined, 'account vanished');
		return null;
	}
	return { grant: call.grant, body: call.body, fields, account };
}

/**
 * The shared start of video/list and video/query: the pipeline with video fields (all need video.list), then body
 * keys outside `allowed` refused (a body `fields` is ignored, as v2 reads them from the query).
 */
async function videoPipeline(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
	reply: Reply,
	endpoint: 'video/list' | 'video/query',
	allowed: string[],
): Promise<DisplayCall | null> {
	const bucket = endpoint === 'video/list' ? 'videoList' : 'videoQuery';
	const call = await displayPipeline(ctx, req, res, url, reply, {
		endpoint,
		bucket,
		faultEndpoint: bucket,
		bodyRequired: endpoint === 'video/query',
		scopeOf: (f) => (VIDEO_FIELDS.includes(f) ? 'video.list' : undefined),
	});
	if (!call) return null;
	const extra =
		call.body && ctx.config.rejectUnknownFields
			? Object.keys(call.body).filter((k) => !allowed.includes(k) && k !== 'fields')
			: [];
	if (extra.length > 0) {
		reply(400, 'invalid_params', {}, `Unknown field: ${extra.join(',')}`);
		return null;
	}
	return call;
}

// ---------------------------------------------------------------------------------------------
// GET /v2/user/info/

export async function handleUserInfo(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const reply = makeReply(ctx, res);
	const call = await displayPipeline(ctx, req, res, url, reply, {
		endpoint: 'user/info',
		bucket: 'userInfo',
		faultEndpoint: 'userInfo',
		bodyRequired: false,
		scopeOf: (f) => USER_FIELDS[f],
	});
	if (!call) return;
	const { account, grant } = call;
	const videos = videosOf(ctx, grant.accountName);
	const publicVideos = videos.filter(isPublic);
	const hours = Math.max(0, (ctx.now() - ctx.startedAt) / HOUR_MS);
	const all: JsonObject = {
		open_id: account.openId,
		union_id: `emu_uid_${grant.accountName}`,
		avatar_url: account.avatarUrl,
		avatar_url_100: account.avatarUrl.replace('.jpeg', '~100x100.jpeg'),
		avatar_large_url: account.avatarUrl.replace('.jpeg', '~1080x1080.jpeg'),
		display_name: account.nickname,
		bio_description: account.bioDescription,
		profile_deep_link: `https://vm.tiktok.com/emu-${account.username}/`,
		is_verified: account.isVerified,
		username: account.username,
		follower_count: account.followerCount + Math.floor(account.followerGrowthPerHour * hours),
		following_count: account.followingCount,
		likes_count: account.likesCount + videos.reduce((sum, v) => sum + countsAt(ctx, v).like, 0),
		video_count: publicVideos.length,
	};
	reply(200, 'ok', { user: Object.fromEntries(call.fields.map((f) => [f, all[f]])) });
}

// ---------------------------------------------------------------------------------------------
// POST /v2/video/list/

export async function handleVideoList(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const reply = makeReply(ctx, res);
	const call = await videoPipeline(ctx, req, res, url, reply, 'video/list', [
		'cursor',
		'max_count',
	]);
	if (!call) return;
	const { body, account, grant, fields } = call;
	const maxCount = body?.max_count ?? 10;
	if (
		typeof maxCount !== 'number' ||
		!Number.isInteger(maxCount) ||
		maxCount < 1 ||
		maxCount > 20
	) {
		return reply(400, 'invalid_params', {}, 'max_count must be an integer from 1 to 20');
	}
	const cursorIn = body?.cursor ?? 0;
	if (typeof cursorIn !== 'number' || !Number.isInteger(cursorIn) || cursorIn < 0) {
		return reply(400, 'invalid_params', {}, 'cursor must be a Unix timestamp in milliseconds');
	}
	// "Posted before the provided timestamp"; absent or 0 = now.
	const before = cursorIn === 0 ? Number.POSITIVE_INFINITY : cursorIn;
	const older = videosOf(ctx, grant.accountName).filter((v) => v.createTime * 1000 < before);
	// The page is cut from all the user's videos, then non-public ones are dropped: pages come back short while
	// has_more is true, as TikTok's v1 docs warn ("less than max_count … even if has_more is true").
	const windowSize = ctx.config.display.shortPages
		? Math.max(1, Math.floor(maxCount / 2))
		: maxCount;
	const window = older.slice(0, windowSize);
	const last = window[window.length - 1];
	const cursor = last ? last.createTime * 1000 : cursorIn;
	reply(200, 'ok', {
		videos: window
			.filter(isPublic)
			.map((v) => renderVideo(ctx, v, fields, account, grant.clientKey)),
		cursor,
		has_more: older.length > window.length,
	});
}

// ---------------------------------------------------------------------------------------------
// POST /v2/video/query/

export async function handleVideoQuery(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const reply = makeReply(ctx, res);
	const call = await videoPipeline(ctx, req, res, url, reply, 'video/query', ['filters']);
	if (!call) return;
	const { body, account, grant, fields } = call;
	const filters = body?.filters;
	const ids = isObject(filters) ? filters.video_ids : undefined;
	if (
		!Array.isArray(ids) ||
		ids.length < 1 ||
		ids.length > 20 ||
		!ids.every((id) => typeof id === 'string' && /^\d{1,19}$/.test(id))
	) {
		return reply(
			400,
			'invalid_params',
			{},
			'filters.video_ids must be a list of 1 to 20 video ids as strings',
		);
	}
	const wanted = new Set(ids as string[]);
	const owned = videosOf(ctx, grant.accountName).filter(
		(v) => wanted.has(v.id) && (isPublic(v) || ctx.config.display.queryReturnsNonPublic),
	);
	// Not in the order asked for: clients must match by id.
	const order = (ids as string[]).slice().reverse();
	owned.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
	reply(200, 'ok', {
		videos: owned.map((v) => renderVideo(ctx, v, fields, account, grant.clientKey)),
		...(ctx.config.display.queryAddsPaging ? { cursor: 0, has_more: false } : {}),
	});
}
