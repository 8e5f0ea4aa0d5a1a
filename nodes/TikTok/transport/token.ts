/**
 * TikTok's token rules and what a Token Store holds, without any network call: when a token needs renewing,
 * and the store's record (its chain, the grant and account it belongs to, the renewal lease, a refused refresh
 * token). Renewing is `renewal.ts`, the one module that may present a refresh token to TikTok; the trigger
 * imports this module but never that one (test/unit/architecture.test.mts).
 */
import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { insecureUrl } from '../helpers/errors';
import { isHttpsOrLoopback } from '../helpers/urls';

export const CREDENTIAL_TYPE = 'tikTokOAuth2Api';
/** The companion credential n8n saves renewed tokens into (credentials/TikTokTokenStoreApi.credentials.ts). */
export const STORE_CREDENTIAL_TYPE = 'tikTokTokenStoreApi';
/** The Token Store's hidden `typeOptions.expirable` field: empty means "save what preAuthentication returns". */
export const STORE_SAVED_AT = 'savedAt';
/** The Token Store's hidden password field with the newest tokens (TikTok's token JSON + expiry times). */
export const STORE_TOKENS = 'tokens';
export const DEFAULT_API_BASE_URL = 'https://open.tiktokapis.com';

/** Refresh this long before TikTok's expiry so a request never leaves with a token about to die. */
export const REFRESH_MARGIN_MS = 60_000;

/** The TikTok app a token belongs to: where its API lives and its client key and secret. */
export interface TikTokApp {
	apiBaseUrl: string;
	clientKey: string;
	clientSecret: string;
}

/**
 * Where TikTok's API lives for this credential (an emulator in tests), without a trailing slash. Refused unless
 * https (or http to this machine): every request to it carries the client secret or a token.
 */
export function apiBaseUrl(credentials: IDataObject): string {
	const url = String(credentials.apiBaseUrl || DEFAULT_API_BASE_URL).replace(/\/+$/, '');
	if (!isHttpsOrLoopback(url)) throw insecureUrl('TikTok API URL', url, DEFAULT_API_BASE_URL);
	return url;
}

/**
 * An n8n expression for `base` (an expression yielding a URL) + `path` when the URL is https or on this machine
 * (a local emulator); otherwise a `.invalid` address (RFC 6761: never resolves), so n8n's Connect flow and the
 * Test button send nothing in clear and fail naming the rule. The node refuses the same URLs with a full
 * message (`insecure_url`, transport/token.ts).
 */
export function secureUrlExpression(base: string, path: string, refusal: string): string {
	const url = `${base}.replace(/\\/+$/, "")`;
	return `={{ /^(https:\\/\\/|http:\\/\\/(localhost|127\\.\\d+\\.\\d+\\.\\d+|\\[::1\\])(:\\d+)?(\\/|$))/i.test(${base}) ? ${url} + "${path}" : "https://${refusal}.invalid${path}" }}`;
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

/** Which OAuth2 credential (and account) a Token Store's chain started from: a store belongs to one grant. */
export interface StoreOwner {
	credentialId: string;
	credentialName: string;
	/** The account's `open_id` from the grant, when TikTok gave one. */
	openId: string;
	/** The OAuth2 credential's refresh token when the chain started: a Reconnect changes it. */
	grant: string;
}

/**
 * A short claim written into the store before a renewal and confirmed by re-reading it: the process holding it
 * presents the refresh token; every other process waits for its save instead of presenting the same token.
 */
export interface RenewalLease {
	holder: string;
	/** Epoch ms after which the claim is void (its holder died, or its renewal outlived the refresh timeout). */
	until: number;
}

/** What a Token Store holds, read. */
export interface StoreState {
	owner?: StoreOwner;
	tokens?: IDataObject;
	lease?: RenewalLease;
	/** A refresh token TikTok refused (`invalid_grant`): no process presents it again. */
	refusedRefreshToken?: string;
}

/** A store's record, read: everything but the app and the save time. */
export function readStore(store: IDataObject | undefined): StoreState {
	const text = (key: string) => (typeof store?.[key] === 'string' ? (store[key] as string) : '');
	const owner: StoreOwner | undefined = text('credentialId')
		? {
				credentialId: text('credentialId'),
				credentialName: text('credentialName'),
				openId: text('openId'),
				grant: text('grantRefreshToken'),
			}
		: text('grantRefreshToken')
			? // A chain saved before stores recorded their credential: adopted by the first credential that uses it.
				{ credentialId: '', credentialName: '', openId: '', grant: text('grantRefreshToken') }
			: undefined;
	let lease: RenewalLease | undefined;
	try {
		const parsed = text('lease') ? (JSON.parse(text('lease')) as Partial<RenewalLease>) : {};
		if (typeof parsed.holder === 'string' && typeof parsed.until === 'number')
			lease = { holder: parsed.holder, until: parsed.until };
	} catch {
		lease = undefined;
	}
	return {
		owner,
		tokens: storedTokensOf(store),
		lease,
		refusedRefreshToken: text('refusedRefreshToken') || undefined,
	};
}

/** Whether `lease` is still in force at `now`. */
export function isLeaseActive(lease: RenewalLease | undefined, now = Date.now()): boolean {
	return lease !== undefined && lease.until > now;
}

/**
 * What the Token Store holds: the app (so n8n can renew the chain on its own, e.g. for the Test button), the
 * credential, account and grant the chain started from, the newest tokens, the renewal lease and a refused refresh
 * token (both empty when none), and the time they were saved (the expirable field).
 */
export function storeRecord(
	app: TikTokApp,
	owner: StoreOwner,
	tokenData: IDataObject,
	savedAt: string,
	marks: { lease?: RenewalLease; refusedRefreshToken?: string } = {},
): IDataObject {
	return {
		clientId: app.clientKey,
		clientSecret: app.clientSecret,
		apiBaseUrl: app.apiBaseUrl,
		credentialId: owner.credentialId,
		credentialName: owner.credentialName,
		openId: owner.openId,
		grantRefreshToken: owner.grant,
		// A password field holding JSON, not `oauthTokenData`: n8n hands the editor `oauthTokenData: true`, so the
		// Test button would get no tokens back; a password field is blanked for the editor and restored for tests.
		[STORE_TOKENS]: JSON.stringify(tokenData),
		lease: marks.lease ? JSON.stringify(marks.lease) : '',
		refusedRefreshToken: marks.refusedRefreshToken ?? '',
		[STORE_SAVED_AT]: savedAt,
	};
}

/**
 * `webhookMethods` of a webhook node whose URL is registered nowhere (the user pastes it into TikTok's portal, or
 * the node hands out signed links itself): activation only checks that the credential has the Client Secret
 * the node signs or verifies with; `why` says what it is used for.
 */
export function clientSecretWebhookMethods(why: string) {
	return {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const credentials = await this.getCredentials(CREDENTIAL_TYPE);
				if (!credentials.clientSecret) {
					throw new NodeOperationError(
						this.getNode(),
						'The TikTok credential has no Client Secret',
						{
							description: `${why}: add it to the credential.`,
						},
					);
				}
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};
}
