import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { api, directFileBody, photoBody, tokenFor } from './testkit.mts';

let emu: TikTokEmulator;
beforeEach(async () => {
	// Rate limits out of the way: these tests are about the daily caps.
	emu = await startEmulator({
		rateLimits: { init: 1000, creatorInfo: 1000, status: 1000 },
		verifiedDomains: ['media.example.com'],
	});
});
afterEach(() => emu.stop());

const inboxBody = {
	source_info: { source: 'FILE_UPLOAD', video_size: 1000, chunk_size: 1000, total_chunk_count: 1 },
};
const privateInfo = { privacy_level: 'SELF_ONLY', disable_duet: true, disable_stitch: true };

function addPrivateUsers(n: number): string[] {
	return Array.from({ length: n }, (_, i) => {
		emu.addAccount(`private_${i}`, { isPrivate: true });
		return `private_${i}`;
	});
}

describe('daily caps per creator (24 h, emulator clock)', () => {
	it('allows 15 direct posts per 24 h and refuses the 16th with 403 spam_risk_too_many_posts', async () => {
		const token = tokenFor(emu);
		for (let i = 0; i < 15; i++)
			assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 200);
		const r = await api(emu, 'video/init', token, directFileBody(1000));
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'spam_risk_too_many_posts');
	});

	it('counts photo direct posts toward the same cap', async () => {
		emu.config.directPostsPerDay = 2;
		const token = tokenFor(emu);
		await api(emu, 'video/init', token, directFileBody(1000));
		await api(emu, 'content/init', token, photoBody(['https://media.example.com/a.jpg']));
		const r = await api(emu, 'content/init', token, photoBody(['https://media.example.com/a.jpg']));
		assert.equal(r.json.error.code, 'spam_risk_too_many_posts');
	});

	it('makes creator_info answer HTTP 200 spam_risk_too_many_posts once the cap is reached', async () => {
		emu.config.directPostsPerDay = 1;
		const token = tokenFor(emu);
		await api(emu, 'video/init', token, directFileBody(1000));
		const r = await api(emu, 'creator_info/query', token);
		assert.equal(r.status, 200);
		assert.equal(r.json.error.code, 'spam_risk_too_many_posts');
	});

	it('shares the cap across every API client of the creator', async () => {
		emu.config.directPostsPerDay = 1;
		emu.config.clients.push({ ...emu.config.clients[0], clientKey: 'second', clientSecret: 's2' });
		await api(emu, 'video/init', tokenFor(emu), directFileBody(1000));
		const other = emu.issueTokens({ account: 'public_creator', clientKey: 'second' }).access_token;
		assert.equal(
			(await api(emu, 'video/init', other, directFileBody(1000))).json.error.code,
			'spam_risk_too_many_posts',
		);
	});

	it('frees the cap 24 h after the posts', async () => {
		emu.config.directPostsPerDay = 1;
		const token = tokenFor(emu);
		await api(emu, 'video/init', token, directFileBody(1000));
		emu.advanceTime(24 * 3600 - 10);
		assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 403);
		emu.advanceTime(11);
		const fresh = tokenFor(emu); // the first token expired meanwhile
		assert.equal((await api(emu, 'video/init', fresh, directFileBody(1000))).status, 200);
	});

	it('allows 5 pending drafts per 24 h and refuses the 6th with 403 spam_risk_too_many_pending_share', async () => {
		const token = tokenFor(emu);
		for (let i = 0; i < 5; i++)
			assert.equal((await api(emu, 'inbox/video/init', token, inboxBody)).status, 200);
		const r = await api(emu, 'inbox/video/init', token, inboxBody);
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'spam_risk_too_many_pending_share');
	});

	it('counts photo MEDIA_UPLOAD drafts as pending shares, but not direct posts', async () => {
		emu.config.pendingDraftsPerDay = 1;
		const token = tokenFor(emu);
		assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 200);
		const media = photoBody(['https://media.example.com/a.jpg'], { post_mode: 'MEDIA_UPLOAD' });
		assert.equal((await api(emu, 'content/init', token, media)).status, 200);
		const r = await api(emu, 'inbox/video/init', token, inboxBody);
		assert.equal(r.json.error.code, 'spam_risk_too_many_pending_share');
	});

	it('refuses direct posts of capped_creator with 403 spam_risk_too_many_posts but lets drafts through', async () => {
		const token = tokenFor(emu, 'capped_creator');
		const r = await api(emu, 'video/init', token, directFileBody(1000));
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'spam_risk_too_many_posts');
		assert.equal((await api(emu, 'inbox/video/init', token, inboxBody)).status, 200);
	});

	it('refuses every init of banned_creator with 403 spam_risk_user_banned_from_posting', async () => {
		const token = tokenFor(emu, 'banned_creator');
		for (const [endpoint, body] of [
			['video/init', directFileBody(1000)],
			['inbox/video/init', inboxBody],
			['content/init', photoBody(['https://media.example.com/a.jpg'])],
		] as const) {
			const r = await api(emu, endpoint, token, body);
			assert.equal(r.status, 403, endpoint);
			assert.equal(r.json.error.code, 'spam_risk_user_banned_from_posting', endpoint);
		}
	});
});

