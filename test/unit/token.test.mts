import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import { clearRefreshCache, refreshIfExpiring } from '../../nodes/TikTok/transport/token.ts';

function fakeTikTok(rotate = true) {
	const calls: URLSearchParams[] = [];
	let counter = 0;
	let valid = 'rft.1';
	const request = async (options: IHttpRequestOptions) => {
		const form = new URLSearchParams(String(options.body));
		calls.push(form);
		await new Promise((resolve) => setImmediate(resolve));
		if (form.get('refresh_token') !== valid) {
			return JSON.stringify({ error: 'invalid_grant', error_description: 'Refresh token is invalid', log_id: 'L1' });
		}
		counter++;
		if (rotate) valid = `rft.${counter + 1}`;
		return JSON.stringify({ access_token: `act.${counter + 1}`, refresh_token: valid, expires_in: 7200, refresh_expires_in: 15552000, open_id: 'o1', scope: 'video.publish', token_type: 'Bearer' });
	};
	// n8n's request helper, as a context or the credential's preAuthentication carries it.
	return { calls, http: { helpers: { httpRequest: request } } as unknown as IHttpRequestHelper };
}

const credentials = (expiresAt: number, refreshToken = 'rft.1') => ({
	clientId: 'key',
	clientSecret: 'secret',
	apiBaseUrl: 'https://api.example/',
	oauthTokenData: { access_token: 'act.1', refresh_token: refreshToken, n8n_expires_at: String(expiresAt) },
});

describe('token refresh (TikTok requires client_key in the form body and rotates refresh tokens)', () => {
	beforeEach(() => clearRefreshCache());

	it('leaves a token that is valid for more than a minute alone', async () => {
		const tiktok = fakeTikTok();
		assert.deepEqual(await refreshIfExpiring(tiktok.http, credentials(Date.now() + 10 * 60_000)), {});
		assert.equal(tiktok.calls.length, 0);
	});

	it("refreshes an expiring token with TikTok's exact form fields and keeps the rotated refresh token", async () => {
		const tiktok = fakeTikTok();
		const result = await refreshIfExpiring(tiktok.http, credentials(Date.now() + 30_000));
		const form = tiktok.calls[0];
		assert.deepEqual([...form.keys()].sort(), ['client_key', 'client_secret', 'grant_type', 'refresh_token']);
		assert.equal(form.get('client_key'), 'key');
		assert.equal(form.get('grant_type'), 'refresh_token');
		const data = result.oauthTokenData as Record<string, string>;
		assert.equal(data.access_token, 'act.2');
		assert.equal(data.refresh_token, 'rft.2');
		assert.ok(Number(data.n8n_expires_at) > Date.now() + 7000_000);
	});

	it('refreshes once for concurrent callers holding the same refresh token', async () => {
		const tiktok = fakeTikTok();
		const results = await Promise.all([1, 2, 3].map(() => refreshIfExpiring(tiktok.http, credentials(0))));
		assert.equal(tiktok.calls.length, 1);
		assert.ok(results.every((r) => (r.oauthTokenData as Record<string, string>).access_token === 'act.2'));
	});

	it('serves a later caller that still holds the rotated-away token from the first refresh instead of burning it', async () => {
		const tiktok = fakeTikTok();
		await refreshIfExpiring(tiktok.http, credentials(0));
		const again = await refreshIfExpiring(tiktok.http, credentials(0));
		assert.equal(tiktok.calls.length, 1);
		assert.equal((again.oauthTokenData as Record<string, string>).refresh_token, 'rft.2');
	});

	it('turns invalid_grant (revoked or expired grant) into a reconnect message', async () => {
		const tiktok = fakeTikTok();
		await assert.rejects(refreshIfExpiring(tiktok.http, credentials(0, 'rft.revoked')), (error: TikTokError) => {
			assert.equal(error.details.code, 'invalid_grant');
			assert.match(error.advice.description, /Reconnect/);
			assert.equal(error.details.log_id, 'L1');
			return true;
		});
	});
});
