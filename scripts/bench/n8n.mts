/**
 * The n8n side: the TikTok node's upload in a real n8n, with the n8n process's memory sampled, and the two
 * ceilings (the stand-in ceiling node's chunk PUTs from one in-memory buffer, in the same n8n).
 */
import type { ChunkPlan } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import {
	BINARY_VIDEO_DIRECT,
	chain,
	readFileNode,
	tiktokNode,
	type Stack,
} from '../../test/e2e/stack.mts';
import type { RequestRecord } from '../../test/emulator/types.mts';
import { nodeOutput, type ExecuteResult } from '../../test/harness/index.mts';
import { ceilingNode, type CeilingClient } from './ceiling-package.mts';
import { WAIT_SECONDS, kbToMb, median } from './cli.mts';
import { RssSampler, type Sample } from './rss.mts';
import {
	expectedChunkStatuses,
	measureDirectUpload,
	publishRecord,
	transferOf,
	type Transfer,
} from './transfer.mts';

const RUN_TIMEOUT_MS = 30 * 60_000;

export interface NodeRun {
	transfer: Transfer;
	chunkSize: number;
	memory: {
		samples: number;
		/** RSS right before Read File started (after n8n's start-up). */
		startupMb: number;
		/** Highest sampled RSS while Read File copied the file into n8n's binary store. */
		readFilePeakMb: number;
		/** Median RSS while the Wait node idled between Read File and TikTok: the baseline. */
		baselineMb: number;
		/** RSS when the first chunk request reached the emulator. */
		preUploadMb: number;
		/** Highest RSS from the TikTok node's first API call to the last chunk byte: kernel VmHWM (reset at that call). */
		peakMb: number;
		peakSource: 'VmHWM' | 'sampled VmRSS';
		sampledPeakMb: number;
	};
	phases: { readFileMs: number; tiktokMs: number };
	publishId: string;
}

/**
 * Manual Trigger → Read File → Wait → TikTok Video Publish (direct post, SELF_ONLY, Wait for Publish off), run with
 * `n8n execute` while the n8n process's RSS is sampled.
 */
