// OAuth 2.0 as TikTok's Login Kit v2 does it (tiktok-api.md §2): authorize page + consent,
// form-urlencoded token endpoint with client_key, refresh rotation, revoke.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
	accountByName,
	clientByKey,
	newLogId,
	type AccessTokenRecord,
	type Ctx,
	type Grant,
} from './context.mts';
import { takeFault } from './faults.mts';
import {
	BodyTooLargeError,
	bearerToken,
	mediaType,
	parseForm,
	readBody,
	sendGatewayError,
	sendHtml,
	sendJson,
	sendOAuthError,
	setDetail,
} from './http.mts';
import {
	KNOWN_SCOPES,
	type AuthorizeRecord,
	type ClientConfig,
	type TokenRecordOutcome,
	type TokenRequestRecord,
	type TokenResponse,
} from './types.mts';
import { failNow } from './status.mts';
import { emitEvent } from './webhooks.mts';

const CODE_VERIFIER_RE = /^[A-Za-z0-9\-._~]{43,128}$/;
const PKCE_ERROR = 'Code verifier or code challenge is invalid.';
const REDIRECT_MISMATCH = 'Redirect_uri is not matched with the uri when requesting code.';

function randomToken(bytes: number): string {
	return randomBytes(bytes).toString('base64url');
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---------------------------------------------------------------------------------------------
// Redirect URIs

const LOOPBACK_RE = /^http:\/\/(127\.0\.0\.1|localhost)(?::(\d+|\*))?(\/.*)?$/;

/** Registered URI matches exactly, or a loopback `:*` wildcard port matches any port (desktop rule). */
function matchesRegistered(registered: string, uri: string): boolean {
	if (registered === uri) return true;
	const reg = LOOPBACK_RE.exec(registered);
	const got = LOOPBACK_RE.exec(uri);
	if (!reg || !got || reg[2] !== '*') return false;
	return (
		reg[1] === got[1] && got[2] !== undefined && got[2] !== '*' && (reg[3] ?? '') === (got[3] ?? '')
	);
}

/** Why a redirect_uri is unacceptable, or null. */
export function redirectUriProblem(ctx: Ctx, client: ClientConfig, uri: string): string | null {
	if (uri.length >= 512) return 'redirect_uri must be shorter than 512 characters';
	let parsed: URL;
	try {
		parsed = new URL(uri);
	} catch {
		return 'redirect_uri must be an absolute URL';
	}
	if (uri.includes('#')) return 'redirect_uri must not contain a fragment';
	if (parsed.search) return 'redirect_uri must be static (no query string)';
	const schemes = ctx.config.redirectUriSchemes;
	if (parsed.protocol === 'https:') {
		if (!schemes.includes('https'))
			return 'https redirect URIs are not allowed by this registration';
	} else if (parsed.protocol === 'http:') {
		const loopback = LOOPBACK_RE.exec(uri);
		if (loopback && schemes.includes('http-loopback')) {
			if (loopback[2] === undefined) return 'a loopback redirect_uri needs an explicit port';
		} else if (!schemes.includes('http')) {
			return loopback
				? 'http redirect URIs are not allowed by this registration'
				: 'redirect_uri must use https (http is allowed only for 127.0.0.1/localhost with a port)';
		}
	} else {
		return 'redirect_uri must use https';
	}
	if (!client.redirectUris.some((r) => matchesRegistered(r, uri))) {
		return `redirect_uri ${uri} is not registered for this client (registered: ${client.redirectUris.join(', ') || 'none'})`;
	}
	return null;
}

function redirectWith(
	res: ServerResponse,
	redirectUri: string,
	params: Record<string, string>,
): void {
	const url = new URL(redirectUri);
	for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
	res.writeHead(302, { Location: url.toString(), 'Content-Length': 0 });
	res.end();
}

function errorPage(res: ServerResponse, message: string): void {
	setDetail(res, message);
	sendHtml(
		res,
		400,
		`<!doctype html><html><head><title>TikTok authorization error</title></head><body>` +
			`<h1>Something went wrong</h1><p id="error">${escapeHtml(message)}</p></body></html>`,
	);
}

// ---------------------------------------------------------------------------------------------
// GET /v2/auth/authorize/

export function handleAuthorizeGet(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): void {
	const q = url.searchParams;
	const record = {
		time: ctx.now(),
		method: 'GET' as const,
		params: Object.fromEntries(q.entries()),
		outcome: 'consent_shown',
	};
	ctx.state.authorizations.push(record);
	const page = (outcome: string, message: string) => {
		record.outcome = outcome;
		errorPage(res, message);
	};

	const clientKey = q.get('client_key');
	if (!clientKey) {
		return page(
			'invalid_client',
			q.has('client_id')
				? 'client_key is required (TikTok does not read client_id)'
				: 'client_key is required',
		);
	}
	const client = clientByKey(ctx, clientKey);
	if (!client) return page('invalid_client', `Unknown client_key ${clientKey}`);
	if (ctx.config.authorizeRejectClientIdParam && q.has('client_id')) {
		return page('invalid_request', 'client_id is not a TikTok parameter; send client_key only');
	}
	const redirectUri = q.get('redirect_uri');
	if (!redirectUri) return page('invalid_request', 'redirect_uri is required');
	const problem = redirectUriProblem(ctx, client, redirectUri);
	if (problem) return page('invalid_redirect_uri', problem);

	// From here on the redirect URI is trusted, so errors go back to the client (RFC 6749 §4.1.2.1).
	const state = q.get('state');
	const fail = (error: string, description: string) => {
		record.outcome = error;
		setDetail(res, description);
		redirectWith(res, redirectUri, {
			error,
			error_description: description,
			...(state ? { state } : {}),
		});
	};
	if (q.get('response_type') !== 'code') {
		return fail('unsupported_response_type', 'response_type must be code');
	}
	if (!state) return fail('invalid_request', 'state is required');
	const scopeParam = q.get('scope');
	if (!scopeParam) return fail('invalid_scope', 'scope is required');
	if (/\s/.test(scopeParam)) {
		return fail('invalid_scope', 'scope must be a comma-separated list without spaces');
	}
	const scopes = [...new Set(scopeParam.split(','))];
	const unknown = scopes.filter((s) => !KNOWN_SCOPES.includes(s));
	if (unknown.length > 0) return fail('invalid_scope', `Unknown scope: ${unknown.join(',')}`);
	const unapproved = scopes.filter((s) => !client.scopes.includes(s));
	if (unapproved.length > 0) {
		return fail('invalid_scope', `The app is not approved for scope: ${unapproved.join(',')}`);
	}
	const codeChallenge = q.get('code_challenge');
	if (codeChallenge !== null && q.get('code_challenge_method') !== 'S256') {
		return fail('invalid_request', 'code_challenge_method must be S256');
	}

	const session = {
		id: randomToken(16),
		clientKey,
		redirectUri,
		state,
		scopes,
		codeChallenge: codeChallenge || null,
		used: false,
	};
	ctx.oauth.consents.set(session.id, session);
	sendHtml(res, 200, consentPage(ctx, client, session.id, scopes));
}

function consentPage(ctx: Ctx, client: ClientConfig, consentId: string, scopes: string[]): string {
	const accounts = Object.keys(ctx.config.accounts)
		.map((name) => {
			const a = accountByName(ctx, name);
			const selected = name === ctx.config.defaultAccount ? ' selected' : '';
			return `<option value="${escapeHtml(name)}"${selected}>${escapeHtml(a?.nickname ?? name)} (@${escapeHtml(a?.username ?? name)})</option>`;
		})
		.join('');
	const boxes = scopes
		.map(
			(s) =>
				`<label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label><br>`,
		)
		.join('\n');
	const action = '/v2/auth/authorize/';
	return `<!doctype html>
<html><head><meta charset="utf-8"><title>Authorize ${escapeHtml(client.name)} - TikTok</title></head>
<body>
<h1 id="app-name">${escapeHtml(client.name)}</h1>
<p>${escapeHtml(client.name)} would like to access your TikTok account.</p>
<form id="consent" method="post" action="${action}">
<input type="hidden" name="consent_id" value="${consentId}">
<input type="hidden" name="action" value="authorize">
<p><label>Log in as <select name="account" id="account">${accounts}</select></label></p>
<fieldset id="scopes"><legend>Permissions</legend>
${boxes}
</fieldset>
<button id="authorize">Authorize</button>
</form>
<form id="deny-form" method="post" action="${action}">
<input type="hidden" name="consent_id" value="${consentId}">
<input type="hidden" name="action" value="deny">
<button id="deny">Deny</button>
</form>
</body></html>
`;
}

// ---------------------------------------------------------------------------------------------
// POST /v2/auth/authorize/ (the consent form)

export async function handleConsentPost(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
): Promise<void> {
	let body: string;
	try {
		body = (await readBody(req, 64 * 1024)).toString('utf8');
	} catch {
		return errorPage(res, 'The consent form could not be read');
	}
	const pairs =
		mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded'
			? parseForm(body)
			: [];
	const get = (name: string) => pairs.find(([k]) => k === name)?.[1];
	const record = {
		time: ctx.now(),
		method: 'POST' as const,
		params: Object.fromEntries(pairs.filter(([k]) => k !== 'scope')),
		outcome: '',
	} as AuthorizeRecord;
	ctx.state.authorizations.push(record);

	const session = ctx.oauth.consents.get(get('consent_id') ?? '');
	if (!session || session.used) {
		record.outcome = 'invalid_consent';
		return errorPage(res, 'This authorization request is unknown or was already answered');
	}
	session.used = true;
	const withState = (params: Record<string, string>) => ({ ...params, state: session.state });
	if (get('action') !== 'authorize') {
		record.outcome = 'access_denied';
		return redirectWith(
			res,
			session.redirectUri,
			withState({
				error: 'access_denied',
				error_description: 'The user denied the authorization request.',
			}),
		);
	}
	const accountName = get('account') ?? ctx.config.defaultAccount;
	if (!accountByName(ctx, accountName)) {
		record.outcome = 'unknown_account';
		return errorPage(res, `Unknown account ${accountName}`);
	}
	const ticked = new Set(pairs.filter(([k]) => k === 'scope').map(([, v]) => v));
	const granted = session.scopes.filter((s) => ticked.has(s));
	record.account = accountName;
	record.grantedScopes = granted;
	if (granted.length === 0) {
		record.outcome = 'access_denied';
		return redirectWith(
			res,
			session.redirectUri,
			withState({ error: 'access_denied', error_description: 'The user did not grant any scope.' }),
		);
	}
	// TikTok codes contain characters that must be percent-encoded ('!'), so clients must decode once.
	const code = `${randomToken(24)}*0!${randomBytes(3).readUIntBE(0, 3)}.va`;
	ctx.oauth.codes.set(code, {
		code,
		clientKey: session.clientKey,
		redirectUri: session.redirectUri,
		scopes: granted,
		accountName,
		codeChallenge: session.codeChallenge,
		expiresAt: ctx.now() + ctx.config.codeTtlSec * 1000,
		used: false,
	});
	record.outcome = 'code_issued';
	redirectWith(res, session.redirectUri, { code, scopes: granted.join(','), state: session.state });
}

// ---------------------------------------------------------------------------------------------
// Tokens

function secondsLeft(ctx: Ctx, expiresAt: number): number {
	return Math.max(0, Math.ceil((expiresAt - ctx.now()) / 1000));
}

function newAccessToken(ctx: Ctx, grant: Grant): AccessTokenRecord {
	const rec = {
		token: `act.${randomToken(30)}`,
		grantId: grant.id,
		expiresAt: ctx.now() + ctx.config.accessTokenTtlSec * 1000,
		revoked: false,
	};
	ctx.oauth.access.set(rec.token, rec);
	return rec;
}

function newRefreshToken(ctx: Ctx, grant: Grant, expiresAt: number) {
	const rec = {
		token: `rft.${randomToken(30)}`,
		grantId: grant.id,
		expiresAt,
		state: 'active' as const,
	};
	ctx.oauth.refresh.set(rec.token, rec);
	return rec;
}

function tokenResponse(
	ctx: Ctx,
	grant: Grant,
	access: AccessTokenRecord,
	refresh: { token: string; expiresAt: number },
): TokenResponse {
	return {
		access_token: access.token,
		expires_in: secondsLeft(ctx, access.expiresAt),
		open_id: grant.openId,
		refresh_expires_in: secondsLeft(ctx, refresh.expiresAt),
		refresh_token: refresh.token,
		scope: grant.scopes.join(','),
		token_type: 'Bearer',
	};
}

function createGrant(ctx: Ctx, clientKey: string, accountName: string, scopes: string[]): Grant {
	const account = accountByName(ctx, accountName);
	if (!account) throw new Error(`unknown account ${accountName}`);
	const grant = {
		id: randomToken(12),
		openId: account.openId,
		accountName,
		clientKey,
		scopes: [...scopes],
		revoked: false,
	};
	ctx.oauth.grants.set(grant.id, grant);
	return grant;
}

/** Tokens as if the user had connected through the consent page. */
export function issueTokens(
	ctx: Ctx,
	opts: { account: string; scopes?: string[]; clientKey?: string },
): TokenResponse {
	const clientKey = opts.clientKey ?? ctx.config.clients[0]?.clientKey;
	const client = clientByKey(ctx, clientKey);
	if (!client) throw new Error(`unknown client ${clientKey}`);
	const grant = createGrant(ctx, client.clientKey, opts.account, opts.scopes ?? client.scopes);
	const access = newAccessToken(ctx, grant);
	const refresh = newRefreshToken(ctx, grant, ctx.now() + ctx.config.refreshTokenTtlSec * 1000);
	return tokenResponse(ctx, grant, access, refresh);
}

/**
 * The user removes the app (`reason` 1; 2–4 for deleted, age-changed or banned accounts): every token of the
 * user dies, then TikTok sends `authorization.removed` to each app the user had connected, and unfinished
 * publishes fail with auth_removed.
 */
export function revokeGrant(ctx: Ctx, openId: string, reason = 1): void {
	const apps = new Set<string>();
	for (const grant of ctx.oauth.grants.values()) {
		if (grant.openId !== openId) continue;
		grant.revoked = true;
		apps.add(grant.clientKey);
	}
	for (const clientKey of apps)
		emitEvent(ctx, clientKey, 'authorization.removed', openId, { reason });
	for (const p of ctx.state.publishes.values()) {
		const rt = ctx.runtime.get(p.publishId);
		if (p.openId !== openId || !rt || rt.stage === 'final') continue;
		rt.abort?.abort();
		failNow(ctx, p, rt, 'auth_removed');
	}
}

/** Resolves the bearer token of a Content Posting API request, or null (→ 401 access_token_invalid). */
export function authenticate(
	ctx: Ctx,
	req: IncomingMessage,
): { grant: Grant; token: string } | null {
	const token = bearerToken(req);
	if (!token) return null;
	const rec = ctx.oauth.access.get(token);
	if (!rec || rec.revoked || ctx.now() >= rec.expiresAt) return null;
	const grant = ctx.oauth.grants.get(rec.grantId);
	if (!grant || grant.revoked) return null;
	return { grant, token };
}

// ---------------------------------------------------------------------------------------------
// POST /v2/oauth/token/ and /v2/oauth/revoke/

interface FormContext {
	get(name: string): string | undefined;
	client: ClientConfig;
}

/**
 * Shared checks of the token and revoke endpoints: method, form encoding, duplicate parameters,
 * client_id, client_key/client_secret. Answers the error itself and returns null on failure.
 */
async function readClientForm(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
	record: TokenRequestRecord,
): Promise<FormContext | null> {
	const fail = (error: string, description: string) => {
		record.outcome = error;
		sendOAuthError(ctx, res, error, description);
		return null;
	};
	if (req.method !== 'POST')
		return fail('invalid_request', `Method ${req.method} not allowed; use POST`);
	let raw: string;
	try {
		raw = (await readBody(req, 64 * 1024)).toString('utf8');
	} catch (err) {
		return fail(
			'invalid_request',
			err instanceof BodyTooLargeError ? 'Request body too large' : 'Bad request body',
		);
	}
	const type = mediaType(req.headers['content-type']);
	if (type !== 'application/x-www-form-urlencoded') {
		return fail(
			'invalid_request',
			`Content-Type must be application/x-www-form-urlencoded (got ${type || 'none'})`,
		);
	}
	const pairs = parseForm(raw);
	record.params = pairs.map(([k]) => k);
	const names = new Set<string>();
	for (const [k] of pairs) {
		if (names.has(k)) return fail('invalid_request', `Parameter ${k} was sent more than once`);
		names.add(k);
	}
	const body = new Map(pairs);
	if (
		ctx.config.rejectClientIdParam &&
		(body.has('client_id') || url.searchParams.has('client_id'))
	) {
		return fail(
			'invalid_client',
			'client_id is not accepted; TikTok identifies the app by client_key',
		);
	}
	let clientKey = body.get('client_key');
	if (clientKey === undefined && ctx.config.clientKeyIn === 'body-or-query') {
		clientKey = url.searchParams.get('client_key') ?? undefined;
	}
	record.clientKey = clientKey ?? null;
	if (!clientKey) {
		return fail(
			'invalid_client',
			ctx.config.clientKeyIn === 'body'
				? 'client_key is required in the form body'
				: 'client_key is required',
		);
	}
	const client = clientByKey(ctx, clientKey);
	if (!client) return fail('invalid_client', 'Client key is invalid.');
	const secret = body.get('client_secret');
	if (!secret) return fail('invalid_client', 'client_secret is required in the form body');
	if (secret !== client.clientSecret) return fail('invalid_client', 'Client secret is invalid.');
	return { get: (name) => body.get(name), client };
}

function newTokenRecord(ctx: Ctx, req: IncomingMessage, url: URL, endpoint: 'token' | 'revoke') {
	const record: TokenRequestRecord = {
		time: ctx.now(),
		endpoint,
		grantType: null,
		contentType: req.headers['content-type'] ?? null,
		params: [],
		queryParams: [...url.searchParams.keys()],
		authorizationHeader: req.headers.authorization !== undefined,
		clientKey: null,
		outcome: '',
	};
	ctx.state.tokenRequests.push(record);
	return record;
}

/** Injected faults on the token endpoint answer like an overloaded OAuth server. */
function tokenFault(ctx: Ctx, res: ServerResponse, record: TokenRequestRecord): boolean {
	const fault = takeFault(
		ctx,
		(f) => (f.type === 'http429' || f.type === 'http5xx') && f.endpoint === 'token',
		{
			endpoint: 'token',
		},
	);
	if (!fault) return false;
	if (fault.type === 'http429') {
		record.outcome = 'fault_429';
		sendJson(res, 429, {
			error: 'temporarily_unavailable',
			error_description: 'Too many requests',
			log_id: newLogId(ctx),
		});
	} else {
		const status = fault.type === 'http5xx' ? (fault.status ?? 500) : 500;
		record.outcome = `fault_${status}`;
		if (status === 500) {
			sendJson(res, 500, {
				error: 'server_error',
				error_description: 'Internal error',
				log_id: newLogId(ctx),
			});
		} else sendGatewayError(res, status);
	}
	return true;
}

export async function handleToken(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const record = newTokenRecord(ctx, req, url, 'token');
	if (tokenFault(ctx, res, record)) return;
	const form = await readClientForm(ctx, req, res, url, record);
	if (!form) return;
	const fail = (error: string, description: string, refreshOutcome?: TokenRecordOutcome) => {
		record.outcome = error;
		if (refreshOutcome) record.refreshToken = refreshOutcome;
		sendOAuthError(ctx, res, error, description);
	};
	const grantType = form.get('grant_type');
	record.grantType = grantType ?? null;
	if (!grantType) return fail('invalid_request', 'grant_type is required');

	if (grantType === 'authorization_code') {
		const code = form.get('code');
		const redirectUri = form.get('redirect_uri');
		if (!code) return fail('invalid_request', 'code is required');
		if (!redirectUri) return fail('invalid_request', 'redirect_uri is required');
		const rec = ctx.oauth.codes.get(code);
		if (!rec || rec.clientKey !== form.client.clientKey) {
			return fail('invalid_grant', 'Authorization code is invalid.');
		}
		if (rec.used) return fail('invalid_grant', 'Authorization code has already been used.');
		// Any exchange attempt with valid client credentials burns the code (single use).
		rec.used = true;
		if (ctx.now() >= rec.expiresAt) return fail('invalid_grant', 'Authorization code is expired.');
		if (rec.redirectUri !== redirectUri) return fail('invalid_request', REDIRECT_MISMATCH);
		if (rec.codeChallenge !== null) {
			const verifier = form.get('code_verifier');
			if (!verifier || !CODE_VERIFIER_RE.test(verifier)) return fail('invalid_request', PKCE_ERROR);
			const expected = createHash('sha256').update(verifier).digest('hex');
			if (expected !== rec.codeChallenge) return fail('invalid_request', PKCE_ERROR);
		}
		if (!accountByName(ctx, rec.accountName))
			return fail('invalid_grant', 'The user no longer exists.');
		const grant = createGrant(ctx, rec.clientKey, rec.accountName, rec.scopes);
		const access = newAccessToken(ctx, grant);
		const refresh = newRefreshToken(ctx, grant, ctx.now() + ctx.config.refreshTokenTtlSec * 1000);
		record.outcome = 'ok';
		record.openId = grant.openId;
		return sendJson(res, 200, tokenResponse(ctx, grant, access, refresh));
	}

	if (grantType === 'refresh_token') {
		const token = form.get('refresh_token');
		if (!token) return fail('invalid_request', 'refresh_token is required');
		const rec = ctx.oauth.refresh.get(token);
		if (!rec) return fail('invalid_grant', 'Refresh token is invalid.', 'unknown');
		const grant = ctx.oauth.grants.get(rec.grantId);
		if (!grant) return fail('invalid_grant', 'Refresh token is invalid.', 'unknown');
		record.openId = grant.openId;
		if (grant.clientKey !== form.client.clientKey) {
			return fail('invalid_grant', 'Refresh token was issued to another client.', 'wrong_client');
		}
		if (grant.revoked || rec.state === 'revoked') {
			return fail('invalid_grant', 'Refresh token has been revoked.', 'revoked');
		}
		if (rec.state === 'rotated') {
			return fail(
				'invalid_grant',
				'Refresh token is invalid: a newer refresh token was issued.',
				'rotated',
			);
		}
		if (ctx.now() >= rec.expiresAt)
			return fail('invalid_grant', 'Refresh token is expired.', 'expired');
		record.refreshToken = 'valid';
		if (ctx.config.refreshInvalidatesOldAccessToken) {
			for (const a of ctx.oauth.access.values()) if (a.grantId === grant.id) a.revoked = true;
		}
		const access = newAccessToken(ctx, grant);
		let refresh: { token: string; expiresAt: number } = rec;
		if (ctx.config.rotateRefreshTokens) {
			rec.state = 'rotated';
			const expiresAt =
				ctx.config.refreshTokenExpiry === 'fixed'
					? rec.expiresAt
					: ctx.now() + ctx.config.refreshTokenTtlSec * 1000;
			refresh = newRefreshToken(ctx, grant, expiresAt);
		}
		record.outcome = 'ok';
		const delay = takeFault(ctx, (f) => f.type === 'refreshAnswerDelay', { endpoint: 'token' });
		if (delay?.type === 'refreshAnswerDelay') {
			// The tokens are issued (the old refresh token is already dead); only the answer is late. A client
			// that dies meanwhile never learns the new refresh token.
			ctx.hanging.add(res);
			await new Promise((resolve) => setTimeout(resolve, delay.ms));
			ctx.hanging.delete(res);
			if (res.destroyed) return;
		}
		return sendJson(res, 200, tokenResponse(ctx, grant, access, refresh));
	}

	return fail('unsupported_grant_type', `grant_type ${grantType} is not supported`);
}

export async function handleRevoke(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
): Promise<void> {
	const record = newTokenRecord(ctx, req, url, 'revoke');
	const form = await readClientForm(ctx, req, res, url, record);
	if (!form) return;
	const token = form.get('token');
	if (!token) {
		record.outcome = 'invalid_request';
		return sendOAuthError(ctx, res, 'invalid_request', 'token is required');
	}
	const rec = ctx.oauth.access.get(token);
	const grant = rec ? ctx.oauth.grants.get(rec.grantId) : undefined;
	if (!rec || !grant) {
		// RFC 7009: an unknown token is not an error; recorded so tests can tell.
		record.outcome = 'unknown_token';
		return sendJson(res, 200, {});
	}
	if (grant.clientKey !== form.client.clientKey) {
		record.outcome = 'invalid_request';
		return sendOAuthError(ctx, res, 'invalid_request', 'The token was not issued to this client.');
	}
	// The app leaves the user's connected apps: the whole grant (access and refresh tokens) dies.
	grant.revoked = true;
	record.outcome = 'ok';
	record.openId = grant.openId;
	sendJson(res, 200, {});
	// Reason 5: the developer revoked the authorization (tokens are dead before the event leaves).
	emitEvent(ctx, grant.clientKey, 'authorization.removed', grant.openId, { reason: 5 });
}
