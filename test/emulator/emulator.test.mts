import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from './index.mts';
import { mp4Source } from './media.mts';
import {
	api,
	directFileBody,
	pollToEnd,
	postForm,
	putChunk,
	request,
	tokenFor,
} from './testkit.mts';

describe('startEmulator()', () => {
	it('listens on two different loopback origins: the API and the upload host', async () => {
		const emu = await startEmulator();
		try {
			assert.match(emu.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
			assert.match(emu.uploadBaseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
			assert.notEqual(emu.baseUrl, emu.uploadBaseUrl);
		} finally {
			await emu.stop();
		}
	});

	it('merges a partial config: objects merge, new accounts and clients are completed with defaults', async () => {
		const emu = await startEmulator({
			rateLimits: { init: 2 },
			accounts: { extra: { isPrivate: true }, public_creator: { nickname: 'Renamed' } },
			clients: [{ clientKey: 'k2', clientSecret: 's2', audited: false }],
		});
		try {
			assert.deepEqual(emu.config.rateLimits, {
				init: 2,
				creatorInfo: 20,
				status: 30,
				windowSec: 60,
				initSharedAcrossEndpoints: true,
				userInfo: 600,
				videoList: 600,
				videoQuery: 600,
				displayKey: 'token',
			});
			assert.equal(emu.config.accounts.extra.openId, 'emu_oid_extra');
			assert.equal(emu.config.accounts.extra.maxVideoPostDurationSec, 600);
			assert.equal(emu.config.accounts.public_creator.nickname, 'Renamed');
			assert.equal(emu.config.accounts.public_creator.maxVideoPostDurationSec, 600);
			assert.deepEqual(emu.config.clients[0].scopes, [
				'user.info.basic',
				'video.publish',
				'video.upload',
			]);
			assert.equal(emu.config.clients[0].audited, false);
			const info = await api(
				emu,
				'creator_info/query',
				emu.issueTokens({ account: 'extra' }).access_token,
			);
			assert.deepEqual(info.json.data.privacy_level_options, ['SELF_ONLY']);
		} finally {
			await emu.stop();
		}
	});

	it('applies config changes made at run time to later requests', async () => {
		const emu = await startEmulator();
		try {
			const token = tokenFor(emu);
			emu.config.accounts.public_creator.maxVideoPostDurationSec = 42;
			const r = await api(emu, 'creator_info/query', token);
			assert.equal(r.json.data.max_video_post_duration_sec, 42);
		} finally {
			await emu.stop();
		}
	});

	it('counts publishes per open_id with publishCount()', async () => {
		const emu = await startEmulator();
		try {
			await api(emu, 'video/init', tokenFor(emu), directFileBody(1000));
			await api(
				emu,
				'video/init',
				tokenFor(emu, 'restricted_creator'),
				directFileBody(1000, 1000, 1, { disable_comment: true, disable_duet: true }),
			);
			assert.equal(emu.publishCount(), 2);
			assert.equal(emu.publishCount(emu.openIdOf('public_creator')), 1);
		} finally {
			await emu.stop();
		}
	});

	it('reset() clears tokens, publishes, logs, windows and the clock, and keeps the config', async () => {
		const emu = await startEmulator({ statusPolls: { processing: 0 } });
		try {
			const token = tokenFor(emu);
			const init = await api(
				emu,
				'video/init',
				token,
				directFileBody(1000, 1000, 1, { privacy_level: 'PUBLIC_TO_EVERYONE' }),
			);
			await putChunk(init.json.data.upload_url, mp4Source({ size: 1000, durationSec: 1 }), 0, 999);
			await pollToEnd(emu, token, init.json.data.publish_id);
			emu.advanceTime(100);
			emu.reset();
			assert.equal(emu.state.publishes.size, 0);
			assert.equal(emu.state.inits.length, 0);
			assert.equal(emu.state.requests.length, 0);
			assert.ok(Math.abs(emu.now() - Date.now()) < 1000);
			assert.equal((await api(emu, 'creator_info/query', token)).status, 401);
			assert.equal(emu.config.statusPolls.processing, 0);
			// ids start over
			const again = tokenFor(emu);
			const i2 = await api(
				emu,
				'video/init',
				again,
				directFileBody(1000, 1000, 1, { privacy_level: 'PUBLIC_TO_EVERYONE' }),
			);
			assert.equal(i2.json.data.publish_id, init.json.data.publish_id);
			await putChunk(i2.json.data.upload_url, mp4Source({ size: 1000, durationSec: 1 }), 0, 999);
			assert.ok(
				(await pollToEnd(emu, again, i2.json.data.publish_id)).last.text.includes(
					'[7300000000000000001]',
				),
			);
		} finally {
			await emu.stop();
		}
	});

	it('stop() closes both servers, even with a hanging init open', async () => {
		const emu = await startEmulator({ faults: [{ type: 'initHang' }] });
		const token = tokenFor(emu);
		const hanging = api(emu, 'video/init', token, directFileBody(1000)).catch((e: Error) => e);
		await new Promise((r) => setTimeout(r, 50));
		await emu.stop();
		assert.ok((await hanging) instanceof Error);
		await assert.rejects(request(`${emu.baseUrl}/v2/oauth/token/`), /ECONNREFUSED/);
		await assert.rejects(postForm(`${emu.uploadBaseUrl}/upload/`, {}), /ECONNREFUSED/);
	});
});
