import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { consentIdOf, postForm, request } from './testkit.mts';

const CALLBACK = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';
const CLIENT = { client_key: 'emu_client_key', client_secret: 'emu_client_secret' };

let emu: TikTokEmulator;
beforeEach(async () => {
	emu = await startEmulator();
	emu.config.clients[0].redirectUris.push(CALLBACK);
});
afterEach(() => emu.stop());

/** Runs the browser part of the flow and returns the (decoded) code. */
async function getCode(extra: Record<string, string> = {}): Promise<string> {
	const location = await getCallback(extra);
	return String(new URL(location).searchParams.get('code'));
}

/** Runs the browser part of the flow and returns the raw callback URL. */
async function getCallback(extra: Record<string, string> = {}): Promise<string> {
	const q = new URLSearchParams({
		client_key: 'emu_client_key',
		scope: 'user.info.basic,video.publish,video.upload',
		redirect_uri: CALLBACK,
		state: 's',
		response_type: 'code',
		...extra,
	});
	const page = await request(`${emu.baseUrl}/v2/auth/authorize/?${q}`);
	assert.equal(page.status, 200, page.text);
	const form = new URLSearchParams([
		['consent_id', consentIdOf(page.text)],
		['action', 'authorize'],
		['scope', 'user.info.basic'],
		['scope', 'video.publish'],
		['scope', 'video.upload'],
	]);
	const res = await postForm(`${emu.baseUrl}/v2/auth/authorize/`, form.toString());
	return String(res.headers.location);
}

function token(
	params: Record<string, string> | string,
	headers: Record<string, string> = {},
	query = '',
) {
	return postForm(`${emu.baseUrl}/v2/oauth/token/${query}`, params, headers);
}

function exchange(code: string, extra: Record<string, string> = {}) {
	return token({
		...CLIENT,
		code,
		grant_type: 'authorization_code',
		redirect_uri: CALLBACK,
		...extra,
	});
}

