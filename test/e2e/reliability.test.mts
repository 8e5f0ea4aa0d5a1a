/**
 * Fault injection in real n8n against the emulator: nothing lost, nothing posted twice, every failure an
 * action. Figures from this suite are recorded in docs/reliability.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { writeMp4 } from '../fixtures/video.mts';
import { nodeOutput } from '../harness/index.mts';
import { countFor, recordFault } from './ledger.mts';
import type { Stack } from './stack.mts';
import {
	BINARY_VIDEO_DIRECT,
	filePath,
	itemsNode,
	readFileNode,
	splitByOutcome,
	startStack,
	tiktokNode,
} from './stack.mts';

const publishVideo = (extra: Record<string, unknown> = {}) => ({
	...BINARY_VIDEO_DIRECT,
	privacyLevel: 'SELF_ONLY',
	waitForPublish: true,
	waitOptions: { intervalSeconds: 3, timeoutMinutes: 3 },
	...extra,
});

/** Items that each read `path`: a batch of `count` videos. */
function batch(path: string, count: number) {
	return [
		itemsNode(Array.from({ length: count }, (_, n) => ({ n, file: path }))),
		{
			name: 'Read Video',
			type: 'n8n-nodes-base.readWriteFile',
			typeVersion: 1,
			parameters: { operation: 'read', fileSelector: '={{ $json.file }}', options: {} },
		},
	];
}

