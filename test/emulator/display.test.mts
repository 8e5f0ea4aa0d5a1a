import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import { mp4Source } from './media.mts';
import {
	directFileBody,
	pollToEnd,
	request,
	startTestEmulator,
	tokenFor,
	uploadAll,
	type TestEmulator,
} from './testkit.mts';

const ANALYTICS = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'];
const COUNTS = 'id,create_time,title,view_count,like_count,comment_count,share_count';

let t: TestEmulator;
let emu: TikTokEmulator;
let token: string;
beforeEach(async () => {
	t = await startTestEmulator();
	emu = t.emu;
	token = tokenFor(emu, 'public_creator', [...ANALYTICS, 'video.publish']);
});
afterEach(() => t.stop());

function display(
	path: 'user/info' | 'video/list' | 'video/query',
	fields: string | null,
	opts: { token?: string; body?: unknown; method?: string } = {},
) {
	const query = fields === null ? '' : `?fields=${fields}`;
	const headers: Record<string, string> = { Authorization: `Bearer ${opts.token ?? token}` };
	if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
	return request(`${emu.baseUrl}/v2/${path}/${query}`, {
		method: opts.method ?? (path === 'user/info' ? 'GET' : 'POST'),
		headers,
		body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
	});
}

/** Every page of video/list, following the cursor while has_more. */
async function listAll(maxCount = 20, fields = COUNTS) {
	const pages: Array<{
		videos: Array<Record<string, unknown>>;
		cursor: number;
		has_more: boolean;
	}> = [];
	let cursor: number | undefined;
	for (;;) {
		const r = await display('video/list', fields, {
			body: cursor === undefined ? { max_count: maxCount } : { max_count: maxCount, cursor },
		});
		assert.equal(r.status, 200, r.text);
		pages.push(r.json.data);
		if (!r.json.data.has_more) return pages;
		cursor = r.json.data.cursor;
	}
}

describe('Display API: user/info', () => {
	it('answers a GET with exactly the requested fields: int64 counts, boolean is_verified', async () => {
		const r = await display(
			'user/info',
			'open_id,display_name,is_verified,follower_count,video_count,likes_count',
		);
		assert.equal(r.status, 200, r.text);
		const user = r.json.data.user;
		assert.deepEqual(Object.keys(user).sort(), [
			'display_name',
			'follower_count',
			'is_verified',
			'likes_count',
			'open_id',
			'video_count',
		]);
		assert.equal(user.open_id, emu.openIdOf('public_creator'));
		assert.equal(user.is_verified, true);
		assert.ok(Number.isInteger(user.follower_count) && user.follower_count >= 12_345);
		const publicVideos = emu.config.accounts.public_creator.videos.filter(
			(v) => v.privacy === 'PUBLIC_TO_EVERYONE',
		);
		assert.equal(user.video_count, publicVideos.length, 'public videos only');
		assert.match(r.json.error.log_id, /^\d{14}[0-9A-F]{20}$/);
	});

	it('requires fields in the query string, known names only; only GET', async () => {
		assert.equal((await display('user/info', null)).json.error.code, 'invalid_params');
		const unknown = await display('user/info', 'open_id,avatar_url_200');
		assert.equal(unknown.status, 400);
		assert.equal(unknown.json.error.code, 'invalid_params');
		const post = await display('user/info', 'open_id', { method: 'POST', body: {} });
		assert.equal(post.status, 405);
	});

	it('fails the whole call with 401 scope_not_authorized when one field needs a scope not granted', async () => {
		const basic = tokenFor(emu, 'public_creator', ['user.info.basic', 'video.publish']);
		const r = await display('user/info', 'open_id,display_name,username', { token: basic });
		assert.equal(r.status, 401);
		assert.equal(r.json.error.code, 'scope_not_authorized');
		assert.deepEqual(r.json.data, {}, 'no partial data');
		assert.match(String(r.headers['x-emulator-detail']), /user\.info\.profile/);
		emu.config.display.scopeErrorCode = 'scope_permission_missed';
		const missed = await display('user/info', 'follower_count', { token: basic });
		assert.deepEqual([missed.status, missed.json.error.code], [400, 'scope_permission_missed']);
		const ok = await display('user/info', 'open_id,display_name', { token: basic });
		assert.equal(ok.status, 200, 'basic fields need only user.info.basic');
	});

	it('counts change over time: followers grow on the emulator clock', async () => {
		const before = (await display('user/info', 'follower_count')).json.data.user.follower_count;
		emu.advanceTime(3 * 3600);
		const after = (await display('user/info', 'follower_count')).json.data.user.follower_count;
		assert.equal(after - before, 30, '10 per hour for 3 hours');
	});
});

