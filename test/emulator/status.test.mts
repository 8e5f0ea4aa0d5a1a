import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { bytesOf, jpegSource, mp4Source } from './media.mts';
import { startMediaServer } from './mediaServer.mts';
import type { FailReason } from './types.mts';
import { api, directFileBody, poll, pollToEnd, putChunk, tokenFor } from './testkit.mts';

let emu: TikTokEmulator;
let token: string;
beforeEach(async () => {
	emu = await startEmulator({
		rateLimits: { init: 1000, status: 1000 },
		directPostsPerDay: 1000,
		pendingDraftsPerDay: 1000,
	});
	token = tokenFor(emu);
});
afterEach(() => emu.stop());

const SIZE = 1000;
const video = () => mp4Source({ size: SIZE, durationSec: 3 });

/** Direct post (or draft) uploaded in full; returns the publish_id. */
async function uploaded(
	opts: { info?: Record<string, unknown>; inbox?: boolean; t?: string } = {},
) {
	const t = opts.t ?? token;
	const r = opts.inbox
		? await api(emu, 'inbox/video/init', t, { source_info: directFileBody(SIZE).source_info })
		: await api(emu, 'video/init', t, directFileBody(SIZE, SIZE, 1, opts.info ?? {}));
	assert.equal(r.status, 200, r.text);
	assert.equal((await putChunk(r.json.data.upload_url, video(), 0, SIZE - 1)).status, 201);
	return r.json.data.publish_id as string;
}

async function statuses(id: string, n: number, t = token): Promise<string[]> {
	const out: string[] = [];
	for (let i = 0; i < n; i++) out.push((await poll(emu, t, id)).json.data.status);
	return out;
}

describe('status/fetch: the FILE_UPLOAD state machine', () => {
	it('shows PROCESSING_UPLOAD with uploaded_bytes 0 before any chunk', async () => {
		const r = await api(emu, 'video/init', token, directFileBody(SIZE));
		const d = (await poll(emu, token, r.json.data.publish_id)).json.data;
		assert.deepEqual(d, {
			status: 'PROCESSING_UPLOAD',
			publicaly_available_post_id: [],
			uploaded_bytes: 0,
		});
	});

	it('stays processing for statusPolls.processing polls after the 201, then PUBLISH_COMPLETE', async () => {
		const id = await uploaded();
		assert.deepEqual(await statuses(id, 4), [
			'PROCESSING_UPLOAD',
			'PROCESSING_UPLOAD',
			'PUBLISH_COMPLETE',
			'PUBLISH_COMPLETE',
		]);
		assert.equal(emu.state.publishes.get(id)?.statusPolls, 4);
	});

	it('completes on the first poll when statusPolls.processing is 0', async () => {
		emu.config.statusPolls.processing = 0;
		assert.deepEqual(await statuses(await uploaded(), 1), ['PUBLISH_COMPLETE']);
	});

	it('leaves publicaly_available_post_id empty for a SELF_ONLY post', async () => {
		const d = (await pollToEnd(emu, token, await uploaded())).last.json.data;
		assert.deepEqual(d, {
			status: 'PUBLISH_COMPLETE',
			publicaly_available_post_id: [],
			uploaded_bytes: SIZE,
		});
	});

	it('writes the post ids of a public post as raw, unquoted 19-digit JSON numbers above 2^53', async () => {
		const id = await uploaded({ info: { privacy_level: 'PUBLIC_TO_EVERYONE' } });
		const { last } = await pollToEnd(emu, token, id);
		assert.ok(last.text.includes('"publicaly_available_post_id":[7300000000000000001]'), last.text);
		assert.notEqual(String(last.json.data.publicaly_available_post_id[0]), '7300000000000000001'); // JSON.parse rounds it
		assert.deepEqual(emu.state.publishes.get(id)?.postIds, ['7300000000000000001']);
		const second = await uploaded({ info: { privacy_level: 'PUBLIC_TO_EVERYONE' } });
		assert.ok((await pollToEnd(emu, token, second)).last.text.includes('[7300000000000000002]'));
	});

	it('keeps the ids empty for a public post until moderation passes (statusPolls.moderation)', async () => {
		emu.config.statusPolls = { processing: 0, moderation: 2 };
		const id = await uploaded({ info: { privacy_level: 'PUBLIC_TO_EVERYONE' } });
		const texts = [];
		for (let i = 0; i < 3; i++) texts.push((await poll(emu, token, id)).text);
		assert.match(texts[0], /"publicaly_available_post_id":\[\]/);
		assert.match(texts[1], /"publicaly_available_post_id":\[\]/);
		assert.match(texts[2], /"publicaly_available_post_id":\[7300000000000000001\]/);
	});

	it('never fills the ids when the outcome says moderated: false, and can yield several ids', async () => {
		emu.setNextOutcome({ moderated: false });
		const hidden = await uploaded({ info: { privacy_level: 'PUBLIC_TO_EVERYONE' } });
		assert.deepEqual(
			(await pollToEnd(emu, token, hidden)).last.json.data.publicaly_available_post_id,
			[],
		);
		emu.setNextOutcome({ postIdCount: 2 });
		const two = await uploaded({ info: { privacy_level: 'PUBLIC_TO_EVERYONE' } });
		assert.ok(
			(await pollToEnd(emu, token, two)).last.text.includes(
				'[7300000000000000001,7300000000000000002]',
			),
		);
	});
});

