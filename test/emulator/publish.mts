// creator_info/query and the three init endpoints (tiktok-api.md §4–§8, §11).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject, makeReply, runPipeline, type JsonObject, type Reply } from './api.mts';
import {
	accountByName,
	clientByKey,
	type Ctx,
	type Grant,
	type PublishRuntime,
} from './context.mts';
import { takeFault } from './faults.mts';
import { interactionsOf, privacyOptionsOf } from './fixtures.mts';
import { MediaProbe } from './probe.mts';
import { startPull } from './pull.mts';
import type {
	AccountFixture,
	ClientConfig,
	InitEndpoint,
	InitRecord,
	PrivacyLevel,
	PublishRecord,
} from './types.mts';
import {
	isVerifiedUrl,
	Rejection,
	validatePhotoBody,
	validateVideoPostInfo,
	validateVideoSource,
} from './validation.mts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The privacy options a client sees for an account (unaudited clients: SELF_ONLY only, §11.3). */
export function offeredPrivacyOptions(
	ctx: Ctx,
	client: ClientConfig,
	account: AccountFixture,
): PrivacyLevel[] {
	if (!client.audited && ctx.config.unauditedOffersOnlySelfOnly) return ['SELF_ONLY'];
	return privacyOptionsOf(account);
}

function publishesInLastDay(ctx: Ctx, filter: (p: PublishRecord) => boolean): PublishRecord[] {
	const since = ctx.now() - DAY_MS;
	return [...ctx.state.publishes.values()].filter((p) => p.createdAt > since && filter(p));
}

function directPostsToday(ctx: Ctx, openId: string): number {
	return publishesInLastDay(ctx, (p) => p.openId === openId && p.mode === 'DIRECT_POST').length;
}

function draftsToday(ctx: Ctx, openId: string): number {
	return publishesInLastDay(ctx, (p) => p.openId === openId && p.mode !== 'DIRECT_POST').length;
}

function activeUserCapOf(ctx: Ctx, client: ClientConfig): number | null {
	return client.audited ? client.activeUserCap : ctx.config.unauditedActiveUsersPerDay;
}

/** Distinct users who posted through the client in the last 24 h. */
function activeUsers(ctx: Ctx, client: ClientConfig): Set<string> {
	const countDrafts = client.audited || ctx.config.unauditedCapCountsDrafts;
	return new Set(
		publishesInLastDay(
			ctx,
			(p) => p.clientKey === client.clientKey && (countDrafts || p.mode === 'DIRECT_POST'),
		).map((p) => p.openId),
	);
}

function overActiveUserCap(ctx: Ctx, client: ClientConfig, openId: string): boolean {
	const cap = activeUserCapOf(ctx, client);
	if (cap === null) return false;
	const users = activeUsers(ctx, client);
	return !users.has(openId) && users.size >= cap;
}

function resolveCaller(
	ctx: Ctx,
	grant: Grant,
): { account: AccountFixture; client: ClientConfig } | null {
	const account = accountByName(ctx, grant.accountName);
	const client = clientByKey(ctx, grant.clientKey);
	return account && client ? { account, client } : null;
}

// ---------------------------------------------------------------------------------------------
// POST /v2/post/publish/creator_info/query/

export async function handleCreatorInfo(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
): Promise<void> {
	const reply = makeReply(ctx, res);
	const call = await runPipeline(ctx, req, res, reply, {
		endpoint: 'creator_info/query',
		bucket: 'creatorInfo',
		faultEndpoint: 'creatorInfo',
		bodyRequired: false,
		scopes: () => ['video.publish'],
	});
	if (!call) return;
	const caller = resolveCaller(ctx, call.grant);
	if (!caller) return reply(500, 'internal_error', {}, undefined, 'account or client vanished');
	const { account, client } = caller;
	// "The creator cannot post now" conditions come back with HTTP 200 on purpose (§4).
	if (account.postingBlock) return reply(200, account.postingBlock);
	if (directPostsToday(ctx, account.openId) >= ctx.config.directPostsPerDay) {
		return reply(200, 'spam_risk_too_many_posts');
	}
	if (overActiveUserCap(ctx, client, account.openId)) return reply(200, 'reached_active_user_cap');
	reply(200, 'ok', {
		creator_avatar_url: account.avatarUrl,
		creator_username: account.username,
		creator_nickname: account.nickname,
		privacy_level_options: offeredPrivacyOptions(ctx, client, account),
		...interactionsOf(account),
		max_video_post_duration_sec: account.maxVideoPostDurationSec,
	});
}