describe('Display API: video/list', () => {
	it('pages newest first through every public video with the cursor; Only Me videos never appear; short pages keep has_more', async () => {
		const pages = await listAll(20);
		const listed = pages.flatMap((p) => p.videos);
		const fixtures = emu.config.accounts.public_creator.videos;
		const publicIds = fixtures
			.filter((v) => v.privacy === 'PUBLIC_TO_EVERYONE')
			.sort((a, b) => b.createTime - a.createTime || (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
			.map((v) => v.id);
		assert.deepEqual(
			listed.map((v) => v.id),
			publicIds,
			'all public videos, newest first, once each',
		);
		for (const onlyMe of fixtures.filter((v) => v.privacy === 'SELF_ONLY')) {
			assert.ok(!listed.some((v) => v.id === onlyMe.id), `Only Me video ${onlyMe.id} not listed`);
		}
		assert.ok(
			pages[0].videos.length < 20 && pages[0].has_more,
			'a short first page still has more',
		);
		const last = pages[0].videos.at(-1) as { create_time: number };
		assert.ok(
			pages[0].cursor <= last.create_time * 1000,
			'cursor in ms, at or before the last item',
		);
		for (let i = 1; i < listed.length; i++) {
			assert.ok(Number(listed[i - 1].create_time) >= Number(listed[i].create_time), 'newest first');
		}
	});

	it('keeps ids as 19-digit strings, two of them above 2^53 differing only in the last digit', async () => {
		const r = await display('video/list', 'id', { body: { max_count: 10 } });
		const ids: string[] = r.json.data.videos.map((v: { id: string }) => v.id);
		for (const id of ids) assert.match(id, /^\d{19}$/);
		const [a, b] = [
			emu.config.accounts.public_creator.videos[3].id,
			emu.config.accounts.public_creator.videos[4].id,
		];
		assert.equal(BigInt(b) - BigInt(a), 1n);
		assert.equal(Number(a), Number(b), 'a JavaScript number cannot tell them apart');
		assert.ok(ids.includes(a) && ids.includes(b));
		assert.ok(r.text.includes(`"id":"${a}"`), 'ids are JSON strings');
	});

	it('validates max_count (default 10, 1–20), cursor (ms, integer) and unknown body keys', async () => {
		const none = await display('video/list', 'id');
		assert.equal(none.json.data.videos.length <= 10, true);
		for (const bad of [
			{ max_count: 21 },
			{ max_count: 0 },
			{ max_count: 2.5 },
			{ cursor: 'abc' },
			{ count: 5 },
		]) {
			const r = await display('video/list', 'id', { body: bad });
			assert.deepEqual([r.status, r.json.error.code], [400, 'invalid_params'], JSON.stringify(bad));
		}
		const ignored = await display('video/list', 'id', { body: { max_count: 5, fields: ['id'] } });
		assert.equal(ignored.status, 200, 'a body fields key is ignored');
	});

	it('short-page mode returns at most half of max_count while has_more stays true', async () => {
		emu.config.display.shortPages = true;
		const pages = await listAll(20);
		assert.ok(pages.every((p) => p.videos.length <= 10));
		assert.equal(
			pages.flatMap((p) => p.videos).length,
			emu.config.accounts.public_creator.videos.filter((v) => v.privacy === 'PUBLIC_TO_EVERYONE')
				.length,
		);
	});

	it('needs video.list: 401 scope_not_authorized without it', async () => {
		const publishOnly = tokenFor(emu, 'public_creator', ['user.info.basic', 'video.publish']);
		const r = await display('video/list', 'id', { token: publishOnly, body: {} });
		assert.deepEqual([r.status, r.json.error.code], [401, 'scope_not_authorized']);
	});

	it('lists a public post once TikTok made it public, caption cut to 150 characters, even when status/fetch omits its id', async () => {
		const caption = `${'A long caption '.repeat(12)}#end`;
		emu.setNextOutcome({ statusOmitsPostId: true });
		const video = mp4Source({ size: 4000, durationSec: 5 });
		const init = await request(`${emu.baseUrl}/v2/post/publish/video/init/`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify(
				directFileBody(video.size, video.size, 1, {
					title: caption,
					privacy_level: 'PUBLIC_TO_EVERYONE',
				}),
			),
		});
		assert.equal(init.status, 200, init.text);
		await uploadAll(init.json.data.upload_url, video, video.size, 1);
		const { last } = await pollToEnd(emu, token, init.json.data.publish_id);
		assert.equal(last.json.data.status, 'PUBLISH_COMPLETE');
		assert.deepEqual(last.json.data.publicaly_available_post_id, [], 'status shows no id');
		const postId = emu.state.publishes.get(init.json.data.publish_id)?.postIds[0];
		const [newest] = (
			await display('video/list', 'id,title,video_description', { body: { max_count: 1 } })
		).json.data.videos;
		assert.equal(newest.id, postId);
		assert.equal(newest.title, caption.slice(0, 150));
		assert.equal(newest.video_description, caption.slice(0, 150));
	});
});

describe('Display API: video/query', () => {
	it("returns only the owner's public videos among 1–20 string ids, in another order, counts growing over time", async () => {
		const fixtures = emu.config.accounts.public_creator.videos;
		const [a, b, c] = fixtures.filter((v) => v.privacy === 'PUBLIC_TO_EVERYONE');
		const onlyMe = fixtures.find((v) => v.privacy === 'SELF_ONLY');
		const ids = [a.id, b.id, c.id, onlyMe?.id, '7000000000000000001'];
		const r = await display('video/query', COUNTS, { body: { filters: { video_ids: ids } } });
		assert.equal(r.status, 200, r.text);
		const got = r.json.data.videos.map((v: { id: string }) => v.id);
		assert.deepEqual(
			got,
			[c.id, b.id, a.id],
			'not the requested order; foreign and Only Me ids dropped',
		);
		const views = r.json.data.videos[2].view_count;
		emu.advanceTime(3600);
		const later = await display('video/query', 'id,view_count', {
			body: { filters: { video_ids: [a.id] } },
		});
		assert.equal(later.json.data.videos[0].view_count, views + 60, 'views grow by 60 an hour');
		emu.config.display.countsLagSec = 3600;
		const stale = await display('video/query', 'id,view_count', {
			body: { filters: { video_ids: [a.id] } },
		});
		assert.equal(stale.json.data.videos[0].view_count, views, 'stale mode lags by an hour');
	});

	it('refuses 0 or 21 ids, number ids, and a missing filters key; Only Me on request; optional paging keys', async () => {
		const id = emu.config.accounts.public_creator.videos[0].id;
		for (const body of [
			{ filters: { video_ids: [] } },
			{
				filters: { video_ids: Array.from({ length: 21 }, (_, i) => `70000000000000000${10 + i}`) },
			},
			{ filters: { video_ids: [7000000000000000001] } },
			{ filter: { video_ids: [id] } },
		]) {
			const r = await display('video/query', 'id', { body });
			assert.deepEqual(
				[r.status, r.json.error.code],
				[400, 'invalid_params'],
				JSON.stringify(body).slice(0, 80),
			);
		}
		const onlyMe = emu.config.accounts.public_creator.videos.find((v) => v.privacy === 'SELF_ONLY')
			?.id as string;
		emu.config.display.queryReturnsNonPublic = true;
		emu.config.display.queryAddsPaging = true;
		const r = await display('video/query', 'id', { body: { filters: { video_ids: [onlyMe] } } });
		assert.deepEqual(r.json.data, { videos: [{ id: onlyMe }], cursor: 0, has_more: false });
	});
});

describe('Display API: rate limits', () => {
	it('600 per minute per endpoint by default, separate budgets, 429 rate_limit_exceeded above', async () => {
		assert.deepEqual(
			[
				emu.config.rateLimits.userInfo,
				emu.config.rateLimits.videoList,
				emu.config.rateLimits.videoQuery,
			],
			[1000, 1000, 1000],
			'the test kit raises them',
		);
		emu.config.rateLimits.videoList = 2;
		await display('video/list', 'id', { body: {} });
		await display('video/list', 'id', { body: {} });
		const refused = await display('video/list', 'id', { body: {} });
		assert.deepEqual([refused.status, refused.json.error.code], [429, 'rate_limit_exceeded']);
		assert.equal(
			(await display('user/info', 'open_id')).status,
			200,
			'user/info has its own budget',
		);
		emu.advanceTime(60);
		assert.equal(
			(await display('video/list', 'id', { body: {} })).status,
			200,
			'the window slides',
		);
	});
});
