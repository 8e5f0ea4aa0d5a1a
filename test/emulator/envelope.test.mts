import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { api, directFileBody, photoBody, request, tokenFor } from './testkit.mts';

let emu: TikTokEmulator;
beforeEach(async () => {
	emu = await startEmulator({ verifiedDomains: ['media.example.com'] });
});
afterEach(() => emu.stop());

describe('response envelope', () => {
	it('wraps every answer as {data, error:{code, message, log_id}} — success and failure alike', async () => {
		const ok = await api(emu, 'creator_info/query', tokenFor(emu));
		assert.deepEqual(Object.keys(ok.json), ['data', 'error']);
		assert.deepEqual(Object.keys(ok.json.error), ['code', 'message', 'log_id']);
		assert.equal(ok.json.error.code, 'ok');
		const bad = await api(emu, 'creator_info/query', null);
		assert.deepEqual(Object.keys(bad.json), ['data', 'error']);
		assert.deepEqual(bad.json.data, {});
		assert.match(bad.json.error.log_id, /^\d{14}[0-9A-F]{20}$/);
	});

	it('gives every answer a unique log_id', async () => {
		const token = tokenFor(emu);
		const ids = new Set<string>();
		for (let i = 0; i < 5; i++)
			ids.add((await api(emu, 'creator_info/query', token)).json.error.log_id);
		assert.equal(ids.size, 5);
	});

	it('answers 401 access_token_invalid without an Authorization header', async () => {
		const r = await api(emu, 'creator_info/query', null);
		assert.equal(r.status, 401);
		assert.equal(r.json.error.code, 'access_token_invalid');
		assert.equal(r.json.error.message, 'The access token is invalid or not found in the request.');
	});

	it('answers 401 access_token_invalid for an unknown bearer token', async () => {
		const r = await api(emu, 'video/init', 'act.not-a-token', directFileBody(1000));
		assert.equal(r.status, 401);
		assert.equal(r.json.error.code, 'access_token_invalid');
	});

	it('answers 401 access_token_invalid for a non-Bearer Authorization scheme', async () => {
		const token = tokenFor(emu);
		const r = await api(emu, 'creator_info/query', null, undefined, {
			Authorization: `Basic ${token}`,
		});
		assert.equal(r.status, 401);
	});

	it('rejects a JSON body sent without Content-Type application/json (400 invalid_params)', async () => {
		const r = await api(emu, 'video/init', tokenFor(emu), JSON.stringify(directFileBody(1000)), {
			'Content-Type': 'text/plain',
		});
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'invalid_params');
		assert.match(r.json.error.message, /Content-Type/);
	});

	it('accepts any Content-Type when requireJsonContentType is false', async () => {
		emu.config.requireJsonContentType = false;
		const r = await api(emu, 'video/init', tokenFor(emu), JSON.stringify(directFileBody(1000)), {
			'Content-Type': 'text/plain',
		});
		assert.equal(r.status, 200, r.text);
	});

	it('rejects a body that is not JSON with invalid_params', async () => {
		const r = await api(emu, 'video/init', tokenFor(emu), '{"post_info":');
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'invalid_params');
	});

	it('rejects a JSON body that is not an object with invalid_params', async () => {
		const r = await api(emu, 'status/fetch', tokenFor(emu), '["v_pub_file~v2-1.1"]');
		assert.equal(r.json.error.code, 'invalid_params');
	});

	it('rejects a body over 1 MB with invalid_params', async () => {
		const r = await api(emu, 'video/init', tokenFor(emu), {
			...directFileBody(1000),
			pad: 'x'.repeat(1024 * 1024),
		});
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'invalid_params');
		assert.match(r.json.error.message, /too large/);
	});

	it('rejects an init without a body with invalid_params', async () => {
		const r = await api(emu, 'video/init', tokenFor(emu));
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'invalid_params');
	});

	it('answers 405 to a GET on a POST endpoint', async () => {
		const r = await request(`${emu.baseUrl}/v2/post/publish/creator_info/query/`);
		assert.equal(r.status, 405);
	});

	it('answers 404 to a path without the trailing slash, hinting at the right one', async () => {
		const r = await request(`${emu.baseUrl}/v2/post/publish/status/fetch`, { method: 'POST' });
		assert.equal(r.status, 404);
		assert.match(r.json.error.message, /did you mean \/v2\/post\/publish\/status\/fetch\/ \?/);
	});

	it('logs method, path and status of every request in state.requests', async () => {
		await api(emu, 'creator_info/query', null);
		const rec = emu.state.requests.at(-1);
		assert.deepEqual(
			{ server: rec?.server, method: rec?.method, path: rec?.path, status: rec?.status },
			{ server: 'api', method: 'POST', path: '/v2/post/publish/creator_info/query/', status: 401 },
		);
	});
});

