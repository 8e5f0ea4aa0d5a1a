// Small helpers shared by the harness modules (node built-ins only).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in <root>/test/harness). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/**
 * Where the pinned n8n installs live (about 3 GB, five minutes to install): the user's cache folder, so every
 * checkout and every run on the machine (CI's fresh clone included) shares them. Override with N8N_HARNESS_CACHE_DIR.
 */
export const CACHE_DIR = process.env.N8N_HARNESS_CACHE_DIR
	? resolve(process.env.N8N_HARNESS_CACHE_DIR)
	: join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'n8n-nodes-tiktok-publisher');

/** Where this checkout's packed tarballs go (each checkout packs its own sources). */
export const PACK_DIR = join(REPO_ROOT, '.cache', 'pack');

/**
 * Parent folder of the per-instance user folders; override with N8N_HARNESS_TMP_DIR. Outside the repository:
 * `n8n-node lint` walks the project folder and trips over files that running instances create and delete.
 */
export const TMP_DIR = process.env.N8N_HARNESS_TMP_DIR
	? resolve(process.env.N8N_HARNESS_TMP_DIR)
	: join(tmpdir(), 'n8n-tiktok-harness');

/** The environment for npm commands the harness runs: no update, funding or audit chatter. */
export function npmEnv(): NodeJS.ProcessEnv {
	return {
		...process.env,
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false',
	};
}

export function log(message: string): void {
	if (process.env.N8N_HARNESS_QUIET === '1') return;
	process.stderr.write(`[harness] ${message}\n`);
}

export function randomId(bytes = 6): string {
	return randomBytes(bytes).toString('hex');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An id shaped like n8n's own workflow/credential ids (16 alphanumeric characters). */
export function n8nStyleId(): string {
	const bytes = randomBytes(16);
	let id = '';
	for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
	return id;
}

export const sleep = async (ms: number): Promise<void> =>
	await new Promise((done) => setTimeout(done, ms));

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
	return await new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolvePort(port));
		});
	});
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < count) ports.add(await freePort());
	return [...ports];
}

export interface RunResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	durationMs: number;
}

export interface RunOptions extends SpawnOptions {
	/** Kill the whole process group after this many ms (default: no limit). */
	timeoutMs?: number;
	/** Called with every chunk of output (stdout and stderr). */
	onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
	/** Called once the child exists (e.g. to track it for cleanup). */
	onSpawn?: (child: ChildProcess) => void;
	/**
	 * Write the command's stdout to this file instead of a pipe, and read it back when it exits. For commands that
	 * print a lot and then exit at once (n8n 1.x `execute` with in-memory binary data): output still in a pipe
	 * when the process exits is lost.
	 */
	stdoutFile?: string;
}

/**
 * Runs a command to completion in its own process group (so a timeout can kill
 * every descendant) and captures its output.
 */
export async function run(
	command: string,
	args: string[],
	options: RunOptions = {},
): Promise<RunResult> {
	const { timeoutMs, onOutput, onSpawn, stdoutFile, ...spawnOptions } = options;
	const started = Date.now();
	const stdoutFd = stdoutFile ? openSync(stdoutFile, 'w') : undefined;
	return await new Promise((resolveRun, reject) => {
		const child = spawn(command, args, {
			...spawnOptions,
			detached: true,
			stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
		});
		onSpawn?.(child);
		let stdout = '';
		let stderr = '';
		let timer: NodeJS.Timeout | undefined;
		child.stdout?.setEncoding('utf8');
		child.stderr?.setEncoding('utf8');
		child.stdout?.on('data', (chunk: string) => {
			stdout += chunk;
			onOutput?.(chunk, 'stdout');
		});
		child.stderr?.on('data', (chunk: string) => {
			stderr += chunk;
			onOutput?.(chunk, 'stderr');
		});
		if (timeoutMs !== undefined) {
			timer = setTimeout(() => {
				stderr += `\n[harness] timed out after ${timeoutMs} ms, killing process group\n`;
				killGroup(child.pid, 'SIGKILL');
			}, timeoutMs);
		}
		child.on('error', (error) => {
			if (timer) clearTimeout(timer);
			if (stdoutFd !== undefined) closeSync(stdoutFd);
			reject(error);
		});
		// A descendant that kept our pipes open would delay 'close' forever: once the
		// command itself has exited, give its group 2 s and then kill what is left.
		child.on('exit', () => {
			setTimeout(() => {
				if (groupAlive(child.pid)) killGroup(child.pid, 'SIGKILL');
			}, 2000).unref();
		});
		child.on('close', (code, signal) => {
			if (timer) clearTimeout(timer);
			if (stdoutFile && stdoutFd !== undefined) {
				closeSync(stdoutFd);
				stdout = readFileSync(stdoutFile, 'utf8');
				onOutput?.(stdout, 'stdout');
			}
			resolveRun({ code, signal, stdout, stderr, durationMs: Date.now() - started });
		});
	});
}

/** Like run(), but throws (with the output) unless the exit code is 0. */
export async function runOrThrow(
	command: string,
	args: string[],
	options: RunOptions = {},
): Promise<RunResult> {
	const result = await run(command, args, options);
	if (result.code !== 0) {
		throw new Error(
			`Command failed (exit ${result.code ?? result.signal}): ${command} ${args.join(' ')}\n` +
				`--- stdout (tail) ---\n${tail(result.stdout)}\n--- stderr (tail) ---\n${tail(result.stderr)}`,
		);
	}
	return result;
}