describe('status/fetch: drafts (inbox and MEDIA_UPLOAD)', () => {
	it('ends an inbox upload in SEND_TO_USER_INBOX and stays there while inboxUserPostsAfterPolls is null', async () => {
		const id = await uploaded({ inbox: true });
		assert.deepEqual(await statuses(id, 5), [
			'PROCESSING_UPLOAD',
			'PROCESSING_UPLOAD',
			'SEND_TO_USER_INBOX',
			'SEND_TO_USER_INBOX',
			'SEND_TO_USER_INBOX',
		]);
	});

	it('turns SEND_TO_USER_INBOX into PUBLISH_COMPLETE after inboxUserPostsAfterPolls further polls', async () => {
		emu.config.statusPolls.processing = 0;
		emu.config.inboxUserPostsAfterPolls = 1;
		const id = await uploaded({ inbox: true });
		assert.deepEqual(await statuses(id, 3), [
			'SEND_TO_USER_INBOX',
			'SEND_TO_USER_INBOX',
			'PUBLISH_COMPLETE',
		]);
	});

	it('gives the simulated user post ids only when inboxUserPrivacy is PUBLIC_TO_EVERYONE', async () => {
		emu.config.statusPolls.processing = 0;
		emu.config.inboxUserPostsAfterPolls = 0;
		emu.config.inboxUserPrivacy = 'PUBLIC_TO_EVERYONE';
		const id = await uploaded({ inbox: true });
		await statuses(id, 2);
		assert.deepEqual(emu.state.publishes.get(id)?.postIds, ['7300000000000000001']);
	});

	it('ends a MEDIA_UPLOAD photo in SEND_TO_USER_INBOX', async () => {
		const media = await startMediaServer({
			files: {
				'/a.jpg': { body: await bytesOf(jpegSource(300)), contentType: 'image/jpeg' },
			},
		});
		try {
			emu.config.pullRequiresHttps = false;
			emu.config.verifiedPrefixes = [`${media.url}/`];
			const r = await api(emu, 'content/init', token, {
				media_type: 'PHOTO',
				post_mode: 'MEDIA_UPLOAD',
				post_info: { title: 't' },
				source_info: {
					source: 'PULL_FROM_URL',
					photo_images: [`${media.url}/a.jpg`],
					photo_cover_index: 0,
				},
			});
			await emu.waitForPulls();
			const { statuses: seen } = await pollToEnd(emu, token, r.json.data.publish_id);
			assert.deepEqual(seen, ['PROCESSING_DOWNLOAD', 'PROCESSING_DOWNLOAD', 'SEND_TO_USER_INBOX']);
		} finally {
			await media.stop();
		}
	});
});

describe('status/fetch: outcomes and fail reasons', () => {
	const reasons: FailReason[] = [
		'file_format_check_failed',
		'duration_check_failed',
		'frame_rate_check_failed',
		'picture_size_check_failed',
		'internal',
		'video_pull_failed',
		'photo_pull_failed',
		'publish_cancelled',
		'auth_removed',
		'spam_risk_too_many_posts',
		'spam_risk_user_banned_from_posting',
		'spam_risk_text',
		'spam_risk',
	];

	it('produces every §9 fail_reason on demand through config.outcomes, consumed in publish order', async () => {
		emu.config.outcomes = reasons.map((failReason) => ({ failReason }));
		const ids = [];
		for (let i = 0; i < reasons.length; i++) ids.push(await uploaded());
		assert.equal(emu.config.outcomes.length, 0);
		for (const [i, id] of ids.entries()) {
			const d = (await pollToEnd(emu, token, id)).last.json.data;
			assert.deepEqual(d, {
				status: 'FAILED',
				fail_reason: reasons[i],
				publicaly_available_post_id: [],
				uploaded_bytes: SIZE,
			});
		}
	});

	it('lets setNextOutcome jump the queue', async () => {
		emu.config.outcomes = [{ failReason: 'internal' }];
		emu.setNextOutcome({ failReason: 'spam_risk_text' });
		const first = await uploaded();
		const second = await uploaded();
		assert.equal((await pollToEnd(emu, token, first)).last.json.data.fail_reason, 'spam_risk_text');
		assert.equal((await pollToEnd(emu, token, second)).last.json.data.fail_reason, 'internal');
	});

	it('fails unfinished publishes with auth_removed when the user removes the app (revokeGrant)', async () => {
		const r = await api(emu, 'video/init', token, directFileBody(SIZE));
		const openId = emu.openIdOf('public_creator');
		emu.revokeGrant(openId);
		assert.equal((await putChunk(r.json.data.upload_url, video(), 0, SIZE - 1)).status, 404);
		const reconnected = tokenFor(emu);
		const d = (await poll(emu, reconnected, r.json.data.publish_id)).json.data;
		assert.equal(d.status, 'FAILED');
		assert.equal(d.fail_reason, 'auth_removed');
	});
});

describe('status/fetch: publish_id errors', () => {
	it('answers 400 invalid_publish_id for an unknown publish_id', async () => {
		const r = await poll(emu, token, 'v_pub_file~v2-1.123');
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'invalid_publish_id');
	});

	it("answers 400 token_not_authorized_for_specified_publish_id for another user's publish", async () => {
		const id = await uploaded();
		const r = await poll(emu, tokenFor(emu, 'restricted_creator'), id);
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'token_not_authorized_for_specified_publish_id');
	});

	it('answers 400 invalid_params when publish_id is missing or not a string', async () => {
		assert.equal((await api(emu, 'status/fetch', token, {})).json.error.code, 'invalid_params');
		assert.equal(
			(await api(emu, 'status/fetch', token, { publish_id: 7 })).json.error.code,
			'invalid_params',
		);
	});
});
