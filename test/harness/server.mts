// The n8n processes of one instance: the server (`n8n start`) and its queue-mode workers, started and stopped as
// process groups, and the short-lived CLI commands (`n8n <command>`), every line of their output appended to the
// instance's log file. N8nInstance (instance.mts) owns one and decides when each runs.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

import type { N8nInstall } from './install.mts';
import {
	lineWriter,
	livePids,
	spawnServer,
	waitUntilReady,
	type ManagedProcess,
} from './processes.mts';
import { groupAlive, killGroup, run, sleep, stopGroup, type RunResult } from './util.mts';

export interface CliOptions {
	timeoutMs?: number;
	env?: Record<string, string>;
	stdoutFile?: string;
}

export class N8nProcesses {
	/** Whether the server was started (and not stopped since). */
	running = false;

	private readonly processes = new Map<string, ManagedProcess>();
	private readonly cliProcesses = new Set<ChildProcess>();
	private readonly logStream: WriteStream;

	constructor(
		private readonly options: {
			install: N8nInstall;
			/** The working folder of every process (the instance's user folder). */
			cwd: string;
			env: Record<string, string>;
			url: string;
			logFile: string;
			workerPorts: ReadonlyArray<{ health: number; broker: number }>;
			/** CLI commands get their own task-broker port: `n8n execute` may run beside the server. */
			cliBrokerPort: number;
			/** Called whenever a process starts, so the instance can record its pids. */
			onSpawn: () => void;
		},
	) {
		this.logStream = createWriteStream(options.logFile, { flags: 'a' });
	}

	/**
	 * Starts `n8n start` (and the workers) and waits until /healthz/readiness answers 200 and the editor is up
	 * (workers: their health server). Stops what it started when that fails.
	 */
	async start(deadline: number): Promise<void> {
		const main = this.startProcess('main', ['start'], {});
		this.running = true;
		const { url, workerPorts } = this.options;
		try {
			await waitUntilReady(main, `${url}/healthz/readiness`, deadline, /Editor is now accessible/);
			// Workers only once the main is ready: on a fresh database both would run the migrations at once
			// (n8n 1.x on PostgreSQL then fails with "column … already exists").
			const workers = workerPorts.map((ports, index) =>
				this.startProcess(`worker-${index + 1}`, ['worker'], {
					QUEUE_HEALTH_CHECK_PORT: String(ports.health),
					N8N_RUNNERS_BROKER_PORT: String(ports.broker),
				}),
			);
			await Promise.all(
				workers.map(
					async (worker, index) =>
						await waitUntilReady(
							worker,
							`http://127.0.0.1:${workerPorts[index].health}/healthz/readiness`,
							deadline,
						),
				),
			);
		} catch (error) {
			await this.stop();
			throw error;
		}
	}

	/** Stops the server and workers (SIGTERM to each process group, SIGKILL after 25 s). */
	async stop(): Promise<void> {
		const all = [...this.processes.values()];
		await Promise.all(
			all.map(async (managed) => {
				await stopGroup(managed.child.pid, 25_000);
				await Promise.race([managed.exited, sleep(2000)]);
				if (managed.child.pid) livePids.delete(managed.child.pid);
			}),
		);
		this.processes.clear();
		this.running = false;
	}

	/** pids of the running server processes by name ('main', 'worker-1', …). */
	get pids(): Record<string, number | undefined> {
		return Object.fromEntries(
			[...this.processes].map(([name, managed]) => [name, managed.child.pid]),
		);
	}

	/** pids of every process running now: server, workers and CLI commands. */
	allPids(): number[] {
		return [
			...[...this.processes.values()].map((managed) => managed.child.pid),
			...[...this.cliProcesses].map((child) => child.pid),
		].filter((pid): pid is number => Boolean(pid));
	}

	/** The lines a queue-mode worker (1-based) printed so far; empty when there is no such worker. */
	workerOutput(worker: number): readonly string[] {
		return this.processes.get(`worker-${worker}`)?.output ?? [];
	}

	/** Runs `n8n <args>` (output also appended to the log file). */
	async cli(args: string[], options: CliOptions = {}): Promise<RunResult> {
		const { install, cwd, env, cliBrokerPort, onSpawn } = this.options;
		const writer = lineWriter(this.logStream, `cli ${args[0]}`);
		let child: ChildProcess | undefined;
		try {
			return await run(install.nodeBin, [install.n8nBin, ...args], {
				cwd,
				env: {
					...env,
					...(this.running ? { N8N_RUNNERS_BROKER_PORT: String(cliBrokerPort) } : {}),
					...options.env,
				},
				timeoutMs: options.timeoutMs ?? 180_000,
				stdoutFile: options.stdoutFile,
				onOutput: (chunk) => writer.write(chunk),
				onSpawn: (spawned) => {
					child = spawned;
					this.cliProcesses.add(spawned);
					if (spawned.pid) livePids.add(spawned.pid);
					onSpawn();
				},
			});
		} finally {
			writer.flush();
			if (child) {
				this.cliProcesses.delete(child);
				// The command has exited; its task-runner child (same group) must not linger.
				if (child.pid && groupAlive(child.pid)) killGroup(child.pid, 'SIGKILL');
				if (child.pid) livePids.delete(child.pid);
			}
		}
	}

	/** Stops everything (server, workers, CLI commands still running) and closes the log file. */
	async stopAll(): Promise<void> {
		await this.stop();
		for (const child of this.cliProcesses) {
			await stopGroup(child.pid, 5000);
			if (child.pid) livePids.delete(child.pid);
		}
		this.cliProcesses.clear();
		await new Promise<void>((resolveEnd) => this.logStream.end(resolveEnd));
	}

	private startProcess(
		name: string,
		args: string[],
		extraEnv: Record<string, string>,
	): ManagedProcess {
		const { install, cwd, env, onSpawn } = this.options;
		const managed = spawnServer({
			name,
			nodeBin: install.nodeBin,
			args: [install.n8nBin, ...args],
			cwd,
			env: { ...env, ...extraEnv },
			log: this.logStream,
		});
		this.processes.set(name, managed);
		onSpawn();
		return managed;
	}
}
