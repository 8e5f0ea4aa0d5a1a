// n8n processes the harness starts: none may outlive the test process, and each one's output is kept.
import { spawn, type ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';

import { killGroup, sleep, tail } from './util.mts';

/** Every n8n process group started by any instance; killed when the test process exits. */
export const livePids = new Set<number>();
let exitHooksInstalled = false;

export function installExitHooks(): void {
	if (exitHooksInstalled) return;
	exitHooksInstalled = true;
	process.on('exit', () => {
		for (const pid of livePids) killGroup(pid, 'SIGKILL');
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			for (const pid of livePids) killGroup(pid, 'SIGKILL');
			process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
		});
	}
}

export interface ManagedProcess {
	name: string;
	child: ChildProcess;
	output: string[];
	exited: Promise<void>;
	exitCode?: number | null;
	exitSignal?: NodeJS.Signals | null;
}

/** Splits output into lines, prefixes them with the process name and appends them to `log`. */
export function lineWriter(log: WriteStream, name: string, onLine?: (line: string) => void) {
	let pending = '';
	const emit = (line: string) => {
		onLine?.(line);
		if (!log.writableEnded) log.write(`[${name}] ${line}\n`);
	};
	return {
		write: (chunk: string) => {
			pending += chunk;
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) emit(line);
		},
		flush: () => {
			if (pending) emit(pending);
			pending = '';
		},
	};
}

/** Starts a long-running n8n process (`start`, `worker`) in its own process group. */
export function spawnServer(options: {
	name: string;
	nodeBin: string;
	args: string[];
	cwd: string;
	env: Record<string, string>;
	log: WriteStream;
}): ManagedProcess {
	const child = spawn(options.nodeBin, options.args, {
		cwd: options.cwd,
		env: options.env,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	if (child.pid) livePids.add(child.pid);
	const managed: ManagedProcess = {
		name: options.name,
		child,
		output: [],
		exited: new Promise((resolveExit) => {
			child.on('exit', (code, signal) => {
				managed.exitCode = code;
				managed.exitSignal = signal;
				if (child.pid) livePids.delete(child.pid);
				resolveExit();
			});
			child.on('error', (error) => {
				managed.output.push(`[harness] spawn error: ${error.message}`);
				resolveExit();
			});
		}),
	};
	const writer = lineWriter(options.log, options.name, (line) => managed.output.push(line));
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => writer.write(chunk));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => writer.write(chunk));
	child.on('close', () => writer.flush());
	return managed;
}

/** Waits until `readinessUrl` answers 200 (and, if given, `logLine` was printed); fails if the process exits. */
export async function waitUntilReady(
	managed: ManagedProcess,
	readinessUrl: string,
	deadline: number,
	logLine?: RegExp,
): Promise<void> {
	for (;;) {
		if (managed.exitCode !== undefined || managed.exitSignal) {
			throw new Error(
				`n8n ${managed.name} exited (${managed.exitCode ?? managed.exitSignal}) while starting:\n` +
					tail(managed.output.join('\n')),
			);
		}
		const ready = await fetch(readinessUrl, { signal: AbortSignal.timeout(2000) })
			.then((response) => response.status === 200)
			.catch(() => false);
		if (ready && (!logLine || managed.output.some((line) => logLine.test(line)))) return;
		if (Date.now() > deadline) {
			throw new Error(`n8n ${managed.name} not ready in time:\n${tail(managed.output.join('\n'))}`);
		}
		await sleep(200);
	}
}