describe('reliability in real n8n', { timeout: 1_200_000 }, () => {
	let stack: Stack;
	let small: string;
	before(async () => {
		// Binary data on disk, as n8n 2.x keeps it by default: n8n 1.x's default keeps the 48 MB video inside the
		// execution data, which n8n 1.x then sometimes fails to send back whole to the harness (its socket closed
		// mid-answer in one full run). That mode is covered by the queue-mode test on 1.x.
		stack = await startStack({
			emulator: { statusPolls: { processing: 1 } },
			env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' },
		});
		small = filePath(stack, 'small.mp4');
		await writeMp4(small, { sizeBytes: 300_000, durationSec: 5 });
	});
	after(async () => await stack?.stop());

	/** Runs `nodes` and how long the run took, for the ledger. */
	async function timedRun(nodes: Array<Record<string, unknown>>) {
		const started = Date.now();
		const run = await stack.run(nodes);
		return { run, ms: Date.now() - started };
	}

	/** A fresh creator, so daily caps and rate windows from other tests do not interfere. */
	async function freshCreator(name: string) {
		stack.emu.addAccount(name, { isPrivate: true });
		return await stack.connect(name);
	}

	it('survives a 5xx and a dropped connection at every chunk index of a 6-chunk upload: byte-exact, one post', async () => {
		const path = filePath(stack, 'six-chunks.mp4');
		// Automatic would send 48 MB as one chunk; Chunk Size 8 MB gives six.
		const sha256 = await writeMp4(path, { sizeBytes: 48_000_000, durationSec: 30 });
		const creator = await freshCreator('chunk_faults');
		for (let chunkIndex = 0; chunkIndex < 6; chunkIndex++) {
			stack.emu.config.faults.push(
				{ type: 'chunk5xx', chunkIndex, status: 503 },
				{ type: 'chunkDrop', chunkIndex },
			);
		}
		const { run, ms } = await timedRun([
			readFileNode(path),
			tiktokNode(creator, publishVideo({ requestOptions: { chunkSize: '8' } })),
		]);
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		const [out] = nodeOutput(run, 'TikTok');
		assert.equal(out.status, 'PUBLISH_COMPLETE');
		const video = out.video as Record<string, number>;
		assert.equal(video.chunks, 6);
		assert.equal(video.chunk_retries, 12);
		const fired = stack.emu.state.faults.filter(
			(f) => f.type === 'chunk5xx' || f.type === 'chunkDrop',
		);
		assert.equal(fired.length, 12, 'every injected fault fired');
		assert.equal(
			stack.emu.publishCount(stack.emu.openIdOf('chunk_faults')),
			1,
			'no duplicate post',
		);
		assert.equal(stack.emu.state.publishes.get(String(out.publish_id))?.sha256, sha256);
		recordFault({
			area: 'upload',
			fault: 'a 503 and a dropped connection at every chunk of a 6-chunk upload (48 MB, 12 faults)',
			outcome: 'PUBLISH_COMPLETE after 12 chunk retries, byte-exact (sha256 equal)',
			ms,
			...countFor(stack.emu, 'chunk_faults'),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: 180_000,
		});
	});

	it('waits out a 429 storm on init and publishes once (TikTok refused those calls, so repeating is safe)', async () => {
		const creator = await freshCreator('storm');
		stack.emu.config.faults.push({ type: 'http429', endpoint: 'init', count: 2 });
		const { run, ms } = await timedRun([readFileNode(small), tiktokNode(creator, publishVideo())]);
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		assert.equal(nodeOutput(run, 'TikTok')[0].status, 'PUBLISH_COMPLETE');
		assert.equal(stack.emu.state.faults.filter((f) => f.type === 'http429').length, 2);
		assert.equal(stack.emu.publishCount(stack.emu.openIdOf('storm')), 1);
		recordFault({
			area: 'init',
			fault: 'init answered 429 twice',
			outcome: 'waited 10 s + 20 s, then PUBLISH_COMPLETE',
			ms,
			...countFor(stack.emu, 'storm'),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: 120_000,
		});
	});

	it('keeps waiting while status is stuck, then reports the outcome', async () => {
		const creator = await freshCreator('stuck');
		stack.emu.config.faults.push({ type: 'statusStuck', polls: 3 });
		const { run, ms } = await timedRun([
			readFileNode(small),
			tiktokNode(creator, publishVideo({ waitOptions: { intervalSeconds: 2, timeoutMinutes: 2 } })),
		]);
		assert.ok(run.ok, run.error?.message);
		assert.equal(nodeOutput(run, 'TikTok')[0].status, 'PUBLISH_COMPLETE');
		recordFault({
			area: 'status polling',
			fault: 'status stuck in processing for 3 extra polls',
			outcome: 'kept waiting, then PUBLISH_COMPLETE',
			ms,
			...countFor(stack.emu, 'stuck'),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: 120_000,
		});
	});

	it('renews the token when it expires in the middle of a batch, without burning the rotated refresh token', async () => {
		stack.emu.config.accessTokenTtlSec = 12;
		try {
			stack.emu.addAccount('expiring', { isPrivate: true });
			const creator = await stack.connect('expiring', { expiresInSec: 12 });
			const before = stack.emu.state.tokenRequests.length;
			const { run, ms } = await timedRun([...batch(small, 4), tiktokNode(creator, publishVideo())]);
			assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
			assert.deepEqual(
				nodeOutput(run, 'TikTok').map((o) => o.status),
				['PUBLISH_COMPLETE', 'PUBLISH_COMPLETE', 'PUBLISH_COMPLETE', 'PUBLISH_COMPLETE'],
			);
			const refreshes = stack.emu.state.tokenRequests
				.slice(before)
				.filter((r) => r.grantType === 'refresh_token');
			assert.ok(refreshes.length >= 1, 'the batch outlived the access token');
			assert.ok(
				refreshes.every((r) => r.outcome === 'ok'),
				JSON.stringify(refreshes.map((r) => r.outcome)),
			);
			recordFault({
				area: 'token',
				fault:
					'access token (12 s life, rotating refresh token) expires in the middle of a batch of 4',
				outcome: `4 × PUBLISH_COMPLETE; ${refreshes.length} renewal(s), each accepted`,
				ms,
				...countFor(stack.emu, 'expiring'),
				itemsIn: 4,
				itemsOut: 4,
				boundMs: 240_000,
			});
		} finally {
			stack.emu.config.accessTokenTtlSec = 86400;
		}
	});

	it('reports an expired upload link clearly', async () => {
		const creator = await freshCreator('slow_link');
		stack.emu.config.uploadUrlTtlSec = 1;
		stack.emu.config.faults.push({ type: 'chunk5xx', chunkIndex: 0 });
		try {
			const { run, ms } = await timedRun([
				readFileNode(small),
				tiktokNode(creator, publishVideo()),
			]);
			assert.equal(run.ok, false);
			assert.match(String(run.error?.message), /upload link expired/);
			assert.match(String(run.error?.description), /one hour/);
			recordFault({
				area: 'upload',
				fault: 'the only chunk answered 503, and the upload link expired before the retry',
				outcome: `stopped with "${String(run.error?.message)}"`,
				ms,
				...countFor(stack.emu, 'slow_link'),
				itemsIn: 1,
				// The workflow stopped on the error (no Continue On Fail): the item is the error n8n shows.
				itemsOut: 1,
				boundMs: 60_000,
			});
		} finally {
			stack.emu.config.uploadUrlTtlSec = 3600;
		}
	});

	it('never repeats an init that timed out after reaching TikTok, and says the post may exist', async () => {
		const creator = await freshCreator('hang');
		stack.emu.config.faults.push({ type: 'initHang', afterCreate: true });
		const initsBefore = stack.emu.state.inits.length;
		const { run, ms } = await timedRun([
			readFileNode(small),
			tiktokNode(creator, publishVideo({ requestOptions: { initTimeoutSeconds: 3 } })),
		]);
		assert.equal(run.ok, false);
		assert.match(String(run.error?.message), /may or may not have started/);
		assert.match(String(run.error?.description), /did not try again/);
		assert.equal(
			stack.emu.state.inits.length - initsBefore,
			1,
			'the emulator saw exactly one init',
		);
		assert.equal(stack.emu.publishCount(stack.emu.openIdOf('hang')), 1);
		recordFault({
			area: 'init',
			fault: 'init never answered after TikTok created the publish (timeout 3 s)',
			outcome: 'stopped: "TikTok may or may not have started this publish", not repeated',
			ms,
			...countFor(stack.emu, 'hang'),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: 60_000,
		});
	});

	it("sends items past the daily cap to the error output, with TikTok's code, none lost or duplicated", async () => {
		stack.emu.config.directPostsPerDay = 5;
		try {
			const creator = await freshCreator('capped_batch');
			const requestsBefore = stack.emu.state.requests.length;
			const { run, ms } = await timedRun([
				...batch(small, 20),
				tiktokNode(creator, publishVideo({ waitForPublish: false }), {
					onError: 'continueErrorOutput',
				}),
			]);
			assert.ok(run.ok, run.error?.message);
			const { succeeded: ok, failed } = splitByOutcome(stack, run);
			assert.equal(ok.length, 5);
			assert.equal(failed.length, 15);
			assert.equal(ok.length + failed.length, 20, 'no item lost');
			for (const item of failed) {
				const details = item.json.details as Record<string, unknown>;
				assert.equal(details.code, 'spam_risk_too_many_posts');
				// The cap shows first in creator_info (HTTP 200 with TikTok's code), which the node asks before each direct post.
				assert.equal(details.http_status, 200);
				assert.ok(details.log_id, "TikTok's log_id is kept for support and branching");
				assert.match(String(item.json.error), /daily posting limit/);
				assert.match(String(details.description), /tomorrow/);
			}
			const paired = [...ok, ...failed]
				.map((item) => (item.pairedItem as { item: number }).item)
				.sort((a, b) => a - b);
			assert.deepEqual(
				paired,
				Array.from({ length: 20 }, (_, n) => n),
				'every item keeps its pairing',
			);
			assert.equal(stack.emu.publishCount(stack.emu.openIdOf('capped_batch')), 5, 'no duplicates');
			const calls = stack.emu.state.requests.slice(requestsBefore).map((r) => r.path);
			assert.equal(
				calls.filter((path) => path.endsWith('/video/init/')).length,
				5,
				'no init after the cap',
			);
			assert.equal(
				calls.filter((path) => path.endsWith('/creator_info/query/')).length,
				6,
				'one refused creator_info, then no more calls',
			);
			recordFault({
				area: 'daily cap',
				fault:
					'daily cap (5 posts) reached in a batch of 20, On Error: Continue (using error output)',
				outcome:
					'5 published; 15 on the error output with spam_risk_too_many_posts and log_id; no call after the refusal',
				ms,
				...countFor(stack.emu, 'capped_batch'),
				itemsIn: 20,
				itemsOut: ok.length + failed.length,
				boundMs: 240_000,
			});
		} finally {
			stack.emu.config.directPostsPerDay = 15;
		}
	});

	it('paces a batch of 12 within 6 publish calls a minute: no 429 from TikTok, about two minutes, not 12 failures', async () => {
		const creator = await freshCreator('batch12');
		const limitedBefore = stack.emu.state.rateLimited.init ?? 0;
		const started = Date.now();
		const run = await stack.run([
			...batch(small, 12),
			tiktokNode(creator, publishVideo({ waitForPublish: false })),
		]);
		const seconds = (Date.now() - started) / 1000;
		assert.ok(run.ok, run.error?.message);
		const outputs = nodeOutput(run, 'TikTok');
		assert.equal(outputs.length, 12);
		assert.equal(
			(stack.emu.state.rateLimited.init ?? 0) - limitedBefore,
			0,
			'TikTok never answered 429',
		);
		assert.equal(stack.emu.publishCount(stack.emu.openIdOf('batch12')), 12);
		const paced = outputs.map((o) => (o.timing as Record<string, number>).paced_ms);
		assert.ok(
			paced.slice(6).some((ms) => ms > 30_000),
			`items 7–12 waited for the window (${paced.join(', ')})`,
		);
		assert.ok(seconds > 60, `took ${seconds} s`);
		process.stdout.write(
			`# batch of 12: ${seconds.toFixed(1)} s, paced ms per item: ${paced.join(', ')}\n`,
		);
		recordFault({
			area: 'rate limit',
			fault: 'a batch of 12 on one credential (TikTok allows 6 publish calls a minute)',
			outcome: `12 published, no 429 from TikTok; items 7–12 waited up to ${Math.round(Math.max(...paced) / 1000)} s for the window`,
			ms: Math.round(seconds * 1000),
			...countFor(stack.emu, 'batch12'),
			itemsIn: 12,
			itemsOut: outputs.length,
			boundMs: 300_000,
		});
	});
});
