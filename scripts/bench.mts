/**
 * npm run bench — upload performance of Video → Publish (binary property) in a real n8n, against curl.
 *
 * For each size (default 2,000,000,000 and 256,000,000 bytes):
 *   1. curl:  a direct `video/init` with the node's chunk plan, then every chunk PUT with `curl -T <chunk file>`
 *             (one curl process, `--next` per chunk, the node's exact Content-Range sequence) into the emulator;
 *   2. n8n:   Manual Trigger → Read File → Wait 5 s → TikTok Video Publish (direct post, SELF_ONLY on
 *             private_creator, Wait for Publish off), run with `n8n execute`, while the n8n process's
 *             /proc/<pid>/status is sampled every ~100 ms;
 *   3. two ceilings in the same n8n (scripts/bench-ceiling-package.mts): the same PUTs from one in-memory buffer,
 *      through n8n's httpRequest helper and through a kept-alive Node http client, reading nothing;
 *   4. curl again, so the n8n runs are bracketed by two curl runs on the same (noisy, shared) machine.
 * Throughput is what the emulator saw: first body byte of the first chunk → last body byte of the final chunk
 * (`PublishRecord.chunkArrivals`). Every upload is checked byte-exact (emulator sha256 == file sha256).
 *
 * Options: --sizes=2000000000,256000000   --no-write (do not touch docs/benchmarks.md)
 * Everything it creates lives in the n8n instance's folder (removed by stack.stop(), also on failure/signals).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
	createReadStream,
	createWriteStream,
	readFileSync,
	readdirSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import { chunkRange, contentRangeHeader, planChunks, type ChunkPlan } from '../nodes/TikTok/helpers/chunkPlan.ts';
import type { PublishRecord, RequestRecord } from '../test/emulator/types.mts';
import { BINARY_VIDEO_DIRECT, chain, readFileNode, startStack, tiktokNode, type Stack } from '../test/e2e/stack.mts';
import { writeMp4 } from '../test/fixtures/video.mts';
import { buildCeilingPackage, ceilingNode, type CeilingClient } from './bench-ceiling-package.mts';
import { ensureN8n, nodeOutput, type ExecuteResult } from '../test/harness/index.mts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const COMMAND = 'npm run bench';
const ACCOUNT = 'private_creator';
const WAIT_SECONDS = 5;
const SAMPLE_MS = 100;
const MB = 1_000_000;

const args = process.argv.slice(2);
const sizesArg = args.find((arg) => arg.startsWith('--sizes='));
const SIZES = sizesArg
	? sizesArg.slice('--sizes='.length).split(',').map(Number)
	: [2_000_000_000, 256_000_000];
const WRITE_DOC = !args.includes('--no-write');

function say(line = ''): void {
	process.stdout.write(`${line}\n`);
}

const now = (): number => performance.timeOrigin + performance.now();
const mb = (bytes: number): number => bytes / MB;
const fixed = (value: number, digits = 1): string =>
	Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

// ---------------------------------------------------------------------------------------------------------------
// Cleanup on signals: the harness kills n8n's process groups and exits on SIGINT/SIGTERM/SIGHUP; these handlers are
// installed first, so they run first and remove what the bench created (synchronously) and stop curl.

const cleanupPaths = new Set<string>();
const children = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.once(signal, () => {
		for (const child of children) child.kill('SIGKILL');
		for (const path of cleanupPaths) rmSync(path, { recursive: true, force: true });
		process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
	});
}

// ---------------------------------------------------------------------------------------------------------------
// Emulator-side measurement

interface Transfer {
	bytes: number;
	/** First body byte of the first chunk → last body byte of the final chunk, ms. */
	ms: number;
	mbPerSec: number;
	chunks: number;
	/** Mean time a chunk's body took to arrive, ms, and the rate inside chunks. */
	meanChunkMs: number;
	inChunkMbPerSec: number;
	/** Mean time between one chunk's last byte and the next chunk's first byte (client-side work + request setup). */
	meanGapMs: number;
	firstByteAt: number;
	lastByteAt: number;
	sha256Ok: boolean;
}

