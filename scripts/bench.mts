/**
 * npm run bench — upload performance of Video → Publish (binary property) in a real n8n, against curl.
 *
 * For each size (default 2,000,000,000 and 256,000,000 bytes):
 *   1. curl:  a direct `video/init` with the node's chunk plan, then every chunk PUT with `curl -T <chunk file>`
 *             (one curl process, `--next` per chunk, the node's exact Content-Range sequence) into the emulator;
 *   2. n8n:   Manual Trigger → Read File → Wait 5 s → TikTok Video Publish (direct post, SELF_ONLY on
 *             private_creator, Wait for Publish off), run with `n8n execute`, while the n8n process's
 *             /proc/<pid>/status is sampled every ~100 ms;
 *   3. two ceilings in the same n8n (scripts/bench/ceiling-package.mts): the same PUTs from one in-memory buffer,
 *      through n8n's httpRequest helper and through a kept-alive Node http client, reading nothing;
 *   4. curl again, so the n8n runs are bracketed by two curl runs on the same (noisy, shared) machine.
 * Throughput is what the emulator saw: first body byte of the first chunk → last body byte of the final chunk
 * (`PublishRecord.chunkArrivals`). Every upload is checked byte-exact (emulator sha256 == file sha256).
 *
 * Options: --sizes=2000000000,256000000   --no-write (do not touch docs/benchmarks.md)
 * Everything it creates lives in the n8n instance's folder (removed by stack.stop(), also on failure/signals).
 *
 * Layout (scripts/bench/): cli.mts (options, settings, number formatting), cleanup.mts (signals), transfer.mts
 * (the emulator's side: init and measured transfer), curl.mts, n8n.mts (the node's run and the ceilings), rss.mts
 * (the n8n process's memory), ceiling-package.mts (the stand-in ceiling node), report.mts (Markdown, the doc).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { planChunks } from '../nodes/TikTok/helpers/chunkPlan.ts';
import { startStack } from '../test/e2e/stack.mts';
import { writeMp4 } from '../test/fixtures/video.mts';
import { ensureN8n } from '../test/harness/index.mts';
import { buildCeilingPackage } from './bench/ceiling-package.mts';
import { cleanupPaths, installSignalCleanup, removeCleanupPaths } from './bench/cleanup.mts';
import { ACCOUNT, DOC, fixed, mb, now, parseOptions, say } from './bench/cli.mts';
import { curlVersion, runCurl, splitIntoChunks } from './bench/curl.mts';
import { runCeiling, runNode } from './bench/n8n.mts';
import { resultsMarkdown, writeDoc, type SizeResult } from './bench/report.mts';

installSignalCleanup();
const options = parseOptions(process.argv.slice(2));

async function main(): Promise<void> {
	const startedAt = new Date();
	const curl = await curlVersion();
	say(`Starting the TikTok emulator and a real n8n (sizes: ${options.sizes.join(', ')} bytes)…`);
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

		for (const size of options.sizes) {
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
		const markdown = resultsMarkdown(results, {
			startedAt,
			sizes: options.sizes,
			install,
			curlVersion: curl,
		});
		say(`\n${markdown}\n`);
		if (options.writeDoc) {
			await writeDoc(markdown);
			say(`Results written to ${DOC}`);
		}
		const failed = results.some((r) => ![r.node.transfer, ...r.curl].every((t) => t.sha256Ok));
		if (failed) process.exitCode = 1;
	} finally {
		await stack.stop();
		await ceilingPackage.cleanup();
		await removeCleanupPaths();
	}
}

main().catch((error: Error) => {
	process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