// ---------------------------------------------------------------------------------------------
// Init endpoints

interface InitPlan {
	kind: 'video' | 'photo';
	mode: PublishRecord['mode'];
	source: PublishRecord['source'];
	privacyLevel: string | undefined;
	urls: string[];
	videoSize: number | null;
	chunkSize: number | null;
	totalChunkCount: number | null;
	postInfo: JsonObject | null;
	sourceInfo: JsonObject;
}

function planFor(
	ctx: Ctx,
	endpoint: InitEndpoint,
	body: JsonObject,
	account: AccountFixture,
): InitPlan {
	const cfg = ctx.config;
	if (endpoint === 'content/init') {
		const photo = validatePhotoBody(cfg, body, account);
		return {
			kind: 'photo',
			mode: photo.postMode,
			source: 'PULL_FROM_URL',
			privacyLevel: photo.privacyLevel,
			urls: photo.photoImages,
			videoSize: null,
			chunkSize: null,
			totalChunkCount: null,
			postInfo: body.post_info as JsonObject,
			sourceInfo: body.source_info as JsonObject,
		};
	}
	if (endpoint === 'inbox/video/init') {
		if (cfg.rejectUnknownFields) {
			for (const key of Object.keys(body)) {
				if (key === 'post_info') {
					throw new Rejection('inbox/video/init takes only source_info: drafts have no post_info');
				}
				if (key !== 'source_info') throw new Rejection(`Unknown field ${key}`);
			}
		}
		const src = validateVideoSource(cfg, body.source_info);
		return {
			kind: 'video',
			mode: 'INBOX',
			source: src.source,
			privacyLevel: undefined,
			urls: src.videoUrl ? [src.videoUrl] : [],
			videoSize: src.videoSize,
			chunkSize: src.chunkSize,
			totalChunkCount: src.totalChunkCount,
			postInfo: null,
			sourceInfo: body.source_info as JsonObject,
		};
	}
	if (cfg.rejectUnknownFields) {
		for (const key of Object.keys(body)) {
			if (key !== 'post_info' && key !== 'source_info') throw new Rejection(`Unknown field ${key}`);
		}
	}
	const info = validateVideoPostInfo(cfg, body.post_info, account);
	const src = validateVideoSource(cfg, body.source_info);
	return {
		kind: 'video',
		mode: 'DIRECT_POST',
		source: src.source,
		privacyLevel: info.privacyLevel,
		urls: src.videoUrl ? [src.videoUrl] : [],
		videoSize: src.videoSize,
		chunkSize: src.chunkSize,
		totalChunkCount: src.totalChunkCount,
		postInfo: body.post_info as JsonObject,
		sourceInfo: body.source_info as JsonObject,
	};
}

