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
 * The node's mean gap between chunks, split at the moment each chunk's connection opened at the link's entrance:
 * gap = ½ RTT (the previous chunk's answer travelling back) + `turnaroundMs` (n8n: from that answer to opening the
 * next connection: reading the next chunk, the request set-up) + `connectToBodyMs` (from the connection to the
 * chunk's first body byte at the emulator: on this link 2.5 RTT of TCP + TLS handshakes and the way there, plus
 * what the client does before its first body byte leaves).
 */
export interface GapParts {
	turnaroundMs: number;
	connectToBodyMs: number;
}

export function nodeGapParts(
	arrivals: Array<{ firstByteAt: number; lastByteAt: number }>,
	openedAt: number[],
	rttMs: number,
): GapParts | undefined {
	if (arrivals.length < 2 || openedAt.length !== arrivals.length) return undefined;
	const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
	return {
		turnaroundMs: mean(arrivals.slice(1).map((chunk, index) => openedAt[index + 1] - (arrivals[index].lastByteAt + rttMs / 2))),
		connectToBodyMs: mean(arrivals.slice(1).map((chunk, index) => chunk.firstByteAt - openedAt[index + 1])),
	};
}

export function linkResultsMarkdown(
	results: LinkResult[],
	context: { startedAt: Date; install: { version: string; nodeVersion: string }; curlVersion: string; args: string[] },
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
	lines.push('Where the time went (same run): upload window = first body byte of the first chunk → last byte of the final chunk, at the emulator.');
	lines.push('');
	lines.push(
		'| Link | client | upload window | in-chunk MB/s | mean gap between chunks | of which: n8n turnaround / connection → first body byte (÷ RTT) | RSS baseline / peak (source) |',
	);
	lines.push('|---|---|---:|---:|---:|---:|---|');
	for (const r of results) {
		const m = r.node.memory;
		const parts = r.nodeGapParts;
		lines.push(`| ${r.profile.name} | curl | ${fixed(r.curl.ms / 1000, 2)} s | ${fixed(r.curl.inChunkMbPerSec, 2)} | ${fixed(r.curl.meanGapMs)} ms | | |`);
		lines.push(
			`| ${r.profile.name} | n8n node | ${fixed(r.node.transfer.ms / 1000, 2)} s | ${fixed(r.node.transfer.inChunkMbPerSec, 2)} | ${fixed(r.node.transfer.meanGapMs)} ms | ${parts ? `${fixed(parts.turnaroundMs)} / ${fixed(parts.connectToBodyMs)} ms (${fixed(parts.connectToBodyMs / r.profile.rttMs, 2)})` : 'n/a'} | ${fixed(m.baselineMb)} / ${fixed(m.peakMb)} MB (${m.peakSource}; sampled max ${fixed(m.sampledPeakMb)}) |`,
		);
	}
	lines.push('');
	lines.push(
		'MB = 1,000,000 bytes. RTT = the profile\'s round trip. The node\'s gap = ½ RTT (the answer travelling back) + n8n turnaround (answer → next connection opened: reading the next chunk, request set-up) + connection → first body byte (2.5 RTT of handshakes and travel on this link, plus the client\'s work before its first byte leaves).',
	);
	return lines.join('\n');
}

export async function writeLinkDoc(markdown: string): Promise<void> {
	await writeDoc(markdown, 'link');
}
