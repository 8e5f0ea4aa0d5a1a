// The asynchronous publish status machine, status/fetch and cancel (tiktok-api.md §9, §10).
// Progress is driven by polls (config.statusPolls), so tests are deterministic and fast.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeReply, runPipeline, type JsonObject, type Reply } from './api.mts';
import { accountByName, clientByKey, type Ctx, type PublishRuntime } from './context.mts';
import { forAccount, takeFault } from './faults.mts';
import { RawJsonNumber } from './http.mts';
import type { FailReason, PublishRecord, PublishStatus } from './types.mts';
import type { MediaProbe } from './probe.mts';
import { emitPublishEvent } from './webhooks.mts';

function processingStatus(p: PublishRecord): PublishStatus {
	return p.source === 'FILE_UPLOAD' ? 'PROCESSING_UPLOAD' : 'PROCESSING_DOWNLOAD';
}

/** Fails a publish at once (pull errors, cancel, revoked auth). */
export function failNow(ctx: Ctx, p: PublishRecord, rt: PublishRuntime, reason: FailReason): void {
	rt.stage = 'final';
	p.status = 'FAILED';
	p.failReason = reason;
	emitPublishEvent(ctx, p, 'post.publish.failed', { reason });
}

/**
 * The video checks TikTok documents (§7.3), on what the probe read: container; a moov without a video track
 * (nothing to post); a codec outside H.264/H.265/VP8/VP9; duration against the account; each side within min/maxVideoSide; frame rate within
 * min/maxFrameRate. What the file does not state is not held against it.
 */
function videoFailReason(ctx: Ctx, p: PublishRecord, probe: MediaProbe): FailReason | null {
	const { limits } = ctx.config;
	const account = accountByName(ctx, p.accountName);
	const picture = probe.picture;
	p.detectedFormat = probe.container;
	p.detectedDurationSec = probe.durationSec;
	p.detectedPicture = picture ?? null;
	if (!p.detectedFormat || picture === null) return 'file_format_check_failed';
	if (picture?.codec && !limits.videoCodecs.includes(picture.codec))
		return 'file_format_check_failed';
	if (
		account &&
		p.detectedDurationSec !== null &&
		p.detectedDurationSec > account.maxVideoPostDurationSec
	) {
		return 'duration_check_failed';
	}
	const sides = [picture?.width, picture?.height].filter(
		(side): side is number => typeof side === 'number',
	);
	if (sides.some((side) => side < limits.minVideoSide || side > limits.maxVideoSide))
		return 'picture_size_check_failed';
	const fps = picture?.frameRate;
	if (typeof fps === 'number' && (fps < limits.minFrameRate || fps > limits.maxFrameRate))
		return 'frame_rate_check_failed';
	return null;
}

/**
 * Upload or download finished: run the video media checks and start processing.
 * `mediaFailReason` is reported when processing ends, like TikTok's checks.
 */
export function finishTransfer(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): void {
	if (p.kind === 'video' && rt.probe)
		rt.mediaFailReason = videoFailReason(ctx, p, rt.probe) ?? rt.mediaFailReason;
	rt.stage = 'processing';
	rt.processingPollsLeft = ctx.config.statusPolls.processing;
}

function assignPostIds(ctx: Ctx, p: PublishRecord, count: number): void {
	const rt = ctx.runtime.get(p.publishId);
	if (rt && rt.publicAt === null) rt.publicAt = ctx.now();
	const base = BigInt(ctx.config.postIdBase);
	for (let i = 0; i < count; i++) {
		ctx.seq.postId += 1n;
		const postId = (base + ctx.seq.postId).toString();
		p.postIds.push(postId);
		emitPublishEvent(ctx, p, 'post.publish.publicly_available', { postId });
	}
}

