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
	lines.push('| Link | client | upload window | in-chunk MB/s | mean gap between chunks | RSS baseline / peak (source) |');
	lines.push('|---|---|---:|---:|---:|---|');
	for (const r of results) {
		const m = r.node.memory;
		lines.push(`| ${r.profile.name} | curl | ${fixed(r.curl.ms / 1000, 2)} s | ${fixed(r.curl.inChunkMbPerSec, 2)} | ${fixed(r.curl.meanGapMs)} ms | |`);
		lines.push(
			`| ${r.profile.name} | n8n node | ${fixed(r.node.transfer.ms / 1000, 2)} s | ${fixed(r.node.transfer.inChunkMbPerSec, 2)} | ${fixed(r.node.transfer.meanGapMs)} ms | ${fixed(m.baselineMb)} / ${fixed(m.peakMb)} MB (${m.peakSource}; sampled max ${fixed(m.sampledPeakMb)}) |`,
		);
	}
	lines.push('');
	lines.push('MB = 1,000,000 bytes. RTT = the profile\'s round trip.');
	return lines.join('\n');
}

export async function writeLinkDoc(markdown: string): Promise<void> {
	await writeDoc(markdown, 'link');
}
