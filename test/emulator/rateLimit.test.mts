import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { api, directFileBody, tokenFor } from './testkit.mts';

let emu: TikTokEmulator;
beforeEach(async () => {
	// Caps out of the way: these tests are about per-token request windows.
	emu = await startEmulator({ directPostsPerDay: 1000, pendingDraftsPerDay: 1000 });
});
afterEach(() => emu.stop());

const inboxBody = {
	source_info: { source: 'FILE_UPLOAD', video_size: 1000, chunk_size: 1000, total_chunk_count: 1 },
};

describe('rate limits: sliding 60 s window per access token → 429 rate_limit_exceeded', () => {
	it('admits 6 init calls per minute and refuses the 7th', async () => {
		const token = tokenFor(emu);
		for (let i = 0; i < 6; i++)
			assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 200);
		const r = await api(emu, 'video/init', token, directFileBody(1000));
		assert.equal(r.status, 429);
		assert.equal(r.json.error.code, 'rate_limit_exceeded');
		assert.equal(emu.state.rateLimited['video/init'], 1);
	});

	it('shares the init budget across video/init, inbox/video/init and content/init by default', async () => {
		const token = tokenFor(emu);
		for (let i = 0; i < 3; i++) await api(emu, 'video/init', token, directFileBody(1000));
		for (let i = 0; i < 3; i++) await api(emu, 'inbox/video/init', token, inboxBody);
		assert.equal((await api(emu, 'inbox/video/init', token, inboxBody)).status, 429);
	});

	it('gives each init endpoint its own budget when initSharedAcrossEndpoints is false', async () => {
		emu.config.rateLimits.initSharedAcrossEndpoints = false;
		const token = tokenFor(emu);
		for (let i = 0; i < 6; i++) await api(emu, 'video/init', token, directFileBody(1000));
		assert.equal((await api(emu, 'inbox/video/init', token, inboxBody)).status, 200);
		assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 429);
	});

	it('slides: a refused caller is admitted again once the oldest request leaves the window', async () => {
		const token = tokenFor(emu);
		for (let i = 0; i < 6; i++) {
			await api(emu, 'video/init', token, directFileBody(1000));
			emu.advanceTime(5);
		}
		assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 429);
		emu.advanceTime(30); // first request is now 60 s old
		assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 200);
		assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 429);
	});

	it('counts per access token: another token of the same user has its own window', async () => {
		const a = tokenFor(emu);
		const b = tokenFor(emu);
		for (let i = 0; i < 6; i++) await api(emu, 'video/init', a, directFileBody(1000));
		assert.equal((await api(emu, 'video/init', b, directFileBody(1000))).status, 200);
	});

	it('admits 20 creator_info calls per minute and refuses the 21st', async () => {
		const token = tokenFor(emu);
		for (let i = 0; i < 20; i++)
			assert.equal((await api(emu, 'creator_info/query', token)).status, 200);
		assert.equal((await api(emu, 'creator_info/query', token)).status, 429);
		assert.equal(emu.state.rateLimited['creator_info/query'], 1);
	});

	it('admits 30 status/fetch calls per minute and refuses the 31st', async () => {
		const token = tokenFor(emu);
		const id = (await api(emu, 'video/init', token, directFileBody(1000))).json.data.publish_id;
		for (let i = 0; i < 30; i++)
			assert.equal((await api(emu, 'status/fetch', token, { publish_id: id })).status, 200);
		const r = await api(emu, 'status/fetch', token, { publish_id: id });
		assert.equal(r.status, 429);
		assert.equal(r.json.error.code, 'rate_limit_exceeded');
	});

	it('uses the configured limits and window', async () => {
		emu.config.rateLimits.creatorInfo = 2;
		emu.config.rateLimits.windowSec = 10;
		const token = tokenFor(emu);
		await api(emu, 'creator_info/query', token);
		await api(emu, 'creator_info/query', token);
		assert.equal((await api(emu, 'creator_info/query', token)).status, 429);
		emu.advanceTime(10);
		assert.equal((await api(emu, 'creator_info/query', token)).status, 200);
	});
});
