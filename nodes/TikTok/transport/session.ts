/**
 * Every signed call to TikTok's JSON API: which token to use, when to renew it, and where the renewed token is
 * kept so the next process (a restart, another queue-mode worker) finds it.
 *
 * The TikTok node needs a **TikTok Token Store** credential: the store holds the newest tokens of the chain that
 * started from one OAuth2 credential's grant, and says which credential and account that is. A renewal happens
 * only under the store's **renewal lease** (written into the store and confirmed by re-reading it, so across
 * processes one presents the refresh token and the others wait for its save), and n8n saves it into the store
 * before the request it was made for is sent (`saveCredentialThenSend` → the store's `preAuthentication`).
 * A refresh token TikTok refused is marked in the store and remembered in the process: nobody presents it again,
 * and every later call fails at once with the Reconnect advice. Without a store the node refuses to call TikTok.
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

import { TOKEN_STORE_ENGINE_V2_HINT } from '../helpers/errorMap';
import type { TikTokError } from '../helpers/errors';
import {
	apiError,
	isTikTokError,
	refreshRefused,
	tokenStoreMissing,
	tokenStoreOfAnotherCredential,
} from '../helpers/errors';
import type { FullResponse, HttpOutcome, TikTokContext } from './http';
import { failureMessage, pause, saveCredentialThenSend, sendRequest } from './http';
import { renewToken, wasRefused } from './renewal';
import type { RenewalLease, StoreOwner, StoreState, TikTokApp } from './token';
import {
	CREDENTIAL_TYPE,
	STORE_CREDENTIAL_TYPE,
	appOf,
	isLeaseActive,
	needsRenewal,
	readStore,
	storeRecord,
	tokenDataOf,
} from './token';

/**
 * How long a renewal lease holds: the refresh request's timeout plus the save. A holder that dies makes the
 * others wait at most this long.
 */
export const LEASE_MS = 35_000;
/**
 * How long a process waits between writing its lease and re-reading it: longer than any other process's gap
 * between reading a free store and writing its own lease, so of two claims the later write wins and both see it.
 */
export const LEASE_SETTLE_MS = 1_000;
/** How often a process that waits for the lease holder's save re-reads the store. */
export const LEASE_POLL_MS = 250;

/** This process, as a lease holder. */
const processId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

/** A signed request's outcome and the access token it carried (to tell TikTok's rejection of exactly that one). */
export interface SignedCallResult {
	outcome: HttpOutcome<FullResponse>;
	accessToken: string;
}

/** Per-store locks: one token decision at a time per Token Store in this process. */
const locks = new Map<string, Promise<unknown>>();
/** Stores already told (once per process) that n8n's engine v2 cannot save them. */
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

type Settled<T> = { ok: true; value: T } | { ok: false; error: TikTokError };

async function settle<T>(work: Promise<T>): Promise<Settled<T>> {
	return await work.then(
		(value) => ({ ok: true as const, value }),
		(error: TikTokError) => ({ ok: false as const, error }),
	);
}

/** What one signed call knows about its connection and store. */
interface CallScope {
	ctx: TikTokContext;
	app: TikTokApp;
	/** The OAuth2 credential's tokens from its last Connect. */
	grantTokens: IDataObject;
	/** Who the chain belongs to if this call seeds or renews it. */
	owner: StoreOwner;
	store: INodeCredentialsDetails;
}

/**
 * Sends `request` to TikTok signed with the chain's current access token, renewed first when it is expiring or
 * when TikTok just rejected `rejectedAccessToken`.
 */