/** Account, client and cap rules, in the order TikTok's error tables suggest (403 unless stated). */
function businessChecks(
	ctx: Ctx,
	plan: InitPlan,
	account: AccountFixture,
	client: ClientConfig,
): void {
	const cfg = ctx.config;
	const direct = plan.mode === 'DIRECT_POST';
	if (plan.mode === 'MEDIA_UPLOAD' && (cfg.appVersionTooOld || account.appVersionTooOld)) {
		throw new Rejection(
			"The user's TikTok app is older than 31.8 and cannot receive photo drafts",
			'app_version_check_failed',
			400,
		);
	}
	for (const url of plan.urls) {
		if (!isVerifiedUrl(cfg, url)) {
			throw new Rejection(
				`${url} is not on a verified domain or URL prefix`,
				'url_ownership_unverified',
				403,
			);
		}
	}
	if (account.postingBlock === 'spam_risk_user_banned_from_posting') {
		throw new Rejection('This user is banned from making new posts.', account.postingBlock, 403);
	}
	if (direct) {
		if (
			account.postingBlock === 'spam_risk_too_many_posts' ||
			directPostsToday(ctx, account.openId) >= cfg.directPostsPerDay
		) {
			throw new Rejection(
				`The daily post cap (${cfg.directPostsPerDay} direct posts per 24 h) for this user has been reached.`,
				'spam_risk_too_many_posts',
				403,
			);
		}
	} else if (draftsToday(ctx, account.openId) >= cfg.pendingDraftsPerDay) {
		throw new Rejection(
			`This user already has ${cfg.pendingDraftsPerDay} pending shares within the last 24 hours.`,
			'spam_risk_too_many_pending_share',
			403,
		);
	}
	if (!client.audited && direct && !account.isPrivate) {
		throw new Rejection(
			'Unaudited clients can only post to private accounts; this account is public.',
			'unaudited_client_can_only_post_to_private_accounts',
			403,
		);
	}
	const capApplies = direct || client.audited || cfg.unauditedCapCountsDrafts;
	if (capApplies && overActiveUserCap(ctx, client, account.openId)) {
		throw new Rejection(
			`The client reached its cap of ${activeUserCapOf(ctx, client)} active publishing users per 24 h.`,
			'reached_active_user_cap',
			403,
		);
	}
	if (direct) {
		const options = offeredPrivacyOptions(ctx, client, account);
		if (plan.privacyLevel === undefined) {
			throw new Rejection(
				`post_info.privacy_level is required; options: ${options.join(', ')}`,
				'privacy_level_option_mismatch',
				403,
			);
		}
		if (!(options as string[]).includes(plan.privacyLevel)) {
			throw new Rejection(
				`privacy_level ${plan.privacyLevel} is not among this creator's options: ${options.join(', ')}`,
				'privacy_level_option_mismatch',
				403,
			);
		}
	}
}

function publishIdPrefix(plan: InitPlan): string {
	if (plan.kind === 'photo')
		return plan.mode === 'DIRECT_POST' ? 'p_pub_url~v2.' : 'p_inbox_url~v2.';
	const file = plan.source === 'FILE_UPLOAD';
	if (plan.mode === 'DIRECT_POST') return file ? 'v_pub_file~v2-1.' : 'v_pub_url~v2.';
	return file ? 'v_inbox_file~v2.' : 'v_inbox_url~v2.';
}

function createPublish(
	ctx: Ctx,
	endpoint: InitEndpoint,
	plan: InitPlan,
	grant: Grant,
): PublishRecord {
	ctx.seq.publish += 1;
	const number = (7_300_000_000_000_000_000n + BigInt(ctx.seq.publish) * 7919n).toString();
	const publishId = publishIdPrefix(plan) + number;
	const now = ctx.now();
	let uploadUrl: string | null = null;
	const uploadToken = plan.source === 'FILE_UPLOAD' ? randomBytes(16).toString('hex') : null;
	if (uploadToken) {
		uploadUrl = `${ctx.config.uploadPublicBaseUrl ?? ctx.uploadBaseUrl}/upload/?upload_id=${number}&upload_token=${uploadToken}`;
	}
	const record: PublishRecord = {
		publishId,
		kind: plan.kind,
		mode: plan.mode,
		source: plan.source,
		endpoint,
		postInfo: plan.postInfo,
		sourceInfo: plan.sourceInfo,
		openId: grant.openId,
		accountName: grant.accountName,
		clientKey: grant.clientKey,
		createdAt: now,
		uploadUrl,
		uploadExpiresAt: uploadUrl ? now + ctx.config.uploadUrlTtlSec * 1000 : null,
		videoSize: plan.videoSize,
		chunkSize: plan.chunkSize,
		totalChunkCount: plan.totalChunkCount,
		uploadedBytes: 0,
		chunksReceived: 0,
		uploadAuthorizationHeaderSeen: false,
		chunkArrivals: [],
		sha256: null,
		downloadedBytes: 0,
		photoDownloads:
			plan.kind === 'photo'
				? plan.urls.map((url) => ({
						url,
						status: 'pending' as const,
						httpStatus: null,
						contentType: null,
						bytes: 0,
						sha256: null,
						detectedFormat: null,
						width: null,
						height: null,
						error: null,
					}))
				: [],
		detectedFormat: null,
		detectedDurationSec: null,
		detectedPicture: null,
		status: plan.source === 'FILE_UPLOAD' ? 'PROCESSING_UPLOAD' : 'PROCESSING_DOWNLOAD',
		failReason: null,
		postIds: [],
		statusPolls: 0,
	};
	const runtime: PublishRuntime = {
		publicAt: null,
		stage: plan.source === 'FILE_UPLOAD' ? 'uploading' : 'downloading',
		processingPollsLeft: 0,
		inboxPollsShown: 0,
		moderationPollsLeft: 0,
		pendingPostIds: 0,
		uploadId: uploadToken ? number : null,
		uploadToken,
		outcome: ctx.config.outcomes.shift() ?? null,
		mediaFailReason: null,
		hash: plan.source === 'FILE_UPLOAD' ? createHash('sha256') : null,
		probe: plan.source === 'FILE_UPLOAD' ? new MediaProbe() : null,
		uploadInFlight: false,
		abort: null,
		cancelled: false,
	};
	ctx.state.publishes.set(publishId, record);
	ctx.runtime.set(publishId, runtime);
	if (plan.source === 'PULL_FROM_URL') startPull(ctx, record, runtime);
	return record;
}