function transferOf(record: PublishRecord, expectedSha256: string): Transfer {
	const arrivals = record.chunkArrivals;
	if (record.uploadedBytes !== record.videoSize || arrivals.length !== record.totalChunkCount) {
		throw new Error(
			`upload ${record.publishId} incomplete: ${record.uploadedBytes}/${record.videoSize} bytes, ${arrivals.length}/${record.totalChunkCount} chunks`,
		);
	}
	const first = arrivals[0].firstByteAt;
	const last = arrivals[arrivals.length - 1].lastByteAt;
	const inChunk = arrivals.reduce((sum, chunk) => sum + (chunk.lastByteAt - chunk.firstByteAt), 0);
	const gaps = arrivals
		.slice(1)
		.reduce((sum, chunk, index) => sum + (chunk.firstByteAt - arrivals[index].lastByteAt), 0);
	const bytes = record.uploadedBytes;
	return {
		bytes,
		ms: last - first,
		mbPerSec: mb(bytes) / ((last - first) / 1000),
		chunks: arrivals.length,
		meanChunkMs: inChunk / arrivals.length,
		inChunkMbPerSec: mb(bytes) / (inChunk / 1000),
		meanGapMs: arrivals.length > 1 ? gaps / (arrivals.length - 1) : 0,
		firstByteAt: first,
		lastByteAt: last,
		sha256Ok: record.sha256 === expectedSha256,
	};
}

// ---------------------------------------------------------------------------------------------------------------
// curl

async function splitIntoChunks(source: string, plan: ChunkPlan, folder: string): Promise<string[]> {
	await mkdir(folder, { recursive: true });
	const files: string[] = [];
	for (let index = 0; index < plan.totalChunkCount; index++) {
		const { start, end } = chunkRange(plan, index);
		const file = join(folder, `chunk-${String(index).padStart(4, '0')}`);
		await pipeline(createReadStream(source, { start, end }), createWriteStream(file));
		files.push(file);
	}
	return files;
}

const POST_INFO = {
	title: 'bench',
	privacy_level: 'SELF_ONLY',
	disable_comment: true,
	disable_duet: true,
	disable_stitch: true,
	brand_content_toggle: false,
	brand_organic_toggle: false,
};

async function initDirect(
	stack: Stack,
	accessToken: string,
	plan: ChunkPlan,
): Promise<{ publishId: string; uploadUrl: string }> {
	const response = await fetch(`${stack.emu.baseUrl}/v2/post/publish/video/init/`, {
		method: 'POST',
		headers: {
			Authorization: `Bearer ${accessToken}`,
			'Content-Type': 'application/json; charset=UTF-8',
		},
		body: JSON.stringify({
			post_info: POST_INFO,
			source_info: {
				source: 'FILE_UPLOAD',
				video_size: plan.videoSize,
				chunk_size: plan.chunkSize,
				total_chunk_count: plan.totalChunkCount,
			},
		}),
	});
	const body = (await response.json()) as {
		data?: { publish_id?: string; upload_url?: string };
		error?: { code?: string; message?: string };
	};
	if (!response.ok || !body.data?.publish_id || !body.data.upload_url) {
		throw new Error(
			`video/init for curl failed: HTTP ${response.status} ${body.error?.code} ${body.error?.message}`,
		);
	}
	return { publishId: body.data.publish_id, uploadUrl: body.data.upload_url };
}

/**
 * One curl process uploads every chunk in order over one kept-alive connection (`--next` between transfers).
 * `--request-target` keeps the upload URL's path exact: with `-T` curl otherwise appends the local file name to a
 * URL path that ends in "/" (TikTok's upload URL does). `Expect:` is blanked so no 100-continue round trip is added.
 */
