/**
 * npm run bench:media — how fast and how lean this n8n serves a big binary to TikTok's puller (issue #26).
 *
 * 1. A real n8n 2.x (filesystem binary data) with an active TikTok Media Server workflow; a video of --size bytes
 *    (default 300,000,000) read into n8n and published with Binary Delivery "Pulled by TikTok From This N8n":
 *    the emulator pulls it from n8n and its sha256 must equal the file's.
 * 2. The same signed link, then the same file from a plain Node file server in its own process (fs.createReadStream → response),
 *    each downloaded --rounds times (alternating) over loopback by one client that reads and discards; the
 *    figure is the median throughput of n8n ÷ that of the plain server (the issue asks ≥ 0.9).
 * 3. Meanwhile n8n's main process's RSS is sampled every 50 ms: growth = peak while serving − the sample before
 *    (the issue asks ≤ 1.5 × 64 MB, what the chunked uploads meet).
 * Prints the figures; --write appends them to docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { appendFile, stat } from 'node:fs/promises';
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';

import { nodeOutput } from '../test/harness/index.mts';
import { serveMediaFromN8n } from '../test/e2e/mediaFromN8n.mts';
import { filePath, readFileNode, startStack, tiktokNode } from '../test/e2e/stack.mts';
import { writeMp4 } from '../test/fixtures/video.mts';

const args = new Map(
	process.argv.slice(2).map((arg) => {
		const [key, value] = arg.replace(/^--/, '').split('=');
		return [key, value ?? 'true'] as const;
	}),
);
const SIZE = Number(args.get('size') ?? 300_000_000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const MB = 1024 * 1024;

/** The `n8n start` process of the instance in `userFolder` (its environment names the folder). */
function mainPid(userFolder: string): number | undefined {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			if (!cmdline.includes('start') || !cmdline.some((part) => part.endsWith('/n8n'))) continue;
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
			if (environ.includes(`N8N_USER_FOLDER=${userFolder}`)) return Number(entry);
		} catch {
			// gone or not ours
		}
	}
	return undefined;
}

function rssKb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Downloads `url` once over plain http, reading and discarding; bytes per second. */
function download(url: string): Promise<{ bytes: number; ms: number }> {
	const started = performance.now();
	return new Promise((resolve, reject) => {
		http
			.get(url, { agent: false }, (res) => {
				let bytes = 0;
				res.on('data', (chunk: Buffer) => (bytes += chunk.length));
				res.on('end', () => resolve({ bytes, ms: performance.now() - started }));
				res.on('error', reject);
			})
			.on('error', reject);
	});
}

const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
	const stack = await startStack({ emulator: { statusPolls: { processing: 1 } } });
	try {
		const creator = await stack.connect('private_creator');
		const media = await serveMediaFromN8n(stack, creator);
		const path = filePath(stack, 'bench.mp4');
		const expected = await writeMp4(path, { sizeBytes: SIZE, durationSec: 60 });
		const pid = mainPid(stack.n8n.userFolder);
		if (!pid) throw new Error('n8n main process not found');

		// 1. The publish: TikTok pulls the video from n8n (through the https front).
		const pullStarted = performance.now();
		const run = await stack.run([
			readFileNode(path),
			tiktokNode(creator, {
				resource: 'video',
				operation: 'publish',
				source: 'binary',
				binaryPropertyName: 'data',
				binaryDelivery: 'pull',
				n8nMediaUrl: media.prefix,
				postMode: 'draft',
			}),
		]);
		if (!run.ok) throw new Error(`publish failed: ${run.error?.message} ${run.error?.description}`);
		const [out] = nodeOutput(run, 'TikTok');
		const publish = stack.emu.state.publishes.get(String(out.publish_id));
		const pullSeconds = (performance.now() - pullStarted) / 1000;
		if (publish?.sha256 !== expected) throw new Error('the pulled video is not byte-exact');
		const signed = stack.emu.state.inits
			.map((init) =>
				String((init.body as { source_info?: { video_url?: string } }).source_info?.video_url),
			)
			.find((url) => url.startsWith(media.prefix));
		if (!signed) throw new Error('no signed link');
		// The same link straight to n8n over loopback http, as the plain server is reached.
		const direct = `${stack.n8n.url}${new URL(signed).pathname}`;

		// 2. n8n against a plain Node file server, alternating.
		// A separate process, as n8n is: the client below shares its process with neither server.
		const plain = spawn(
			// The Node n8n runs on.
			stack.n8n.install.nodeBin,
			[
				'-e',
				`const fs = require('node:fs'); require('node:http').createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': ${SIZE} }); fs.createReadStream(${JSON.stringify(path)}).pipe(res); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
			],
			{ stdio: ['ignore', 'pipe', 'inherit'] },
		);
		const port = await new Promise<string>((resolve) =>
			plain.stdout.once('data', (data: Buffer) => resolve(data.toString().trim())),
		);
		const plainUrl = `http://127.0.0.1:${port}/bench.mp4`;
		const n8nRates: number[] = [];
		const plainRates: number[] = [];
		const baseline = rssKb(pid);
		let peak = baseline;
		const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 50);
		try {
			for (let round = 0; round < ROUNDS; round++) {
				const fromN8n = await download(direct);
				const fromPlain = await download(plainUrl);
				if (fromN8n.bytes !== SIZE || fromPlain.bytes !== SIZE) throw new Error('short download');
				n8nRates.push(SIZE / (fromN8n.ms / 1000));
				plainRates.push(SIZE / (fromPlain.ms / 1000));
			}
		} finally {
			clearInterval(sampler);
			plain.kill();
		}
		const ratio = median(n8nRates) / median(plainRates);
		const growthMb = (peak - baseline) / 1024;
		const lines = [
			`Media from n8n, ${SIZE.toLocaleString('en-US')} bytes (${(await stat(path)).size === SIZE ? 'file checked' : '?'}), n8n ${stack.n8n.install.version}, ${new Date().toISOString()}:`,
			`- TikTok's pull through the https front: sha256 equal, ${pullSeconds.toFixed(1)} s for the whole publish`,
			`- serving over loopback, median of ${ROUNDS}: n8n ${(median(n8nRates) / MB).toFixed(0)} MiB/s, plain Node file server ${(median(plainRates) / MB).toFixed(0)} MiB/s, ratio ${ratio.toFixed(2)} (asked ≥ 0.9)`,
			`- n8n main RSS while serving: baseline ${(baseline / 1024).toFixed(0)} MB, peak ${(peak / 1024).toFixed(0)} MB, growth ${growthMb.toFixed(1)} MB = ${(growthMb / 64).toFixed(2)} × 64 MB (asked ≤ 1.5)`,
		];
		console.log(lines.join('\n'));
		if (args.has('write'))
			await appendFile(
				new URL('../docs/benchmarks.md', import.meta.url),
				`\n${lines.join('\n')}\n`,
			);
		await media.stop();
	} finally {
		await stack.stop();
	}
}

await main();