const INIT_SCOPES: Record<InitEndpoint, (body: JsonObject | null) => string[]> = {
	'video/init': () => ['video.publish'],
	'inbox/video/init': () => ['video.upload'],
	// content/init: DIRECT_POST needs video.publish, MEDIA_UPLOAD video.upload (§2.6);
	// an invalid post_mode is reported by validation, so either scope gets that far.
	'content/init': (body) => {
		const mode = isObject(body) ? body.post_mode : undefined;
		if (mode === 'DIRECT_POST') return ['video.publish'];
		if (mode === 'MEDIA_UPLOAD') return ['video.upload'];
		return ['video.publish', 'video.upload'];
	},
};

export async function handleInit(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	endpoint: InitEndpoint,
): Promise<void> {
	const record: InitRecord = {
		time: ctx.now(),
		endpoint,
		openId: null,
		clientKey: null,
		body: null,
		httpStatus: 0,
		code: '',
		message: '',
		publishId: null,
	};
	ctx.state.inits.push(record);
	const reply: Reply = makeReply(ctx, res, (httpStatus, code, message) => {
		record.httpStatus = httpStatus;
		record.code = code;
		record.message = message;
	});
	const call = await runPipeline(ctx, req, res, reply, {
		endpoint,
		bucket: 'init',
		faultEndpoint: 'init',
		bodyRequired: true,
		scopes: INIT_SCOPES[endpoint],
		onAuthenticated: (grant) => {
			record.openId = grant.openId;
			record.clientKey = grant.clientKey;
		},
		onBody: (body) => {
			record.body = body;
		},
	});
	if (!call || !call.body) return;
	const caller = resolveCaller(ctx, call.grant);
	if (!caller) return reply(500, 'internal_error', {}, undefined, 'account or client vanished');

	let plan: InitPlan;
	try {
		plan = planFor(ctx, endpoint, call.body, caller.account);
		businessChecks(ctx, plan, caller.account, caller.client);
	} catch (err) {
		if (!(err instanceof Rejection)) throw err;
		return reply(err.httpStatus, err.code, {}, err.message, err.detail ?? err.message);
	}

	const publish = createPublish(ctx, endpoint, plan, call.grant);
	record.publishId = publish.publishId;

	const fault = takeFault(ctx, (f) => f.type === 'initHang' || f.type === 'initReset', {
		endpoint,
		publishId: publish.publishId,
	});
	if (fault?.type === 'initHang') {
		// The publish exists, but the client never learns its id: it must time out, and must not retry.
		record.code = 'fault_initHang';
		ctx.hanging.add(res);
		return;
	}
	if (fault?.type === 'initReset') {
		record.code = 'fault_initReset';
		req.socket.destroy();
		return;
	}
	const data: JsonObject = { publish_id: publish.publishId };
	if (publish.uploadUrl) data.upload_url = publish.uploadUrl;
	reply(200, 'ok', data);
}
