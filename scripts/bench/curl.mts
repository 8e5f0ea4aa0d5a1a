/**
 * The curl side: the node's chunk plan cut into chunk files, then every chunk PUT with `curl -T <chunk file>`
 * (one curl process, `--next` per chunk, the node's exact Content-Range sequence) into the emulator.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import {
	chunkRange,
	contentRangeHeader,
	type ChunkPlan,
} from '../../nodes/TikTok/helpers/chunkPlan.ts';
import type { Stack } from '../../test/e2e/stack.mts';
import { children } from './cleanup.mts';
import { expectedChunkStatuses, measureDirectUpload, type Transfer } from './transfer.mts';

export async function splitIntoChunks(
	source: string,
	plan: ChunkPlan,
	folder: string,
): Promise<string[]> {
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

/** Runs curl with `args` and returns its exit code and output (curl is killed on a signal, see cleanup.mts). */
async function runCurlProcess(
	args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
	children.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
	child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
	try {
		const code = await new Promise<number | null>((resolve, reject) => {
			child.on('error', reject);
			child.on('close', resolve);
		});
		return { code, stdout, stderr };
	} finally {
		children.delete(child);
	}
}

/** "curl 7.88.1" (for the report's machine line). */
export async function curlVersion(): Promise<string> {
	try {
		const { stdout } = await runCurlProcess(['--version']);
		return stdout.split('\n')[0].split(' ').slice(0, 2).join(' ');
	} catch {
		return 'curl (version unknown)';
	}
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
	caFile?: string,
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
			...(caFile ? [`cacert = ${quote(caFile)}`] : []),
			`write-out = ${quote('%{http_code}\\n')}`,
		);
	});
	const config = join(folder, 'curl.cfg');
	await writeFile(config, `${lines.join('\n')}\n`);
	const { code, stdout, stderr } = await runCurlProcess([
		'--silent',
		'--show-error',
		'--config',
		config,
	]);
	const statuses = stdout.trim().split('\n').join(',');
	if (code !== 0 || statuses !== expectedChunkStatuses(plan)) {
		throw new Error(`curl upload failed (exit ${code}): statuses ${statuses}\n${stderr}`);
	}
}

export async function runCurl(
	stack: Stack,
	accessToken: string,
	plan: ChunkPlan,
	chunkFiles: string[],
	folder: string,
	sha256: string,
	caFile?: string,
): Promise<Transfer> {
	return await measureDirectUpload(
		stack,
		accessToken,
		plan,
		sha256,
		async (uploadUrl) => await curlUpload(uploadUrl, plan, chunkFiles, folder, caFile),
	);
}
