/**
 * Hostile requests and insecure settings in real n8n, against the emulator:
 * - a webhook body larger than any TikTok event (signed, or gzip that n8n inflates to 15 MiB) → 413 from the
 *   trigger before it parses anything, on every retry, and no execution;
 * - a video download from a presigned URL that fails leaves no query string in the error, the run data or n8n's log;
 * - an http:// TikTok API URL is refused before any request, in a run and in the credential's Test button;
 * - an init whose connection is refused ends with publish_not_sent ("safe to run again"), sent once.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET } from '../emulator/index.mts';
import type { MediaServer } from '../emulator/mediaServer.mts';
import { startMediaServer } from '../emulator/mediaServer.mts';
import { signWebhook } from '../emulator/webhooks.mts';
import { countFor, recordFault } from './ledger.mts';
import type { Stack } from './stack.mts';
import {
	CREDENTIAL_TYPE,
	closedPort,
	connectAt,
	credentialsOf,
	itemsNode,
	TIKTOK_TRIGGER_NODE,
	splitByOutcome,
	startStack,
	tiktokNode,
} from './stack.mts';

const TRIGGER = 'TikTok Trigger';

describe('hostile requests and insecure settings in real n8n', { timeout: 600_000 }, () => {
	let stack: Stack;
	let media: MediaServer;
	const n8nMajor = () => Number(stack.n8n.install.version.split('.')[0]);

	/** Runs `nodes` (the last with its errors on the error output) and returns its one failed item and the time taken. */
	async function runToOneFailure(nodes: Array<Record<string, unknown>>) {
		const started = Date.now();
		const run = await stack.run(nodes);
		const ms = Date.now() - started;
		assert.ok(run.ok, run.error?.message);
		const { failed } = splitByOutcome(stack, run);
		assert.equal(failed.length, 1);
		const failure = failed[0].json;
		return {
			run,
			ms,
			failure,
			details: failure.details as Record<string, unknown>,
			itemsOut: failed.length,
		};
	}

	before(async () => {
		stack = await startStack({ emulator: { webhooks: { retryDelaysMs: [100, 200] } } });
		media = await startMediaServer({ files: {} });
	});
	after(async () => await Promise.allSettled([stack?.stop(), media?.stop()]));

	describe('the trigger refuses a body larger than a TikTok event before parsing it', () => {
		let workflowId: string;
		let webhookUrl: string;

		before(async () => {
			const creator = await stack.connect('private_creator');
			const webhookId = randomUUID();
			workflowId = await stack.n8n.importWorkflow({
				name: `oversized ${webhookId.slice(0, 6)}`,
				nodes: [
					{
						id: 'trigger',
						name: TRIGGER,
						type: TIKTOK_TRIGGER_NODE,
						typeVersion: 1,
						webhookId,
						position: [0, 0],
						parameters: { events: ['*'], accounts: 'all', options: {} },
						credentials: credentialsOf(creator),
					},
				],
				connections: {},
				settings: { executionOrder: 'v1' },
			});
			await stack.n8n.activateWorkflow(workflowId);
			webhookUrl = `${stack.n8n.url}/webhook/${webhookId}/webhook`;
			stack.emu.webhooks.setCallbackUrl(webhookUrl);
			// n8n answers 404 for a moment after activation, while it registers the webhook.
			for (let attempt = 1; ; attempt++) {
				const [test] = stack.emu.webhooks.sendTest();
				await stack.emu.webhooks.settled();
				if (test.outcome === 'delivered') break;
				assert.ok(attempt < 30, JSON.stringify(test.attempts));
				await delay(500);
			}
		});
		after(async () => await stack.n8n.deactivateWorkflow(workflowId));

		it('a signed 1 MiB delivery → 413 on every attempt, no execution', async () => {
			const before = (await stack.n8n.listExecutions(workflowId)).length;
			const started = Date.now();
			const body = JSON.stringify({
				client_key: DEFAULT_CLIENT_KEY,
				event: 'post.publish.failed',
				create_time: Math.floor(Date.now() / 1000),
				user_openid: stack.emu.openIdOf('private_creator'),
				content: JSON.stringify({ publish_id: 'v_pub_url~v2.1', reason: 'x'.repeat(1024 * 1024) }),
			});
			const [delivery] = stack.emu.webhooks.sendRaw(body);
			await stack.emu.webhooks.settled();
			const ms = Date.now() - started;
			assert.deepEqual(
				delivery.attempts.map((attempt) => attempt.status),
				[413, 413, 413],
			);
			await delay(1500);
			assert.equal((await stack.n8n.listExecutions(workflowId)).length, before, 'no execution');
			recordFault({
				area: 'trigger',
				fault: 'signed webhook body of 1 MiB (TikTok events are a few hundred bytes)',
				outcome: "413 before any parsing, on each of TikTok's 3 attempts; no execution",
				ms,
				inits: 0,
				posts: 0,
				itemsIn: 0,
				itemsOut: 0,
				boundMs: 15_000,
			});
		});

		it('a gzip body n8n inflates to 15 MiB → 413 from the trigger in well under a second, no execution', async () => {
			const before = (await stack.n8n.listExecutions(workflowId)).length;
			const digits = Array.from({ length: (15 * 1024 * 1024) / 21 }, () => '12345678901234567890');
			const text = `{"event":"post.publish.failed","content":"{}","pad":[${digits.join(',')}]}`;
			const gzipped = gzipSync(text);
			const t = String(Math.floor(Date.now() / 1000));
			const started = Date.now();
			const response = await fetch(webhookUrl, {
				method: 'POST',
				headers: {
					'Content-Type': 'application/json',
					'Content-Encoding': 'gzip',
					'TikTok-Signature': `t=${t},s=${signWebhook(DEFAULT_CLIENT_SECRET, t, text)}`,
				},
				body: gzipped,
			});
			const ms = Date.now() - started;
			const answer = (await response.json()) as { message?: string };
			assert.equal(response.status, 413);
			assert.match(
				String(answer.message),
				/is 15728\d+ bytes, more than the 65536 bytes a TikTok event can be/,
			);
			await delay(1500);
			assert.equal((await stack.n8n.listExecutions(workflowId)).length, before, 'no execution');
			assert.match(stack.n8n.logs(), /TikTok Trigger refused a delivery \(413\)/);
			recordFault({
				area: 'trigger',
				fault: `gzip webhook body of ${Math.round(gzipped.length / 1024)} KiB that n8n inflates to 15 MiB`,
				outcome: '413 from the trigger before any parsing or HMAC; no execution',
				ms,
				inits: 0,
				posts: 0,
				itemsIn: 0,
				itemsOut: 0,
				boundMs: 15_000,
			});
		});
	});

	it("a presigned URL that fails to download: no query string in the error, the run data or n8n's log", async () => {
		const signature = randomBytes(16).toString('hex');
		const presigned = `${media.url}/private/clip.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAE2ETEST%2F20261208&X-Amz-Signature=${signature}`;
		const creator = await stack.connect('private_creator');
		// As in a real workflow, the link comes from an earlier node's item (an S3 node, say): that item is the user's
		// own data. What the TikTok node and n8n write for the failure must not repeat its query.
		const publish = (extra: Record<string, unknown> = {}) => [
			itemsNode([{ url: presigned }], 'Presigned Link'),
			tiktokNode(
				creator,
				{
					resource: 'video',
					operation: 'publish',
					source: 'url',
					videoUrl: '={{ $json.url }}',
					urlHandling: 'upload',
					postMode: 'draft',
				},
				extra,
			),
		];
		const { run, ms, failure, details, itemsOut } = await runToOneFailure(
			publish({ onError: 'continueErrorOutput' }),
		);
		const stopped = await stack.run(publish());
		assert.equal(details.code, 'download_http_error');
		assert.equal(
			failure.error,
			`The video URL answered HTTP 404 instead of the video: "${media.url}/private/clip.mp4"`,
		);
		assert.equal(stopped.ok, false);
		assert.match(String(stopped.error?.message), /answered HTTP 404/);
		// n8n 2.x's error output carries the input item's own fields too (here `url`, as the earlier node gave it): the
		// user's data passed through. What the node wrote for the failure is `error` and `details`.
		const { error: written, details: writtenDetails } = failure;
		const haystack = [
			JSON.stringify({ written, writtenDetails }),
			JSON.stringify(stopped.runData.TikTok),
			JSON.stringify(stopped.error),
			run.stdout,
			run.stderr,
			stopped.stdout,
			stopped.stderr,
			stack.n8n.logs(),
		].join('\n');
		for (const secret of [signature, 'AKIAE2ETEST', 'X-Amz-'])
			assert.ok(
				!haystack.includes(secret),
				`"${secret}" leaked: ${haystack.slice(Math.max(0, haystack.indexOf(secret) - 600), haystack.indexOf(secret) + 100)}`,
			);
		assert.ok(
			media.requests.some((request) => request.path.startsWith('/private/clip.mp4')),
			'the download was tried',
		);
		recordFault({
			area: 'download',
			fault: 'presigned URL (X-Amz-Signature) answering 404',
			outcome:
				'error item: download_http_error naming scheme, host and path only; no query string in run data or n8n log',
			ms,
			inits: 0,
			posts: 0,
			itemsIn: 1,
			itemsOut,
			boundMs: 15_000,
		});
	});

	it("an http:// TikTok API URL is refused before any request: in a run, and by the credential's Test button", async () => {
		const insecure = await connectAt(stack, 'insecure_api', 'http://tiktok-api.invalid');
		const requestsBefore = stack.emu.state.requests.length;
		const { ms, failure, details, itemsOut } = await runToOneFailure([
			tiktokNode(
				insecure,
				{ resource: 'creator', operation: 'getInfo' },
				{ onError: 'continueErrorOutput' },
			),
		]);
		// Sent, it would have been a DNS failure (dns_lookup_failed): the refusal came first.
		assert.equal(details.code, 'insecure_url');
		assert.equal(
			failure.error,
			'The TikTok API URL "http://tiktok-api.invalid/" does not use https',
		);
		assert.match(String(details.description), /must start with https:\/\//);

		const loaded = await stack.n8n.rest<{
			id: string;
			name: string;
			type: string;
			data: Record<string, unknown>;
		}>('GET', `/rest/credentials/${insecure.id}?includeData=true`);
		const test = await stack.n8n.rest<{ status: string; message: string }>(
			'POST',
			'/rest/credentials/test',
			{
				credentials: {
					id: insecure.id,
					name: insecure.name,
					type: CREDENTIAL_TYPE,
					data: loaded.data,
				},
			},
		);
		assert.equal(test.status, 'Error', test.message);
		// n8n 2.x runs the credential's preAuthentication before the test: the node's own message. n8n 1.x does not; it
		// sends the test request to the `.invalid` address the credential's expression gives an insecure URL, which
		// never resolves, and shows its generic message for a host it cannot reach (it does not name the host).
		assert.match(
			test.message,
			n8nMajor() >= 2 ? /does not use https/ : /The connection cannot be established/,
		);
		assert.equal(stack.emu.state.requests.length, requestsBefore, 'the emulator saw no request');
		recordFault({
			area: 'credential',
			fault: 'TikTok API URL http:// (not this machine)',
			outcome: `error item: insecure_url before any request; the Test button fails without sending (${n8nMajor() >= 2 ? 'naming https' : "n8n 1.x's generic unreachable-host message"})`,
			ms,
			inits: 0,
			posts: 0,
			itemsIn: 1,
			itemsOut,
			boundMs: 10_000,
		});
	});

	it('a refused connection on init → publish_not_sent, sent once, "safe to run again"', async () => {
		const account = 'refused_init';
		const creator = await connectAt(stack, account, `http://127.0.0.1:${await closedPort()}`);
		const { ms, failure, details, itemsOut } = await runToOneFailure([
			tiktokNode(
				creator,
				{
					resource: 'video',
					operation: 'publish',
					source: 'url',
					videoUrl: `${media.url}/verified/clip.mp4`,
					urlHandling: 'pull',
					postMode: 'draft',
				},
				{ onError: 'continueErrorOutput' },
			),
		]);
		assert.equal(details.code, 'publish_not_sent', String(failure.error));
		assert.equal(details.cause_code, 'connection_refused');
		assert.equal(details.network_code, 'ECONNREFUSED');
		assert.match(
			String(failure.error),
			/^TikTok did not receive this publish: n8n could not connect/,
		);
		assert.match(String(details.description), /running this item again is safe/);
		assert.deepEqual(countFor(stack.emu, account), { inits: 0, posts: 0 });
		recordFault({
			area: 'network',
			fault: 'publish init: connection refused (nothing listens at the API URL)',
			outcome:
				'error item: publish_not_sent (cause connection_refused), "safe to run again"; init sent once',
			ms,
			inits: 0,
			posts: 0,
			itemsIn: 1,
			itemsOut,
			boundMs: 15_000,
		});
	});
});
