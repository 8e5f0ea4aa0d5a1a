/**
 * The node's side of staying connected (transport/session.ts) against a fake n8n that behaves like n8n 2.41.1's
 * `httpRequestWithAuthentication` for a non-OAuth credential: run `preAuthentication` when the expirable field is
 * empty, save `{ ...stored, ...output }` into the node's selected credential, then sign and send (a `data:`
 * request is saved and not sent: the node's save-only writes of its renewal lease and of a refused token).
 * The real n8n (both versions) is exercised by test/e2e/tokenStore.test.mts.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type {
	ICredentialsDecrypted,
	IDataObject,
	IHttpRequestOptions,
	NodeExecutionHint,
} from 'n8n-workflow';

import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import type { TikTokContext } from '../../nodes/TikTok/transport/http.ts';
import { requireAsN8n } from './commonjs.mts';
import { fakeTikTok } from './fakeTikTok.mts';

// One copy of the modules, as n8n loads them (CommonJS): the credential, the session and the cache they share.
const { TikTokTokenStoreApi } = requireAsN8n(
	'../../credentials/TikTokTokenStoreApi.credentials.ts',
) as typeof import('../../credentials/TikTokTokenStoreApi.credentials.ts');
const { sendWithAccessToken } = requireAsN8n(
	'../../nodes/TikTok/transport/session.ts',
) as typeof import('../../nodes/TikTok/transport/session.ts');
const { clearRefreshCache } = requireAsN8n(
	'../../nodes/TikTok/transport/renewal.ts',
) as typeof import('../../nodes/TikTok/transport/renewal.ts');

const API = 'https://api.example';
const STORE = 'tikTokTokenStoreApi';
const future = () => String(Date.now() + 3_600_000);
const storedTokens = (store: IDataObject) => JSON.parse(String(store.tokens)) as IDataObject;

function fakeN8n(
	options: { store?: boolean; engineV2?: boolean; beforeRefresh?: () => Promise<void> } = {},
) {
	const tiktok = fakeTikTok();
	const liveAccess = new Set(['act.1']);
	const db: Record<string, IDataObject> = {
		tikTokOAuth2Api: {
			clientId: 'key',
			clientSecret: 'secret',
			apiBaseUrl: API,
			oauthTokenData: { access_token: 'act.1', refresh_token: 'rft.1', n8n_expires_at: '1' },
		},
		[STORE]: { savedAt: '' },
	};
	const saves: IDataObject[] = [];
	const sentWith: string[] = [];
	const hints: NodeExecutionHint[] = [];
	const tokenEndpoint = tiktok.http.helpers.httpRequest;
	const httpRequest = async (request: IHttpRequestOptions) => {
		if (request.url.endsWith('/v2/oauth/token/')) {
			await options.beforeRefresh?.();
			const response = await tokenEndpoint(request);
			const answer = JSON.parse(response.body) as IDataObject;
			if (answer.access_token) liveAccess.add(String(answer.access_token));
			return response;
		}
		const bearer = String(request.headers?.Authorization).replace('Bearer ', '');
		sentWith.push(bearer);
		return liveAccess.has(bearer)
			? { statusCode: 200, headers: {}, body: '{"data":{"ok":true},"error":{"code":"ok"}}' }
			: {
					statusCode: 401,
					headers: {},
					body: '{"error":{"code":"access_token_invalid","message":"expired"}}',
				};
	};
	const storeType = new TikTokTokenStoreApi();
	const helpers = {
		httpRequest,
		async httpRequestWithAuthentication(
			type: string,
			request: IHttpRequestOptions,
			extra: { credentialsDecrypted: ICredentialsDecrypted },
		) {
			if (options.engineV2)
				throw new Error(
					`Engine 2.0 does not support credentials with an expirable property yet (credential type "${type}")`,
				);
			const data = extra.credentialsDecrypted.data as IDataObject;
			if (data.savedAt === '') {
				const output = await storeType.preAuthentication.call(
					{ helpers: { httpRequest } } as never,
					data as never,
				);
				if (output.savedAt !== undefined) {
					db[STORE] = { ...db[STORE], ...output };
					saves.push(structuredClone(db[STORE]));
					Object.assign(data, output);
				}
			}
			// A save-only write: n8n has saved, and its HTTP layer answers a data: URL itself.
			if (request.url.startsWith('data:')) return { statusCode: 200, headers: {}, body: '' };
			return await httpRequest(await storeType.authenticate(data as never, request));
		},
	};
	const ctx = {
		helpers,
		async getCredentials(type: string) {
			return structuredClone(db[type]);
		},
		getNode: () => ({
			credentials: {
				tikTokOAuth2Api: { id: 'c1', name: 'TikTok' },
				...(options.store === false ? {} : { [STORE]: { id: 's1', name: 'Store' } }),
			},
		}),
		addExecutionHints: (...added: NodeExecutionHint[]) => hints.push(...added),
	} as unknown as TikTokContext;
	return { ctx, db, saves, sentWith, hints, tiktok, liveAccess };
}

const request: IHttpRequestOptions = {
	method: 'POST',
	url: `${API}/v2/post/publish/creator_info/query/`,
	returnFullResponse: true,
	ignoreHttpStatusErrors: true,
};

async function call(ctx: TikTokContext, rejected?: string) {
	const answer = await sendWithAccessToken(ctx, request, rejected);
	assert.ok(answer.outcome.ok);
	return answer;
}

describe('staying connected with a Token Store (fake n8n 2.41 save semantics)', () => {
	beforeEach(() => clearRefreshCache());

	it('saves the renewed chain into the store before the request it was renewed for, and a new process continues from it', async () => {
		const n8n = fakeN8n();
		const { accessToken } = await call(n8n.ctx);
		assert.equal(accessToken, 'act.2');
		assert.equal(n8n.saves.length, 2, 'the renewal lease, then the renewed chain');
		assert.match(String(n8n.saves[0].lease), /"holder"/);
		const stored = n8n.db[STORE];
		assert.equal(stored.lease, '', 'the save of the renewal releases the lease');
		assert.equal(stored.credentialId, 'c1');
		assert.equal(stored.credentialName, 'TikTok');
		assert.equal(storedTokens(stored).access_token, 'act.2');
		assert.equal(stored.grantRefreshToken, 'rft.1');
		assert.equal(stored.clientId, 'key');
		assert.ok(String(stored.savedAt).length > 0);
		// "Restart": the process forgets everything; the stored chain is expired again.
		clearRefreshCache();
		stored.tokens = JSON.stringify({ ...storedTokens(stored), n8n_expires_at: '1' });
		assert.equal((await call(n8n.ctx)).accessToken, 'act.3');
		assert.deepEqual(
			n8n.tiktok.calls.map((form) => form.get('refresh_token')),
			['rft.1', storedTokens(n8n.saves[1]).refresh_token],
			'each refresh presented the newest (stored) refresh token',
		);
	});

	it('a fresh stored token is used without a refresh or a save', async () => {
		const n8n = fakeN8n();
		await call(n8n.ctx);
		await call(n8n.ctx);
		assert.equal(n8n.tiktok.calls.length, 1);
		assert.equal(n8n.saves.length, 2, 'the lease and the renewal, nothing more');
	});

	it('concurrent executions in one process: one refresh, no lost update', async () => {
		const n8n = fakeN8n();
		const answers = await Promise.all(Array.from({ length: 6 }, async () => await call(n8n.ctx)));
		assert.equal(n8n.tiktok.calls.length, 1);
		assert.ok(answers.every((answer) => answer.accessToken === 'act.2'));
		assert.equal(storedTokens(n8n.db[STORE]).access_token, 'act.2');
	});

	it('a lost race with another worker is recovered by re-reading the store, never by a reconnect', async () => {
		let otherWorkerDone = false;
		const n8n = fakeN8n({
			beforeRefresh: async () => {
				if (otherWorkerDone) return;
				otherWorkerDone = true;
				// Another worker renews rft.1 first and saves its result.
				const winner = JSON.parse(
					String(
						(
							await n8n.tiktok.http.helpers.httpRequest({
								url: `${API}/v2/oauth/token/`,
								body: 'client_key=key&client_secret=secret&grant_type=refresh_token&refresh_token=rft.1',
							})
						).body,
					),
				) as IDataObject;
				n8n.liveAccess.add(String(winner.access_token));
				n8n.db[STORE] = {
					...n8n.db[STORE],
					clientId: 'key',
					clientSecret: 'secret',
					apiBaseUrl: API,
					grantRefreshToken: 'rft.1',
					savedAt: 'x',
					tokens: JSON.stringify({ ...winner, n8n_expires_at: future() }),
				};
			},
		});
		const { accessToken } = await call(n8n.ctx);
		assert.equal(accessToken, 'act.2', "the other worker's token, read back from the store");
		assert.equal(
			n8n.saves.length,
			1,
			'only our lease: the refused token is not marked, the chain moved on',
		);
		assert.equal(n8n.tiktok.calls.length, 2, "the winner's refresh and ours (refused)");
		assert.ok(!n8n.db[STORE].refusedRefreshToken, 'not marked refused');
	});

	it('after a Reconnect (a new grant in the OAuth2 credential) the new grant is used, not the stale stored chain', async () => {
		const n8n = fakeN8n();
		await call(n8n.ctx);
		n8n.tiktok.valid.add('rft.new');
		n8n.liveAccess.add('act.new');
		n8n.db.tikTokOAuth2Api.oauthTokenData = {
			access_token: 'act.new',
			refresh_token: 'rft.new',
			n8n_expires_at: future(),
		};
		assert.equal((await call(n8n.ctx)).accessToken, 'act.new');
		n8n.db.tikTokOAuth2Api.oauthTokenData = {
			access_token: 'act.new',
			refresh_token: 'rft.new',
			n8n_expires_at: '1',
		};
		await call(n8n.ctx);
		assert.equal(n8n.tiktok.calls.at(-1)?.get('refresh_token'), 'rft.new');
		assert.equal(n8n.db[STORE].grantRefreshToken, 'rft.new', 'the store now follows the new grant');
	});

	it('unknown expiry: the token is used, and renewed (and saved) only when TikTok rejects it', async () => {
		const n8n = fakeN8n();
		n8n.db.tikTokOAuth2Api.oauthTokenData = { access_token: 'act.1', refresh_token: 'rft.1' };
		assert.equal((await call(n8n.ctx)).accessToken, 'act.1');
		assert.equal(n8n.tiktok.calls.length, 0);
		n8n.liveAccess.delete('act.1');
		assert.equal((await call(n8n.ctx, 'act.1')).accessToken, 'act.2');
		assert.equal(storedTokens(n8n.db[STORE]).access_token, 'act.2');
	});

	it("n8n's workflow engine v2 refuses the store: the request still goes out with the renewed token, and the node says why once", async () => {
		const n8n = fakeN8n({ engineV2: true });
		assert.equal((await call(n8n.ctx)).accessToken, 'act.2');
		assert.match(String(n8n.hints[0]?.message), /engine v2/);
	});
});

describe('one token chain per account, across processes', () => {
	beforeEach(() => clearRefreshCache());

	it("another process holds the renewal lease: this one presents nothing and continues with the holder's saved token", async () => {
		const n8n = fakeN8n();
		n8n.db[STORE] = {
			clientId: 'key',
			clientSecret: 'secret',
			apiBaseUrl: API,
			credentialId: 'c1',
			grantRefreshToken: 'rft.1',
			tokens: JSON.stringify({
				access_token: 'act.1',
				refresh_token: 'rft.1',
				n8n_expires_at: '1',
			}),
			lease: JSON.stringify({ holder: 'another-worker', until: Date.now() + 10_000 }),
			savedAt: 'x',
		};
		setTimeout(() => {
			// The holder's save: its renewed chain, its lease released.
			n8n.liveAccess.add('act.w');
			n8n.db[STORE] = {
				...n8n.db[STORE],
				tokens: JSON.stringify({
					access_token: 'act.w',
					refresh_token: 'rft.w',
					n8n_expires_at: future(),
				}),
				lease: '',
			};
		}, 600);
		const { accessToken } = await call(n8n.ctx);
		assert.equal(accessToken, 'act.w');
		assert.equal(n8n.tiktok.calls.length, 0, 'no refresh token presented');
		assert.equal(n8n.saves.length, 0);
	});

	it('a revoked grant: one refusal, the refused token marked in the store; every later call (any process) fails at once without presenting it', async () => {
		const n8n = fakeN8n();
		n8n.tiktok.valid.clear();
		const started = Date.now();
		for (let item = 0; item < 5; item++) {
			await assert.rejects(sendWithAccessToken(n8n.ctx, request), (error: TikTokError) => {
				assert.equal(error.details.code, 'invalid_grant');
				assert.match(error.advice.description, /Reconnect/);
				return true;
			});
		}
		assert.ok(Date.now() - started < 3_000, `${Date.now() - started} ms`);
		assert.equal(n8n.tiktok.calls.length, 1);
		assert.equal(n8n.db[STORE].refusedRefreshToken, 'rft.1');
		assert.equal(n8n.db[STORE].lease, '', 'the lease is released with the mark');
		clearRefreshCache(); // another process: it reads the mark
		await assert.rejects(sendWithAccessToken(n8n.ctx, request));
		assert.equal(n8n.tiktok.calls.length, 1);
	});

	it("a store that keeps another credential's chain: refused before any TikTok call, naming both, and the store untouched", async () => {
		const n8n = fakeN8n();
		n8n.db[STORE] = {
			clientId: 'key',
			clientSecret: 'secret',
			apiBaseUrl: API,
			credentialId: 'c2',
			credentialName: 'TikTok brand B',
			openId: 'open-b',
			grantRefreshToken: 'rft.b',
			tokens: JSON.stringify({
				access_token: 'act.b',
				refresh_token: 'rft.b',
				n8n_expires_at: future(),
			}),
			savedAt: 'x',
		};
		const before = structuredClone(n8n.db[STORE]);
		await assert.rejects(sendWithAccessToken(n8n.ctx, request), (error: TikTokError) => {
			assert.equal(error.details.code, 'token_store_mismatch');
			assert.match(error.advice.message, /Store/);
			assert.match(error.advice.description, /"TikTok brand B" \(account open-b\)/);
			assert.match(error.advice.description, /"TikTok"/);
			return true;
		});
		assert.deepEqual(n8n.sentWith, []);
		assert.equal(n8n.tiktok.calls.length, 0);
		assert.deepEqual(n8n.db[STORE], before);
	});

	it('without a Token Store the node calls nothing and names the one-time step', async () => {
		const n8n = fakeN8n({ store: false });
		await assert.rejects(sendWithAccessToken(n8n.ctx, request), (error: TikTokError) => {
			assert.equal(error.details.code, 'token_store_missing');
			assert.match(error.advice.description, /Create new credential/);
			return true;
		});
		assert.deepEqual(n8n.sentWith, []);
		assert.equal(n8n.tiktok.calls.length, 0);
	});
});