describe('unaudited clients (§11.3)', () => {
	beforeEach(() => {
		emu.config.clients[0].audited = false;
	});

	it('refuses a direct post to a public account with 403 unaudited_client_can_only_post_to_private_accounts', async () => {
		const r = await api(emu, 'video/init', tokenFor(emu, 'public_creator'), directFileBody(1000));
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'unaudited_client_can_only_post_to_private_accounts');
	});

	it('accepts a SELF_ONLY direct post to a private account', async () => {
		const r = await api(
			emu,
			'video/init',
			tokenFor(emu, 'private_creator'),
			directFileBody(1000, 1000, 1, privateInfo),
		);
		assert.equal(r.status, 200, r.text);
	});

	it('refuses any privacy but SELF_ONLY with 403 privacy_level_option_mismatch', async () => {
		const body = directFileBody(1000, 1000, 1, {
			...privateInfo,
			privacy_level: 'FOLLOWER_OF_CREATOR',
		});
		const r = await api(emu, 'video/init', tokenFor(emu, 'private_creator'), body);
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'privacy_level_option_mismatch');
	});

	it("lets drafts to a public account through (the code is not in the inbox endpoint's list)", async () => {
		assert.equal(
			(await api(emu, 'inbox/video/init', tokenFor(emu, 'public_creator'), inboxBody)).status,
			200,
		);
	});

	it('allows 5 distinct posting users per 24 h and refuses a 6th with 403 reached_active_user_cap', async () => {
		const users = addPrivateUsers(6);
		for (const u of users.slice(0, 5)) {
			const r = await api(
				emu,
				'video/init',
				tokenFor(emu, u),
				directFileBody(1000, 1000, 1, privateInfo),
			);
			assert.equal(r.status, 200, r.text);
		}
		const sixth = tokenFor(emu, users[5]);
		const r = await api(emu, 'video/init', sixth, directFileBody(1000, 1000, 1, privateInfo));
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'reached_active_user_cap');
		// creator_info reports it with HTTP 200; an already active user goes on posting.
		const ci = await api(emu, 'creator_info/query', sixth);
		assert.equal(ci.status, 200);
		assert.equal(ci.json.error.code, 'reached_active_user_cap');
		const again = await api(
			emu,
			'video/init',
			tokenFor(emu, users[0]),
			directFileBody(1000, 1000, 1, privateInfo),
		);
		assert.equal(again.status, 200);
	});

	it('counts drafts toward the active-user cap (unauditedCapCountsDrafts)', async () => {
		emu.config.unauditedActiveUsersPerDay = 1;
		const [a, b] = addPrivateUsers(2);
		assert.equal((await api(emu, 'inbox/video/init', tokenFor(emu, a), inboxBody)).status, 200);
		assert.equal(
			(await api(emu, 'inbox/video/init', tokenFor(emu, b), inboxBody)).json.error.code,
			'reached_active_user_cap',
		);
	});

	it('ignores drafts for the active-user cap when unauditedCapCountsDrafts is false', async () => {
		emu.config.unauditedActiveUsersPerDay = 1;
		emu.config.unauditedCapCountsDrafts = false;
		const [a, b] = addPrivateUsers(2);
		await api(emu, 'inbox/video/init', tokenFor(emu, a), inboxBody);
		assert.equal((await api(emu, 'inbox/video/init', tokenFor(emu, b), inboxBody)).status, 200);
		assert.equal(
			(await api(emu, 'video/init', tokenFor(emu, b), directFileBody(1000, 1000, 1, privateInfo)))
				.status,
			200,
		);
	});
});

describe('audited clients', () => {
	it('apply clients[].activeUserCap when set', async () => {
		emu.config.clients[0].activeUserCap = 1;
		assert.equal(
			(await api(emu, 'video/init', tokenFor(emu, 'public_creator'), directFileBody(1000))).status,
			200,
		);
		const r = await api(
			emu,
			'video/init',
			tokenFor(emu, 'restricted_creator'),
			directFileBody(1000, 1000, 1, { disable_comment: true, disable_duet: true }),
		);
		assert.equal(r.json.error.code, 'reached_active_user_cap');
	});
});
