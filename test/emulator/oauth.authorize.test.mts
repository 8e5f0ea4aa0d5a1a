import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import { consentIdOf, postForm, request } from './testkit.mts';

const CALLBACK = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';

let emu: TikTokEmulator;
beforeEach(async () => {
	emu = await startEmulator();
	emu.config.clients[0].redirectUris.push(CALLBACK);
});
afterEach(() => emu.stop());

function authorizeUrl(params: Record<string, string | undefined>): string {
	const defaults: Record<string, string> = {
		client_key: 'emu_client_key',
		scope: 'user.info.basic,video.publish,video.upload',
		redirect_uri: CALLBACK,
		state: 'st4te',
		response_type: 'code',
	};
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries({ ...defaults, ...params })) if (v !== undefined) q.set(k, v);
	return `${emu.baseUrl}/v2/auth/authorize/?${q}`;
}

async function errorRedirect(params: Record<string, string | undefined>) {
	const r = await request(authorizeUrl(params));
	assert.equal(r.status, 302, r.text);
	return new URL(String(r.headers.location));
}

describe('GET /v2/auth/authorize/', () => {
	it('renders a consent page with the app name, every requested scope ticked, an Authorize and a Deny button', async () => {
		const r = await request(authorizeUrl({}));
		assert.equal(r.status, 200);
		assert.match(String(r.headers['content-type']), /text\/html/);
		assert.match(r.text, /Emulated TikTok App/);
		for (const scope of ['user.info.basic', 'video.publish', 'video.upload']) {
			assert.match(
				r.text,
				new RegExp(`<input type="checkbox" name="scope" value="${scope}" checked>`),
			);
		}
		assert.ok(r.text.includes('<button id="authorize">Authorize</button>'));
		assert.ok(r.text.includes('<button id="deny">Deny</button>'));
	});

	it('shows an error page (400, no redirect) when client_key is missing, even with client_id', async () => {
		const r = await request(authorizeUrl({ client_key: undefined, client_id: 'emu_client_key' }));
		assert.equal(r.status, 400);
		assert.equal(r.headers.location, undefined);
		assert.match(r.text, /client_key is required/);
	});

	it('shows an error page for an unknown client_key', async () => {
		const r = await request(authorizeUrl({ client_key: 'nope' }));
		assert.equal(r.status, 400);
		assert.match(r.text, /Unknown client_key/);
	});

	it('shows an error page when redirect_uri is missing', async () => {
		const r = await request(authorizeUrl({ redirect_uri: undefined }));
		assert.equal(r.status, 400);
		assert.match(r.text, /redirect_uri is required/);
	});

	it('requires an exact redirect_uri match (a trailing slash differs)', async () => {
		const r = await request(authorizeUrl({ redirect_uri: `${CALLBACK}/` }));
		assert.equal(r.status, 400);
		assert.equal(r.headers.location, undefined);
		assert.match(r.text, /not registered/);
	});

	it('accepts a registered https redirect_uri', async () => {
		emu.config.clients[0].redirectUris.push(
			'https://n8n.example.com/rest/oauth2-credential/callback',
		);
		const r = await request(
			authorizeUrl({ redirect_uri: 'https://n8n.example.com/rest/oauth2-credential/callback' }),
		);
		assert.equal(r.status, 200);
	});

	it('rejects a registered http redirect_uri on a non-loopback host (web apps are https only)', async () => {
		emu.config.clients[0].redirectUris.push('http://n8n.example.com/callback');
		const r = await request(authorizeUrl({ redirect_uri: 'http://n8n.example.com/callback' }));
		assert.equal(r.status, 400);
		assert.match(r.text, /must use https/);
	});

	it('rejects a loopback http redirect_uri without a port (desktop rule)', async () => {
		emu.config.clients[0].redirectUris.push('http://localhost/callback');
		const r = await request(authorizeUrl({ redirect_uri: 'http://localhost/callback' }));
		assert.equal(r.status, 400);
		assert.match(r.text, /explicit port/);
	});

	it('rejects loopback http redirect URIs when redirectUriSchemes is ["https"]', async () => {
		emu.config.redirectUriSchemes = ['https'];
		const r = await request(authorizeUrl({}));
		assert.equal(r.status, 400);
		assert.match(r.text, /http redirect URIs are not allowed/);
	});

	it('matches a registered wildcard loopback port (http://127.0.0.1:*/cb) for any port', async () => {
		emu.config.clients[0].redirectUris.push('http://127.0.0.1:*/cb');
		assert.equal(
			(await request(authorizeUrl({ redirect_uri: 'http://127.0.0.1:41234/cb' }))).status,
			200,
		);
		assert.equal(
			(await request(authorizeUrl({ redirect_uri: 'http://127.0.0.1:41234/other' }))).status,
			400,
		);
	});

	it('rejects a redirect_uri with a query string (static URIs only)', async () => {
		emu.config.clients[0].redirectUris.push(`${CALLBACK}?x=1`);
		const r = await request(authorizeUrl({ redirect_uri: `${CALLBACK}?x=1` }));
		assert.equal(r.status, 400);
		assert.match(r.text, /no query string/);
	});

	it('rejects a redirect_uri of 512 characters or more', async () => {
		const long = `https://n8n.example.com/${'a'.repeat(512 - 24)}`;
		assert.equal(long.length, 512);
		emu.config.clients[0].redirectUris.push(long);
		const r = await request(authorizeUrl({ redirect_uri: long }));
		assert.equal(r.status, 400);
		assert.match(r.text, /shorter than 512/);
	});

	it('rejects a redirect_uri with a fragment', async () => {
		emu.config.clients[0].redirectUris.push('https://n8n.example.com/cb#x');
		const r = await request(authorizeUrl({ redirect_uri: 'https://n8n.example.com/cb#x' }));
		assert.equal(r.status, 400);
		assert.match(r.text, /fragment/);
	});

	it('rejects a relative redirect_uri', async () => {
		const r = await request(authorizeUrl({ redirect_uri: '/rest/oauth2-credential/callback' }));
		assert.equal(r.status, 400);
		assert.match(r.text, /absolute URL/);
	});

	it('redirects with error=invalid_scope when scope is missing', async () => {
		const loc = await errorRedirect({ scope: undefined });
		assert.equal(loc.searchParams.get('error'), 'invalid_scope');
	});

	it('redirects with error=unsupported_response_type when response_type is not code', async () => {
		const loc = await errorRedirect({ response_type: 'token' });
		assert.equal(loc.searchParams.get('error'), 'unsupported_response_type');
		assert.equal(loc.searchParams.get('state'), 'st4te');
	});

	it('redirects with error=invalid_scope for a space-separated scope list', async () => {
		const loc = await errorRedirect({ scope: 'user.info.basic video.publish' });
		assert.equal(loc.searchParams.get('error'), 'invalid_scope');
		assert.match(String(loc.searchParams.get('error_description')), /comma-separated/);
	});

	it('redirects with error=invalid_scope for an unknown scope', async () => {
		const loc = await errorRedirect({ scope: 'video.publish,video.delete' });
		assert.equal(loc.searchParams.get('error'), 'invalid_scope');
	});

	it('redirects with error=invalid_scope for a scope the app is not approved for', async () => {
		const loc = await errorRedirect({ scope: 'video.publish,video.list' });
		assert.equal(loc.searchParams.get('error'), 'invalid_scope');
		assert.match(String(loc.searchParams.get('error_description')), /not approved/);
	});

	it('redirects with error=invalid_request when state is missing', async () => {
		const loc = await errorRedirect({ state: undefined });
		assert.equal(loc.searchParams.get('error'), 'invalid_request');
		assert.match(String(loc.searchParams.get('error_description')), /state/);
	});

	it('redirects with error=invalid_request when code_challenge_method is not S256', async () => {
		const loc = await errorRedirect({
			code_challenge: 'a'.repeat(64),
			code_challenge_method: 'plain',
		});
		assert.equal(loc.searchParams.get('error'), 'invalid_request');
	});

	it('ignores a client_id next to client_key by default (n8n always sends it)', async () => {
		const r = await request(authorizeUrl({ client_id: 'emu_client_key' }));
		assert.equal(r.status, 200);
	});

	it('rejects a client_id next to client_key when authorizeRejectClientIdParam is set', async () => {
		emu.config.authorizeRejectClientIdParam = true;
		const r = await request(authorizeUrl({ client_id: 'emu_client_key' }));
		assert.equal(r.status, 400);
		assert.match(r.text, /client_id/);
	});

	it('records every authorize request with its parameters in state.authorizations', async () => {
		await request(authorizeUrl({ scope: 'a b' }));
		const rec = emu.state.authorizations.at(-1);
		assert.equal(rec?.params.scope, 'a b');
		assert.equal(rec?.outcome, 'invalid_scope');
	});
});

