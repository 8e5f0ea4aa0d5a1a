import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';

import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import type { TikTokApp } from '../../nodes/TikTok/transport/token.ts';
import { fakeTikTok } from './fakeTikTok.mts';
import {
	MAX_REMEMBERED_REFRESHES,
	clearRefreshCache,
	newestKnown,
	preAuthenticateConnection,
	preAuthenticateStore,
	rememberedRefreshes,
	renewToken,
} from '../../nodes/TikTok/transport/renewal.ts';
import { isExpiring } from '../../nodes/TikTok/transport/token.ts';

const app: TikTokApp = {
	apiBaseUrl: 'https://api.example',
	clientKey: 'key',
	clientSecret: 'secret',
};
const tokens = (
	expiresAt: number | undefined,
	refreshToken = 'rft.1',
	accessToken = 'act.1',
): IDataObject => ({
	access_token: accessToken,
	refresh_token: refreshToken,
	...(expiresAt === undefined ? {} : { n8n_expires_at: String(expiresAt) }),
});

describe('token renewal (TikTok requires client_key in the form body and rotates refresh tokens)', () => {
	beforeEach(() => clearRefreshCache());

	it('leaves a token that is valid for more than a minute alone', async () => {
		const tiktok = fakeTikTok();
		const current = tokens(Date.now() + 10 * 60_000);
		assert.equal(await renewToken(tiktok.http, app, current), current);
		assert.equal(tiktok.calls.length, 0);
	});

	it("renews an expiring token with TikTok's exact form fields, keeps the rotated refresh token and takes lifetimes from the answer", async () => {
		const tiktok = fakeTikTok();
		const data = await renewToken(tiktok.http, app, tokens(Date.now() + 30_000));
		const form = tiktok.calls[0];
		assert.deepEqual([...form.keys()].sort(), [
			'client_key',
			'client_secret',
			'grant_type',
			'refresh_token',
		]);
		assert.equal(form.get('client_key'), 'key');
		assert.equal(form.get('grant_type'), 'refresh_token');
		assert.equal(data.access_token, 'act.2');
		assert.match(String(data.refresh_token), /^rft\.rft\.1\./);
		assert.ok(Number(data.n8n_expires_at) > Date.now() + 7000_000);
		assert.ok(Number(data.refresh_expires_at) > Date.now() + 179 * 86_400_000);
	});

	it('an unknown expiry (n8n 1.x after Connect) is not "expiring": the token is used until TikTok rejects it, then renewed', async () => {
		const tiktok = fakeTikTok();
		const unknown = tokens(undefined);
		assert.equal(isExpiring(unknown), false);
		assert.equal(await renewToken(tiktok.http, app, unknown), unknown);
		assert.equal(tiktok.calls.length, 0);
		const renewed = await renewToken(tiktok.http, app, unknown, 'act.1');
		assert.equal(renewed.access_token, 'act.2');
		assert.equal(tiktok.calls.length, 1);
		// Rejected again with the old token in hand: the renewed one is not the rejected one, so no second refresh.
		assert.equal((await renewToken(tiktok.http, app, unknown, 'act.1')).access_token, 'act.2');
		assert.equal(tiktok.calls.length, 1);
	});

	it('renews once for concurrent callers holding the same refresh token', async () => {
		const tiktok = fakeTikTok();
		const results = await Promise.all(
			[1, 2, 3].map(async () => await renewToken(tiktok.http, app, tokens(1))),
		);
		assert.equal(tiktok.calls.length, 1);
		assert.ok(results.every((r) => r.access_token === 'act.2'));
	});

	it('serves a later caller that still holds a rotated-away token from the chain, even several links later', async () => {
		const tiktok = fakeTikTok();
		const first = await renewToken(tiktok.http, app, tokens(1));
		await renewToken(tiktok.http, app, { ...first, n8n_expires_at: '1' });
		const again = await renewToken(tiktok.http, app, tokens(1));
		assert.equal(tiktok.calls.length, 2);
		assert.equal(again.access_token, 'act.3');
	});

	it('renewing the result again is harmless (no second refresh)', async () => {
		const tiktok = fakeTikTok();
		const renewed = await renewToken(tiktok.http, app, tokens(1));
		assert.equal(await renewToken(tiktok.http, app, renewed), renewed);
		assert.equal(tiktok.calls.length, 1);
	});

	it("keys the cache by API base URL + client key + refresh token: two credentials sharing a refresh token never get each other's tokens", async () => {
		const tiktok = fakeTikTok({ rotate: false });
		const other: TikTokApp = { ...app, clientKey: 'other-key' };
		const elsewhere: TikTokApp = { ...app, apiBaseUrl: 'https://sandbox.example' };
		await renewToken(tiktok.http, app, tokens(1));
		await renewToken(tiktok.http, other, tokens(1));
		await renewToken(tiktok.http, elsewhere, tokens(1));
		assert.equal(tiktok.calls.length, 3, 'each app renews for itself');
		assert.deepEqual(
			tiktok.calls.map((form) => form.get('client_key')),
			['key', 'other-key', 'key'],
		);
		assert.equal(rememberedRefreshes(), 3);
		assert.equal((await newestKnown(other, tokens(1))).access_token, 'act.3');
		assert.equal((await newestKnown(app, tokens(1))).access_token, 'act.2');
	});

	it(`is bounded: at most ${MAX_REMEMBERED_REFRESHES} refresh results, the oldest chains forgotten first`, async () => {
		const many = Array.from({ length: MAX_REMEMBERED_REFRESHES + 25 }, (_, i) => `rft.s${i}`);
		const tiktok = fakeTikTok({ valid: many });
		for (const refreshToken of many) await renewToken(tiktok.http, app, tokens(1, refreshToken));
		assert.equal(rememberedRefreshes(), MAX_REMEMBERED_REFRESHES);
		assert.equal(
			await newestKnown(app, tokens(1, 'rft.s0')).then((t) => t.refresh_token),
			'rft.s0',
			'the oldest chain was evicted',
		);
		assert.notEqual(
			await newestKnown(app, tokens(1, many.at(-1))).then((t) => t.refresh_token),
			many.at(-1),
		);
	});

	it('turns invalid_grant (revoked or expired grant, or a lost race) into a reconnect message, and forgets the failure', async () => {
		const tiktok = fakeTikTok();
		await assert.rejects(
			renewToken(tiktok.http, app, tokens(1, 'rft.revoked')),
			(error: TikTokError) => {
				assert.equal(error.details.code, 'invalid_grant');
				assert.match(error.advice.description, /Reconnect/);
				assert.equal(error.details.log_id, 'L1');
				return true;
			},
		);
		assert.equal(rememberedRefreshes(), 0);
	});
});

