/**
 * Secrets never travel in clear, and every failure says truthfully whether running again is safe:
 * - an API URL that is neither https nor this machine is refused before any request (`insecure_url`), at run time
 *   and in both credentials' preAuthentication (their Test buttons); the credentials' OAuth and Test URLs turn
 *   into a `.invalid` address that never resolves;
 * - an init whose connection was never made (DNS, refused) is `publish_not_sent`, "safe to run again"; one that
 *   may have been written (reset, timeout) stays `publish_outcome_unknown`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';

import { requireAsN8n } from './commonjs.mts';
import { fakeApiContext, reset } from './fakeApiContext.mts';
import { fakeTikTok } from './fakeTikTok.mts';

const { PATHS, startPublish } = requireAsN8n(
	'../../nodes/TikTok/transport/publishApi.ts',
) as typeof import('../../nodes/TikTok/transport/publishApi.ts');
const { TikTokError } = requireAsN8n(
	'../../nodes/TikTok/helpers/errors.ts',
) as typeof import('../../nodes/TikTok/helpers/errors.ts');
const renewal = requireAsN8n(
	'../../nodes/TikTok/transport/renewal.ts',
) as typeof import('../../nodes/TikTok/transport/renewal.ts');
const { isHttpsOrLoopback } = requireAsN8n(
	'../../nodes/TikTok/helpers/urls.ts',
) as typeof import('../../nodes/TikTok/helpers/urls.ts');
const { TikTokOAuth2Api } = requireAsN8n(
	'../../credentials/TikTokOAuth2Api.credentials.ts',
) as typeof import('../../credentials/TikTokOAuth2Api.credentials.ts');

const INIT_BODY = { source_info: { source: 'PULL_FROM_URL', video_url: 'https://v/x.mp4' } };
const failure = (code: string, message = code) => Object.assign(new Error(message), { code });

async function initFailure(
	answer: () => Error,
	apiBaseUrl?: string,
): Promise<{ error: InstanceType<typeof TikTokError>; requests: number }> {
	const { ctx, requests } = fakeApiContext(answer, { apiBaseUrl });
	// The daily-cap memory is kept per execution.
	Object.assign(ctx, { getExecutionId: () => `e${Math.random()}` });
	const error = await startPublish(ctx, PATHS.inboxVideoInit, INIT_BODY).then(
		() => assert.fail('the init should fail'),
		(thrown: unknown) => thrown,
	);
	assert.ok(error instanceof TikTokError, String(error));
	return { error, requests: requests.length };
}

describe('https only for anything that carries a secret', () => {
	it('https anywhere, http only to this machine; no userinfo', () => {
		for (const url of [
			'https://open.tiktokapis.com',
			'http://127.0.0.1:5000',
			'http://127.8.9.10/x',
			'http://localhost:8080',
			'http://[::1]:1/',
		])
			assert.equal(isHttpsOrLoopback(url), true, url);
		for (const url of [
			'http://open.tiktokapis.com',
			'http://127.0.0.1.nip.io/',
			'http://localhost.example.com',
			'ftp://127.0.0.1/',
			'https://user:pw@open.tiktokapis.com',
			'not a url',
		])
			assert.equal(isHttpsOrLoopback(url), false, url);
	});

	it('an http:// API URL is refused at run time before any request, with a message that names the fix', async () => {
		const { error, requests } = await initFailure(reset, 'http://api.example.com/');
		assert.equal(requests, 0);
		assert.equal(error.details.code, 'insecure_url');
		assert.equal(
			error.advice.message,
			'The TikTok API URL "http://api.example.com/" does not use https',
		);
		assert.match(
			error.advice.description,
			/must start with https:\/\/.*https:\/\/open\.tiktokapis\.com.*Nothing was sent/,
		);
	});

	it("both credentials' preAuthentication (the Test buttons) refuse it before any request", async () => {
		const tiktok = fakeTikTok();
		const insecure: IDataObject = {
			clientId: 'key',
			clientSecret: 'secret',
			apiBaseUrl: 'http://api.example.com',
			tokens: JSON.stringify({
				access_token: 'act.1',
				refresh_token: 'rft.1',
				n8n_expires_at: '1',
			}),
			oauthTokenData: { access_token: 'act.1', refresh_token: 'rft.1' },
		};
		await assert.rejects(renewal.preAuthenticateStore(tiktok.http, insecure), /does not use https/);
		await assert.rejects(renewal.preAuthenticateConnection(insecure), /does not use https/);
		assert.equal(tiktok.calls.length, 0);
	});

	it("the credential's OAuth and Test URLs become a .invalid address for an insecure base URL", () => {
		const credential = new TikTokOAuth2Api();
		const expression = (name: string) =>
			String(credential.properties.find((property) => property.name === name)?.default);
		const evaluate = (template: string, values: IDataObject) =>
			new Function('$self', '$credentials', `return ${template.slice(4, -3)}`)(
				values,
				values,
			) as string;
		const tokenUrl = expression('accessTokenUrl');
		assert.equal(
			evaluate(tokenUrl, { apiBaseUrl: 'https://open.tiktokapis.com/' }),
			'https://open.tiktokapis.com/v2/oauth/token/',
		);
		assert.equal(
			evaluate(tokenUrl, { apiBaseUrl: 'http://127.0.0.1:4000' }),
			'http://127.0.0.1:4000/v2/oauth/token/',
		);
		assert.equal(
			evaluate(tokenUrl, { apiBaseUrl: 'http://api.example.com' }),
			'https://tiktok-api-url-must-use-https.invalid/v2/oauth/token/',
		);
		assert.equal(
			evaluate(expression('authUrl'), { authBaseUrl: 'http://www.example.com' }),
			'https://tiktok-website-url-must-use-https.invalid/v2/auth/authorize/',
		);
		const testBase = String(credential.test.request.baseURL);
		assert.equal(
			evaluate(testBase, { apiBaseUrl: 'http://api.example.com' }),
			'https://tiktok-api-url-must-use-https.invalid',
		);
		assert.equal(
			evaluate(testBase, { apiBaseUrl: 'https://open.tiktokapis.com' }),
			'https://open.tiktokapis.com',
		);
	});
});

describe('an init that never left n8n is safe to run again', () => {
	for (const [label, make] of [
		['connection refused', () => failure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')],
		['no such host', () => failure('ENOTFOUND', 'getaddrinfo ENOTFOUND open.tiktokapis.com')],
		['name lookup failed for now', () => failure('EAI_AGAIN')],
		[
			'refused on every address (AggregateError)',
			() =>
				Object.assign(new AggregateError([failure('ECONNREFUSED'), failure('ECONNREFUSED')], ''), {
					code: 'ECONNREFUSED',
				}),
		],
	] as const) {
		it(`${label} → publish_not_sent, sent once, "safe to run again"`, async () => {
			const { error, requests } = await initFailure(make);
			assert.equal(requests, 1, 'an init is never repeated by the node');
			assert.equal(error.details.code, 'publish_not_sent');
			assert.match(String(error.details.cause_code), /^(connection_refused|dns_lookup_failed)$/);
			assert.match(error.advice.message, /^TikTok did not receive this publish: n8n could not/);
			assert.match(error.advice.description, /running this item again is safe/);
		});
	}

	for (const [label, make] of [
		['a reset after the request was written', reset],
		['a timeout', () => failure('ETIMEDOUT')],
	] as const) {
		it(`${label} stays publish_outcome_unknown: check before running again`, async () => {
			const { error } = await initFailure(make);
			assert.equal(error.details.code, 'publish_outcome_unknown');
			assert.match(error.advice.description, /could post twice/);
		});
	}
});