async function curlUpload(
	uploadUrl: string,
	plan: ChunkPlan,
	chunkFiles: string[],
	folder: string,
): Promise<void> {
	const url = new URL(uploadUrl);
	const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
	const lines: string[] = [];
	chunkFiles.forEach((file, index) => {
		if (index > 0) lines.push('next');
		lines.push(
			`url = ${quote(uploadUrl)}`,
			`request-target = ${quote(url.pathname + url.search)}`,
			`upload-file = ${quote(file)}`,
			`header = ${quote('Content-Type: video/mp4')}`,
			`header = ${quote(`Content-Range: ${contentRangeHeader(plan, chunkRange(plan, index))}`)}`,
			`header = ${quote('Expect:')}`,
			`output = ${quote('/dev/null')}`,
			`write-out = ${quote('%{http_code}\\n')}`,
		);
	});
	const config = join(folder, 'curl.cfg');
	await writeFile(config, `${lines.join('\n')}\n`);
	const child = spawn('curl', ['--silent', '--show-error', '--config', config], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	children.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
	child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
	const code = await new Promise<number | null>((resolve, reject) => {
		child.on('error', reject);
		child.on('close', resolve);
	});
	children.delete(child);
	const statuses = stdout.trim().split('\n');
	const expected = chunkFiles.map((_, index) => (index === chunkFiles.length - 1 ? '201' : '206'));
	if (code !== 0 || statuses.join(',') !== expected.join(',')) {
		throw new Error(`curl upload failed (exit ${code}): statuses ${statuses.join(',')}\n${stderr}`);
	}
}

async function runCurl(
	stack: Stack,
	accessToken: string,
	plan: ChunkPlan,
	chunkFiles: string[],
	folder: string,
	sha256: string,
): Promise<Transfer> {
	const { publishId, uploadUrl } = await initDirect(stack, accessToken, plan);
	await curlUpload(uploadUrl, plan, chunkFiles, folder);
	const record = stack.emu.state.publishes.get(publishId);
	if (!record) throw new Error(`the emulator does not know ${publishId}`);
	return transferOf(record, sha256);
}

/**
 * The same chunk PUTs from one in-memory buffer, from inside the same n8n (the stand-in ceiling node): what n8n's
 * HTTP path allows with no reading at all (`httpRequest`), and what a kept-alive client would (`keepAlive`).
 * Not the video's bytes, so not byte-exact by design.
 */
async function runCeiling(
	stack: Stack,
	accessToken: string,
	plan: ChunkPlan,
	client: CeilingClient,
): Promise<Transfer> {
	const { publishId, uploadUrl } = await initDirect(stack, accessToken, plan);
	const workflowId = await stack.n8n.importWorkflow(
		chain([ceilingNode(uploadUrl, plan, client)], `bench ceiling ${client}`),
	);
	const run = await stack.n8n.execute(workflowId, { timeoutMs: 30 * 60_000 });
	if (!run.ok) throw new Error(`the ${client} ceiling run failed: ${run.error?.message}`);
	const statuses = nodeOutput(run, 'Chunk PUT Ceiling')[0].statuses as number[];
	const N = plan.totalChunkCount;
	const expected = Array.from({ length: N }, (_, index) => (index === N - 1 ? 201 : 206));
	if (statuses.join(',') !== expected.join(','))
		throw new Error(`the ${client} ceiling's chunks were answered ${statuses.join(',')}`);
	const record = stack.emu.state.publishes.get(publishId);
	if (!record) throw new Error(`the emulator does not know ${publishId}`);
	return transferOf(record, '');
}

// ---------------------------------------------------------------------------------------------------------------
// n8n process memory

interface Sample {
	t: number;
	rssKb: number;
	hwmKb: number;
}

/** Finds the `n8n execute` process of this instance: its environment holds the instance's N8N_USER_FOLDER. */
function findExecutePid(userFolder: string): number | undefined {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			if (!cmdline.includes('execute') || !cmdline.some((part) => part.endsWith('/n8n'))) continue;
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
			if (environ.includes(`N8N_USER_FOLDER=${userFolder}`)) return Number(entry);
		} catch {
			// gone or not ours
		}
	}
	return undefined;
}

function readStatus(pid: number): { rssKb: number; hwmKb: number } | undefined {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = /VmRSS:\s+(\d+) kB/.exec(status);
		const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
		return rss && hwm ? { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) } : undefined;
	} catch {
		return undefined;
	}
}