/** A post becomes public: ids appear once moderation passes (after `statusPolls.moderation` polls). */
function goPublic(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): void {
	if (rt.outcome?.moderated === false) return;
	rt.pendingPostIds = Math.max(1, rt.outcome?.postIdCount ?? 1);
	rt.moderationPollsLeft = ctx.config.statusPolls.moderation;
	if (rt.moderationPollsLeft <= 0) {
		assignPostIds(ctx, p, rt.pendingPostIds);
		rt.pendingPostIds = 0;
	}
}

function isAuditedClient(ctx: Ctx, p: PublishRecord): boolean {
	return clientByKey(ctx, p.clientKey)?.audited ?? false;
}

function finalize(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): void {
	rt.stage = 'final';
	const failReason = rt.outcome?.failReason ?? rt.mediaFailReason;
	if (failReason) return failNow(ctx, p, rt, failReason);
	if (p.mode === 'DIRECT_POST') {
		p.status = 'PUBLISH_COMPLETE';
		emitPublishEvent(ctx, p, 'post.publish.complete');
		// Only public posts of audited clients get public ids (unaudited content stays private, §11.3).
		if (p.postInfo?.privacy_level === 'PUBLIC_TO_EVERYONE' && isAuditedClient(ctx, p)) {
			goPublic(ctx, p, rt);
		}
		return;
	}
	p.status = 'SEND_TO_USER_INBOX';
	rt.inboxPollsShown = 0;
	emitPublishEvent(ctx, p, 'post.publish.inbox_delivered');
}

/**
 * Moderation ends now for every public post still waiting for its ids (or one publish): the ids appear and each
 * sends `post.publish.publicly_available`, as TikTok does hours later without anyone polling.
 */
export function completeModeration(ctx: Ctx, publishId?: string): void {
	for (const p of ctx.state.publishes.values()) {
		const rt = ctx.runtime.get(p.publishId);
		if (!rt || rt.pendingPostIds <= 0 || p.status !== 'PUBLISH_COMPLETE') continue;
		if (publishId !== undefined && p.publishId !== publishId) continue;
		assignPostIds(ctx, p, rt.pendingPostIds);
		rt.pendingPostIds = 0;
	}
}

/** Pull downloads must finish within the 1 h deadline (emulator clock). */
export function checkPullDeadline(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): void {
	if (rt.stage !== 'downloading') return;
	if (ctx.now() - p.createdAt <= ctx.config.pullDeadlineSec * 1000) return;
	rt.abort?.abort();
	failNow(ctx, p, rt, p.kind === 'photo' ? 'photo_pull_failed' : 'video_pull_failed');
}

/** One status/fetch poll: advance the machine, return the visible state. */
export function poll(ctx: Ctx, p: PublishRecord, rt: PublishRuntime): void {
	p.statusPolls += 1;
	checkPullDeadline(ctx, p, rt);
	switch (rt.stage) {
		case 'uploading':
		case 'downloading':
			p.status = processingStatus(p);
			return;
		case 'processing': {
			const stuck = takeFault(
				ctx,
				(f) =>
					f.type === 'statusStuck' &&
					(!f.publishId || f.publishId === p.publishId) &&
					forAccount(f, p.accountName),
				{ publishId: p.publishId },
			);
			if (stuck?.type === 'statusStuck') rt.processingPollsLeft += stuck.polls;
			if (rt.processingPollsLeft > 0) {
				rt.processingPollsLeft -= 1;
				p.status = processingStatus(p);
				return;
			}
			finalize(ctx, p, rt);
			return;
		}
		case 'final': {
			const afterPolls = ctx.config.inboxUserPostsAfterPolls;
			if (p.status === 'SEND_TO_USER_INBOX' && afterPolls !== null) {
				if (rt.inboxPollsShown >= afterPolls) {
					// The simulated user finishes the draft in the app.
					p.status = 'PUBLISH_COMPLETE';
					emitPublishEvent(ctx, p, 'post.publish.complete');
					if (ctx.config.inboxUserPrivacy === 'PUBLIC_TO_EVERYONE' && isAuditedClient(ctx, p)) {
						goPublic(ctx, p, rt);
					}
				} else rt.inboxPollsShown += 1;
				return;
			}
			if (p.status === 'PUBLISH_COMPLETE' && rt.pendingPostIds > 0) {
				if (rt.moderationPollsLeft > 1) rt.moderationPollsLeft -= 1;
				else {
					assignPostIds(ctx, p, rt.pendingPostIds);
					rt.pendingPostIds = 0;
				}
			}
			return;
		}
	}
}

