import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { api, request, tokenFor } from './testkit.mts';

let emu: TikTokEmulator;
beforeEach(async () => {
	emu = await startEmulator();
});
afterEach(() => emu.stop());

async function info(account: string) {
	return api(emu, 'creator_info/query', tokenFor(emu, account));
}

describe('creator_info/query', () => {
	it('describes public_creator: public options, nothing disabled, 600 s', async () => {
		const r = await info('public_creator');
		assert.equal(r.status, 200);
		assert.deepEqual(r.json.data, {
			creator_avatar_url: emu.config.accounts.public_creator.avatarUrl,
			creator_username: 'public_creator',
			creator_nickname: 'Public Creator',
			privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
			comment_disabled: false,
			duet_disabled: false,
			stitch_disabled: false,
			max_video_post_duration_sec: 600,
		});
	});

	it('offers FOLLOWER_OF_CREATOR instead of PUBLIC_TO_EVERYONE for private_creator, with duet and stitch disabled, 180 s', async () => {
		const d = (await info('private_creator')).json.data;
		assert.deepEqual(d.privacy_level_options, [
			'FOLLOWER_OF_CREATOR',
			'MUTUAL_FOLLOW_FRIENDS',
			'SELF_ONLY',
		]);
		assert.equal(d.duet_disabled, true);
		assert.equal(d.stitch_disabled, true);
		assert.equal(d.comment_disabled, false);
		assert.equal(d.max_video_post_duration_sec, 180);
	});

	it('reports comments and duet disabled for restricted_creator, 60 s', async () => {
		const d = (await info('restricted_creator')).json.data;
		assert.deepEqual(
			[d.comment_disabled, d.duet_disabled, d.stitch_disabled, d.max_video_post_duration_sec],
			[true, true, false, 60],
		);
	});

	it('forces duet and stitch disabled for any private account', async () => {
		emu.addAccount('quiet', { isPrivate: true, duetDisabled: false, stitchDisabled: false });
		const d = (await info('quiet')).json.data;
		assert.equal(d.duet_disabled, true);
		assert.equal(d.stitch_disabled, true);
	});

	it('answers HTTP 200 with error spam_risk_too_many_posts for capped_creator', async () => {
		const r = await info('capped_creator');
		assert.equal(r.status, 200);
		assert.equal(r.json.error.code, 'spam_risk_too_many_posts');
		assert.deepEqual(r.json.data, {});
	});

	it('answers HTTP 200 with error spam_risk_user_banned_from_posting for banned_creator', async () => {
		const r = await info('banned_creator');
		assert.equal(r.status, 200);
		assert.equal(r.json.error.code, 'spam_risk_user_banned_from_posting');
	});

	it('offers only SELF_ONLY to an unaudited client (unauditedOffersOnlySelfOnly)', async () => {
		emu.config.clients[0].audited = false;
		assert.deepEqual((await info('private_creator')).json.data.privacy_level_options, [
			'SELF_ONLY',
		]);
		assert.deepEqual((await info('public_creator')).json.data.privacy_level_options, ['SELF_ONLY']);
	});

	it('offers the account options to an unaudited client when unauditedOffersOnlySelfOnly is false', async () => {
		emu.config.clients[0].audited = false;
		emu.config.unauditedOffersOnlySelfOnly = false;
		assert.deepEqual((await info('private_creator')).json.data.privacy_level_options, [
			'FOLLOWER_OF_CREATOR',
			'MUTUAL_FOLLOW_FRIENDS',
			'SELF_ONLY',
		]);
	});

	it('accepts a request without a body (the documented curl) and with {}', async () => {
		const token = tokenFor(emu);
		const none = await request(`${emu.baseUrl}/v2/post/publish/creator_info/query/`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}` },
		});
		assert.equal(none.json.error.code, 'ok');
		assert.equal((await api(emu, 'creator_info/query', token, {})).json.error.code, 'ok');
	});
});