/** Resets the kernel's peak-RSS counter (VmHWM) of a process to its current RSS (`echo 5 > clear_refs`). */
function resetPeak(pid: number): boolean {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

class RssSampler {
	pid: number | undefined;
	samples: Sample[] = [];
	/** Samples taken synchronously when the TikTok node's first API call and first chunk request reached the emulator. */
	marks: Record<string, Sample & { peakReset: boolean }> = {};
	private timer: NodeJS.Timeout;

	constructor(private userFolder: string) {
		this.timer = setInterval(() => this.sample(), SAMPLE_MS);
	}

	sample(): Sample | undefined {
		this.pid ??= findExecutePid(this.userFolder);
		if (this.pid === undefined) return undefined;
		const status = readStatus(this.pid);
		if (!status) return undefined;
		const sample = { t: now(), ...status };
		this.samples.push(sample);
		return sample;
	}

	/** Takes a sample now and, when asked, restarts the kernel's peak counter from here. */
	mark(name: string, restartPeak: boolean): void {
		const sample = this.sample();
		if (sample && this.pid !== undefined)
			this.marks[name] = { ...sample, peakReset: restartPeak && resetPeak(this.pid) };
	}

	stop(): void {
		clearInterval(this.timer);
	}
}

const median = (values: number[]): number => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
const kbToMb = (kb: number): number => (kb * 1024) / MB;

// ---------------------------------------------------------------------------------------------------------------
// n8n run

interface NodeRun {
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

async function runNode(
	stack: Stack,
	credential: { id: string; name: string },
	path: string,
	sha256: string,
	plan: ChunkPlan,
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
		run = await stack.n8n.execute(workflowId, { timeoutMs: 30 * 60_000 });
	} finally {
		clearInterval(watcher);
		sampler.stop();
		requests.push = originalPush;
	}
	if (!run.ok)
		throw new Error(`the n8n run failed: ${run.error?.message} ${run.error?.description ?? ''}`);
	const [out] = nodeOutput(run, 'TikTok');
	const publishId = String(out.publish_id);
	const record = stack.emu.state.publishes.get(publishId);
	if (!record) throw new Error(`the emulator does not know ${publishId}`);
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
	const within = (from: number, to: number) =>
		samples.filter((sample) => sample.t >= from && sample.t <= to);
	const before = samples.filter((sample) => sample.t <= readFile.start);
	const idle = within(wait.start + 1000, wait.end - 100);
	const tiktokStart = sampler.marks.tiktokStart;
	const uploadStart = sampler.marks.uploadStart;
	// The node's own phase: from its first API call (its chunk buffer is allocated after init) to the last chunk byte.
	const nodePhase = within(tiktokStart?.t ?? transfer.firstByteAt, transfer.lastByteAt);
	const sampledPeakKb = Math.max(...nodePhase.map((sample) => sample.rssKb));
	const usePeakCounter = Boolean(tiktokStart?.peakReset && endOfUpload.sample);
	return {
		transfer,
		chunkSize: plan.chunkSize,
		memory: {
			samples: samples.length,
			startupMb: kbToMb(before.at(-1)?.rssKb ?? NaN),
			readFilePeakMb: kbToMb(
				Math.max(...within(readFile.start, readFile.end).map((sample) => sample.rssKb)),
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

// ---------------------------------------------------------------------------------------------------------------
// Report

interface SizeResult {
	size: number;
	plan: ChunkPlan;
	curl: Transfer[];
	node: NodeRun;
	/** The stand-in ceiling node's runs (no reading; not the video's bytes). */
	ceiling: Record<CeilingClient, Transfer>;
}

function machine(install: { version: string; nodeVersion: string }): string[] {
	let kernel = 'unknown kernel';
	try {
		kernel = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ');
	} catch {
		// not Linux
	}
	return [
		`- CPU: ${cpus()[0]?.model ?? 'unknown'}, nproc ${cpus().length}; memory ${fixed(totalmem() / 2 ** 30, 1)} GiB; ${kernel}; shared with other work`,
		`- n8n ${install.version} on Node ${install.nodeVersion} (the harness's pinned install); bench + emulator on Node ${process.version}; ${curlVersionLine}`,
	];
}

let curlVersionLine = 'curl';

function resultsMarkdown(
	results: SizeResult[],
	install: { version: string; nodeVersion: string },
	startedAt: Date,
): string {
	const lines: string[] = [];
	lines.push(
		`Run ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${COMMAND}\`${SIZES.join(',') === '2000000000,256000000' ? '' : ` -- --sizes=${SIZES.join(',')}`}.`,
	);
	lines.push('');
	lines.push(...machine(install));
	lines.push('');
	lines.push(
		'| File | Chunk plan | node MB/s | curl MB/s (before / after) | ratio node ÷ curl | n8n httpRequest, no reading: MB/s (÷ curl) | node ÷ that | RSS baseline | RSS peak (node running) | RSS growth | growth ÷ chunk | byte-exact |',
	);
	lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
	for (const result of results) {
		const curlMean = result.curl.reduce((sum, t) => sum + t.mbPerSec, 0) / result.curl.length;
		const growth = result.node.memory.peakMb - result.node.memory.baselineMb;
		lines.push(
			`| ${fixed(mb(result.size), 0)} MB | ${result.plan.totalChunkCount} × ${fixed(mb(result.plan.chunkSize), 2)} MB | ${fixed(result.node.transfer.mbPerSec)} | ${fixed(curlMean)} (${result.curl.map((t) => fixed(t.mbPerSec)).join(' / ')}) | **${fixed(result.node.transfer.mbPerSec / curlMean, 2)}** | ${fixed(result.ceiling.httpRequest.mbPerSec)} (${fixed(result.ceiling.httpRequest.mbPerSec / curlMean, 2)}) | ${fixed(result.node.transfer.mbPerSec / result.ceiling.httpRequest.mbPerSec, 2)} | ${fixed(result.node.memory.baselineMb)} MB | ${fixed(result.node.memory.peakMb)} MB | **${fixed(growth)} MB** | **${fixed(growth / mb(result.plan.chunkSize), 2)} ×** | ${[result.node.transfer, ...result.curl].every((t) => t.sha256Ok) ? 'yes (sha256)' : '**NO**'} |`,
		);
	}
	lines.push('');
	lines.push('Where the time and memory went (same run):');
	lines.push('');
	lines.push(
		'| File | client | upload time | in-chunk MB/s | mean chunk body | mean gap between chunks | n8n RSS: after start-up / Read File peak / idle baseline / at first chunk / peak while the node ran (source) |',
	);
	lines.push('|---|---|---:|---:|---:|---:|---|');
	for (const result of results) {
		const m = result.node.memory;
		const row = (client: string, t: Transfer, memory: string) =>
			`| ${fixed(mb(result.size), 0)} MB | ${client} | ${fixed(t.ms / 1000, 2)} s | ${fixed(t.inChunkMbPerSec)} | ${fixed(t.meanChunkMs, 1)} ms | ${fixed(t.meanGapMs, 1)} ms | ${memory} |`;
		lines.push(
			row(
				'n8n node',
				result.node.transfer,
				`${fixed(m.startupMb)} / ${fixed(m.readFilePeakMb)} / ${fixed(m.baselineMb)} / ${fixed(m.preUploadMb)} / ${fixed(m.peakMb)} MB (${m.peakSource}; sampled max ${fixed(m.sampledPeakMb)}; ${m.samples} samples)`,
			),
		);
		lines.push(row('ceiling: n8n httpRequest, no reading', result.ceiling.httpRequest, ''));
		lines.push(row('ceiling: kept-alive Node http in n8n, no reading', result.ceiling.keepAlive, ''));
		result.curl.forEach((t, index) =>
			lines.push(row(`curl ${index === 0 ? 'before' : 'after'}`, t, '')),
		);
	}
	lines.push('');
	lines.push(
		`MB = 1,000,000 bytes everywhere (RSS converted from the kernel's KiB). Read File took ${results.map((r) => `${fixed(r.node.phases.readFileMs / 1000, 1)} s (${fixed(mb(r.size), 0)} MB)`).join(', ')}; the TikTok node ${results.map((r) => `${fixed(r.node.phases.tiktokMs / 1000, 1)} s`).join(', ')}.`,
	);
	return lines.join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

async function writeDoc(markdown: string): Promise<void> {
	let doc: string;
	try {
		doc = await readFile(DOC, 'utf8');
	} catch {
		doc = `# Benchmarks\n\n${START}\n${END}\n`;
	}
	const from = doc.indexOf(START);
	const to = doc.indexOf(END);
	if (from < 0 || to < from) doc = `${doc.trimEnd()}\n\n${START}\n${END}\n`;
	const start = doc.indexOf(START) + START.length;
	const end = doc.indexOf(END);
	await writeFile(DOC, `${doc.slice(0, start)}\n${markdown}\n${doc.slice(end)}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
	const startedAt = new Date();
	curlVersionLine = await new Promise<string>((resolve) => {
		const child = spawn('curl', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
		let out = '';
		child.stdout.on('data', (data: Buffer) => (out += data.toString()));
		child.on('close', () => resolve(out.split('\n')[0].split(' ').slice(0, 2).join(' ')));
		child.on('error', () => resolve('curl (version unknown)'));
	});
	say(`Starting the TikTok emulator and a real n8n (sizes: ${SIZES.join(', ')} bytes)…`);
	// The bench makes 3 direct posts per size: relax the emulator's per-minute init limit and daily post cap so a
	// re-run within the same minute/day does not fail. Nothing else differs from the strict defaults.
	// BENCH_N8N_NODE_OPTIONS (e.g. --trace-gc, --cpu-prof) reaches every n8n process, to profile the node's upload.
	const n8nNodeOptions = process.env.BENCH_N8N_NODE_OPTIONS;
	const ceilingPackage = await buildCeilingPackage();
	cleanupPaths.add(ceilingPackage.root);
	const stack = await startStack({
		emulator: { rateLimits: { init: 60 }, directPostsPerDay: 1000 },
		extraTarballs: [ceilingPackage.tarball],
		...(n8nNodeOptions ? { env: { NODE_OPTIONS: n8nNodeOptions } } : {}),
	});
	cleanupPaths.add(stack.n8n.userFolder);
	const caFile = stack.n8n.environment.NODE_EXTRA_CA_CERTS;
	if (caFile) cleanupPaths.add(caFile);
	const results: SizeResult[] = [];
	try {
		const install = await ensureN8n();
		const credential = await stack.connect(ACCOUNT, { name: 'TikTok bench' });
		const accessToken = String(stack.emu.issueTokens({ account: ACCOUNT }).access_token);

		for (const size of SIZES) {
			const plan = planChunks(size);
			say(
				`\n== ${fixed(mb(size), 0)} MB: ${plan.totalChunkCount} chunks of ${plan.chunkSize} bytes`,
			);
			const source = join(stack.filesFolder, `bench-${size}.mp4`);
			const chunkFolder = join(stack.filesFolder, `bench-${size}-chunks`);
			try {
				let t = now();
				const sha256 = await writeMp4(source, { sizeBytes: size, durationSec: 60 });
				say(`  wrote ${source} in ${fixed((now() - t) / 1000)} s (sha256 ${sha256.slice(0, 16)}…)`);
				t = now();
				const chunkFiles = await splitIntoChunks(source, plan, chunkFolder);
				say(
					`  split into ${chunkFiles.length} chunk files for curl in ${fixed((now() - t) / 1000)} s`,
				);

				const curlBefore = await runCurl(stack, accessToken, plan, chunkFiles, chunkFolder, sha256);
				say(
					`  curl (before): ${fixed(curlBefore.mbPerSec)} MB/s, ${fixed(curlBefore.ms / 1000, 2)} s, byte-exact: ${curlBefore.sha256Ok}`,
				);
				const node = await runNode(stack, credential, source, sha256, plan);
				const m = node.memory;
				say(
					`  n8n node:      ${fixed(node.transfer.mbPerSec)} MB/s, ${fixed(node.transfer.ms / 1000, 2)} s, byte-exact: ${node.transfer.sha256Ok}`,
				);
				say(
					`                 RSS baseline ${fixed(m.baselineMb)} MB, peak ${fixed(m.peakMb)} MB (${m.peakSource}), growth ${fixed(m.peakMb - m.baselineMb)} MB = ${fixed((m.peakMb - m.baselineMb) / mb(plan.chunkSize), 2)} × chunk`,
				);
				say(
					`                 mean gap between chunks ${fixed(node.transfer.meanGapMs)} ms, in-chunk ${fixed(node.transfer.inChunkMbPerSec)} MB/s`,
				);
				const ceiling = {
					keepAlive: await runCeiling(stack, accessToken, plan, 'keepAlive'),
					httpRequest: await runCeiling(stack, accessToken, plan, 'httpRequest'),
				};
				say(
					`  ceilings (no reading): n8n httpRequest ${fixed(ceiling.httpRequest.mbPerSec)} MB/s (gap ${fixed(ceiling.httpRequest.meanGapMs)} ms), kept-alive ${fixed(ceiling.keepAlive.mbPerSec)} MB/s (gap ${fixed(ceiling.keepAlive.meanGapMs)} ms)`,
				);
				const curlAfter = await runCurl(stack, accessToken, plan, chunkFiles, chunkFolder, sha256);
				say(
					`  curl (after):  ${fixed(curlAfter.mbPerSec)} MB/s, ${fixed(curlAfter.ms / 1000, 2)} s, byte-exact: ${curlAfter.sha256Ok}`,
				);
				results.push({ size, plan, curl: [curlBefore, curlAfter], node, ceiling });
			} finally {
				await rm(chunkFolder, { recursive: true, force: true });
				await rm(source, { force: true });
			}
		}
		const markdown = resultsMarkdown(results, install, startedAt);
		say(`\n${markdown}\n`);
		if (WRITE_DOC) {
			await writeDoc(markdown);
			say(`Results written to ${DOC}`);
		}
		const failed = results.some(
			(r) => ![r.node.transfer, ...r.curl].every((t) => t.sha256Ok),
		);
		if (failed) process.exitCode = 1;
	} finally {
		await stack.stop();
		await ceilingPackage.cleanup();
		for (const path of cleanupPaths) await rm(path, { recursive: true, force: true });
	}
}

main().catch((error: Error) => {
	process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