export async function sendWithAccessToken(
	ctx: TikTokContext,
	request: IHttpRequestOptions,
	rejectedAccessToken?: string,
): Promise<SignedCallResult> {
	const credentials = ctx.getNode().credentials;
	const store = credentials?.[STORE_CREDENTIAL_TYPE];
	if (!store?.id) throw tokenStoreMissing();
	const connection = await ctx.getCredentials(CREDENTIAL_TYPE);
	const grantTokens = tokenDataOf(connection);
	if (!grantTokens)
		throw apiError('access_token_invalid', 'The TikTok credential is not connected yet');
	const scope: CallScope = {
		ctx,
		app: appOf(connection),
		grantTokens,
		owner: {
			credentialId: String(credentials?.[CREDENTIAL_TYPE]?.id ?? ''),
			credentialName: String(credentials?.[CREDENTIAL_TYPE]?.name ?? ''),
			openId: typeof grantTokens.open_id === 'string' ? grantTokens.open_id : '',
			grant: String(grantTokens.refresh_token ?? ''),
		},
		store,
	};
	const chosen = await withLock(
		String(store.id),
		async () => await tokenFromStore(scope, request, rejectedAccessToken),
	);
	if ('outcome' in chosen) return chosen;
	return {
		outcome: await sendRequest(ctx, withBearer(request, chosen.accessToken)),
		accessToken: chosen.accessToken,
	};
}

/** The store as read now, with the chain this call's credential continues. */
async function readStoredChain(
	scope: CallScope,
): Promise<{ state: StoreState; chain: IDataObject }> {
	const state = readStore(await scope.ctx.getCredentials<IDataObject>(STORE_CREDENTIAL_TYPE));
	const owner = state.owner;
	if (owner?.credentialId && owner.credentialId !== scope.owner.credentialId)
		throw tokenStoreOfAnotherCredential({
			storeName: String(scope.store.name ?? ''),
			ownerName: owner.credentialName,
			ownerOpenId: owner.openId,
			credentialName: scope.owner.credentialName,
			openId: scope.owner.openId,
		});
	// After a Reconnect the OAuth2 credential holds a new grant: the stored chain of the old one is over.
	const continues = state.tokens !== undefined && owner?.grant === scope.owner.grant;
	return { state, chain: continues ? (state.tokens as IDataObject) : scope.grantTokens };
}

/**
 * Under the store's lock: the token to use, or, when it had to be renewed, the request already sent together with
 * the save (n8n saves the store, then sends the request).
 */
async function tokenFromStore(
	scope: CallScope,
	request: IHttpRequestOptions,
	rejectedAccessToken: string | undefined,
): Promise<SignedCallResult | { accessToken: string }> {
	for (;;) {
		const { state, chain } = await readStoredChain(scope);
		// A newer token than the one TikTok rejected (the chain moved on meanwhile) is not the rejected one.
		const rejected = chain.access_token === rejectedAccessToken ? rejectedAccessToken : undefined;
		if (!needsRenewal(chain, rejected)) return { accessToken: String(chain.access_token) };
		const refreshToken = String(chain.refresh_token ?? '');
		if (state.refusedRefreshToken === refreshToken || wasRefused(scope.app, refreshToken))
			throw refreshRefused('invalid_grant');
		if (isLeaseActive(state.lease) && state.lease?.holder !== processId) {
			// Evidence that a renewal is in flight: wait for its save instead of presenting the same token.
			await waitForHolder(scope, refreshToken, state.lease as RenewalLease);
		} else if (await claimLease(scope, chain)) {
			const renewed = await renewUnderLease(scope, request, chain, rejected);
			if (renewed !== 'chain moved') return renewed;
		}
	}
}

/** Re-reads the store until the lease holder saved a newer token, marked the token refused, or let go. */
async function waitForHolder(
	scope: CallScope,
	refreshToken: string,
	lease: RenewalLease,
): Promise<void> {
	while (Date.now() < lease.until) {
		await pause(scope.ctx, LEASE_POLL_MS);
		const { state, chain } = await readStoredChain(scope);
		if (chain.refresh_token !== refreshToken || state.refusedRefreshToken === refreshToken) return;
		if (state.lease?.holder !== lease.holder || state.lease.until !== lease.until) return;
	}
}

/**
 * Writes this process's lease into the store, waits for any competing claim to land, and re-reads: true when the
 * lease is still ours. n8n's workflow engine v2 cannot save a store; then the renewal goes ahead unclaimed.
 */
async function claimLease(scope: CallScope, chain: IDataObject): Promise<boolean> {
	const lease = { holder: processId, until: Date.now() + LEASE_MS };
	const saved = await saveOnly(scope, chain, { lease });
	if (!saved) return true;
	await pause(scope.ctx, LEASE_SETTLE_MS);
	const { state } = await readStoredChain(scope);
	return state.lease?.holder === processId && state.lease.until === lease.until;
}

