/**
 * `npm run bench:link`'s report: per link profile, node ÷ curl, connections, where the node's extra time went, and
 * n8n's memory growth against the chunk plan (Markdown, written between the `bench:link` markers of
 * docs/benchmarks.md unless --no-write).
 */
import { cpus } from 'node:os';

import { largestChunkLength, type ChunkPlan } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import { fixed, mb } from './cli.mts';
import type { LinkProfile } from './link.mts';
import type { NodeRun } from './n8n.mts';
import { writeDoc } from './report.mts';
import type { Transfer } from './transfer.mts';

export interface LinkResult {
	profile: LinkProfile;
	size: number;
	plan: ChunkPlan;
	/** The node's Chunk Size option (undefined: Automatic). */
	chunkSizeMb?: number;
	curl: Transfer;
	curlConnections: number;
	node: NodeRun;
	nodeConnections: number;
	/** The node's gap between chunks taken apart (undefined when a retry made connections and chunks differ). */
	nodeGapParts?: GapParts;
}

/**
 * The node's mean gap between chunks, split at the moment the previous chunk's answer reached the client (its last
 * byte at the emulator + ½ RTT): gap = ½ RTT (the answer travelling back) + `afterAnswerMs` (the client, from that
 * answer to the next chunk's first body byte leaving: n8n handing the answer back, reading the next chunk, and any
 * part of the next connection's handshakes not done yet) + ½ RTT (that byte travelling there).
 * `openedBeforeAnswerMs` is how long before that answer the next chunk's connection was opened at the link's
 * entrance: negative when it was opened after it (one connection per chunk, opened when needed), positive when it was
 * opened early (held until the answer). On this link a connection needs 2 RTT before its first body byte can leave.
 */
export interface GapParts {
	openedBeforeAnswerMs: number;
	afterAnswerMs: number;
}

export function nodeGapParts(
	arrivals: Array<{ firstByteAt: number; lastByteAt: number }>,
	openedAt: number[],
	rttMs: number,
): GapParts | undefined {
	if (arrivals.length < 2 || openedAt.length !== arrivals.length) return undefined;
	const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
	const answerAt = (index: number) => arrivals[index].lastByteAt + rttMs / 2;
	return {
		openedBeforeAnswerMs: mean(
			arrivals.slice(1).map((_, index) => answerAt(index) - openedAt[index + 1]),
		),
		afterAnswerMs: mean(
			arrivals.slice(1).map((chunk, index) => chunk.firstByteAt - rttMs / 2 - answerAt(index)),
		),
	};
}

export function linkResultsMarkdown(
	results: LinkResult[],
	context: {
		startedAt: Date;
		install: { version: string; nodeVersion: string };
		curlVersion: string;
		args: string[];
	},
): string {
	const lines: string[] = [];
	lines.push(
		`Run ${context.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} with \`npm run bench:link${context.args.length ? ` -- ${context.args.join(' ')}` : ''}\`; n8n ${context.install.version} on Node ${context.install.nodeVersion}, bench + emulator + relays on Node ${process.version}, ${context.curlVersion}; nproc ${cpus().length}, shared with other work. TLS 1.3 both ways.`,
	);
	lines.push('');
	lines.push(
		'| Link | File, chunk plan | curl MB/s (connections) | node MB/s (connections) | **node ÷ curl** | gap between chunks: node / curl | node extra per chunk (÷ RTT) | n8n RSS growth | **÷ chunk_size** | ÷ final chunk (buffer) | byte-exact |',
	);
	lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
	for (const r of results) {
		const growth = r.node.memory.peakMb - r.node.memory.baselineMb;
		const finalChunk = largestChunkLength(r.plan);
		const extraGap = r.node.transfer.meanGapMs - r.curl.meanGapMs;
		const plan = `${fixed(mb(r.size), 0)} MB, ${r.plan.totalChunkCount} × ${fixed(mb(r.plan.chunkSize), 1)} MB (final ${fixed(mb(finalChunk), 1)} MB${r.chunkSizeMb ? `; Chunk Size ${r.chunkSizeMb} MB` : '; Automatic'})`;
		lines.push(
			`| ${r.profile.name} | ${plan} | ${fixed(r.curl.mbPerSec, 2)} (${r.curlConnections}) | ${fixed(r.node.transfer.mbPerSec, 2)} (${r.nodeConnections}) | **${fixed(r.node.transfer.mbPerSec / r.curl.mbPerSec, 3)}** | ${fixed(r.node.transfer.meanGapMs)} / ${fixed(r.curl.meanGapMs)} ms | ${r.plan.totalChunkCount > 1 ? `${fixed(extraGap)} ms (${fixed(extraGap / r.profile.rttMs, 2)})` : 'n/a'} | ${fixed(growth)} MB | **${fixed(growth / mb(r.plan.chunkSize), 2)} ×** | ${fixed(growth / mb(finalChunk), 2)} × | ${r.curl.sha256Ok && r.node.transfer.sha256Ok ? 'yes (sha256)' : '**NO**'} |`,
		);
	}
	lines.push('');
	lines.push(
		'Where the time went (same run): upload window = first body byte of the first chunk → last byte of the final chunk, at the emulator.',
	);
	lines.push('');
	lines.push(
		'| Link | client | upload window | in-chunk MB/s | mean gap between chunks | next connection opened before the answer | client: answer → next body byte | RSS baseline / peak (source) |',
	);
	lines.push('|---|---|---:|---:|---:|---:|---:|---|');
	for (const r of results) {
		const m = r.node.memory;
		const parts = r.nodeGapParts;
		lines.push(
			`| ${r.profile.name} | curl | ${fixed(r.curl.ms / 1000, 2)} s | ${fixed(r.curl.inChunkMbPerSec, 2)} | ${fixed(r.curl.meanGapMs)} ms | (one connection) | ${fixed(r.curl.meanGapMs - r.profile.rttMs)} ms | |`,
		);
		lines.push(
			`| ${r.profile.name} | n8n node | ${fixed(r.node.transfer.ms / 1000, 2)} s | ${fixed(r.node.transfer.inChunkMbPerSec, 2)} | ${fixed(r.node.transfer.meanGapMs)} ms | ${parts ? `${fixed(parts.openedBeforeAnswerMs)} ms` : 'n/a'} | ${parts ? `${fixed(parts.afterAnswerMs)} ms` : 'n/a'} | ${fixed(m.baselineMb)} / ${fixed(m.peakMb)} MB (${m.peakSource}; sampled max ${fixed(m.sampledPeakMb)}) |`,
		);
	}
	lines.push('');
	lines.push(
		"MB = 1,000,000 bytes. RTT = the profile's round trip. Gap between chunks = ½ RTT (the answer travelling back) + the client's time from the answer to the next body byte (reading the next chunk, and whatever of the next connection's handshakes, 2 RTT on this link, was not done before the answer) + ½ RTT (that byte travelling there). The node opens the next chunk's connection while the current chunk travels; a positive \"opened before the answer\" is how far ahead it was.",
	);
	return lines.join('\n');
}

export async function writeLinkDoc(markdown: string): Promise<void> {
	await writeDoc(markdown, 'link');
}
