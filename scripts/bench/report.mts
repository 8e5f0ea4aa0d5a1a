/**
 * The report: the results as Markdown (printed, and written between the bench markers of docs/benchmarks.md unless
 * --no-write).
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';

import type { ChunkPlan } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import type { CeilingClient } from './ceiling-package.mts';
import { COMMAND, DEFAULT_SIZES, DOC, fixed, mb } from './cli.mts';
import type { NodeRun } from './n8n.mts';
import type { Transfer } from './transfer.mts';

export interface SizeResult {
	size: number;
	plan: ChunkPlan;
	curl: Transfer[];
	node: NodeRun;
	/** The stand-in ceiling node's runs (no reading; not the video's bytes). */
	ceiling: Record<CeilingClient, Transfer>;
}

/** What the results were measured on. */
export interface RunContext {
	startedAt: Date;
	sizes: number[];
	/** The n8n install (version, and the Node it runs on). */
	install: { version: string; nodeVersion: string };
	/** "curl 7.88.1". */
	curlVersion: string;
}

function machine({ install, curlVersion }: RunContext): string[] {
	let kernel = 'unknown kernel';
	try {
		kernel = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ');
	} catch {
		// not Linux
	}
	return [
		`- CPU: ${cpus()[0]?.model ?? 'unknown'}, nproc ${cpus().length}; memory ${fixed(totalmem() / 2 ** 30, 1)} GiB; ${kernel}; shared with other work`,
		`- n8n ${install.version} on Node ${install.nodeVersion} (the harness's pinned install); bench + emulator on Node ${process.version}; ${curlVersion}`,
	];
}

export function resultsMarkdown(results: SizeResult[], context: RunContext): string {
	const { startedAt, sizes } = context;
	const lines: string[] = [];
	lines.push(
		`Run ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${COMMAND}\`${sizes.join(',') === DEFAULT_SIZES.join(',') ? '' : ` -- --sizes=${sizes.join(',')}`}.`,
	);
	lines.push('');
	lines.push(...machine(context));
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
		lines.push(
			row('ceiling: kept-alive Node http in n8n, no reading', result.ceiling.keepAlive, ''),
		);
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

/**
 * Replaces what stands between the `<!-- bench:<section>:start -->` / `end` markers of docs/benchmarks.md (adds the
 * markers, or the file, if missing). `results` is `npm run bench`'s section, `link` is `npm run bench:link`'s.
 */
export async function writeDoc(markdown: string, section = 'results'): Promise<void> {
	const START = `<!-- bench:${section}:start -->`;
	const END = `<!-- bench:${section}:end -->`;
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