describe('scopes (§2.6): missing scope → 401 scope_not_authorized', () => {
	const uploadOnly = ['user.info.basic', 'video.upload'];
	const publishOnly = ['user.info.basic', 'video.publish'];

	async function expectScopeError(endpoint: string, scopes: string[], body?: unknown) {
		const r = await api(emu, endpoint, tokenFor(emu, 'public_creator', scopes), body);
		assert.equal(r.status, 401, r.text);
		assert.equal(r.json.error.code, 'scope_not_authorized');
	}

	it('creator_info/query needs video.publish', async () => {
		await expectScopeError('creator_info/query', uploadOnly);
		assert.equal(
			(await api(emu, 'creator_info/query', tokenFor(emu, 'public_creator', publishOnly))).status,
			200,
		);
	});

	it('video/init needs video.publish', async () => {
		await expectScopeError('video/init', uploadOnly, directFileBody(1000));
		const r = await api(
			emu,
			'video/init',
			tokenFor(emu, 'public_creator', publishOnly),
			directFileBody(1000),
		);
		assert.equal(r.status, 200, r.text);
	});

	it('inbox/video/init needs video.upload', async () => {
		const body = {
			source_info: {
				source: 'FILE_UPLOAD',
				video_size: 1000,
				chunk_size: 1000,
				total_chunk_count: 1,
			},
		};
		await expectScopeError('inbox/video/init', publishOnly, body);
		assert.equal(
			(await api(emu, 'inbox/video/init', tokenFor(emu, 'public_creator', uploadOnly), body))
				.status,
			200,
		);
	});

	it('content/init with DIRECT_POST needs video.publish', async () => {
		await expectScopeError(
			'content/init',
			uploadOnly,
			photoBody(['https://media.example.com/a.jpg']),
		);
	});

	it('content/init with MEDIA_UPLOAD needs video.upload', async () => {
		const body = photoBody(['https://media.example.com/a.jpg'], { post_mode: 'MEDIA_UPLOAD' });
		await expectScopeError('content/init', publishOnly, body);
		assert.equal(
			(await api(emu, 'content/init', tokenFor(emu, 'public_creator', uploadOnly), body)).status,
			200,
		);
	});

	it('status/fetch accepts either video.publish or video.upload, and neither is scope_not_authorized', async () => {
		const token = tokenFor(emu);
		const init = await api(emu, 'video/init', token, directFileBody(1000));
		const id = init.json.data.publish_id;
		// Another grant of the same user and client may read the status.
		for (const scopes of [publishOnly, uploadOnly]) {
			const r = await api(emu, 'status/fetch', tokenFor(emu, 'public_creator', scopes), {
				publish_id: id,
			});
			assert.equal(r.status, 200, r.text);
		}
		await expectScopeError('status/fetch', ['user.info.basic'], { publish_id: id });
	});

	it('cancel accepts either scope, and neither is scope_not_authorized', async () => {
		await expectScopeError('cancel', ['user.info.basic'], { publish_id: 'x' });
		const r = await api(emu, 'cancel', tokenFor(emu, 'public_creator', uploadOnly), {
			publish_id: 'x',
		});
		assert.equal(r.json.error.code, 'invalid_publish_id');
	});
});
