/**
 * The one module that presents a refresh token to TikTok: TikTok's exact refresh request (`client_key` in the
 * form body), the in-process cache that makes concurrent renewals share one request, the refresh tokens TikTok
 * refused in this process (never presented twice), and both credentials' `preAuthentication`. Which token a call
 * uses and where a renewal is saved is `session.ts` (docs/decisions/credential-refresh.md). Nothing under
 * nodes/TikTokTrigger/ reaches this module (test/unit/architecture.test.mts).
 */
import type { IDataObject } from 'n8n-workflow';

import { networkFailed, refreshRefused } from '../helpers/errors';
import type { FullResponse, HttpHelper } from './http';
import { refuseRedirect, sendRequest } from './http';
import type { TikTokApp } from './token';
import {
	apiBaseUrl,
	appOf,
	isLeaseActive,
	needsRenewal,
	readStore,
	storeRecord,
	tokenDataOf,
} from './token';

/** How many refresh results (and refused refresh tokens) the process remembers. */
export const MAX_REMEMBERED_REFRESHES = 200;

/**
 * Refreshes in flight or done in this process, keyed by API base URL + client key + the refresh token they used
 * (two credentials never receive each other's tokens). TikTok rotates refresh tokens, so a second refresh with
 * the same (now dead) token would fail: every later caller holding it gets the first refresh's result instead.
 * Bounded: the oldest links are forgotten first.
 */
const refreshes = new Map<string, Promise<IDataObject>>();

function cacheKey(app: TikTokApp, refreshToken: string): string {
	return `${app.apiBaseUrl}\n${app.clientKey}\n${refreshToken}`;
}

function remember(key: string, refresh: Promise<IDataObject>): void {
	refreshes.delete(key);
	refreshes.set(key, refresh);
	for (const oldest of refreshes.keys()) {
		if (refreshes.size <= MAX_REMEMBERED_REFRESHES) break;
		refreshes.delete(oldest);
	}
}

/**
 * Refresh tokens TikTok refused (`invalid_grant`) in this process, same keys: a dead grant costs one round trip,
 * and its refresh token is never presented again. Bounded like `refreshes`.
 */
const refused = new Set<string>();

/** Whether TikTok already refused `refreshToken` in this process. */
export function wasRefused(app: TikTokApp, refreshToken: string): boolean {
	return refused.has(cacheKey(app, refreshToken));
}

function rememberRefused(key: string): void {
	refused.add(key);
	for (const oldest of refused) {
		if (refused.size <= MAX_REMEMBERED_REFRESHES) break;
		refused.delete(oldest);
	}
}

/** For tests: forget the in-process refresh results and refused tokens. */
export function clearRefreshCache(): void {
	refreshes.clear();
	refused.clear();
}

/** For tests: how many refresh results the process remembers. */
export function rememberedRefreshes(): number {
	return refreshes.size;
}

/**
 * The newest token this process knows for `tokenData`'s chain, without asking TikTok: follows the refreshes
 * already made from its refresh token (and from theirs).
 */
export async function newestKnown(app: TikTokApp, tokenData: IDataObject): Promise<IDataObject> {
	let current = tokenData;
	for (let link = 0; link <= MAX_REMEMBERED_REFRESHES; link++) {
		const known = refreshes.get(cacheKey(app, String(current.refresh_token)));
		const next = known && (await known.catch(() => undefined));
		if (!next || next === current) return current;
		const rotated = next.refresh_token !== current.refresh_token;
		current = next;
		if (!rotated) return current;
	}
	return current;
}

/**
 * TikTok's refresh (`grant_type=refresh_token` with `client_key` and `client_secret` in the form body) of
 * `tokenData`, single-flight per refresh token. A caller whose token was already renewed in this process gets
 * the newest token instead; a refresh is made only when that one still needs renewal (`rejectedAccessToken`:
 * TikTok refused it), so calling this again with the result is harmless. A refresh token TikTok refused in this
 * process fails at once, without a request.
 */
export async function renewToken(
	http: HttpHelper,
	app: TikTokApp,
	tokenData: IDataObject,
	rejectedAccessToken?: string,
): Promise<IDataObject> {
	const current = await newestKnown(app, tokenData);
	if (!needsRenewal(current, rejectedAccessToken)) return current;
	const refreshToken = String(current.refresh_token);
	const key = cacheKey(app, refreshToken);
	if (refused.has(key)) throw refreshRefused('invalid_grant');
	const inFlight = refreshes.get(key);
	if (inFlight) {
		// Another caller started renewing this very token meanwhile: share its answer (or its failure).
		const shared = await inFlight;
		if (!needsRenewal(shared, rejectedAccessToken)) return shared;
	}
	const refresh = postRefreshRequest(http, app, current, refreshToken);
	remember(key, refresh);
	// A failed refresh must not be remembered: the next caller may try again, unless TikTok refused the token.
	refresh.catch((error: { details?: { code?: string } }) => {
		if (refreshes.get(key) === refresh) refreshes.delete(key);
		if (error?.details?.code === 'invalid_grant') rememberRefused(key);
	});
	return await refresh;
}

