/**
 * Token life in real n8n against the emulator in TikTok's strictest documented mode: short access tokens,
 * rotating refresh tokens, client_key accepted only in the form body. Records exactly what holds and where
 * n8n 2.41.1 stops us (docs/decisions/credential-refresh.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { nodeOutput } from '../harness/index.mts';
import type { Stack } from './stack.mts';
import { createTokenStore, startStack, tiktokNode, tiktokNodeWithStore } from './stack.mts';

const creatorInfo = { resource: 'creator', operation: 'getInfo' };

describe('TikTok OAuth2 credential in real n8n (strict token mode)', { timeout: 600_000 }, () => {
	let stack: Stack;
	before(async () => {
		stack = await startStack({
			emulator: {
				accessTokenTtlSec: 60,
				rotateRefreshTokens: true,
				clientKeyIn: 'body',
				rejectClientIdParam: true,
			},
		});
	});
	after(async () => await stack?.stop());

	it("renews an expired access token with TikTok's exact refresh request (client_key in the form body, no client_id)", async () => {
		const credential = await stack.connect('public_creator', { expiresInSec: -1 });
		const before = stack.emu.state.tokenRequests.length;
		const run = await stack.run([tiktokNode(credential, creatorInfo)]);
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		assert.equal(nodeOutput(run, 'TikTok')[0].username, 'public_creator');
		const refreshes = stack.emu.state.tokenRequests
			.slice(before)
			.filter((r) => r.grantType === 'refresh_token');
		assert.equal(refreshes.length, 1, 'one refresh');
		assert.equal(refreshes[0].outcome, 'ok');
		assert.ok(refreshes[0].params.includes('client_key'));
		assert.ok(!refreshes[0].params.includes('client_id'));
		assert.equal(refreshes[0].contentType?.startsWith('application/x-www-form-urlencoded'), true);
	});

	it('refreshes once for many items in one execution, even though every request re-reads the stored (stale) token', async () => {
		const credential = await stack.connect('public_creator', { expiresInSec: -1 });
		const before = stack.emu.state.tokenRequests.length;
		const run = await stack.run([
			{
				name: 'Items',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				parameters: { jsCode: 'return [1,2,3,4].map((n) => ({ json: { n } }));' },
			},
			tiktokNode(credential, creatorInfo),
		]);
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		assert.equal(nodeOutput(run, 'TikTok').length, 4);
		const refreshes = stack.emu.state.tokenRequests
			.slice(before)
			.filter((r) => r.grantType === 'refresh_token');
		assert.equal(refreshes.length, 1, 'the rotated refresh token is never burned twice');
		assert.ok(refreshes.every((r) => r.outcome === 'ok'));
	});

	it('a TikTok node without a Token Store (imported without one: the editor fills it in) calls nothing and names the one-time step; the connection stays unspent', async () => {
		const credential = await stack.connect('public_creator', { expiresInSec: -1 });
		const before = stack.emu.state.requests.length;
		const tokenRequests = stack.emu.state.tokenRequests.length;
		const run = await stack.run([
			tiktokNode({ id: credential.id, name: credential.name }, creatorInfo),
		]);
		assert.equal(run.ok, false);
		assert.match(`${run.error?.message} ${run.error?.description}`, /Token Store/);
		assert.equal(stack.emu.state.requests.length, before, 'no TikTok call');
		assert.equal(stack.emu.state.tokenRequests.length, tokenRequests, 'no refresh token spent');
		// With its store the same connection renews and works.
		assert.ok((await stack.run([tiktokNode(credential, creatorInfo)])).ok);
	});

	it('with a Token Store, a refresh made in one n8n process is saved and used by the next process', async () => {
		const credential = await stack.connect('public_creator', { expiresInSec: -1 });
		const store = await createTokenStore(stack);
		const from = stack.emu.state.tokenRequests.length;
		const first = await stack.run([tiktokNodeWithStore(credential, store, creatorInfo)]);
		assert.ok(first.ok, first.error?.message);
		assert.doesNotMatch(
			JSON.stringify(first.runData.TikTok),
			/Token Store/,
			'no hint when the store is selected',
		);
		const second = await stack.run([tiktokNodeWithStore(credential, store, creatorInfo)], {
			via: 'cli',
		});
		assert.ok(
			second.ok,
			`${second.error?.message} ${second.error?.description} ${second.stdout.slice(-1500)} ${second.stderr.slice(-1500)}`,
		);
		const refreshes = stack.emu.state.tokenRequests
			.slice(from)
			.filter((r) => r.grantType === 'refresh_token');
		assert.deepEqual(
			refreshes.map((r) => r.outcome),
			['ok'],
			'the new process used the saved token',
		);
		const saved = JSON.parse(String((await stack.n8n.exportCredential(store.id)).tokens)) as Record<
			string,
			string
		>;
		assert.ok(saved.access_token && saved.refresh_token);
	});

	it("without rotation (TikTok's classic documented behaviour) the stored refresh token keeps working across processes", async () => {
		stack.emu.config.rotateRefreshTokens = false;
		try {
			const credential = await stack.connect('public_creator', { expiresInSec: -1 });
			for (let run = 0; run < 3; run++) {
				const result = await stack.run([tiktokNode(credential, creatorInfo)], { via: 'cli' });
				assert.ok(result.ok, `run ${run}: ${result.error?.message}`);
			}
		} finally {
			stack.emu.config.rotateRefreshTokens = true;
		}
	});

	it('a revoked grant gives the reconnect message, never a raw 401, and no token appears in output or logs', async () => {
		const credential = await stack.connect('private_creator', { expiresInSec: -1 });
		stack.emu.revokeGrant(stack.emu.openIdOf('private_creator'));
		const run = await stack.run([tiktokNode(credential, creatorInfo)]);
		assert.equal(run.ok, false);
		assert.match(String(run.error?.message), /expired or was revoked/);
		assert.doesNotMatch(String(run.error?.message), /401/);
		const haystack = `${run.stdout}\n${run.stderr}\n${JSON.stringify(run.runData)}\n${stack.n8n.logs()}`;
		assert.ok(stack.issuedTokens.length >= 2);
		for (const token of stack.issuedTokens)
			assert.ok(
				!haystack.includes(token),
				'an emulator-issued token leaked into n8n output or logs',
			);
	});
});
