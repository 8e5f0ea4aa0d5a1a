/**
 * Every signed call to TikTok's JSON API: which token to use, when to renew it, and where the renewed token is
 * kept so the next process (a restart, another queue-mode worker) finds it.
 *
 * - With a **TikTok Token Store** credential selected in the node: the store holds the newest tokens of the
 *   chain that started from the OAuth2 credential's grant. A renewal is saved by n8n into the store before the
 *   request it was made for is sent (`saveCredentialThenSend` → the store's `preAuthentication`), under a
 *   per-store lock in the process. A renewal another worker won is recovered by re-reading the store.
 *   After a Reconnect the OAuth2 credential holds a new grant, and the stored chain of the old grant is ignored.
 * - Without one: as before, the renewed token lives in this process only, and the node says once what to do.
 *
 * The node signs its own requests instead of leaving it to n8n: n8n 1.x never runs an OAuth2 credential's
 * `preAuthentication` and n8n's own refresh omits `client_key` (docs/decisions/credential-refresh.md).
 */
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestOptions,
	INodeCredentialsDetails,
} from 'n8n-workflow';

import { TOKEN_STORE_ENGINE_V2_HINT, TOKEN_STORE_MISSING_HINT } from '../helpers/errorMap';
import type { TikTokError } from '../helpers/errors';
import { apiError, isTikTokError, withTokenStoreStep } from '../helpers/errors';
import type { FullResponse, HttpOutcome, TikTokContext } from './http';
import { failureMessage, pause, sendRequest, saveCredentialThenSend } from './http';
import type { TikTokApp } from './token';
import {
	CREDENTIAL_TYPE,
	STORE_CREDENTIAL_TYPE,
	appOf,
	needsRenewal,
	renewToken,
	storeRecord,
	storedTokensOf,
	tokenDataOf,
} from './token';

/** How long a worker that lost a renewal race waits for the winner's save to appear in the store. */
export const LOST_RACE_WAIT_MS = 10_000;

/** A signed request's answer and the access token it carried (to tell TikTok's rejection of exactly that one). */
export interface SignedCallResult {
	outcome: HttpOutcome<FullResponse>;
	accessToken: string;
}

/** Per-store locks: one renewal-and-save at a time per Token Store in this process. */
const locks = new Map<string, Promise<unknown>>();
/** Connections already told (once per process) that their renewed tokens live only in memory. */
const told = new Set<string>();

async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
	const previous = locks.get(key) ?? Promise.resolve();
	const run = previous.then(work, work);
	const tail = run.catch(() => undefined);
	locks.set(key, tail);
	void tail.then(() => {
		if (locks.get(key) === tail) locks.delete(key);
	});
	return await run;
}

function withBearer(request: IHttpRequestOptions, accessToken: string): IHttpRequestOptions {
	return { ...request, headers: { ...request.headers, Authorization: `Bearer ${accessToken}` } };
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: TikTokError };

async function settle<T>(work: Promise<T>): Promise<Outcome<T>> {
	return await work.then(
		(value) => ({ ok: true as const, value }),
		(error: TikTokError) => ({ ok: false as const, error }),
	);
}

/**
 * Sends `request` to TikTok signed with the connection's access token, renewed first when it is expiring or
 * when TikTok just rejected `rejectedAccessToken`.
 */
export async function sendWithAccessToken(
	ctx: TikTokContext,
	request: IHttpRequestOptions,
	rejectedAccessToken?: string,
): Promise<SignedCallResult> {
	const connection = await ctx.getCredentials(CREDENTIAL_TYPE);
	const grantTokens = tokenDataOf(connection);
	if (!grantTokens)
		throw apiError('access_token_invalid', 'The TikTok credential is not connected yet');
	const app = appOf(connection);
	const store = ctx.getNode().credentials?.[STORE_CREDENTIAL_TYPE];
	if (store?.id) {
		const stored = await withLock(
			`${store.id}`,
			async () => await tokenFromStore(ctx, request, app, grantTokens, store, rejectedAccessToken),
		);
		if ('outcome' in stored) return stored;
		return {
			outcome: await sendRequest(ctx, withBearer(request, stored.accessToken)),
			accessToken: stored.accessToken,
		};
	}
	const renewal = await settle(renewToken(ctx, app, grantTokens, rejectedAccessToken));
	if (!renewal.ok)
		throw isTikTokError(renewal.error, 'invalid_grant')
			? withTokenStoreStep(renewal.error)
			: renewal.error;
	if (renewal.value !== grantTokens)
		tellOnce(
			ctx,
			`${app.apiBaseUrl}\n${app.clientKey}\n${String(grantTokens.refresh_token)}`,
			TOKEN_STORE_MISSING_HINT,
		);
	const accessToken = String(renewal.value.access_token);
	return { outcome: await sendRequest(ctx, withBearer(request, accessToken)), accessToken };
}

