import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import { OAUTH_ERRORS } from './errorMap';
import { settle } from './settle';

export type HttpRequester = (request: IHttpRequestOptions) => Promise<unknown>;

/** Refresh this long before TikTok's expiry so a request never leaves with a token about to die. */
export const REFRESH_MARGIN_MS = 60_000;

export class TokenRefreshError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly description: string,
		readonly logId?: string,
	) {
		super(message);
	}
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

/**
 * Refreshes in flight or done in this process, keyed by the refresh token they used. TikTok rotates refresh
 * tokens, so a second refresh with the same (now dead) token would fail: every later caller holding the old
 * token gets the result of the first refresh instead.
 */
const refreshes = new Map<string, { promise: Promise<IDataObject> }>();

export function tokenEndpoint(credentials: IDataObject): string {
	const base = String(credentials.apiBaseUrl || 'https://open.tiktokapis.com').replace(/\/+$/, '');
	return `${base}/v2/oauth/token/`;
}

export function expiresAt(tokenData: IDataObject): number | undefined {
	const stored = Number(tokenData.n8n_expires_at);
	return Number.isFinite(stored) && stored > 0 ? stored : undefined;
}

/**
 * TikTok's refresh (`grant_type=refresh_token` with `client_key` and `client_secret` in the form body) when
 * the stored access token is expired or about to be. Returns `{ oauthTokenData }` to use, or `{}`.
 */
export async function refreshIfExpiring(
	request: HttpRequester,
	credentials: IDataObject,
	now = Date.now(),
): Promise<IDataObject> {
	const tokenData = credentials.oauthTokenData as IDataObject | undefined;
	if (!tokenData || typeof tokenData !== 'object' || !tokenData.refresh_token) return {};
	if (expiresAt(tokenData) !== undefined && !isExpiring(tokenData, now)) return {};
	return { oauthTokenData: await refreshOnce(request, credentials, tokenData, now) };
}

async function refreshOnce(
	request: HttpRequester,
	credentials: IDataObject,
	tokenData: IDataObject,
	now: number,
): Promise<IDataObject> {
	const refreshToken = String(tokenData.refresh_token);
	const known = refreshes.get(refreshToken);
	if (known) {
		const refreshed = await known.promise;
		if (refreshed.refresh_token !== refreshToken) {
			// Rotated: the old token is dead, so carry on from the newest one we hold.
			return await refreshIfStale(request, credentials, refreshed, now);
		}
		if (!isExpiring(refreshed, now)) return refreshed;
		refreshes.delete(refreshToken);
	}
	const entry = { promise: requestRefresh(request, credentials, tokenData, refreshToken) };
	refreshes.set(refreshToken, entry);
	// A failed refresh must not be remembered: the next caller may try again.
	entry.promise.catch(() => refreshes.delete(refreshToken));
	return await entry.promise;
}

/** Expired, or close enough that a request could outlive it (a quarter of its life, at most a minute). */
function isExpiring(tokenData: IDataObject, now: number): boolean {
	const expiry = expiresAt(tokenData);
	if (expiry === undefined) return false;
	const lifetimeMs = Number(tokenData.expires_in) * 1000;
	const margin = lifetimeMs > 0 ? Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4) : REFRESH_MARGIN_MS;
	return now + margin >= expiry;
}

async function refreshIfStale(
	request: HttpRequester,
	credentials: IDataObject,
	tokenData: IDataObject,
	now: number,
): Promise<IDataObject> {
	if (!isExpiring(tokenData, now)) return tokenData;
	return await refreshOnce(request, credentials, tokenData, now);
}

async function requestRefresh(
	request: HttpRequester,
	credentials: IDataObject,
	tokenData: IDataObject,
	refreshToken: string,
): Promise<IDataObject> {
	const form = new URLSearchParams({
		client_key: String(credentials.clientId ?? ''),
		client_secret: String(credentials.clientSecret ?? ''),
		grant_type: 'refresh_token',
		refresh_token: refreshToken,
	});
	const raw = await settle(request({
		method: 'POST',
		url: tokenEndpoint(credentials),
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: form.toString(),
		json: false,
		encoding: 'text',
		ignoreHttpStatusErrors: true,
		timeout: 30_000,
	}));
	if (!raw.ok) {
		throw new TokenRefreshError(
			'refresh_unreachable',
			'Could not reach TikTok to renew the access token',
			`Check the server's internet connection and try again. (${(raw.error as Error).message})`,
		);
	}
	const response = parseTokenResponse(raw.value);
	// TikTok may answer errors with HTTP 200: the `error` field decides.
	if (response.error || !response.access_token) {
		const code = String(response.error || 'invalid_response');
		const advice = OAUTH_ERRORS[code] ?? OAUTH_ERRORS.invalid_grant;
		throw new TokenRefreshError(code, advice.message, advice.description, response.log_id);
	}
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

/** For tests: forget the in-process refresh results. */
export function clearRefreshCache(): void {
	refreshes.clear();
}
