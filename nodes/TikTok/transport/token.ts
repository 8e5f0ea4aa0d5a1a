/**
 * TikTok's token rules, shared by the node and both credentials: when a token needs renewing, TikTok's exact
 * refresh request (`client_key` in the form body), and the in-process cache that makes concurrent renewals
 * share one request. What is stored where, and when it is saved, is `session.ts` (the node) and the Token Store
 * credential's `preAuthentication` below (docs/decisions/credential-refresh.md).
 */
import type { IDataObject } from 'n8n-workflow';

import { networkFailed, refreshRefused } from '../helpers/errors';
import type { FullResponse, HttpHelper } from './http';
import { refuseRedirect, sendRequest } from './http';

export const CREDENTIAL_TYPE = 'tikTokOAuth2Api';
/** The companion credential n8n saves renewed tokens into (credentials/TikTokTokenStore.credentials.ts). */
export const STORE_CREDENTIAL_TYPE = 'tikTokTokenStoreApi';
/** The Token Store's hidden `typeOptions.expirable` field: empty means "save what preAuthentication returns". */
export const STORE_SAVED_AT = 'savedAt';
/** The Token Store's hidden password field with the newest tokens (TikTok's token JSON + expiry times). */
export const STORE_TOKENS = 'tokens';
export const DEFAULT_API_BASE_URL = 'https://open.tiktokapis.com';

/** Refresh this long before TikTok's expiry so a request never leaves with a token about to die. */
export const REFRESH_MARGIN_MS = 60_000;
/** How many refresh results the process remembers (each is one link of a rotation chain). */
export const MAX_REMEMBERED_REFRESHES = 200;

/** The TikTok app a token belongs to: where its API lives and its client key and secret. */
export interface TikTokApp {
	apiBaseUrl: string;
	clientKey: string;
	clientSecret: string;
}

/** Where TikTok's API lives for this credential (an emulator in tests), without a trailing slash. */
export function apiBaseUrl(credentials: IDataObject): string {
	return String(credentials.apiBaseUrl || DEFAULT_API_BASE_URL).replace(/\/+$/, '');
}

/** The app of a credential (the OAuth2 credential or the Token Store: both use n8n's `clientId` name). */
export function appOf(credentials: IDataObject): TikTokApp {
	return {
		apiBaseUrl: apiBaseUrl(credentials),
		clientKey: String(credentials.clientId ?? ''),
		clientSecret: String(credentials.clientSecret ?? ''),
	};
}

/** The newest tokens a Token Store holds, or undefined when it is empty. */
export function storedTokensOf(store: IDataObject | undefined): IDataObject | undefined {
	const raw = store?.[STORE_TOKENS];
	if (typeof raw !== 'string' || !raw.startsWith('{')) return undefined;
	try {
		return tokenDataOf({ oauthTokenData: JSON.parse(raw) as IDataObject });
	} catch {
		return undefined;
	}
}

/** A credential's token data (`oauthTokenData`), or undefined when it holds none. */
export function tokenDataOf(credentials: IDataObject | undefined): IDataObject | undefined {
	const tokenData = credentials?.oauthTokenData;
	return tokenData && typeof tokenData === 'object' && (tokenData as IDataObject).access_token
		? (tokenData as IDataObject)
		: undefined;
}

function expiresAt(tokenData: IDataObject): number | undefined {
	const stored = Number(tokenData.n8n_expires_at);
	return Number.isFinite(stored) && stored > 0 ? stored : undefined;
}

/**
 * Expired, or close enough that a request could outlive it (a quarter of its life, at most a minute). A token
 * whose expiry is unknown (n8n 1.x stores none after Connect) is used until TikTok rejects it.
 */
export function isExpiring(tokenData: IDataObject, now = Date.now()): boolean {
	const expiry = expiresAt(tokenData);
	if (expiry === undefined) return false;
	const lifetimeMs = Number(tokenData.expires_in) * 1000;
	const margin = lifetimeMs > 0 ? Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4) : REFRESH_MARGIN_MS;
	return now + margin >= expiry;
}

/** Whether `tokenData` must be renewed before use: it is expiring, or TikTok just rejected its access token. */
export function needsRenewal(
	tokenData: IDataObject,
	rejectedAccessToken?: string,
	now = Date.now(),
): boolean {
	return (
		isExpiring(tokenData, now) ||
		(rejectedAccessToken !== undefined && tokenData.access_token === rejectedAccessToken)
	);
}

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

/** For tests: forget the in-process refresh results. */
export function clearRefreshCache(): void {
	refreshes.clear();
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
 * TikTok refused it), so calling this again with the result is harmless.
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
	const inFlight = refreshes.get(key);
	if (inFlight) {
		// Another caller started renewing this very token meanwhile: share its answer (or its failure).
		const shared = await inFlight;
		if (!needsRenewal(shared, rejectedAccessToken)) return shared;
	}
	const refresh = postRefreshRequest(http, app, current, refreshToken);
	remember(key, refresh);
	// A failed refresh must not be remembered: the next caller may try again.
	refresh.catch(() => {
		if (refreshes.get(key) === refresh) refreshes.delete(key);
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
 * What the Token Store holds: the app (so n8n can renew the chain on its own, e.g. for the Test button), the
 * grant the chain started from (the OAuth2 credential's refresh token at that time: a Reconnect changes it), the
 * newest tokens, and the time they were saved (the expirable field).
 */
export function storeRecord(
	app: TikTokApp,
	grant: string,
	tokenData: IDataObject,
	savedAt: string,
): IDataObject {
	return {
		clientId: app.clientKey,
		clientSecret: app.clientSecret,
		apiBaseUrl: app.apiBaseUrl,
		grantRefreshToken: grant,
		// A password field holding JSON, not `oauthTokenData`: n8n hands the editor `oauthTokenData: true`, so the
		// Test button would get no tokens back; a password field is blanked for the editor and restored for tests.
		[STORE_TOKENS]: JSON.stringify(tokenData),
		[STORE_SAVED_AT]: savedAt,
	};
}

/**
 * The Token Store's `preAuthentication`. n8n runs it when the store's `savedAt` is empty (the node asks for a
 * save that way), for the credential's Test button, and again after a 401; n8n then saves every key it returns
 * into the store selected in the node. It renews the chain only when it needs renewal, so a rerun is harmless.
 * An empty store returns nothing, and n8n saves nothing.
 */
export async function preAuthenticateStore(
	http: HttpHelper,
	credentials: IDataObject,
): Promise<IDataObject> {
	const tokenData = storedTokensOf(credentials);
	if (!tokenData?.refresh_token || !credentials.clientSecret) return {};
	const app = appOf(credentials);
	const current = needsRenewal(tokenData) ? await renewToken(http, app, tokenData) : tokenData;
	return storeRecord(
		app,
		String(credentials.grantRefreshToken ?? ''),
		current,
		new Date().toISOString(),
	);
}

/**
 * The OAuth2 credential's `preAuthentication` (n8n 2.x runs it before its Test button and n8n's HTTP Request
 * node sign a request): the newest token this process knows for the connection, never a refresh. A refresh made
 * here could not be saved, and under rotation it would kill the stored refresh token.
 */
export async function preAuthenticateConnection(credentials: IDataObject): Promise<IDataObject> {
	const tokenData = tokenDataOf(credentials);
	if (!tokenData?.refresh_token) return {};
	const newest = await newestKnown(appOf(credentials), tokenData);
	return newest === tokenData ? {} : { oauthTokenData: newest };
}