/**
 * Under the store's lock: the token to use, and when it had to be renewed, the request already sent together
 * with the save (n8n saves the store, then sends the request).
 */
async function tokenFromStore(
	ctx: TikTokContext,
	request: IHttpRequestOptions,
	app: TikTokApp,
	grantTokens: IDataObject,
	store: INodeCredentialsDetails,
	rejectedAccessToken: string | undefined,
): Promise<SignedCallResult | { accessToken: string }> {
	const grant = String(grantTokens.refresh_token ?? '');
	let current = await readStoredChain(ctx, grant, grantTokens);
	for (const started = Date.now(); ;) {
		if (!needsRenewal(current, rejectedAccessToken))
			return { accessToken: String(current.access_token) };
		const renewal = await settle(renewToken(ctx, app, current, rejectedAccessToken));
		if (renewal.ok)
			return await saveRenewalThenSend(ctx, request, app, grant, renewal.value, store);
		if (!isTikTokError(renewal.error, 'invalid_grant')) throw renewal.error;
		// Lost a race with another process (or the grant is gone): the winner saves its token into the store.
		const presented = current.refresh_token;
		for (;;) {
			current = await readStoredChain(ctx, grant, grantTokens);
			if (current.refresh_token !== presented) break;
			if (Date.now() - started >= LOST_RACE_WAIT_MS) throw renewal.error;
			await pause(ctx, 1000);
		}
		// A newer token than the one TikTok rejected is not the rejected one.
		if (current.access_token !== rejectedAccessToken) rejectedAccessToken = undefined;
	}
}

/** The newest stored tokens of the chain that started from `grant`, else (none yet, or a Reconnect) the grant's. */
async function readStoredChain(
	ctx: TikTokContext,
	grant: string,
	grantTokens: IDataObject,
): Promise<IDataObject> {
	const stored = await ctx.getCredentials(STORE_CREDENTIAL_TYPE);
	const tokens = storedTokensOf(stored);
	return tokens && stored.grantRefreshToken === grant ? tokens : grantTokens;
}

async function saveRenewalThenSend(
	ctx: TikTokContext,
	request: IHttpRequestOptions,
	app: TikTokApp,
	grant: string,
	renewed: IDataObject,
	store: INodeCredentialsDetails,
): Promise<SignedCallResult> {
	const accessToken = String(renewed.access_token);
	// `savedAt: ''` makes n8n run the store's preAuthentication and save its answer before sending.
	const data = storeRecord(app, grant, renewed, '') as ICredentialDataDecryptedObject;
	const sent = await saveCredentialThenSend(ctx, request, {
		id: store.id ?? '',
		name: store.name,
		type: STORE_CREDENTIAL_TYPE,
		data,
	});
	if (
		!sent.ok &&
		/does not support credentials with an expirable property/i.test(failureMessage(sent.failure))
	) {
		// n8n's opt-in workflow engine v2 refuses such credentials before saving or sending: carry on in memory.
		tellOnce(ctx, `engine-v2\n${String(store.id)}`, TOKEN_STORE_ENGINE_V2_HINT);
		return { outcome: await sendRequest(ctx, withBearer(request, accessToken)), accessToken };
	}
	return { outcome: sent, accessToken };
}

/** An execution hint in the editor's output panel, once per process for `key`. */
function tellOnce(ctx: TikTokContext, key: string, message: string): void {
	if (told.has(key) || !('addExecutionHints' in ctx)) return;
	told.add(key);
	ctx.addExecutionHints({ message, location: 'outputPane' });
}
