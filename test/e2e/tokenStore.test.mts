/**
 * Staying connected through TikTok's rotating refresh tokens (issue #18), in real n8n against the emulator's
 * strictest token mode: 10-second access tokens, single-use refresh tokens, client_key only in the form body.
 * The TikTok node selects the OAuth2 credential (Connect) and a TikTok Token Store (the one-time step); n8n saves
 * every renewal into the store. The `compat` suite runs this file again on n8n 1.123.81.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET } from '../emulator/index.mts';
import { writeMp4 } from '../fixtures/video.mts';
import type { ExecuteResult } from '../harness/index.mts';
import { nodeOutput } from '../harness/index.mts';
import type { Stack } from './stack.mts';
import {
	BINARY_VIDEO_DIRECT,
	CREDENTIAL_TYPE,
	STORE_TYPE,
	TIKTOK_NODE,
	chain,
	connectThroughN8n,
	createTokenStore,
	filePath,
	readFileNode,
	startStack,
	tiktokNodeWithStore,
} from './stack.mts';

const TTL_SEC = 10;
const CONNECT_TTL_SEC = 120;
const STRICT = {
	accessTokenTtlSec: TTL_SEC,
	rotateRefreshTokens: true,
	clientKeyIn: 'body',
	rejectClientIdParam: true,
} as const;
const creatorInfo = { resource: 'creator', operation: 'getInfo' };
const publish = { ...BINARY_VIDEO_DIRECT, privacyLevel: 'SELF_ONLY', waitForPublish: false };

type Credential = { id: string; name: string };

describe(
	'staying connected with a TikTok Token Store (rotation on, 10-second access tokens)',
	{ timeout: 900_000 },
	() => {
		let stack: Stack;
		let video: string;
		/** Every token seen in a stored credential, to prove none leaks into output or logs. */
		const seenTokens = new Set<string>();
		const runs: ExecuteResult[] = [];

		before(async () => {
			stack = await startStack({ emulator: STRICT });
			video = filePath(stack, 'store.mp4');
			await writeMp4(video, { sizeBytes: 300_000, durationSec: 3 });
		});
		after(async () => await stack?.stop());

		const refreshes = (from: number) =>
			stack.emu.state.tokenRequests
				.slice(from)
				.filter((request) => request.grantType === 'refresh_token');

		async function stored(id: string): Promise<Record<string, unknown>> {
			const data = await stack.n8n.exportCredential(id);
			const tokens = (
				typeof data.tokens === 'string' ? JSON.parse(data.tokens) : (data.oauthTokenData ?? {})
			) as Record<string, unknown>;
			for (const key of ['access_token', 'refresh_token'])
				if (typeof tokens[key] === 'string') seenTokens.add(tokens[key]);
			if (typeof data.grantRefreshToken === 'string' && data.grantRefreshToken)
				seenTokens.add(data.grantRefreshToken);
			return data;
		}

		async function run(nodes: Array<Record<string, unknown>>, via?: 'cli'): Promise<ExecuteResult> {
			const result = await stack.run(nodes, via ? { via } : {});
			runs.push(result);
			return result;
		}

		/** `expected` refreshes since `from` (or between the two numbers given), each one clean. */
		function assertCleanRefreshes(from: number, expected: number | [number, number]) {
			const made = refreshes(from);
			const [least, most] = typeof expected === 'number' ? [expected, expected] : expected;
			assert.ok(
				made.length >= least && made.length <= most,
				`refreshes: ${JSON.stringify(made.map((r) => r.outcome))}, expected ${least}–${most}`,
			);
			for (const request of made) {
				assert.equal(request.outcome, 'ok', 'no refresh refused');
				assert.equal(
					request.refreshToken,
					'valid',
					'the emulator never saw a rotated-away refresh token',
				);
				assert.ok(
					request.params.includes('client_key') && !request.params.includes('client_id'),
					'client_key in the form body',
				);
			}
		}

		it('restarts: publish → stop → wait past expiry → start → publish, three times in a row; every refresh saved, zero reconnects', async () => {
			const credential = await stack.connect('public_creator', { expiresInSec: -1 });
			const store = await createTokenStore(stack);
			const node = () => [readFileNode(video), tiktokNodeWithStore(credential, store, publish)];
			const from = stack.emu.state.tokenRequests.length;
			const first = await run(node());
			assert.ok(first.ok, `${first.error?.message} ${first.error?.description}`);
			for (let restart = 1; restart <= 3; restart++) {
				await stack.n8n.stop();
				await sleep((TTL_SEC + 1) * 1000);
				await stack.n8n.start();
				const result = await run(node());
				assert.ok(
					result.ok,
					`after restart ${restart}: ${result.error?.message} ${result.error?.description}`,
				);
				assert.ok(nodeOutput(result, 'TikTok')[0].publish_id);
			}
			assertCleanRefreshes(from, 4);
			const chain = await stored(store.id);
			const grant = (await stored(credential.id)).oauthTokenData as Record<string, string>;
			assert.equal(chain.grantRefreshToken, grant.refresh_token, 'the chain of this grant');
			assert.equal(
				JSON.parse(String(chain.tokens)).refresh_token !== grant.refresh_token,
				true,
				'the newest (rotated) token is stored',
			);
			assert.equal(stack.emu.publishCount(stack.emu.openIdOf('public_creator')), 4);
		});

		it("unknown expiry (n8n 1.x after Connect) and Reconnect, through n8n's real Connect flow, each run in a new process", async (t) => {
			const [id] = await stack.n8n.importCredentials({
				name: 'TikTok connected',
				type: CREDENTIAL_TYPE,
				data: {
					clientId: DEFAULT_CLIENT_KEY,
					clientSecret: DEFAULT_CLIENT_SECRET,
					authBaseUrl: stack.emu.baseUrl,
					apiBaseUrl: stack.emu.baseUrl,
				},
			});
			const credential = { id, name: 'TikTok connected' };
			const store = await createTokenStore(stack);
			// Long enough that a slow first `n8n execute` still finds the Connect token fresh.
			stack.emu.config.accessTokenTtlSec = CONNECT_TTL_SEC;
			t.after(() => {
				stack.emu.config.accessTokenTtlSec = TTL_SEC;
			});
			const info = () => [tiktokNodeWithStore(credential, store, creatorInfo)];
			await connectThroughN8n(stack, id, 'public_creator');
			const connected = (await stored(id)).oauthTokenData as Record<string, unknown>;
			const major = Number(stack.n8n.install.version.split('.')[0]);
			assert.equal(
				connected.n8n_expires_at === undefined,
				major < 2,
				'n8n 1.x stores no expiry after Connect; 2.x does',
			);

			const from = stack.emu.state.tokenRequests.length;
			const fresh = await run(info(), 'cli');
			assert.ok(fresh.ok, `${fresh.error?.message} ${fresh.error?.description}`);
			assert.equal(
				refreshes(from).length,
				0,
				'a brand-new token is used, not refreshed on first use',
			);

			// TikTok's clock moves past the token's life while n8n's does not: n8n 1.x does not know the expiry at all,
			// and 2.x believes the token fresh. Either way the node renews only when TikTok rejects it.
			stack.emu.advanceTime(CONNECT_TTL_SEC + 1);
			const apiFrom = stack.emu.state.requests.length;
			const expired = await run(info(), 'cli');
			assert.ok(expired.ok, `${expired.error?.message} ${expired.error?.description}`);
			assertCleanRefreshes(from, 1);
			const statuses = stack.emu.state.requests
				.slice(apiFrom)
				.filter((request) => request.server === 'api')
				.map((request) => request.status);
			assert.equal(statuses[0], 401, 'the stored token was tried first');
			assert.ok(
				statuses.length > 1 && statuses.slice(1).every((status) => status === 200),
				`renewed only after TikTok answered access_token_invalid: ${statuses.join(',')}`,
			);
			const next = await run(info(), 'cli');
			assert.ok(next.ok, `next process: ${next.error?.message}`);
			assertCleanRefreshes(from, 1);

			// Reconnect, this time as another account: a new grant in the OAuth2 credential.
			await connectThroughN8n(stack, id, 'private_creator');
			const reconnected = await run(info(), 'cli');
			assert.ok(reconnected.ok, `${reconnected.error?.message} ${reconnected.error?.description}`);
			assert.equal(
				nodeOutput(reconnected, 'TikTok')[0].username,
				'private_creator',
				'the new grant, not the stale stored chain',
			);
			stack.emu.advanceTime(CONNECT_TTL_SEC + 1);
			const renewed = await run(info(), 'cli');
			assert.ok(renewed.ok, `${renewed.error?.message} ${renewed.error?.description}`);
			assert.equal(nodeOutput(renewed, 'TikTok')[0].username, 'private_creator');
			assertCleanRefreshes(from, 2);
			const chain = await stored(store.id);
			assert.equal(
				chain.grantRefreshToken,
				((await stored(id)).oauthTokenData as Record<string, string>).refresh_token,
				'the store now follows the new grant',
			);
		});

		it("editor: the privacy dropdown and the Token Store's Test button work after rotations and leave the stored token alive", async () => {
			const credential = await stack.connect('private_creator', { expiresInSec: -1 });
			const store = await createTokenStore(stack);
			const first = await run([tiktokNodeWithStore(credential, store, creatorInfo)]);
			assert.ok(first.ok, first.error?.message);
			await sleep((TTL_SEC + 1) * 1000);
			const from = stack.emu.state.tokenRequests.length;
			const dropdown = await stack.n8n.request('POST', '/rest/dynamic-node-parameters/options', {
				path: 'privacyLevel',
				methodName: 'getPrivacyLevels',
				nodeTypeAndVersion: { name: TIKTOK_NODE, version: 1 },
				currentNodeParameters: { resource: 'video', operation: 'publish', postMode: 'direct' },
				credentials: { [CREDENTIAL_TYPE]: credential, [STORE_TYPE]: store },
			});
			assert.equal(dropdown.status, 200, dropdown.text);
			assert.deepEqual(
				(dropdown.body as { data: Array<{ value: string }> }).data.map((o) => o.value),
				['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
			);
			assertCleanRefreshes(from, 1);

			await sleep((TTL_SEC + 1) * 1000);
			// The Test button: the editor sends the credential as it loaded it (tokens redacted), n8n fills them back in.
			const loaded = await stack.n8n.rest<{
				id: string;
				name: string;
				type: string;
				data: Record<string, unknown>;
			}>('GET', `/rest/credentials/${store.id}?includeData=true`);
			assert.doesNotMatch(
				JSON.stringify(loaded),
				/act\.|rft\./,
				'the editor never receives the stored tokens',
			);
			const test = await stack.n8n.rest<{ status: string; message: string }>(
				'POST',
				'/rest/credentials/test',
				{
					credentials: { id: store.id, name: store.name, type: STORE_TYPE, data: loaded.data },
				},
			);
			assert.equal(test.status, 'OK', test.message);
			assertCleanRefreshes(from, 2);
			const after = await run([tiktokNodeWithStore(credential, store, creatorInfo)], 'cli');
			assert.ok(after.ok, `the store is alive after the Test button: ${after.error?.message}`);
			// A new n8n process can take longer to start than the 10-second token lives: then it renews once more, cleanly.
			assertCleanRefreshes(from, [2, 3]);
		});

		it('a crash between TikTok issuing a token and n8n saving it loses the chain: the next run says to reconnect, plainly', async () => {
			const credential = await stack.connect('restricted_creator', { expiresInSec: -1 });
			const store = await createTokenStore(stack);
			stack.emu.config.faults.push({ type: 'refreshAnswerDelay', ms: 60_000 });
			const from = stack.emu.state.tokenRequests.length;
			const workflowId = await stack.n8n.importWorkflow(
				chain([tiktokNodeWithStore(credential, store, creatorInfo)], 'crash'),
			);
			const crashed = stack.n8n
				.execute(workflowId, { timeoutMs: 120_000 })
				.catch((error: Error) => error);
			while (refreshes(from).length === 0) await sleep(200);
			await stack.n8n.stop(); // n8n dies while TikTok's answer is on its way
			await stack.n8n.start();
			const next = await run([tiktokNodeWithStore(credential, store, creatorInfo)]);
			assert.equal(next.ok, false);
			assert.match(String(next.error?.message), /expired or was revoked/);
			assert.match(String(next.error?.description), /Reconnect/);
			assert.deepEqual(
				refreshes(from).map((r) => r.refreshToken),
				['valid', 'rotated'],
				'the issued token never reached n8n',
			);
			await crashed;
		});

		it("no token in output, run data, error descriptions or n8n's logs, for either credential", async () => {
			assert.ok(seenTokens.size >= 6);
			const haystack = `${runs.map((r) => `${r.stdout}\n${r.stderr}\n${JSON.stringify(r.runData)}\n${r.error?.message}\n${r.error?.description}`).join('\n')}\n${stack.n8n.logs()}`;
			for (const token of [...seenTokens, ...stack.issuedTokens])
				assert.ok(!haystack.includes(token), 'a TikTok token leaked into n8n output or logs');
		});
	},
);
