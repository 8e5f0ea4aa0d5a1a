/**
 * The TikTok Trigger in a real, started n8n with active workflows, fed by the emulator's webhook sender:
 * a calendar publish → TikTok's `post.publish.publicly_available` → the example marks the row live with its URL;
 * bad signatures → 401 and no execution; a duplicate delivery → one execution; `authorization.removed` → the
 * event with its reason in words; the portal's Test URL → 200 and no execution; the exact raw body is verified.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CLIENT_KEY } from '../emulator/index.mts';
import type { MediaServer } from '../emulator/mediaServer.mts';
import { startMediaServer } from '../emulator/mediaServer.mts';
import { mp4Stream } from '../fixtures/video.mts';
import type { ExecuteResult } from '../harness/index.mts';
import { nodeOutput } from '../harness/index.mts';
import {
	CALENDAR_COLUMNS,
	createDataTable,
	dataTableRows,
	loadExample,
	pickDataTablesOn1x,
	prepareExample,
} from './examples.mts';
import type { Stack } from './stack.mts';
import { TIKTOK_TRIGGER_NODE, credentialsOf, deployViaWebhook, startStack } from './stack.mts';

const TRIGGER = 'TikTok Trigger';

describe('TikTok Trigger in real n8n', { timeout: 600_000 }, () => {
	let stack: Stack;
	let media: MediaServer;
	let publicCreator: { id: string; name: string };

	before(async () => {
		stack = await startStack({
			// Moderation outlasts the publish's own wait, as it does at TikTok: the post id comes by webhook.
			emulator: {
				statusPolls: { processing: 0, moderation: 1000 },
				webhooks: { retryDelaysMs: [100, 200] },
			},
		});
		media = await startMediaServer({ https: true });
		media.files['/verified/clip.mp4'] = {
			body: () => mp4Stream({ sizeBytes: 300_000, durationSec: 5, seed: 15 }),
			size: 300_000,
			contentType: 'video/mp4',
		};
		stack.emu.config.verifiedPrefixes = [`${media.url}/verified/`];
		stack.emu.config.pullTrustedCaPem = media.caPem;
		publicCreator = await stack.connect('public_creator');
	});
	after(async () => await Promise.allSettled([stack?.stop(), media?.stop()]));

	const webhookUrl = (webhookId: string) => `${stack.n8n.url}/webhook/${webhookId}/webhook`;
	const executionsOf = async (workflowId: string) => await stack.n8n.listExecutions(workflowId);

	/** Sends through the emulator (at TikTok's callback URL) and waits for every delivery to end. */
	async function settle(): Promise<void> {
		await stack.emu.webhooks.settled();
	}

	/** Executions of `workflowId` after `previous`, once n8n has had time to start any. */
	async function newExecutions(workflowId: string, previous: number): Promise<number> {
		await delay(1500);
		return (await executionsOf(workflowId)).length - previous;
	}

	it('a calendar publish → post.publish.publicly_available → the example marks the row live with its post_url', async () => {
		const now = new Date();
		const tableId = await createDataTable(stack.n8n, 'TikTok calendar', CALENDAR_COLUMNS, [
			{
				key: 'public-post',
				date: now.toISOString().slice(0, 10),
				hour: now.getUTCHours(),
				video_url: `${media.url}/verified/clip.mp4`,
				caption: 'Goes public later',
				privacy: 'PUBLIC_TO_EVERYONE',
				state: 'pending',
			},
		]);

		const example = prepareExample(
			await loadExample('calendar-mark-live-from-trigger.json'),
			publicCreator,
		);
		pickDataTablesOn1x(stack.n8n, example, tableId);
		const triggerNode = example.nodes.find((node) => node.type === TIKTOK_TRIGGER_NODE);
		assert.ok(triggerNode);
		const markLiveId = await stack.n8n.importWorkflow(example);
		await stack.n8n.activateWorkflow(markLiveId);
		stack.emu.webhooks.setCallbackUrl(webhookUrl(String(triggerNode.webhookId)));

		const calendar = prepareExample(await loadExample('calendar-data-table.json'), publicCreator);
		pickDataTablesOn1x(stack.n8n, calendar, tableId);
		const published = await (await deployViaWebhook(stack.n8n, calendar)).fire();
		assert.ok(published.ok, published.error?.message);
		let rows = await dataTableRows(stack.n8n, tableId);
		assert.equal(rows['public-post'].state, 'published');
		assert.equal(rows['public-post'].post_url, '', 'still in moderation: no post id yet');
		const publishId = String(rows['public-post'].publish_id);

		await settle();
		assert.equal(
			await newExecutions(markLiveId, 0),
			0,
			'post.publish.complete is not among the chosen events',
		);
		stack.emu.completeModeration(publishId);
		await settle();
		const run = await stack.n8n.waitForExecution({ workflowId: markLiveId, timeoutMs: 60_000 });
		assert.ok(run.ok, run.error?.message);
		const [event] = nodeOutput(run, 'TikTok Post Public');
		const postId = stack.emu.state.publishes.get(publishId)?.postIds[0];
		assert.match(String(postId), /^\d{19}$/);
		assert.equal(event.event, 'post.publish.publicly_available');
		assert.equal(event.post_id, postId, 'the 19-digit id exact, as a string');
		assert.equal(event.publish_id, publishId);
		assert.equal(event.post_url, `https://www.tiktok.com/@public_creator/video/${postId}`);
		rows = await dataTableRows(stack.n8n, tableId);
		assert.equal(rows['public-post'].state, 'live');
		assert.equal(rows['public-post'].post_url, event.post_url);
		await stack.n8n.deactivateWorkflow(markLiveId);
	});

	describe('deliveries to a trigger listening to every event', () => {
		let workflowId: string;
		let privateCreator: { id: string; name: string };

		before(async () => {
			privateCreator = await stack.connect('private_creator');
			const webhookId = randomUUID();
			workflowId = await stack.n8n.importWorkflow({
				name: `trigger ${webhookId.slice(0, 6)}`,
				nodes: [
					{
						id: 'trigger',
						name: TRIGGER,
						type: TIKTOK_TRIGGER_NODE,
						typeVersion: 1,
						webhookId,
						position: [0, 0],
						parameters: { events: ['*'], accounts: 'credential', options: {} },
						credentials: credentialsOf(privateCreator),
					},
				],
				connections: {},
				settings: { executionOrder: 'v1' },
			});
			await stack.n8n.activateWorkflow(workflowId);
			stack.emu.webhooks.setCallbackUrl(webhookUrl(webhookId));
			// The developer portal's "Test URL": acknowledged with 200, starts nothing. n8n answers 404 for a moment
			// after activation while it registers the webhook, so the user's first click may need a second one.
			for (let click = 1; ; click++) {
				const [test] = stack.emu.webhooks.sendTest();
				await settle();
				if (test.outcome === 'delivered') {
					assert.equal(test.attempts.at(-1)?.status, 200);
					break;
				}
				assert.ok(
					click < 30 && test.attempts.every((attempt) => attempt.status === 404),
					JSON.stringify(test.attempts),
				);
				await delay(500);
			}
		});

		it("the portal's Test URL request got 200 and started no execution", async () => {
			assert.equal(await newExecutions(workflowId, 0), 0);
		});

		it('a forged, stale or missing signature → 401 on every attempt, no execution', async () => {
			const before = (await executionsOf(workflowId)).length;
			const openId = stack.emu.openIdOf('private_creator');
			const sent = (['forged', 'stale', 'missing'] as const).flatMap((signature) =>
				stack.emu.webhooks.send('post.publish.failed', {
					openId,
					content: {
						publish_id: 'v_pub_url~v2.1',
						reason: 'internal',
						publish_type: 'DIRECT_PUBLISH',
					},
					signature,
				}),
			);
			await settle();
			for (const delivery of sent) {
				assert.deepEqual(
					delivery.attempts.map((attempt) => attempt.status),
					[401, 401, 401],
					delivery.signature,
				);
				assert.equal(delivery.outcome, 'dropped');
			}
			assert.equal(await newExecutions(workflowId, before), 0);
		});

		it('the signature is checked on the exact bytes TikTok sent (spaces, escapes, key order kept)', async () => {
			const previous = await executionsOf(workflowId);
			const openId = stack.emu.openIdOf('private_creator');
			const body = `{ "client_key" : "${DEFAULT_CLIENT_KEY}",\n  "event":"post.publish.failed", "create_time":${Math.floor(Date.now() / 1000)}, "user_openid":"${openId}", "content":"{\\"publish_id\\":\\"v_pub_url~v2.2\\",\\"reason\\":\\"video_pull_failed\\",\\"note\\":\\"caf\\u00e9 \\ud83c\\udfac\\"}" }`;
			const [delivery] = stack.emu.webhooks.sendRaw(body);
			await settle();
			assert.equal(delivery.attempts[0].status, 200);
			const run = await stack.n8n.waitForExecution({
				workflowId,
				afterId: previous[0]?.id,
				timeoutMs: 30_000,
			});
			assert.equal(await newExecutions(workflowId, previous.length), 1);
			const [event] = nodeOutput(run, TRIGGER);
			assert.equal(event.event, 'post.publish.failed');
			assert.equal(event.reason_text, 'TikTok could not download the video from the URL');
			assert.match(String(event.reason_fix), /public/);
		});

		it('a duplicate delivery (at least once) → one execution', async () => {
			const before = (await executionsOf(workflowId)).length;
			const openId = stack.emu.openIdOf('private_creator');
			const sent = stack.emu.webhooks.send('post.publish.inbox_delivered', {
				openId,
				content: { publish_id: 'v_inbox_file~v2.3', publish_type: 'INBOX_SHARE' },
				duplicate: true,
			});
			await settle();
			assert.deepEqual(
				sent.map((delivery) => [delivery.copy, delivery.attempts.map((attempt) => attempt.status)]),
				[
					['original', [200]],
					['duplicate', [200]],
				],
			);
			assert.equal(await newExecutions(workflowId, before), 1);
		});

		it("another account of the app → 200, no execution (Accounts: the credential's account)", async () => {
			const before = (await executionsOf(workflowId)).length;
			const [delivery] = stack.emu.webhooks.send('authorization.removed', {
				openId: stack.emu.openIdOf('public_creator'),
				content: { reason: 4 },
			});
			await settle();
			assert.deepEqual(
				delivery.attempts.map((attempt) => attempt.status),
				[200],
			);
			assert.equal(await newExecutions(workflowId, before), 0);
		});

		it('authorization.removed when the user disconnects the app → the event with its reason in words', async () => {
			const before = await executionsOf(workflowId);
			const openId = stack.emu.openIdOf('private_creator');
			stack.emu.revokeGrant(openId);
			await settle();
			const run: ExecuteResult = await stack.n8n.waitForExecution({
				workflowId,
				afterId: before[0]?.id,
				timeoutMs: 30_000,
			});
			const [event] = nodeOutput(run, TRIGGER);
			assert.equal(event.event, 'authorization.removed');
			assert.equal(event.open_id, openId);
			assert.equal(event.reason, 1);
			assert.equal(event.reason_text, 'The user disconnected the app in TikTok');
			assert.match(String(event.create_time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
			assert.match(String(event.dedup_key), /^[0-9a-f]{64}$/);
		});
	});
});