describe("the credentials' preAuthentication", () => {
	beforeEach(() => clearRefreshCache());
	const store = (tokenData: IDataObject | undefined, clientSecret = 'secret'): IDataObject => ({
		clientId: 'key',
		clientSecret,
		apiBaseUrl: 'https://api.example',
		grantRefreshToken: 'rft.1',
		savedAt: '',
		...(tokenData ? { tokens: JSON.stringify(tokenData) } : {}),
	});

	it('Token Store: returns every field that rotates plus the expirable stamp (n8n 2.41 saves only returned keys), renewing only an expiring token', async () => {
		const tiktok = fakeTikTok();
		const fresh = tokens(Date.now() + 3_600_000);
		const kept = await preAuthenticateStore(tiktok.http, store(fresh));
		assert.equal(tiktok.calls.length, 0);
		assert.deepEqual(Object.keys(kept).sort(), [
			'apiBaseUrl',
			'clientId',
			'clientSecret',
			'credentialId',
			'credentialName',
			'grantRefreshToken',
			'lease',
			'openId',
			'refusedRefreshToken',
			'savedAt',
			'tokens',
		]);
		assert.deepEqual(JSON.parse(String(kept.tokens)), fresh);
		assert.ok(
			String(kept.savedAt).length > 0,
			'the expirable field must be non-empty or n8n saves nothing',
		);
		const renewed = await preAuthenticateStore(tiktok.http, store(tokens(1)));
		assert.equal(tiktok.calls.length, 1);
		assert.equal(JSON.parse(String(renewed.tokens)).access_token, 'act.2');
		// Rerun after a 401 with the data in use: harmless.
		const rerun = await preAuthenticateStore(tiktok.http, { ...store(tokens(1)), ...renewed });
		assert.equal(tiktok.calls.length, 1);
		assert.equal(JSON.parse(String(rerun.tokens)).access_token, 'act.2');
	});

	it("Token Store: while a node holds the renewal lease, or the refresh token was refused, it saves what it is given and never renews (the node's own writes)", async () => {
		const tiktok = fakeTikTok();
		const lease = JSON.stringify({ holder: 'worker-1', until: Date.now() + 30_000 });
		const leased = await preAuthenticateStore(tiktok.http, { ...store(tokens(1)), lease });
		assert.equal(leased.lease, lease);
		const refused = await preAuthenticateStore(tiktok.http, {
			...store(tokens(1)),
			refusedRefreshToken: 'rft.1',
		});
		assert.equal(refused.refusedRefreshToken, 'rft.1');
		assert.equal(tiktok.calls.length, 0);
		// A lease whose time is up is void: the Test button renews again.
		const stale = JSON.stringify({ holder: 'worker-1', until: Date.now() - 1 });
		const renewed = await preAuthenticateStore(tiktok.http, { ...store(tokens(1)), lease: stale });
		assert.equal(tiktok.calls.length, 1);
		assert.equal(renewed.lease, '');
	});

	it('a refresh token TikTok refused is never presented again by this process', async () => {
		const tiktok = fakeTikTok();
		tiktok.valid.clear();
		for (let attempt = 0; attempt < 3; attempt++)
			await assert.rejects(renewToken(tiktok.http, app, tokens(1)), (error: TikTokError) => {
				assert.equal(error.details.code, 'invalid_grant');
				return true;
			});
		assert.equal(tiktok.calls.length, 1);
	});

	it('Token Store: an empty store returns nothing, so n8n saves nothing', async () => {
		const tiktok = fakeTikTok();
		assert.deepEqual(await preAuthenticateStore(tiktok.http, store(undefined)), {});
		assert.deepEqual(await preAuthenticateStore(tiktok.http, store(tokens(1), '')), {});
		assert.equal(tiktok.calls.length, 0);
	});

	it('OAuth2 credential (Test button, HTTP Request node): never refreshes, only uses a newer token this process already holds', async () => {
		const tiktok = fakeTikTok();
		const connection = {
			clientId: 'key',
			clientSecret: 'secret',
			apiBaseUrl: 'https://api.example/',
			oauthTokenData: tokens(1),
		};
		assert.deepEqual(await preAuthenticateConnection(connection), {});
		assert.equal(tiktok.calls.length, 0);
		await renewToken(tiktok.http, app, tokens(1));
		const newer = await preAuthenticateConnection(connection);
		assert.equal((newer.oauthTokenData as IDataObject).access_token, 'act.2');
	});
});
