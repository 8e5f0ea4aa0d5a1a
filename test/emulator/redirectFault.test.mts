// The `redirect` fault: an endpoint answers 3xx to another address before doing anything, as a misconfigured
// proxy or a moved host would. test/e2e/redirects.test.mts uses it to show the node never follows one.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import { mp4Source } from './media.mts';
import {
	api,
	directFileBody,
	postForm,
	putChunk,
	request,
	startTestEmulator,
	type TestEmulator,
} from './testkit.mts';

let emu: TikTokEmulator;
let token: string;
let test: TestEmulator;
/** Another local server: where the redirects point, recording what arrives there. */
let elsewhere: http.Server;
let elsewhereUrl: string;
let arrived: Array<{ method?: string; url?: string; authorization?: string }>;

beforeEach(async () => {
	test = await startTestEmulator();
	({ emu, token } = test);
	arrived = [];
	elsewhere = http.createServer((req, res) => {
		arrived.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
		req.resume();
		res.end('elsewhere');
	});
	await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
	elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/collect`;
});
afterEach(async () => {
	await test.stop();
	await new Promise((resolve) => elsewhere.close(resolve));
});

describe('fault injection: redirect', () => {
	it('creator_info answers 307 with the Location, before authentication, once; the next call is answered normally', async () => {
		emu.config.faults.push({ type: 'redirect', endpoint: 'creatorInfo', location: elsewhereUrl });
		const redirected = await api(emu, 'creator_info/query', token, {});
		assert.equal(redirected.status, 307);
		assert.equal(redirected.headers.location, elsewhereUrl);
		assert.equal(redirected.text, '');
		assert.deepEqual(
			emu.state.faults.map((f) => [f.type, f.endpoint, f.status]),
			[['redirect', 'creatorInfo', 307]],
		);
		assert.equal(emu.config.faults.length, 0, 'consumed');
		assert.equal((await api(emu, 'creator_info/query', token, {})).status, 200);
		assert.equal(arrived.length, 0, 'the emulator itself sends nothing to the Location');
	});

	it('an init answered with a redirect creates no publish', async () => {
		emu.config.faults.push({
			type: 'redirect',
			endpoint: 'init',
			location: elsewhereUrl,
			status: 308,
		});
		const redirected = await api(emu, 'video/init', token, directFileBody(1000));
		assert.equal(redirected.status, 308);
		assert.equal(emu.state.inits.length, 0);
		assert.equal(emu.publishCount(), 0);
	});

	it('the token endpoint answers with the redirect and no refresh happens', async () => {
		emu.config.faults.push({ type: 'redirect', endpoint: 'token', location: elsewhereUrl });
		const redirected = await postForm(`${emu.baseUrl}/v2/oauth/token/`, {
			grant_type: 'refresh_token',
			refresh_token: 'anything',
		});
		assert.equal(redirected.status, 307);
		assert.equal(emu.state.tokenRequests.length, 0, 'the token endpoint never saw it');
	});

	it('the upload host answers a chunk with the redirect, without counting it', async () => {
		const init = await api(emu, 'video/init', token, directFileBody(1000));
		emu.config.faults.push({ type: 'redirect', endpoint: 'upload', location: elsewhereUrl });
		const redirected = await putChunk(
			init.json.data.upload_url as string,
			mp4Source({ size: 1000, durationSec: 5 }),
			0,
			999,
		);
		assert.equal(redirected.status, 307);
		assert.equal(redirected.headers.location, elsewhereUrl);
		assert.equal(
			emu.state.publishes.get(init.json.data.publish_id as string)?.sha256,
			null,
			'no bytes counted',
		);
	});

	it('a client that follows the redirect sends its Authorization header to the other server: what the fault is for', async () => {
		emu.config.faults.push({ type: 'redirect', endpoint: 'status', location: elsewhereUrl });
		const response = await fetch(`${emu.baseUrl}/v2/post/publish/status/fetch/`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ publish_id: 'v_pub_file~v2-1.1' }),
		});
		assert.equal(await response.text(), 'elsewhere');
		assert.equal(arrived.length, 1);
		assert.equal(arrived[0].method, 'POST', '307 keeps the method and body');
		// fetch drops Authorization on a cross-origin redirect; n8n's request helper re-adds it (n8n-core getBeforeRedirectFn).
		assert.equal(arrived[0].authorization, undefined);
	});

	it('a path no fault names is not redirected', async () => {
		emu.config.faults.push({ type: 'redirect', endpoint: 'status', location: elsewhereUrl });
		const other = await request(`${emu.baseUrl}/v2/auth/authorize/?client_key=x`);
		assert.notEqual(other.status, 307);
		assert.equal(emu.config.faults.length, 1, 'still waiting for a status call');
	});
});