export function statusData(p: PublishRecord, rt?: PublishRuntime): JsonObject {
	const data: JsonObject = { status: p.status };
	if (p.status === 'FAILED') data.fail_reason = p.failReason;
	// TikTok's spelling; ids written as raw JSON numbers (19 digits, above 2^53). Some public posts never show theirs.
	const shown = rt?.outcome?.statusOmitsPostId ? [] : p.postIds;
	data.publicaly_available_post_id = shown.map((id) => new RawJsonNumber(id));
	if (p.source === 'FILE_UPLOAD') data.uploaded_bytes = p.uploadedBytes;
	else data.downloaded_bytes = p.downloadedBytes;
	return data;
}

/** Shared lookup of status/fetch and cancel: publish_id present, known, and the caller's. */
function lookup(
	ctx: Ctx,
	reply: Reply,
	body: JsonObject | null,
	openId: string,
	clientKey: string,
): { p: PublishRecord; rt: PublishRuntime } | null {
	const id = body?.publish_id;
	if (id === undefined) {
		reply(400, 'invalid_params', {}, 'publish_id is required');
		return null;
	}
	if (typeof id !== 'string') {
		reply(400, 'invalid_params', {}, 'publish_id must be a string');
		return null;
	}
	const p = ctx.state.publishes.get(id);
	const rt = ctx.runtime.get(id);
	if (!p || !rt) {
		reply(400, 'invalid_publish_id');
		return null;
	}
	if (p.openId !== openId || p.clientKey !== clientKey) {
		reply(400, 'token_not_authorized_for_specified_publish_id');
		return null;
	}
	return { p, rt };
}

export async function handleStatus(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
): Promise<void> {
	const reply = makeReply(ctx, res);
	const call = await runPipeline(ctx, req, res, reply, {
		endpoint: 'status/fetch',
		bucket: 'status',
		faultEndpoint: 'status',
		bodyRequired: true,
		scopes: () => ['video.publish', 'video.upload'],
	});
	if (!call) return;
	const found = lookup(ctx, reply, call.body, call.grant.openId, call.grant.clientKey);
	if (!found) return;
	poll(ctx, found.p, found.rt);
	reply(200, 'ok', statusData(found.p, found.rt));
}

export async function handleCancel(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
): Promise<void> {
	const reply = makeReply(ctx, res);
	const call = await runPipeline(ctx, req, res, reply, {
		endpoint: 'cancel',
		bucket: null, // no documented limit
		faultEndpoint: 'cancel',
		bodyRequired: true,
		scopes: () => ['video.publish', 'video.upload'],
	});
	if (!call) return;
	const found = lookup(ctx, reply, call.body, call.grant.openId, call.grant.clientKey);
	if (!found) return;
	const { p, rt } = found;
	checkPullDeadline(ctx, p, rt);
	if (rt.stage === 'downloading' && p.source === 'PULL_FROM_URL') {
		rt.cancelled = true;
		rt.abort?.abort();
		failNow(ctx, p, rt, 'publish_cancelled');
		return reply(200, 'ok', {});
	}
	const why =
		rt.stage === 'final'
			? `The publish is already in a final state (${p.status}).`
			: p.source === 'FILE_UPLOAD'
				? 'Only PULL_FROM_URL downloads can be cancelled.'
				: 'The download has finished; processing cannot be cancelled.';
	reply(400, 'publish_not_cancellable', {}, why);
}
