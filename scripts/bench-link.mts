/**
 * npm run bench:link — Video → Publish (binary property) against curl over emulated network links, with TLS.
 *
 * The emulator's upload host speaks TLS (the loopback self-signed certificate, which n8n trusts through
 * NODE_EXTRA_CA_CERTS in its environment and curl through --cacert) and is reached through an emulated link
 * (scripts/bench/link.mts: two network namespaces, a veth pair with tbf at the profile's rate, a relay delaying
 * each direction by half the round trip). For each profile, in one run and one n8n/emulator pair:
 *   1. curl: a direct `video/init` with the node's chunk plan, every chunk PUT over ONE kept-alive connection;
 *   2. the node in a real n8n (`n8n execute`): Read File → Wait → TikTok Video Publish, n8n's RSS sampled;
 * both byte-exact (emulator sha256 == file sha256). Throughput = first body byte of the first chunk → last body
 * byte of the final chunk, as the emulator saw it; connections are counted at the link's entrance.
 *
 * Options: --size=1000000000   --profiles=50/20,100/80,500/150 (Mbit/s / round-trip ms)
 *          --chunk=auto,16     the node's Chunk Size option(s) (MB; auto = Automatic); curl uses the same plan
 *          --no-write          do not touch docs/benchmarks.md
 * Needs root (ip netns, tc). Everything it creates is removed at the end, on failure and on signals.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
	largestChunkLength,
	planChunks,
	type ChunkPlan,
} from '../nodes/TikTok/helpers/chunkPlan.ts';
import { startStack } from '../test/e2e/stack.mts';
import { loopbackCert } from '../test/emulator/tls.mts';
import { writeMp4 } from '../test/fixtures/video.mts';
import { ensureN8n } from '../test/harness/index.mts';
import { cleanupPaths, installSignalCleanup, removeCleanupPaths } from './bench/cleanup.mts';
import { ACCOUNT, fixed, mb, say } from './bench/cli.mts';
import { curlVersion, runCurl, splitIntoChunks } from './bench/curl.mts';
import {
	DEFAULT_PROFILES,
	benchNamespaces,
	parseProfiles,
	startLink,
	type LinkProfile,
} from './bench/link.mts';
import { runNode, type NodeRun } from './bench/n8n.mts';
import {
	linkResultsMarkdown,
	nodeGapParts,
	writeLinkDoc,
	type LinkResult,
} from './bench/linkReport.mts';
import { publishRecord, type Transfer } from './bench/transfer.mts';

installSignalCleanup();

const args = process.argv.slice(2);
const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const size = Number(arg('size') ?? 1_000_000_000);
const profiles: LinkProfile[] = arg('profiles')
	? parseProfiles(arg('profiles')!)
	: DEFAULT_PROFILES;
const chunkOptions: Array<number | undefined> = (arg('chunk') ?? 'auto')
	.split(',')
	.map((value) => (value === 'auto' ? undefined : Number(value)));
const writeDocs = !args.includes('--no-write');

async function main(): Promise<void> {
	const startedAt = new Date();
	const curl = await curlVersion();
	const cert = loopbackCert();
	say(
		`Starting the emulator (TLS upload host) and a real n8n; ${fixed(mb(size), 0)} MB over ${profiles.map((p) => p.name).join(' | ')}`,
	);
	const stack = await startStack({
		emulator: { rateLimits: { init: 60 }, directPostsPerDay: 1000, uploadTls: cert },
	});
	cleanupPaths.add(stack.n8n.userFolder);
	// The CA file n8n trusts (NODE_EXTRA_CA_CERTS, written by startStack); curl is given the same file.
	const caFile = stack.n8n.environment.NODE_EXTRA_CA_CERTS;
	if (!caFile) throw new Error('the stack gave n8n no NODE_EXTRA_CA_CERTS');
	cleanupPaths.add(caFile);
	const results: LinkResult[] = [];
	const source = join(stack.filesFolder, `bench-link-${size}.mp4`);
	try {
		const install = await ensureN8n();
		const credential = await stack.connect(ACCOUNT, { name: 'TikTok link bench' });
		const accessToken = String(stack.emu.issueTokens({ account: ACCOUNT }).access_token);
		const sha256 = await writeMp4(source, { sizeBytes: size, durationSec: 60 });
		const uploadPort = Number(new URL(stack.emu.uploadBaseUrl).port);

		for (const chunkSizeMb of chunkOptions) {
			const plan: ChunkPlan = planChunks(size, chunkSizeMb ? chunkSizeMb * 1_000_000 : undefined);
			const chunkFolder = join(stack.filesFolder, `bench-link-chunks-${chunkSizeMb ?? 'auto'}`);
			const chunkFiles = await splitIntoChunks(source, plan, chunkFolder);
			try {
				for (const profile of profiles) {
					say(
						`\n== ${profile.name}: ${plan.totalChunkCount} chunk(s) of ${plan.chunkSize} bytes (Chunk Size ${chunkSizeMb ? `${chunkSizeMb} MB` : 'Automatic'})`,
					);
					const link = await startLink(profile, uploadPort);
					try {
						stack.emu.config.uploadPublicBaseUrl = link.url;
						const measure = async <T,>(run: () => Promise<T>) => {
							const before = link.connections();
							const value = await run();
							return {
								value,
								connections: link.connections() - before,
								openedAt: link.openedAt().slice(before),
							};
						};
						const c = await measure(() =>
							runCurl(stack, accessToken, plan, chunkFiles, chunkFolder, sha256, caFile),
						);
						say(
							`  curl: ${fixed(c.value.mbPerSec, 2)} MB/s, ${fixed(c.value.ms / 1000, 2)} s, ${c.connections} connection(s), gap ${fixed(c.value.meanGapMs)} ms, byte-exact ${c.value.sha256Ok}`,
						);
						const n = await measure(() =>
							runNode(stack, credential, source, sha256, plan, chunkSizeMb),
						);
						const m = n.value.memory;
						const gapParts = nodeGapParts(
							publishRecord(stack, n.value.publishId).chunkArrivals,
							n.openedAt,
							profile.rttMs,
						);
						say(
							`  node: ${fixed(n.value.transfer.mbPerSec, 2)} MB/s, ${fixed(n.value.transfer.ms / 1000, 2)} s, ${n.connections} connection(s), gap ${fixed(n.value.transfer.meanGapMs)} ms, byte-exact ${n.value.transfer.sha256Ok}`,
						);
						if (gapParts)
							say(
								`        next connection opened ${fixed(gapParts.openedBeforeAnswerMs)} ms before the answer; client answer → next body byte ${fixed(gapParts.afterAnswerMs)} ms`,
							);
						say(
							`        ratio ${fixed(n.value.transfer.mbPerSec / c.value.mbPerSec, 3)}; RSS growth ${fixed(m.peakMb - m.baselineMb)} MB = ${fixed((m.peakMb - m.baselineMb) / mb(plan.chunkSize), 2)} × chunk_size, ${fixed((m.peakMb - m.baselineMb) / mb(largestChunkLength(plan)), 2)} × final chunk`,
						);
						results.push({
							profile,
							size,
							plan,
							chunkSizeMb,
							curl: c.value as Transfer,
							curlConnections: c.connections,
							node: n.value as NodeRun,
							nodeConnections: n.connections,
							nodeGapParts: gapParts,
						});
					} finally {
						stack.emu.config.uploadPublicBaseUrl = undefined;
						await link.stop();
					}
				}
			} finally {
				await rm(chunkFolder, { recursive: true, force: true });
			}
		}
		const markdown = linkResultsMarkdown(results, { startedAt, install, curlVersion: curl, args });
		say(`\n${markdown}\n`);
		if (writeDocs) await writeLinkDoc(markdown);
		if (results.some((r) => !r.curl.sha256Ok || !r.node.transfer.sha256Ok)) process.exitCode = 1;
	} finally {
		await rm(source, { force: true });
		await stack.stop();
		await removeCleanupPaths();
		const left = benchNamespaces().filter((name) => name.includes(`-${process.pid}-`));
		if (left.length > 0) say(`namespaces left behind: ${left.join(', ')}`);
	}
}

main().catch((error: Error) => {
	process.stderr.write(`bench:link failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
