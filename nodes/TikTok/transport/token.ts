/**
 * The access token: read from the credential, renewed with TikTok's exact refresh request when it is expiring,
 * and the in-process cache that makes concurrent renewals share one request.
 *
 * The node signs its own requests instead of leaving it to n8n: n8n 1.x never runs the credential's
 * `preAuthentication` for OAuth2 credentials and its own refresh omits `client_key`, which TikTok requires
 * (docs/decisions/credential-refresh.md). The credential's `preAuthentication` calls `refreshIfExpiring` too.
 */
import type { IDataObject } from 'n8n-workflow';

import { apiError, refreshRefused, refreshUnreachable } from '../helpers/errors';
import type { HttpHelper, TikTokContext } from './http';
import { failureMessage, send } from './http';

export const CREDENTIAL_TYPE = 'tikTokOAuth2Api';
export const DEFAULT_API_BASE_URL = 'https://open.tiktokapis.com';

/** Refresh this long before TikTok's expiry so a request never leaves with a token about to die. */
export const REFRESH_MARGIN_MS = 60_000;

/** Where TikTok's API lives for this credential (an emulator in tests), without a trailing slash. */
export function apiBaseUrl(credentials: IDataObject): string {
	return String(credentials.apiBaseUrl || DEFAULT_API_BASE_URL).replace(/\/+$/, '');
}

/** The access token to send, renewed first when it is expiring. */
export async function accessToken(ctx: TikTokContext): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const renewed = await refreshIfExpiring(ctx, credentials);
	const tokenData = (renewed.oauthTokenData ?? credentials.oauthTokenData) as IDataObject | undefined;
	if (!tokenData?.access_token) throw apiError('access_token_invalid', 'The TikTok credential is not connected yet');
	return String(tokenData.access_token);
}

/**
 * Refreshes in flight or done in this process, keyed by the refresh token they used. TikTok rotates refresh
 * tokens, so a second refresh with the same (now dead) token would fail: every later caller holding the old
 * token gets the result of the first refresh instead.
 */
const refreshes = new Map<string, Promise<IDataObject>>();

/** For tests: forget the in-process refresh results. */
export function clearRefreshCache(): void {
	refreshes.clear();
}

function expiresAt(tokenData: IDataObject): number | undefined {
	const stored = Number(tokenData.n8n_expires_at);
	return Number.isFinite(stored) && stored > 0 ? stored : undefined;
}

/** Expired, or close enough that a request could outlive it (a quarter of its life, at most a minute). */
function isExpiring(tokenData: IDataObject, now: number): boolean {
	const expiry = expiresAt(tokenData);
	if (expiry === undefined) return false;
	const lifetimeMs = Number(tokenData.expires_in) * 1000;
	const margin = lifetimeMs > 0 ? Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4) : REFRESH_MARGIN_MS;
	return now + margin >= expiry;
}

/**
 * TikTok's refresh (`grant_type=refresh_token` with `client_key` and `client_secret` in the form body) when
 * the stored access token is expired or about to be. Returns `{ oauthTokenData }` to use, or `{}`.
 */
export async function refreshIfExpiring(http: HttpHelper, credentials: IDataObject, now = Date.now()): Promise<IDataObject> {
	const tokenData = credentials.oauthTokenData as IDataObject | undefined;
	if (!tokenData || typeof tokenData !== 'object' || !tokenData.refresh_token) return {};
	if (expiresAt(tokenData) !== undefined && !isExpiring(tokenData, now)) return {};
	return { oauthTokenData: await refreshOnce(http, credentials, tokenData, now) };
}

async function refreshOnce(http: HttpHelper, credentials: IDataObject, tokenData: IDataObject, now: number): Promise<IDataObject> {
	const refreshToken = String(tokenData.refresh_token);
	const known = refreshes.get(refreshToken);
	if (known) {
		const refreshed = await known;
		if (refreshed.refresh_token !== refreshToken) {
			// Rotated: the old token is dead, so carry on from the newest one we hold.
			return isExpiring(refreshed, now) ? await refreshOnce(http, credentials, refreshed, now) : refreshed;
		}
		if (!isExpiring(refreshed, now)) return refreshed;
		refreshes.delete(refreshToken);
	}
	const refresh = requestRefresh(http, credentials, tokenData, refreshToken);
	refreshes.set(refreshToken, refresh);
	// A failed refresh must not be remembered: the next caller may try again.
	refresh.catch(() => refreshes.delete(refreshToken));
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

async function requestRefresh(http: HttpHelper, credentials: IDataObject, tokenData: IDataObject, refreshToken: string): Promise<IDataObject> {
	const form = new URLSearchParams({
		client_key: String(credentials.clientId ?? ''),
		client_secret: String(credentials.clientSecret ?? ''),
		grant_type: 'refresh_token',
		refresh_token: refreshToken,
	});
	const sent = await send<unknown>(http, {
		method: 'POST',
		url: `${apiBaseUrl(credentials)}/v2/oauth/token/`,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: form.toString(),
		json: false,
		encoding: 'text',
		ignoreHttpStatusErrors: true,
		timeout: 30_000,
	});
	if (!sent.ok) throw refreshUnreachable(failureMessage(sent.failure));
	const response = parseTokenResponse(sent.response);
	// TikTok may answer errors with HTTP 200: the `error` field decides.
	if (response.error || !response.access_token) throw refreshRefused(String(response.error || 'invalid_response'), response.log_id);
	const now = Date.now();
	const fresh: IDataObject = { ...response };
	for (const key of ['error', 'error_description', 'log_id']) delete fresh[key];
	const refreshed: IDataObject = { ...tokenData, ...fresh };
	if (Number(fresh.expires_in) > 0) refreshed.n8n_expires_at = String(now + Number(fresh.expires_in) * 1000);
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
