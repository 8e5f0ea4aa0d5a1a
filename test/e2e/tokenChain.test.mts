/**
 * One token chain per TikTok account, whatever touches it (issue #24), in real n8n against the emulator's strict
 * token mode (rotating refresh tokens, client_key only in the form body): the TikTok Trigger between publishes and
 * a restart, a workflow set up without the store, two accounts on one store, a revoked grant. The emulator counts
 * every dead refresh token presented to it. The `compat` suite runs this file again on n8n 1.x.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { writeMp4 } from '../fixtures/video.mts';
import type { ExecuteResult } from '../harness/index.mts';
import { nodeOutput } from '../harness/index.mts';
import type { Connection, Stack } from './stack.mts';
import {
	BINARY_VIDEO_DIRECT,
	TIKTOK_TRIGGER_NODE,
	credentialsOf,
	filePath,
	itemsNode,
	readFileNode,
	splitByOutcome,
	startStack,
	tiktokNode,
} from './stack.mts';

const TTL_SEC = 20;
const STRICT = {
	accessTokenTtlSec: TTL_SEC,
	rotateRefreshTokens: true,
	clientKeyIn: 'body',
	rejectClientIdParam: true,
	// Moderation outlasts the publish: the post id comes later, by webhook.
	statusPolls: { processing: 0, moderation: 1000 },
	webhooks: { retryDelaysMs: [100, 200] },
} as const;
const creatorInfo = { resource: 'creator', operation: 'getInfo' };
const publicPost = {
	...BINARY_VIDEO_DIRECT,
	privacyLevel: 'PUBLIC_TO_EVERYONE',
	// Until PUBLISH_COMPLETE (moderation then goes on: the post id comes later, by webhook).
	waitForPublish: true,
	waitOptions: { intervalSeconds: 3 },
};

describe('one token chain per TikTok account (strict token mode)', { timeout: 900_000 }, () => {
	let stack: Stack;
	let video: string;
	/** Figures for the closing note, printed at the end. */
	const figures = { publishes: 0, webhooks: 0, reconnects: 0 };

	before(async () => {
		stack = await startStack({ emulator: STRICT });
		video = filePath(stack, 'chain.mp4');
		await writeMp4(video, { sizeBytes: 300_000, durationSec: 3 });
	});
	after(async () => await stack?.stop());

	const refreshesSince = (from: number) =>
		stack.emu.state.tokenRequests
			.slice(from)
			.filter((request) => request.grantType === 'refresh_token');

	async function publish(credential: Connection, name: string): Promise<ExecuteResult> {
		const run = await stack.run([readFileNode(video), tiktokNode(credential, publicPost)], {
			name,
		});
		if (run.ok) figures.publishes++;
		else if (/Reconnect/.test(`${run.error?.message} ${run.error?.description}`))
			figures.reconnects++;
		return run;
	}

	const failure = (run: ExecuteResult) => `${run.error?.message} — ${run.error?.description}`;

	it('the day: Connect → publish (no renewal) → the token expires → a post-public webhook reaches the trigger → restart → publish: posted, no renewal by the trigger, no dead refresh token presented', async (t) => {
		const from = stack.emu.state.tokenRequests.length;
		const credential = await stack.connect('public_creator', { expiresInSec: TTL_SEC });
		const first = await publish(credential, 'day: publish');
		assert.ok(first.ok, failure(first));
		assert.equal(refreshesSince(from).length, 0, 'a fresh token: no renewal yet');
		const publishId = String(nodeOutput(first, 'TikTok')[0].publish_id);

		const webhookId = randomUUID();
		const triggerId = await stack.n8n.importWorkflow({
			name: `day: mark live ${webhookId.slice(0, 6)}`,
			nodes: [
				{
					id: 'trigger',
					name: 'TikTok Trigger',
					type: TIKTOK_TRIGGER_NODE,
					typeVersion: 1,
					position: [0, 0],
					webhookId,
					parameters: { events: ['post.publish.publicly_available'], accounts: 'credential' },
					credentials: credentialsOf(credential),
				},
			],
			connections: {},
			settings: { executionOrder: 'v1' },
		});
		await stack.n8n.activateWorkflow(triggerId);
		stack.emu.webhooks.setCallbackUrl(`${stack.n8n.url}/webhook/${webhookId}/webhook`);

		await sleep((TTL_SEC + 1) * 1000); // the access token expires
		stack.emu.completeModeration(publishId);
		await stack.emu.webhooks.settled();
		const event = await stack.n8n.waitForExecution({ workflowId: triggerId, timeoutMs: 60_000 });
		assert.ok(event.ok, failure(event));
		const [item] = nodeOutput(event, 'TikTok Trigger');
		assert.equal(item.event, 'post.publish.publicly_available');
		assert.match(String(item.post_id), /^\d{19}$/);
		figures.webhooks++;
		assert.equal(refreshesSince(from).length, 0, 'the trigger renewed nothing');
		await stack.n8n.deactivateWorkflow(triggerId);

		await stack.n8n.stop();
		await stack.n8n.start();
		const second = await publish(credential, 'day: publish after restart');
		assert.ok(second.ok, failure(second));
		const refreshes = refreshesSince(from);
		assert.deepEqual(
			refreshes.map((request) => request.outcome),
			['ok'],
			'one renewal, by the node that saves it',
		);
		assert.deepEqual(stack.emu.deadRefreshTokensPresented(from), {
			rotated: 0,
			revoked: 0,
			expired: 0,
			unknown: 0,
		});
		t.diagnostic(
			`the day: 2 publishes, 1 webhook, ${refreshes.length} refresh, 0 dead refresh tokens presented, 0 reconnects`,
		);
	});

	it('one account, a second workflow set up without the store: refused before any TikTok call; the other keeps posting through renewals and a restart', async (t) => {
		const from = stack.emu.state.tokenRequests.length;
		const credential = await stack.connect('private_creator', { expiresInSec: -1 });
		const withoutStore: Connection = { id: credential.id, name: credential.name };
		const requestsBefore = stack.emu.state.requests.length;
		const refused = await stack.run([tiktokNode(withoutStore, creatorInfo)], {
			name: 'no store',
		});
		assert.equal(refused.ok, false);
		assert.match(failure(refused), /Token Store/);
		assert.equal(stack.emu.state.requests.length, requestsBefore, 'no TikTok call at all');
		assert.equal(refreshesSince(from).length, 0);

		for (let round = 1; round <= 2; round++) {
			const run = await stack.run([tiktokNode(credential, creatorInfo)], { name: 'with store' });
			assert.ok(run.ok, `round ${round}: ${failure(run)}`);
			assert.equal(nodeOutput(run, 'TikTok')[0].username, 'private_creator');
			const again = await stack.run([tiktokNode(withoutStore, creatorInfo)], {
				name: 'no store',
			});
			assert.equal(again.ok, false, 'still refused, never spending the chain');
			await sleep((TTL_SEC + 1) * 1000);
			if (round === 1) {
				await stack.n8n.stop();
				await stack.n8n.start();
			}
		}
		const fixed = await stack.run([tiktokNode(credential, creatorInfo)], { name: 'store added' });
		assert.ok(fixed.ok, failure(fixed));
		const refreshes = refreshesSince(from);
		assert.ok(refreshes.length >= 2);
		assert.ok(refreshes.every((request) => request.outcome === 'ok'));
		assert.equal(stack.emu.deadRefreshTokensPresented(from).rotated, 0);
		t.diagnostic(
			`one account, one workflow without the store: ${refreshes.length} refreshes, 0 dead refresh tokens presented, 0 reconnects`,
		);
	});

	it('two accounts selecting one store: a clear error naming both before any TikTok call; both chains keep working with their own stores', async () => {
		const from = stack.emu.state.tokenRequests.length;
		const [brandA, brandB] = await stack.connectAll(['public_creator', 'private_creator']);
		const sharedStore = brandA.store;
		assert.ok(sharedStore);
		// Brand A's chain starts in the store (its token is past due: one renewal saved there).
		await sleep((TTL_SEC + 1) * 1000);
		const a = await stack.run([tiktokNode(brandA, creatorInfo)], { name: 'brand A' });
		assert.ok(a.ok, failure(a));
		const storedBefore = await stack.n8n.exportCredential(sharedStore.id);

		const requestsBefore = stack.emu.state.requests.length;
		const tokenRequestsBefore = stack.emu.state.tokenRequests.length;
		const wrong = await stack.run([tiktokNode({ ...brandB, store: sharedStore }, creatorInfo)], {
			name: 'brand B, brand A store',
		});
		assert.equal(wrong.ok, false);
		const text = failure(wrong);
		assert.match(text, /belongs to another TikTok credential/);
		assert.ok(text.includes(brandA.name) && text.includes(brandB.name), text);
		assert.equal(stack.emu.state.requests.length, requestsBefore, 'no TikTok call');
		assert.equal(stack.emu.state.tokenRequests.length, tokenRequestsBefore);
		assert.deepEqual(
			await stack.n8n.exportCredential(sharedStore.id),
			storedBefore,
			'the store untouched',
		);

		for (const brand of [brandA, brandB]) {
			const run = await stack.run([tiktokNode(brand, creatorInfo)], { name: 'own store' });
			assert.ok(run.ok, failure(run));
		}
		assert.ok(refreshesSince(from).every((request) => request.outcome === 'ok'));
	});

	it('a revoked grant: one execution of 20 items ends in under 10 s, every item with the Reconnect advice; a workflow on another store is not slowed', async (t) => {
		const [revoked, other] = await stack.connectAll(['capped_creator', 'public_creator']);
		const otherAlone = Date.now();
		assert.ok((await stack.run([tiktokNode(other, creatorInfo)], { name: 'other alone' })).ok);
		const aloneMs = Date.now() - otherAlone;

		const from = stack.emu.state.tokenRequests.length;
		stack.emu.revokeGrant(stack.emu.openIdOf('capped_creator'));
		const items = Array.from({ length: 20 }, (_, index) => ({ index }));
		const started = Date.now();
		const [batch, otherRun] = await Promise.all([
			stack.run(
				[itemsNode(items), tiktokNode(revoked, creatorInfo, { onError: 'continueErrorOutput' })],
				{ name: 'revoked batch' },
			),
			(async () => {
				const otherStarted = Date.now();
				const run = await stack.run([tiktokNode(other, creatorInfo)], { name: 'other' });
				return { run, ms: Date.now() - otherStarted };
			})(),
		]);
		const wallMs = Date.now() - started;
		assert.ok(batch.ok, failure(batch));
		// The execution's own time, from n8n (the wall time adds the harness's REST start and polling).
		const execution = batch.raw as { startedAt?: string; stoppedAt?: string };
		const batchMs =
			execution.startedAt && execution.stoppedAt
				? Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt)
				: wallMs;
		const nodeMs = Number(batch.runData.TikTok?.[0]?.executionTime);
		const { succeeded, failed } = splitByOutcome(stack, batch);
		assert.equal(succeeded.length, 0);
		assert.equal(failed.length, 20);
		for (const item of failed)
			assert.match(JSON.stringify(item.json), /Reconnect/, JSON.stringify(item.json));
		assert.ok(batchMs < 10_000, `the revoked batch took ${batchMs} ms`);
		const refreshes = refreshesSince(from);
		assert.equal(refreshes.length, 1, 'the dead refresh token was presented once, not per item');
		assert.ok(otherRun.run.ok, failure(otherRun.run));
		assert.ok(
			otherRun.ms < aloneMs + 5_000,
			`the other store's workflow took ${otherRun.ms} ms (alone: ${aloneMs} ms)`,
		);
		t.diagnostic(
			`revoked grant: 20 items failed with the Reconnect advice; the execution took ${batchMs} ms (the TikTok node ${nodeMs} ms; ${wallMs} ms wall time with the harness's REST start and polling); ${refreshes.length} refresh presented (refused: revoked); the other store's workflow ${otherRun.ms} ms wall (alone ${aloneMs} ms)`,
		);
	});

	it('figures', (t) => {
		t.diagnostic(
			`totals in this file: ${figures.publishes} publishes, ${figures.webhooks} webhooks, ${figures.reconnects} reconnects; dead refresh tokens presented: ${JSON.stringify(stack.emu.deadRefreshTokensPresented())}; refreshes: ${stack.emu.state.tokenRequests.filter((request) => request.grantType === 'refresh_token').length}`,
		);
		assert.equal(figures.reconnects, 0);
	});
});
