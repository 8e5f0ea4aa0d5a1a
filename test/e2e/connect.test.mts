/**
 * "Connect my account" through n8n's real OAuth2 endpoints and the emulator's consent page, over HTTP as the
 * browser would do it (the editor's Connect button opens /rest/oauth2-credential/auth, which returns TikTok's
 * authorize URL). The emulator is strict: client_key only in the form body, any client_id body field refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET } from '../emulator/index.mts';
import { nodeOutput } from '../harness/index.mts';
import type { Stack } from './stack.mts';
import { CREDENTIAL_TYPE, createTokenStore, startStack, tiktokNode } from './stack.mts';

describe(
	'Connect my account (n8n OAuth2 flow → TikTok consent → code exchange)',
	{ timeout: 600_000 },
	() => {
		let stack: Stack;
		before(async () => {
			stack = await startStack({ emulator: { rejectClientIdParam: true, clientKeyIn: 'body' } });
		});
		after(async () => await stack?.stop());

		it("sends client_key and comma-separated scopes to the consent page, exchanges the code with TikTok's exact body, and the credential works", async () => {
			const { n8n, emu } = stack;
			const [id] = await n8n.importCredentials({
				name: 'TikTok connect test',
				type: CREDENTIAL_TYPE,
				data: {
					clientId: DEFAULT_CLIENT_KEY,
					clientSecret: DEFAULT_CLIENT_SECRET,
					authBaseUrl: emu.baseUrl,
					apiBaseUrl: emu.baseUrl,
				},
			});
			emu.config.clients[0].redirectUris.push(`${n8n.url}/rest/oauth2-credential/callback`);

			const auth = await n8n.request('GET', `/rest/oauth2-credential/auth?id=${id}`);
			assert.equal(auth.status, 200, auth.text);
			const authorizeUrl = new URL(String((auth.body as { data: string }).data));
			assert.equal(
				authorizeUrl.origin + authorizeUrl.pathname,
				`${emu.baseUrl}/v2/auth/authorize/`,
			);
			assert.equal(authorizeUrl.searchParams.get('client_key'), DEFAULT_CLIENT_KEY);
			assert.equal(
				authorizeUrl.searchParams.get('scope'),
				'user.info.basic,video.publish,video.upload',
			);
			assert.ok(authorizeUrl.searchParams.get('state'));

			const consentPage = await fetch(authorizeUrl);
			const html = await consentPage.text();
			assert.equal(consentPage.status, 200, html);
			assert.match(html, /id="authorize"/);
			const consentId = /name="consent_id" value="([^"]+)"/.exec(html)?.[1];
			const action = /<form id="consent" method="post" action="([^"]+)"/.exec(html)?.[1];
			assert.ok(consentId && action);
			const form = new URLSearchParams({
				consent_id: consentId,
				action: 'authorize',
				account: 'public_creator',
			});
			for (const scope of ['user.info.basic', 'video.publish', 'video.upload'])
				form.append('scope', scope);
			const approved = await fetch(new URL(action.replace(/&amp;/g, '&'), emu.baseUrl), {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: form,
				redirect: 'manual',
			});
			assert.equal(approved.status, 302);
			const callback = new URL(String(approved.headers.get('location')));
			assert.equal(callback.pathname, '/rest/oauth2-credential/callback');
			assert.ok(callback.searchParams.get('code'));
			assert.equal(
				callback.searchParams.get('scopes'),
				'user.info.basic,video.publish,video.upload',
			);

			const done = await n8n.request('GET', callback.pathname + callback.search);
			assert.equal(done.status, 200, done.text);
			assert.doesNotMatch(done.text, /error/i, done.text.slice(0, 500));

			const exchange = emu.state.tokenRequests.filter((r) => r.grantType === 'authorization_code');
			assert.equal(exchange.length, 1);
			assert.equal(exchange[0].outcome, 'ok', JSON.stringify(exchange[0]));
			assert.deepEqual(
				exchange[0].params
					.filter((p) =>
						['client_key', 'client_secret', 'code', 'grant_type', 'redirect_uri'].includes(p),
					)
					.sort(),
				['client_key', 'client_secret', 'code', 'grant_type', 'redirect_uri'],
			);
			assert.ok(!exchange[0].params.includes('client_id'));

			const stored = await n8n.exportCredential(id);
			const tokenData = stored.oauthTokenData as Record<string, string>;
			assert.match(tokenData.access_token, /^act\./);
			assert.equal(tokenData.open_id, emu.openIdOf('public_creator'));

			// The one-time Token Store step the README describes (the node requires one).
			const store = await createTokenStore(stack);
			await n8n.stop();
			const run = await stack.run([
				tiktokNode(
					{ id, name: 'TikTok connect test', store },
					{ resource: 'creator', operation: 'getInfo' },
				),
			]);
			assert.ok(run.ok, run.error?.message);
			assert.equal(nodeOutput(run, 'TikTok')[0].username, 'public_creator');
		});
	},
);