describe('POST /v2/auth/authorize/ (consent)', () => {
	async function consent(fields: Array<[string, string]>, query: Record<string, string> = {}) {
		const page = await request(authorizeUrl(query));
		const id = consentIdOf(page.text);
		const form = new URLSearchParams([['consent_id', id], ...fields]).toString();
		return { id, res: await postForm(`${emu.baseUrl}/v2/auth/authorize/`, form) };
	}

	it('Authorize redirects 302 to redirect_uri?code=…&scopes=…&state=…', async () => {
		const { res } = await consent([
			['action', 'authorize'],
			['scope', 'user.info.basic'],
			['scope', 'video.publish'],
			['scope', 'video.upload'],
		]);
		assert.equal(res.status, 302);
		const loc = new URL(String(res.headers.location));
		assert.equal(`${loc.origin}${loc.pathname}`, CALLBACK);
		assert.deepEqual([...loc.searchParams.keys()], ['code', 'scopes', 'state']);
		assert.equal(loc.searchParams.get('scopes'), 'user.info.basic,video.publish,video.upload');
		assert.equal(loc.searchParams.get('state'), 'st4te');
		assert.ok((loc.searchParams.get('code') ?? '').length > 20);
	});

	it('grants only the ticked scopes (partial grant) and the token carries only those', async () => {
		const { res } = await consent([
			['action', 'authorize'],
			['scope', 'user.info.basic'],
			['scope', 'video.upload'],
		]);
		const loc = new URL(String(res.headers.location));
		assert.equal(loc.searchParams.get('scopes'), 'user.info.basic,video.upload');
		const tok = await postForm(`${emu.baseUrl}/v2/oauth/token/`, {
			client_key: 'emu_client_key',
			client_secret: 'emu_client_secret',
			code: String(loc.searchParams.get('code')),
			grant_type: 'authorization_code',
			redirect_uri: CALLBACK,
		});
		assert.equal(tok.status, 200, tok.text);
		assert.equal(tok.json.scope, 'user.info.basic,video.upload');
	});

	it('ignores ticked scopes that were not requested', async () => {
		const { res } = await consent(
			[
				['action', 'authorize'],
				['scope', 'video.publish'],
				['scope', 'video.upload'],
			],
			{ scope: 'video.publish' },
		);
		assert.equal(new URL(String(res.headers.location)).searchParams.get('scopes'), 'video.publish');
	});

	it('Deny redirects with error=access_denied, an error_description and the state', async () => {
		const { res } = await consent([['action', 'deny']]);
		assert.equal(res.status, 302);
		const loc = new URL(String(res.headers.location));
		assert.equal(loc.searchParams.get('error'), 'access_denied');
		assert.ok(loc.searchParams.get('error_description'));
		assert.equal(loc.searchParams.get('state'), 'st4te');
		assert.equal(loc.searchParams.get('code'), null);
	});

	it('unticking every scope is a denial (access_denied)', async () => {
		const { res } = await consent([['action', 'authorize']]);
		assert.equal(new URL(String(res.headers.location)).searchParams.get('error'), 'access_denied');
	});

	it('answers a consent only once (a second POST gets a 400 page)', async () => {
		const { id } = await consent([
			['action', 'authorize'],
			['scope', 'video.publish'],
		]);
		const again = await postForm(`${emu.baseUrl}/v2/auth/authorize/`, {
			consent_id: id,
			action: 'authorize',
			scope: 'video.publish',
		});
		assert.equal(again.status, 400);
	});

	it('answers 400 for an unknown account on the consent form', async () => {
		const { res } = await consent([
			['action', 'authorize'],
			['account', 'nobody'],
			['scope', 'video.publish'],
		]);
		assert.equal(res.status, 400);
		assert.match(res.text, /Unknown account/);
	});

	it('issues the code for the account chosen on the page', async () => {
		const { res } = await consent([
			['action', 'authorize'],
			['account', 'private_creator'],
			['scope', 'video.publish'],
		]);
		const code = String(new URL(String(res.headers.location)).searchParams.get('code'));
		const tok = await postForm(`${emu.baseUrl}/v2/oauth/token/`, {
			client_key: 'emu_client_key',
			client_secret: 'emu_client_secret',
			code,
			grant_type: 'authorization_code',
			redirect_uri: CALLBACK,
		});
		assert.equal(tok.json.open_id, emu.openIdOf('private_creator'));
	});
});