describe('POST /v2/oauth/token/ (authorization_code)', () => {
	it("answers flat token JSON with exactly TikTok's fields", async () => {
		const r = await exchange(await getCode());
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(Object.keys(r.json).sort(), [
			'access_token',
			'expires_in',
			'open_id',
			'refresh_expires_in',
			'refresh_token',
			'scope',
			'token_type',
		]);
		assert.match(r.json.access_token, /^act\./);
		assert.match(r.json.refresh_token, /^rft\./);
		assert.equal(r.json.expires_in, 86400);
		assert.equal(r.json.refresh_expires_in, 31536000);
		assert.equal(r.json.token_type, 'Bearer');
		assert.equal(r.json.open_id, emu.openIdOf('public_creator'));
		assert.equal(r.json.scope, 'user.info.basic,video.publish,video.upload');
	});

	it('takes expires_in and refresh_expires_in from accessTokenTtlSec and refreshTokenTtlSec', async () => {
		emu.config.accessTokenTtlSec = 7200;
		emu.config.refreshTokenTtlSec = 15552000;
		const r = await exchange(await getCode());
		assert.equal(r.json.expires_in, 7200);
		assert.equal(r.json.refresh_expires_in, 15552000);
	});

	it('issues an access token that the Content Posting API accepts', async () => {
		const r = await exchange(await getCode());
		const info = await request(`${emu.baseUrl}/v2/post/publish/creator_info/query/`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${r.json.access_token}` },
		});
		assert.equal(info.status, 200);
		assert.equal(info.json.error.code, 'ok');
	});

	it('accepts a code only once (second exchange → invalid_grant)', async () => {
		const code = await getCode();
		assert.equal((await exchange(code)).status, 200);
		const again = await exchange(code);
		assert.equal(again.status, 400);
		assert.equal(again.json.error, 'invalid_grant');
	});

	it('issues codes that must be URL-decoded exactly once (the still-encoded code → invalid_grant)', async () => {
		const location = await getCallback();
		const raw = /[?&]code=([^&]+)/.exec(location)![1];
		assert.match(raw, /%21/);
		const r = await exchange(raw);
		assert.equal(r.json.error, 'invalid_grant');
		assert.equal((await exchange(decodeURIComponent(raw))).status, 200);
	});

	it('binds the code to its redirect_uri ("Redirect_uri is not matched…" invalid_request)', async () => {
		const r = await exchange(await getCode(), { redirect_uri: 'http://127.0.0.1:5678/other' });
		assert.equal(r.json.error, 'invalid_request');
		assert.equal(
			r.json.error_description,
			'Redirect_uri is not matched with the uri when requesting code.',
		);
	});

	it('requires code in the exchange', async () => {
		const r = await token({ ...CLIENT, grant_type: 'authorization_code', redirect_uri: CALLBACK });
		assert.equal(r.json.error, 'invalid_request');
		assert.match(r.json.error_description, /code is required/);
	});

	it('rejects a code issued to another client with invalid_grant', async () => {
		emu.config.clients.push({
			...emu.config.clients[0],
			clientKey: 'other_key',
			clientSecret: 'other_secret',
		});
		const r = await exchange(await getCode(), {
			client_key: 'other_key',
			client_secret: 'other_secret',
		});
		assert.equal(r.json.error, 'invalid_grant');
	});

	it('requires redirect_uri in the exchange', async () => {
		const code = await getCode();
		const r = await token({ ...CLIENT, code, grant_type: 'authorization_code' });
		assert.equal(r.json.error, 'invalid_request');
		assert.match(r.json.error_description, /redirect_uri/);
	});

	it('expires codes after codeTtlSec on the emulator clock', async () => {
		const code = await getCode();
		emu.advanceTime(emu.config.codeTtlSec + 1);
		const r = await exchange(code);
		assert.equal(r.json.error, 'invalid_grant');
		assert.match(r.json.error_description, /expired/);
	});

	it('rejects a JSON body with invalid_request, as a flat {error, error_description, log_id} with HTTP 400', async () => {
		const code = await getCode();
		const r = await request(`${emu.baseUrl}/v2/oauth/token/`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({
				...CLIENT,
				code,
				grant_type: 'authorization_code',
				redirect_uri: CALLBACK,
			}),
		});
		assert.equal(r.status, 400);
		assert.deepEqual(Object.keys(r.json).sort(), ['error', 'error_description', 'log_id']);
		assert.equal(r.json.error, 'invalid_request');
		assert.match(r.json.error_description, /x-www-form-urlencoded/);
	});

	it('answers OAuth errors with HTTP 200 when oauthErrorHttpStatus is 200', async () => {
		emu.config.oauthErrorHttpStatus = 200;
		const r = await exchange('bogus');
		assert.equal(r.status, 200);
		assert.equal(r.json.error, 'invalid_grant');
	});

	it('gives every OAuth error a unique log_id', async () => {
		const a = await exchange('x');
		const b = await exchange('y');
		assert.ok(a.json.log_id && b.json.log_id);
		assert.notEqual(a.json.log_id, b.json.log_id);
	});

	/** A code exchange that carries client_key in the URL query instead of the form body. */
	async function exchangeWithClientKeyInQuery() {
		const code = await getCode();
		return await token(
			{
				client_secret: 'emu_client_secret',
				code,
				grant_type: 'authorization_code',
				redirect_uri: CALLBACK,
			},
			{},
			'?client_key=emu_client_key',
		);
	}

	it('reads client_key from the form body only: in the query it is missing (invalid_client)', async () => {
		const r = await exchangeWithClientKeyInQuery();
		assert.equal(r.json.error, 'invalid_client');
		assert.match(r.json.error_description, /form body/);
	});

	it('accepts client_key from the query string when clientKeyIn is body-or-query', async () => {
		emu.config.clientKeyIn = 'body-or-query';
		const r = await exchangeWithClientKeyInQuery();
		assert.equal(r.status, 200, r.text);
	});

	it('rejects client_id instead of client_key with invalid_client', async () => {
		const code = await getCode();
		const r = await token({
			client_id: 'emu_client_key',
			client_secret: 'emu_client_secret',
			code,
			grant_type: 'authorization_code',
			redirect_uri: CALLBACK,
		});
		assert.equal(r.json.error, 'invalid_client');
		assert.match(r.json.error_description, /client_id/);
	});

	it('rejects client_id next to client_key with invalid_client (rejectClientIdParam)', async () => {
		const r = await exchange(await getCode(), { client_id: 'emu_client_key' });
		assert.equal(r.json.error, 'invalid_client');
	});

	it('ignores client_id next to client_key when rejectClientIdParam is false', async () => {
		emu.config.rejectClientIdParam = false;
		const r = await exchange(await getCode(), { client_id: 'emu_client_key' });
		assert.equal(r.status, 200, r.text);
	});

	it('still needs client_key when rejectClientIdParam is false (client_id is no substitute)', async () => {
		emu.config.rejectClientIdParam = false;
		const code = await getCode();
		const r = await token({
			client_id: 'emu_client_key',
			client_secret: 'emu_client_secret',
			code,
			grant_type: 'authorization_code',
			redirect_uri: CALLBACK,
		});
		assert.equal(r.json.error, 'invalid_client');
	});

	it('rejects a wrong client_secret with invalid_client', async () => {
		const r = await exchange(await getCode(), { client_secret: 'wrong' });
		assert.equal(r.json.error, 'invalid_client');
	});

	it('rejects a missing client_secret with invalid_client (a Basic header does not count)', async () => {
		const code = await getCode();
		const basic = Buffer.from('emu_client_key:emu_client_secret').toString('base64');
		const r = await token(
			{
				client_key: 'emu_client_key',
				code,
				grant_type: 'authorization_code',
				redirect_uri: CALLBACK,
			},
			{ Authorization: `Basic ${basic}` },
		);
		assert.equal(r.json.error, 'invalid_client');
		assert.equal(emu.state.tokenRequests.at(-1)?.authorizationHeader, true);
	});

	it('rejects an unknown client_key with invalid_client', async () => {
		const r = await exchange(await getCode(), { client_key: 'other' });
		assert.equal(r.json.error, 'invalid_client');
	});

	it('rejects an unknown grant_type with unsupported_grant_type', async () => {
		const r = await token({ ...CLIENT, grant_type: 'client_credentials' });
		assert.equal(r.json.error, 'unsupported_grant_type');
	});

	it('rejects a missing grant_type with invalid_request', async () => {
		const r = await token({ ...CLIENT, code: 'x' });
		assert.equal(r.json.error, 'invalid_request');
	});

	it('rejects a parameter sent twice with invalid_request', async () => {
		const code = await getCode();
		const body = new URLSearchParams({
			...CLIENT,
			code,
			grant_type: 'authorization_code',
			redirect_uri: CALLBACK,
		});
		body.append('code', code);
		const r = await token(body.toString());
		assert.equal(r.json.error, 'invalid_request');
		assert.match(r.json.error_description, /more than once/);
	});

	it('rejects GET with invalid_request', async () => {
		const r = await request(`${emu.baseUrl}/v2/oauth/token/`);
		assert.equal(r.json.error, 'invalid_request');
	});

	it('records each token request: grant_type, parameter names (no values) and outcome', async () => {
		await exchange(await getCode());
		const rec = emu.state.tokenRequests.at(-1)!;
		assert.equal(rec.endpoint, 'token');
		assert.equal(rec.grantType, 'authorization_code');
		assert.deepEqual(rec.params, [
			'client_key',
			'client_secret',
			'code',
			'grant_type',
			'redirect_uri',
		]);
		assert.equal(rec.outcome, 'ok');
		assert.ok(!JSON.stringify(rec).includes('emu_client_secret'));
	});
});

describe('PKCE (desktop): code_challenge = hex(sha256(code_verifier))', () => {
	const verifier = 'v3rifier-abcdefghijklmnopqrstuvwxyz0123456789._~';

	it('accepts the verifier whose lowercase-hex SHA-256 was the challenge', async () => {
		const challenge = createHash('sha256').update(verifier).digest('hex');
		const code = await getCode({ code_challenge: challenge, code_challenge_method: 'S256' });
		const r = await exchange(code, { code_verifier: verifier });
		assert.equal(r.status, 200, r.text);
	});

	it('lets an RFC 7636 base64url challenge through the consent page but fails the exchange', async () => {
		const challenge = createHash('sha256').update(verifier).digest('base64url');
		const code = await getCode({ code_challenge: challenge, code_challenge_method: 'S256' });
		const r = await exchange(code, { code_verifier: verifier });
		assert.equal(r.json.error, 'invalid_request');
		assert.equal(r.json.error_description, 'Code verifier or code challenge is invalid.');
	});

	it('fails the exchange without code_verifier when a challenge was sent', async () => {
		const challenge = createHash('sha256').update(verifier).digest('hex');
		const code = await getCode({ code_challenge: challenge, code_challenge_method: 'S256' });
		const r = await exchange(code);
		assert.equal(r.json.error, 'invalid_request');
	});

	it('rejects a verifier shorter than 43 characters', async () => {
		const short = 'abc';
		const challenge = createHash('sha256').update(short).digest('hex');
		const code = await getCode({ code_challenge: challenge, code_challenge_method: 'S256' });
		const r = await exchange(code, { code_verifier: short });
		assert.equal(r.json.error, 'invalid_request');
	});
});
