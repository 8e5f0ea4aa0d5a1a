import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { api, postForm } from './testkit.mts';

const CLIENT = { client_key: 'emu_client_key', client_secret: 'emu_client_secret' };

let emu: TikTokEmulator;
beforeEach(async () => {
	emu = await startEmulator();
});
afterEach(() => emu.stop());

function refresh(refreshToken: string, extra: Record<string, string> = {}) {
	return postForm(`${emu.baseUrl}/v2/oauth/token/`, {
		...CLIENT,
		grant_type: 'refresh_token',
		refresh_token: refreshToken,
		...extra,
	});
}

function revoke(params: Record<string, string>) {
	return postForm(`${emu.baseUrl}/v2/oauth/revoke/`, params);
}

async function creatorInfo(token: string) {
	return api(emu, 'creator_info/query', token);
}

describe('access token lifetime', () => {
	it('accepts the access token until accessTokenTtlSec has passed on the emulator clock, then 401 access_token_invalid', async () => {
		emu.config.accessTokenTtlSec = 60;
		const t = emu.issueTokens({ account: 'public_creator' });
		assert.equal(t.expires_in, 60);
		emu.advanceTime(59);
		assert.equal((await creatorInfo(t.access_token)).status, 200);
		emu.advanceTime(1);
		const r = await creatorInfo(t.access_token);
		assert.equal(r.status, 401);
		assert.equal(r.json.error.code, 'access_token_invalid');
	});
});

describe('POST /v2/oauth/token/ (refresh_token)', () => {
	it('returns a new access token, a rotated refresh token and the open_id again', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await refresh(t.refresh_token);
		assert.equal(r.status, 200, r.text);
		assert.notEqual(r.json.access_token, t.access_token);
		assert.notEqual(r.json.refresh_token, t.refresh_token);
		assert.equal(r.json.open_id, t.open_id);
		assert.equal(r.json.scope, t.scope);
		assert.equal(r.json.token_type, 'Bearer');
		assert.equal((await creatorInfo(r.json.access_token)).status, 200);
	});

	it('makes the previous refresh token invalid_grant once rotated (recorded as rotated)', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		assert.equal((await refresh(t.refresh_token)).status, 200);
		const again = await refresh(t.refresh_token);
		assert.equal(again.status, 400);
		assert.equal(again.json.error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.at(-1)?.refreshToken, 'rotated');
		assert.equal(emu.state.tokenRequests.at(-2)?.refreshToken, 'valid');
		assert.deepEqual(emu.deadRefreshTokensPresented(), {
			rotated: 1,
			revoked: 0,
			expired: 0,
			unknown: 0,
		});
		assert.equal(
			emu.deadRefreshTokensPresented(emu.state.tokenRequests.length).rotated,
			0,
			'counted from an index',
		);
	});

	it('keeps the same refresh token usable when rotateRefreshTokens is false', async () => {
		emu.config.rotateRefreshTokens = false;
		const t = emu.issueTokens({ account: 'public_creator' });
		const first = await refresh(t.refresh_token);
		assert.equal(first.json.refresh_token, t.refresh_token);
		assert.equal((await refresh(t.refresh_token)).status, 200);
	});

	it('reports the remaining refresh lifetime: a rotated token keeps the original expiry (refreshTokenExpiry fixed)', async () => {
		emu.config.refreshTokenTtlSec = 1000;
		const t = emu.issueTokens({ account: 'public_creator' });
		emu.advanceTime(400);
		const r = await refresh(t.refresh_token);
		assert.equal(r.json.refresh_expires_in, 600);
		emu.advanceTime(600);
		const late = await refresh(r.json.refresh_token);
		assert.equal(late.json.error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.at(-1)?.refreshToken, 'expired');
	});

	it('gives a rotated refresh token a full lifetime when refreshTokenExpiry is sliding', async () => {
		emu.config.refreshTokenTtlSec = 1000;
		emu.config.refreshTokenExpiry = 'sliding';
		const t = emu.issueTokens({ account: 'public_creator' });
		emu.advanceTime(400);
		const r = await refresh(t.refresh_token);
		assert.equal(r.json.refresh_expires_in, 1000);
	});

	it('rejects an expired refresh token with invalid_grant', async () => {
		emu.config.refreshTokenTtlSec = 100;
		const t = emu.issueTokens({ account: 'public_creator' });
		emu.advanceTime(100);
		const r = await refresh(t.refresh_token);
		assert.equal(r.json.error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.at(-1)?.refreshToken, 'expired');
	});

	it('requires refresh_token (invalid_request)', async () => {
		const r = await postForm(`${emu.baseUrl}/v2/oauth/token/`, {
			...CLIENT,
			grant_type: 'refresh_token',
		});
		assert.equal(r.json.error, 'invalid_request');
	});

	it('rejects an unknown refresh token with invalid_grant', async () => {
		const r = await refresh('rft.nope');
		assert.equal(r.json.error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.at(-1)?.refreshToken, 'unknown');
	});

	it("fails n8n's refresh shape (client_id + client_secret, no client_key) with invalid_client", async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await postForm(`${emu.baseUrl}/v2/oauth/token/`, {
			refresh_token: t.refresh_token,
			grant_type: 'refresh_token',
			client_id: 'emu_client_key',
			client_secret: 'emu_client_secret',
		});
		assert.equal(r.json.error, 'invalid_client');
		const rec = emu.state.tokenRequests.at(-1)!;
		assert.deepEqual(rec.params, ['refresh_token', 'grant_type', 'client_id', 'client_secret']);
	});

	it("rejects another client's refresh token with invalid_grant", async () => {
		emu.config.clients.push({
			clientKey: 'other_key',
			clientSecret: 'other_secret',
			name: 'Other',
			redirectUris: [],
			audited: true,
			scopes: ['video.publish'],
			activeUserCap: null,
		});
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await refresh(t.refresh_token, {
			client_key: 'other_key',
			client_secret: 'other_secret',
		});
		assert.equal(r.json.error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.at(-1)?.refreshToken, 'wrong_client');
	});

	it('leaves the previous access token valid after a refresh (default)', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		await refresh(t.refresh_token);
		assert.equal((await creatorInfo(t.access_token)).status, 200);
	});

	it('kills the previous access token on refresh when refreshInvalidatesOldAccessToken is set', async () => {
		emu.config.refreshInvalidatesOldAccessToken = true;
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await refresh(t.refresh_token);
		assert.equal((await creatorInfo(t.access_token)).status, 401);
		assert.equal((await creatorInfo(r.json.access_token)).status, 200);
	});
});

