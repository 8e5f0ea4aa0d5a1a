/**
 * Token life in a running n8n (the way users run it) against the emulator's strictest mode: 60-second access
 * tokens, rotating refresh tokens, client_key only in the form body, client_id refused.
 * What holds: consecutive expiries, several workflows sharing a credential, concurrent refreshes in one process.
 * Under rotation, a refresh made by one process reaches the others (a restart, a second queue-mode worker) through
 * the TikTok Token Store (docs/decisions/credential-refresh.md) — proven here in queue mode with two workers.
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
	chain,
	credentialsOf,
	deployViaWebhook,
	filePath,
	readFileNode,
	startStack,
	tiktokNode,
} from './stack.mts';

const STRICT = {
	accessTokenTtlSec: 60,
	rotateRefreshTokens: true,
	clientKeyIn: 'body',
	rejectClientIdParam: true,
} as const;
const creatorInfo = { resource: 'creator', operation: 'getInfo' };

/** Creator → Get Info with `credential`, deployed behind a webhook on the running n8n. */
async function creatorWorkflow(stack: Stack, credential: Connection, name: string) {
	return await deployViaWebhook(stack.n8n, chain([tiktokNode(credential, creatorInfo)], name));
}

function refreshesSince(stack: Stack, from: number) {
	return stack.emu.state.tokenRequests
		.slice(from)
		.filter((request) => request.grantType === 'refresh_token');
}

describe('token life in a running n8n, strict token mode', { timeout: 900_000 }, () => {
	let stack: Stack;
	before(async () => {
		// 20-second access tokens: the node renews a quarter of the lifetime early (at most a minute), so each round
		// below runs on one token and the next one finds it expired.
		stack = await startStack({ emulator: { ...STRICT, accessTokenTtlSec: 20 } });
	});
	after(async () => await stack?.stop());

	it('two workflows sharing one credential, fired at once, survive 3 consecutive expiries: one refresh each time, none rejected, no reconnect', async () => {
		const credential = await stack.connect('public_creator', { expiresInSec: -1 });
		const workflows = [
			await creatorWorkflow(stack, credential, 'shared-a'),
			await creatorWorkflow(stack, credential, 'shared-b'),
		];
		const from = stack.emu.state.tokenRequests.length;
		for (let round = 1; round <= 3; round++) {
			const runs = await Promise.all(workflows.map(async (workflow) => await workflow.fire()));
			for (const run of runs) {
				assert.ok(run.ok, `round ${round}: ${run.error?.message} ${run.error?.description}`);
				assert.equal(nodeOutput(run, 'TikTok')[0].username, 'public_creator');
			}
			assert.equal(
				refreshesSince(stack, from).length,
				round,
				`round ${round}: the concurrent runs refreshed once`,
			);
			if (round < 3) await sleep(21_000); // let the 20-second access token expire
		}
		const refreshes = refreshesSince(stack, from);
		assert.deepEqual(
			refreshes.map((request) => request.outcome),
			['ok', 'ok', 'ok'],
			'no refresh token rejected',
		);
		for (const request of refreshes)
			assert.ok(request.params.includes('client_key') && !request.params.includes('client_id'));
	});
});