export function tail(text: string, chars = 4000): string {
	return text.length > chars ? `…${text.slice(-chars)}` : text;
}

/**
 * Signals a whole process group (children are spawned with detached: true, so each is
 * the leader of its own group). Deliberately no fallback to the bare pid: once the group
 * is gone that pid may already belong to someone else (pid_max is 32768 here and wraps
 * within minutes under test load).
 */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
	if (!pid) return false;
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		return false;
	}
}

/** Whether any process of the group is still alive. */
export function groupAlive(pid: number | undefined): boolean {
	if (!pid) return false;
	try {
		process.kill(-pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** SIGTERM a process group, wait up to graceMs, then SIGKILL what is left. */
export async function stopGroup(pid: number | undefined, graceMs: number): Promise<void> {
	if (!pid || !groupAlive(pid)) return;
	killGroup(pid, 'SIGTERM');
	const deadline = Date.now() + graceMs;
	while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
	if (groupAlive(pid)) {
		killGroup(pid, 'SIGKILL');
		const killDeadline = Date.now() + 5000;
		while (groupAlive(pid) && Date.now() < killDeadline) await sleep(50);
	}
}

/**
 * A cross-process lock: an exclusive directory with the owner's pid inside.
 * A lock whose owner process is gone is taken over.
 */
export async function withLock<T>(
	lockPath: string,
	what: string,
	fn: () => Promise<T>,
	timeoutMs = 30 * 60_000,
): Promise<T> {
	const ownerFile = join(lockPath, 'owner.json');
	const deadline = Date.now() + timeoutMs;
	let announced = false;
	for (;;) {
		try {
			await mkdir(lockPath);
			await writeFile(
				ownerFile,
				JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
			);
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			const owner = await readFile(ownerFile, 'utf8')
				.then((text) => JSON.parse(text) as { pid: number; host: string })
				.catch(() => undefined);
			if (owner && owner.host === hostname() && !pidAlive(owner.pid)) {
				log(`taking over stale lock ${lockPath} (pid ${owner.pid} is gone)`);
				await rm(lockPath, { recursive: true, force: true });
				continue;
			}
			if (!owner && existsSync(lockPath)) {
				// Owner file not written yet (or the writer died in between): give it a moment.
				await sleep(500);
				const stillMissing = !existsSync(ownerFile) && existsSync(lockPath);
				if (stillMissing) {
					await sleep(2000);
					if (!existsSync(ownerFile)) await rm(lockPath, { recursive: true, force: true });
				}
				continue;
			}
			if (Date.now() > deadline)
				throw new Error(`Timed out waiting for lock ${lockPath} (${what})`);
			if (!announced) {
				log(`waiting for another process (pid ${owner?.pid}) to finish: ${what}`);
				announced = true;
			}
			await sleep(1000);
		}
	}
	try {
		return await fn();
	} finally {
		await rm(lockPath, { recursive: true, force: true });
	}
}

/**
 * Decodes the `flatted` format n8n uses for execution data in the database and
 * the REST API (`JSON.parse` of an array whose first entry is the root and whose
 * string values inside objects are indexes into the array).
 */
export function parseFlatted(text: string): unknown {
	const input = JSON.parse(text, (_key, value: unknown) =>
		typeof value === 'string' ? new String(value) : value,
	) as unknown[];
	const entries = input.map((entry) => (entry instanceof String ? String(entry) : entry));
	const seen = new Set<unknown>();
	const revive = (output: Record<string, unknown>): Record<string, unknown> => {
		const lazy: Array<[string, Record<string, unknown>]> = [];
		for (const key of Object.keys(output)) {
			const value = output[key];
			if (value instanceof String) {
				const target = entries[Number(String(value))];
				if (typeof target === 'object' && target !== null && !seen.has(target)) {
					seen.add(target);
					output[key] = undefined;
					lazy.push([key, target as Record<string, unknown>]);
				} else {
					output[key] = target;
				}
			}
		}
		for (const [key, target] of lazy) output[key] = revive(target);
		return output;
	};
	const root = entries[0];
	if (typeof root === 'object' && root !== null) {
		seen.add(root);
		return revive(root as Record<string, unknown>);
	}
	return root;
}

/**
 * Finds pretty-printed JSON objects in command output: a line that is exactly
 * "{" up to the next line that is exactly "}" (JSON.stringify(x, null, 2) output
 * never has a column-0 brace inside). Returns every block that parses.
 */
export function extractJsonBlocks(text: string): unknown[] {
	const lines = text.split(/\r?\n/);
	const blocks: unknown[] = [];
	for (let start = 0; start < lines.length; start++) {
		if (lines[start] !== '{') continue;
		for (let end = start + 1; end < lines.length; end++) {
			if (lines[end] !== '}') continue;
			try {
				blocks.push(JSON.parse(lines.slice(start, end + 1).join('\n')));
				start = end;
			} catch {
				// not JSON after all; keep scanning from the next "{"
			}
			break;
		}
	}
	return blocks;
}