/**
 * The lease holder's renewal: saved with the request it was made for. When TikTok refuses the refresh token,
 * the store is read once more: a chain that moved on meanwhile (renewed by a process that took no lease, such as
 * the store's Test button) is used; otherwise the grant is dead, and the refused token is marked in the store.
 */
async function renewUnderLease(
	scope: CallScope,
	request: IHttpRequestOptions,
	chain: IDataObject,
	rejectedAccessToken: string | undefined,
): Promise<SignedCallResult | 'chain moved'> {
	const renewal = await settle(renewToken(scope.ctx, scope.app, chain, rejectedAccessToken));
	if (renewal.ok) return await saveRenewalThenSend(scope, request, renewal.value);
	if (isTikTokError(renewal.error, 'invalid_grant')) {
		const now = await readStoredChain(scope);
		if (now.chain.refresh_token !== chain.refresh_token) return 'chain moved';
		await saveOnly(scope, chain, { refusedRefreshToken: String(chain.refresh_token ?? '') });
	}
	// Any other failure (TikTok unreachable) leaves the lease to expire: the next try waits at most LEASE_MS.
	throw renewal.error;
}

/**
 * The request every save-only write carries: a `data:` URL, which n8n's HTTP layer (axios) answers itself without
 * opening a connection, so n8n saves the store and nothing leaves the process. (An already-aborted signal is not
 * enough: n8n 2.41's HTTP layer still sent such a request, measured against the emulator.)
 */
const UNSENT_REQUEST: IHttpRequestOptions = {
	method: 'GET',
	url: 'data:text/plain,token-store-saved',
	disableFollowRedirect: true,
	timeout: 1_000,
};

/**
 * Saves `chain` with `marks` (a lease, a refused token) into the store without calling TikTok. False when n8n
 * cannot save a store at all (its workflow engine v2).
 */
async function saveOnly(
	scope: CallScope,
	chain: IDataObject,
	marks: { lease?: RenewalLease; refusedRefreshToken?: string },
): Promise<boolean> {
	const data = storeRecord(scope.app, scope.owner, chain, '', marks);
	const outcome = await saveCredentialThenSend(scope.ctx, UNSENT_REQUEST, {
		id: scope.store.id ?? '',
		name: scope.store.name,
		type: STORE_CREDENTIAL_TYPE,
		data: data as ICredentialDataDecryptedObject,
	});
	return !isEngineV2Refusal(scope, outcome);
}

async function saveRenewalThenSend(
	scope: CallScope,
	request: IHttpRequestOptions,
	renewed: IDataObject,
): Promise<SignedCallResult> {
	const accessToken = String(renewed.access_token);
	// `savedAt: ''` makes n8n run the store's preAuthentication and save its answer before sending.
	const data = storeRecord(scope.app, scope.owner, renewed, '');
	const outcome = await saveCredentialThenSend(scope.ctx, request, {
		id: scope.store.id ?? '',
		name: scope.store.name,
		type: STORE_CREDENTIAL_TYPE,
		data: data as ICredentialDataDecryptedObject,
	});
	if (isEngineV2Refusal(scope, outcome))
		return { outcome: await sendRequest(scope.ctx, withBearer(request, accessToken)), accessToken };
	return { outcome, accessToken };
}

/**
 * n8n's opt-in workflow engine v2 refuses expirable credentials before saving or sending: the node carries on in
 * memory and says why, once per process and store.
 */
function isEngineV2Refusal(scope: CallScope, outcome: HttpOutcome<unknown>): boolean {
	if (
		outcome.ok ||
		!/does not support credentials with an expirable property/i.test(
			failureMessage(outcome.failure),
		)
	)
		return false;
	const key = `engine-v2\n${String(scope.store.id)}`;
	if (!told.has(key) && 'addExecutionHints' in scope.ctx) {
		told.add(key);
		scope.ctx.addExecutionHints({ message: TOKEN_STORE_ENGINE_V2_HINT, location: 'outputPane' });
	}
	return true;
}