describe('queue mode, two workers, one shared credential', { timeout: 900_000 }, () => {
	let stack: Stack;
	before(async () => {
		stack = await startStack({
			emulator: { ...STRICT, rotateRefreshTokens: false },
			queueWorkers: 2,
		});
	});
	after(async () => await stack?.stop());

	/** Fires `fire` until executions ran on both workers (at most 12 times); returns each run with its worker. */
	async function onBothWorkers(
		fire: () => Promise<ExecuteResult>,
	): Promise<Array<{ run: ExecuteResult; worker: number | undefined }>> {
		const runs: Array<{ run: ExecuteResult; worker: number | undefined }> = [];
		while (runs.length < 12 && new Set(runs.map((entry) => entry.worker)).size < 2) {
			const run = await fire();
			runs.push({ run, worker: stack.n8n.workerForExecution(String(run.executionId)) });
		}
		assert.equal(
			new Set(runs.map((entry) => entry.worker)).size,
			2,
			'executions ran on both workers',
		);
		return runs;
	}

	it("without rotation (TikTok's classic documented behaviour), both workers work with no reconnect and no rejected refresh (the second uses the token the first saved)", async () => {
		const credential = await stack.connect('public_creator', { expiresInSec: -1 });
		const workflow = await creatorWorkflow(stack, credential, 'queue-classic');
		const from = stack.emu.state.tokenRequests.length;
		for (const { run, worker } of await onBothWorkers(workflow.fire)) {
			assert.ok(run.ok, `worker ${worker}: ${run.error?.message} ${run.error?.description}`);
		}
		const refreshes = refreshesSince(stack, from);
		assert.ok(refreshes.length >= 1, 'renewed, and saved for the other worker');
		assert.ok(
			refreshes.every((request) => request.outcome === 'ok'),
			'no refresh token rejected',
		);
	});

	it("publishes a binary video on a worker with queue mode's default binary data store (2.x: `database`; 1.x: in the execution data)", async () => {
		const credential = await stack.connect('private_creator');
		const path = filePath(stack, 'queue.mp4');
		const sha256 = await writeMp4(path, { sizeBytes: 12_000_000, durationSec: 6 });
		const workflow = await deployViaWebhook(
			stack.n8n,
			chain(
				[
					readFileNode(path),
					tiktokNode(credential, {
						...BINARY_VIDEO_DIRECT,
						privacyLevel: 'SELF_ONLY',
						waitForPublish: false,
					}),
				],
				'queue binary',
			),
		);
		const run = await workflow.fire();
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		assert.ok(stack.n8n.workerForExecution(String(run.executionId)), 'ran on a worker');
		const [out] = nodeOutput(run, 'TikTok');
		assert.equal(
			stack.emu.state.publishes.get(String(out.publish_id))?.sha256,
			sha256,
			'byte-exact',
		);
	});

	it('rotation on, trigger on the main process: 20 publishes (15 public posts, 5 drafts) and 5 webhooks over 4+ access-token lifetimes, 4 at a time on 2 workers: no dead refresh token presented, zero reconnects', async (t) => {
		const TTL_SEC = 60;
		Object.assign(stack.emu.config, {
			rotateRefreshTokens: true,
			accessTokenTtlSec: TTL_SEC,
			statusPolls: { processing: 0, moderation: 1000 },
		});
		try {
			const credential = await stack.connect('public_creator', { expiresInSec: -1 });
			const path = filePath(stack, 'queue-chain.mp4');
			await writeMp4(path, { sizeBytes: 300_000, durationSec: 3 });
			const publish = {
				...BINARY_VIDEO_DIRECT,
				privacyLevel: 'PUBLIC_TO_EVERYONE',
				// Until PUBLISH_COMPLETE (moderation then goes on: the post id comes later, by webhook).
				waitForPublish: true,
				waitOptions: { intervalSeconds: 3 },
			};
			// TikTok allows an account 15 direct posts and 5 pending drafts per day: three workflows post publicly, one
			// uploads a draft.
			const draft = { ...BINARY_VIDEO_DIRECT, postMode: 'draft' };
			const workflows = [];
			for (let n = 0; n < 4; n++) {
				workflows.push(
					await deployViaWebhook(
						stack.n8n,
						chain(
							[readFileNode(path), tiktokNode(credential, n < 3 ? publish : draft)],
							`queue-chain-${n}`,
						),
					),
				);
			}
			const webhookId = randomUUID();
			const triggerId = await stack.n8n.importWorkflow({
				name: 'queue: post public',
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

			const from = stack.emu.state.tokenRequests.length;
			const started = Date.now();
			const runs: ExecuteResult[] = [];
			for (let round = 1; round <= 5; round++) {
				const batch = await Promise.all(workflows.map(async (workflow) => await workflow.fire()));
				runs.push(...batch);
				// One post of the round goes public: TikTok's webhook reaches the trigger on the main process.
				const first = batch.find((run) => run.ok && nodeOutput(run, 'TikTok')[0].mode !== 'draft');
				if (first) stack.emu.completeModeration(String(nodeOutput(first, 'TikTok')[0].publish_id));
				await stack.emu.webhooks.settled();
				if (round < 5) await sleep((TTL_SEC + 1) * 1000); // past the access token's life
			}
			const failed = runs
				.filter((run) => !run.ok)
				.map((run) => `${run.error?.message} ${run.error?.description}`);
			assert.deepEqual(failed, [], 'every publish succeeded: no reconnect needed');
			const workers = new Set(
				runs.map((run) => stack.n8n.workerForExecution(String(run.executionId))),
			);
			assert.equal(workers.size, 2, 'executions ran on both workers');
			let events = await stack.n8n.listExecutions(triggerId);
			for (let wait = 0; events.length < 5 && wait < 60; wait++) {
				await sleep(1000);
				events = await stack.n8n.listExecutions(triggerId);
			}
			assert.equal(events.length, 5, 'five post-public webhooks, five trigger executions');
			await stack.n8n.deactivateWorkflow(triggerId);
			const refreshes = refreshesSince(stack, from);
			const renewed = refreshes.filter((request) => request.outcome === 'ok');
			assert.ok(renewed.length >= 4, 'renewed at least once per expiry');
			const dead = stack.emu.deadRefreshTokensPresented(from);
			assert.deepEqual(dead, { rotated: 0, revoked: 0, expired: 0, unknown: 0 });
			for (const request of refreshes)
				assert.ok(request.params.includes('client_key') && !request.params.includes('client_id'));
			t.diagnostic(
				`queue: ${runs.length} publishes and ${events.length} webhooks in ${Math.round((Date.now() - started) / 1000)} s (${TTL_SEC}-second tokens) on workers ${[...workers].join('+')}, ${renewed.length} refreshes, ${dead.rotated} rotated-away refresh tokens presented, 0 reconnects`,
			);
		} finally {
			Object.assign(stack.emu.config, { rotateRefreshTokens: false, accessTokenTtlSec: 60 });
		}
	});
});