export async function runNode(
	stack: Stack,
	credential: { id: string; name: string },
	path: string,
	sha256: string,
	plan: ChunkPlan,
	/** The node's Chunk Size option in MB (undefined: Automatic). */
	chunkSizeMb?: number,
): Promise<NodeRun> {
	const nodes = [
		readFileNode(path),
		{
			name: 'Wait',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			parameters: { resume: 'timeInterval', amount: WAIT_SECONDS, unit: 'seconds' },
		},
		tiktokNode(credential, {
			...BINARY_VIDEO_DIRECT,
			caption: 'bench',
			privacyLevel: 'SELF_ONLY',
			waitForPublish: false,
			...(chunkSizeMb ? { requestOptions: { chunkSize: String(chunkSizeMb) } } : {}),
		}),
	];
	const workflowId = await stack.n8n.importWorkflow(chain(nodes, 'bench'));

	const sampler = new RssSampler(stack.n8n.userFolder);
	// Observe (not alter) the emulator's request log: mark the moments the TikTok node's first API call and first
	// chunk request arrive, synchronously, to cut the sample series into phases and restart the peak counter.
	const requests = stack.emu.state.requests;
	const originalPush = requests.push;
	requests.push = function (this: RequestRecord[], ...records: RequestRecord[]) {
		for (const record of records) {
			if (
				record.server === 'api' &&
				record.path.includes('creator_info') &&
				!sampler.marks.tiktokStart
			)
				sampler.mark('tiktokStart', true);
			if (record.server === 'upload' && !sampler.marks.uploadStart)
				sampler.mark('uploadStart', false);
		}
		return originalPush.apply(this, records);
	};
	let run: ExecuteResult;
	// The first sample after the node's upload completed: its VmHWM is the peak since the node's first API call.
	const endOfUpload: { sample?: Sample } = {};
	const seen = new Set(stack.emu.state.publishes.keys());
	const watcher = setInterval(() => {
		if (endOfUpload.sample) return;
		const record = [...stack.emu.state.publishes.values()].find(
			(p) =>
				!seen.has(p.publishId) && p.chunkArrivals.length > 0 && p.uploadedBytes === p.videoSize,
		);
		if (record) endOfUpload.sample = sampler.sample();
	}, 20);
	try {
		// In its own `n8n execute` process (the sampler's target), as before the harness ran workflows in its server.
		run = await stack.n8n.execute(workflowId, { timeoutMs: RUN_TIMEOUT_MS, via: 'cli' });
	} finally {
		clearInterval(watcher);
		sampler.stop();
		requests.push = originalPush;
	}
	if (!run.ok)
		throw new Error(`the n8n run failed: ${run.error?.message} ${run.error?.description ?? ''}`);
	const [out] = nodeOutput(run, 'TikTok');
	const publishId = String(out.publish_id);
	const record = publishRecord(stack, publishId);
	const init = stack.emu.state.inits.find((entry) => entry.publishId === publishId);
	const sourceInfo = (init?.body as { source_info?: Record<string, unknown> } | undefined)
		?.source_info;
	if (
		sourceInfo?.chunk_size !== plan.chunkSize ||
		sourceInfo?.total_chunk_count !== plan.totalChunkCount
	) {
		throw new Error(
			`the node used another chunk plan than planChunks(): ${JSON.stringify(sourceInfo)}`,
		);
	}
	const transfer = transferOf(record, sha256);

	const task = (name: string) => {
		const data = run.runData[name]?.[0];
		return {
			start: Number(data?.startTime),
			end: Number(data?.startTime) + Number(data?.executionTime),
		};
	};
	const readFile = task('Read Video');
	const wait = task('Wait');
	const tiktok = task('TikTok');
	const { samples } = sampler;
	const before = samples.filter((sample) => sample.t <= readFile.start);
	const idle = sampler.within(wait.start + 1000, wait.end - 100);
	const tiktokStart = sampler.marks.tiktokStart;
	const uploadStart = sampler.marks.uploadStart;
	// The node's own phase: from its first API call (its chunk buffer is allocated after init) to the last chunk byte.
	const nodePhase = sampler.within(tiktokStart?.t ?? transfer.firstByteAt, transfer.lastByteAt);
	const sampledPeakKb = Math.max(...nodePhase.map((sample) => sample.rssKb));
	const usePeakCounter = Boolean(tiktokStart?.peakReset && endOfUpload.sample);
	return {
		transfer,
		chunkSize: plan.chunkSize,
		memory: {
			samples: samples.length,
			startupMb: kbToMb(before.at(-1)?.rssKb ?? NaN),
			readFilePeakMb: kbToMb(
				Math.max(...sampler.within(readFile.start, readFile.end).map((sample) => sample.rssKb)),
			),
			baselineMb: kbToMb(median(idle.map((sample) => sample.rssKb))),
			preUploadMb: kbToMb(uploadStart?.rssKb ?? NaN),
			peakMb: kbToMb(
				usePeakCounter ? Math.max(endOfUpload.sample!.hwmKb, sampledPeakKb) : sampledPeakKb,
			),
			peakSource: usePeakCounter ? 'VmHWM' : 'sampled VmRSS',
			sampledPeakMb: kbToMb(sampledPeakKb),
		},
		phases: { readFileMs: readFile.end - readFile.start, tiktokMs: tiktok.end - tiktok.start },
		publishId,
	};
}

/**
 * The same chunk PUTs from one in-memory buffer, from inside the same n8n (the stand-in ceiling node): what n8n's
 * HTTP path allows with no reading at all (`httpRequest`), and what a kept-alive client would (`keepAlive`).
 * Not the video's bytes, so not byte-exact by design.
 */
export async function runCeiling(
	stack: Stack,
	accessToken: string,
	plan: ChunkPlan,
	client: CeilingClient,
): Promise<Transfer> {
	return await measureDirectUpload(stack, accessToken, plan, '', async (uploadUrl) => {
		const workflowId = await stack.n8n.importWorkflow(
			chain([ceilingNode(uploadUrl, plan, client)], `bench ceiling ${client}`),
		);
		const run = await stack.n8n.execute(workflowId, { timeoutMs: RUN_TIMEOUT_MS });
		if (!run.ok) throw new Error(`the ${client} ceiling run failed: ${run.error?.message}`);
		const statuses = (nodeOutput(run, 'Chunk PUT Ceiling')[0].statuses as number[]).join(',');
		if (statuses !== expectedChunkStatuses(plan))
			throw new Error(`the ${client} ceiling's chunks were answered ${statuses}`);
	});
}