interface TikTokTokenResponse extends IDataObject {
	access_token?: string;
	refresh_token?: string;
	expires_in?: number;
	refresh_expires_in?: number;
	error?: string;
	error_description?: string;
	log_id?: string;
}

async function postRefreshRequest(
	http: HttpHelper,
	app: TikTokApp,
	tokenData: IDataObject,
	refreshToken: string,
): Promise<IDataObject> {
	const form = new URLSearchParams({
		client_key: app.clientKey,
		client_secret: app.clientSecret,
		grant_type: 'refresh_token',
		refresh_token: refreshToken,
	});
	const url = `${app.apiBaseUrl}/v2/oauth/token/`;
	const sent = await sendRequest<FullResponse>(http, {
		method: 'POST',
		url,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: form.toString(),
		json: false,
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// The body holds the client secret and the refresh token: a followed 307 would send them on.
		disableFollowRedirect: true,
		timeout: 30_000,
	});
	if (!sent.ok) throw networkFailed('token', url, sent.failure);
	refuseRedirect('token', url, sent.response);
	const response = parseTokenResponse(sent.response.body);
	// TikTok may answer errors with HTTP 200: the `error` field decides.
	if (response.error || !response.access_token)
		throw refreshRefused(String(response.error || 'invalid_response'), response.log_id);
	const now = Date.now();
	const fresh: IDataObject = { ...response };
	for (const key of ['error', 'error_description', 'log_id']) delete fresh[key];
	const refreshed: IDataObject = { ...tokenData, ...fresh };
	// Lifetimes come from TikTok's answer, never from a constant: 2 h / 180 days today, 24 h / 365 days before.
	if (Number(fresh.expires_in) > 0)
		refreshed.n8n_expires_at = String(now + Number(fresh.expires_in) * 1000);
	else delete refreshed.n8n_expires_at;
	if (Number(fresh.refresh_expires_in) > 0) {
		refreshed.refresh_expires_at = String(now + Number(fresh.refresh_expires_in) * 1000);
	}
	return refreshed;
}

function parseTokenResponse(body: unknown): TikTokTokenResponse {
	if (typeof body !== 'string') return (body ?? {}) as TikTokTokenResponse;
	try {
		return JSON.parse(body) as TikTokTokenResponse;
	} catch {
		return { error: 'invalid_response', error_description: body.slice(0, 200) };
	}
}

/**
 * The Token Store's `preAuthentication`. n8n runs it when the store's `savedAt` is empty (the node asks for a
 * save that way), for the credential's Test button, and again after a 401; n8n then saves every key it returns
 * into the store selected in the node. It renews the chain only when it needs renewal, no node holds the renewal
 * lease, and TikTok has not refused the refresh token, so a rerun is harmless and the node's own writes (the
 * lease, a refused token) are saved as given. An empty store returns nothing, and n8n saves nothing.
 */
export async function preAuthenticateStore(
	http: HttpHelper,
	credentials: IDataObject,
): Promise<IDataObject> {
	const state = readStore(credentials);
	const tokenData = state.tokens;
	if (!tokenData?.refresh_token || !credentials.clientSecret) return {};
	const app = appOf(credentials);
	const asGiven =
		isLeaseActive(state.lease) || state.refusedRefreshToken === tokenData.refresh_token;
	const current =
		!asGiven && needsRenewal(tokenData) ? await renewToken(http, app, tokenData) : tokenData;
	const owner = state.owner ?? { credentialId: '', credentialName: '', openId: '', grant: '' };
	return storeRecord(app, owner, current, new Date().toISOString(), {
		lease: current === tokenData ? state.lease : undefined,
		refusedRefreshToken: current === tokenData ? state.refusedRefreshToken : undefined,
	});
}

/**
 * The OAuth2 credential's `preAuthentication` (n8n 2.x runs it before its Test button and n8n's HTTP Request
 * node sign a request): the newest token this process knows for the connection, never a refresh. A refresh made
 * here could not be saved, and under rotation it would kill the stored refresh token.
 */
export async function preAuthenticateConnection(credentials: IDataObject): Promise<IDataObject> {
	apiBaseUrl(credentials); // refuses an http:// API URL before n8n signs a request to it
	const tokenData = tokenDataOf(credentials);
	if (!tokenData?.refresh_token) return {};
	const newest = await newestKnown(appOf(credentials), tokenData);
	return newest === tokenData ? {} : { oauthTokenData: newest };
}