describe('emu.revokeGrant(openId) — the user removes the app', () => {
	it('makes refresh fail with invalid_grant (recorded as revoked) and the access token 401', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		emu.revokeGrant(t.open_id);
		const r = await refresh(t.refresh_token);
		assert.equal(r.json.error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.at(-1)?.refreshToken, 'revoked');
		assert.equal((await creatorInfo(t.access_token)).status, 401);
		assert.equal(emu.deadRefreshTokensPresented().revoked, 1);
	});

	it('revokes every token of the grant, including ones rotated in before the revocation, for good', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		const renewed = (await refresh(t.refresh_token)).json;
		emu.revokeGrant(t.open_id);
		assert.equal((await refresh(String(renewed.refresh_token))).json.error, 'invalid_grant');
		assert.equal((await creatorInfo(String(renewed.access_token))).status, 401);
		assert.equal((await refresh(String(renewed.refresh_token))).json.error, 'invalid_grant');
	});
});

describe('POST /v2/oauth/revoke/', () => {
	it('answers {} and kills the access token (later calls: 401 access_token_invalid) and its refresh token', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await revoke({ ...CLIENT, token: t.access_token });
		assert.equal(r.status, 200);
		assert.deepEqual(r.json, {});
		const after = await creatorInfo(t.access_token);
		assert.equal(after.status, 401);
		assert.equal(after.json.error.code, 'access_token_invalid');
		assert.equal((await refresh(t.refresh_token)).json.error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.find((x) => x.endpoint === 'revoke')?.outcome, 'ok');
	});

	it('requires client_key and client_secret (invalid_client)', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await revoke({ client_key: 'emu_client_key', token: t.access_token });
		assert.equal(r.json.error, 'invalid_client');
		assert.equal((await creatorInfo(t.access_token)).status, 200);
	});

	it("refuses to revoke another client's token (invalid_request) and leaves it alive", async () => {
		emu.config.clients.push({
			...emu.config.clients[0],
			clientKey: 'other_key',
			clientSecret: 'other_secret',
		});
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await revoke({
			client_key: 'other_key',
			client_secret: 'other_secret',
			token: t.access_token,
		});
		assert.equal(r.json.error, 'invalid_request');
		assert.equal((await creatorInfo(t.access_token)).status, 200);
	});

	it('requires token (invalid_request)', async () => {
		const r = await revoke({ ...CLIENT });
		assert.equal(r.json.error, 'invalid_request');
	});

	it('answers {} for an unknown token and records unknown_token', async () => {
		const r = await revoke({ ...CLIENT, token: 'act.unknown' });
		assert.equal(r.status, 200);
		assert.deepEqual(r.json, {});
		assert.equal(emu.state.tokenRequests.at(-1)?.outcome, 'unknown_token');
	});

	it('is form-urlencoded only (JSON → invalid_request)', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		const r = await postForm(
			`${emu.baseUrl}/v2/oauth/revoke/`,
			JSON.stringify({ ...CLIENT, token: t.access_token }),
			{
				'Content-Type': 'application/json',
			},
		);
		assert.equal(r.json.error, 'invalid_request');
	});
});

describe('refreshAnswerDelay fault (a client that dies between TikTok issuing a token and saving it)', () => {
	it('rotates at once but answers only after `ms`: the old refresh token is already dead while the answer is on its way', async () => {
		const t = emu.issueTokens({ account: 'public_creator' });
		emu.config.faults.push({ type: 'refreshAnswerDelay', ms: 600 });
		const started = Date.now();
		const late = refresh(t.refresh_token);
		await new Promise((resolve) => setTimeout(resolve, 150));
		const meanwhile = await refresh(t.refresh_token);
		assert.equal(meanwhile.status, 400);
		assert.equal((meanwhile.json as { error: string }).error, 'invalid_grant');
		assert.equal(emu.state.tokenRequests.at(-1)?.refreshToken, 'rotated');
		const answer = await late;
		assert.ok(Date.now() - started >= 550, 'the answer was held back');
		assert.equal(answer.status, 200);
		assert.ok((answer.json as { refresh_token: string }).refresh_token !== t.refresh_token);
		assert.deepEqual(
			emu.state.faults.map((f) => f.type),
			['refreshAnswerDelay'],
		);
	});
});
