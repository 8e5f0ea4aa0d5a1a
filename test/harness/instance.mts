// N8nInstance: one isolated, real n8n (regular mode with SQLite, or queue mode with
// PostgreSQL + Redis + N workers) with community packages installed from tarballs the
// way n8n's own community-package installer installs them. Its lifecycle and CLI live
// here; the REST API is RestClient (rest.mts), which a running instance hands its calls to.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
	createWriteStream,
	existsSync,
	readdirSync,
	readFileSync,
	type WriteStream,
} from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { installCommunityPackage } from './communityPackage.mts';
import { instanceEnvironment } from './environment.mts';
import type { N8nInstall } from './install.mts';
import {
	installExitHooks,
	lineWriter,
	livePids,
	spawnServer,
	waitUntilReady,
	type ManagedProcess,
} from './processes.mts';
import { RestClient } from './rest.mts';
import { cliErrorMessage, resultFromRun } from './results.mts';
import { deleteRedisKeys, dropDatabase, psqlEnv } from './services.mts';
import type {
	CredentialInput,
	ExecuteResult,
	ExecutionSummary,
	HttpResponse,
	N8nInstanceOptions,
	N8nMode,
	OwnerAccount,
	WorkflowInput,
} from './types.mts';
import {
	TMP_DIR,
	extractJsonBlocks,
	freePorts,
	groupAlive,
	killGroup,
	log,
	n8nStyleId,
	pidAlive,
	randomId,
	run,
	runOrThrow,
	sleep,
	stopGroup,
	tail,
	type RunResult,
} from './util.mts';

export { nodeOutput } from './results.mts';
export type * from './types.mts';

const TIKTOK_PACKAGE = 'n8n-nodes-tiktok-publisher';
const TIKTOK_NODE_TYPE = `${TIKTOK_PACKAGE}.tikTok`;

export class N8nInstance {
	readonly install: N8nInstall;
	readonly mode: N8nMode;
	/** Root of this instance's files; n8n's own folder is `${userFolder}/.n8n`. */
	readonly userFolder: string;
	readonly n8nFolder: string;
	/** Where community packages are installed (`<n8nFolder>/nodes`). */
	readonly nodesFolder: string;
	/** Readable by file nodes (N8N_RESTRICT_FILE_ACCESS_TO points here). */
	readonly filesFolder: string;
	/** All stdout/stderr of every n8n process, one prefixed line each. */
	readonly logFile: string;
	readonly port: number;
	readonly url: string;
	readonly encryptionKey: string;
	/** PostgreSQL database name (queue mode). */
	readonly database?: string;
	/** Prefix of every Redis key this instance uses (queue mode). */
	readonly redisPrefix?: string;
	readonly workerCount: number;
	/** Loaded node type names (from `n8n export:nodes`; empty if the check was skipped). */
	nodeTypes: string[] = [];
	/** Names and versions of the installed packages. */
	readonly packages: Array<{ name: string; version: string }> = [];

	/** The REST API of the running server (the owner's session once set up). */
	readonly api: RestClient;

	private readonly env: Record<string, string>;
	private readonly workerPorts: Array<{ health: number; broker: number }>;
	/** CLI commands get their own task-broker port: `n8n execute` may run beside the server. */
	private readonly cliBrokerPort: number;
	private readonly processes = new Map<string, ManagedProcess>();
	private readonly cliProcesses = new Set<ChildProcess>();
	private readonly logStream: WriteStream;
	private destroyed = false;
	private running = false;

	private constructor(args: {
		options: N8nInstanceOptions;
		userFolder: string;
		port: number;
		brokerPort: number;
		cliBrokerPort: number;
		workerPorts: Array<{ health: number; broker: number }>;
		id: string;
	}) {
		const { options, userFolder, port, brokerPort, workerPorts, id } = args;
		this.cliBrokerPort = args.cliBrokerPort;
		this.install = options.install;
		this.mode = options.mode ?? 'regular';
		this.workerCount = this.mode === 'queue' ? (options.workers ?? 1) : 0;
		this.userFolder = userFolder;
		this.n8nFolder = join(userFolder, '.n8n');
		this.nodesFolder = join(this.n8nFolder, 'nodes');
		this.filesFolder = join(userFolder, 'files');
		this.logFile = join(userFolder, 'n8n.log');
		this.port = port;
		this.url = `http://127.0.0.1:${port}`;
		this.api = new RestClient(this.url);
		this.workerPorts = workerPorts;
		if (this.mode === 'queue') {
			this.database = `n8n_harness_${id}`;
			this.redisPrefix = `n8n-harness-${id}`;
		}
		this.env = instanceEnvironment(
			{ ...this, brokerPort, encryptionKey: `harness-${randomId(16)}` },
			options.env,
		);
		this.encryptionKey = this.env.N8N_ENCRYPTION_KEY;
		this.logStream = createWriteStream(this.logFile, { flags: 'a' });
	}

	/** Creates the user folder, installs the tarballs, (queue) creates the database, checks node types. */
	static async create(options: N8nInstanceOptions): Promise<N8nInstance> {
		installExitHooks();
		await N8nInstance.cleanupStale();
		const id = randomId(6);
		const userFolder = join(TMP_DIR, `n8n-${id}`);
		await mkdir(join(userFolder, '.n8n', 'nodes'), { recursive: true });
		await mkdir(join(userFolder, 'files'), { recursive: true });
		const mode = options.mode ?? 'regular';
		const workers = mode === 'queue' ? (options.workers ?? 1) : 0;
		const ports = await freePorts(3 + workers * 2);
		const instance = new N8nInstance({
			options,
			userFolder,
			port: ports[0],
			brokerPort: ports[1],
			cliBrokerPort: ports[2],
			workerPorts: Array.from({ length: workers }, (_, i) => ({
				health: ports[3 + i * 2],
				broker: ports[4 + i * 2],
			})),
			id,
		});
		await instance.writeState();
		try {
			const tarballs = options.tarball === undefined ? [] : [options.tarball].flat();
			for (const tarball of tarballs)
				instance.packages.push(await instance.installTarball(tarball));
			if (instance.database) {
				await runOrThrow('createdb', [instance.database], { env: psqlEnv(), timeoutMs: 60_000 });
			}
			if (options.start) {
				await instance.start();
				await instance.setupOwner();
			}
			if (!options.skipNodeTypeCheck) await instance.checkNodeTypes(options.expectNodeTypes);
		} catch (error) {
			await instance.destroy();
			throw error;
		}
		return instance;
	}

	/**
	 * Removes user folders (and databases, Redis keys, leftover n8n processes) of
	 * instances whose test process died without destroy().
	 */
	static async cleanupStale(): Promise<void> {
		if (!existsSync(TMP_DIR)) return;
		for (const entry of readdirSync(TMP_DIR)) {
			if (!entry.startsWith('n8n-')) continue;
			const folder = join(TMP_DIR, entry);
			let state: { ownerPid?: number; database?: string; redisPrefix?: string; pids?: number[] };
			try {
				state = JSON.parse(readFileSync(join(folder, 'harness.json'), 'utf8')) as typeof state;
			} catch {
				continue;
			}
			if (!state.ownerPid || pidAlive(state.ownerPid)) continue;
			for (const pid of state.pids ?? []) {
				// Only processes that are provably this instance's n8n (its user folder in their environment).
				try {
					const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
					if (environ.split('\0').includes(`N8N_USER_FOLDER=${folder}`)) killGroup(pid, 'SIGKILL');
				} catch {
					// gone
				}
			}
			if (state.database) await dropDatabase(state.database);
			if (state.redisPrefix) {
				await deleteRedisKeys([`${state.redisPrefix}:*`, `{${state.redisPrefix}:*`]);
			}
			await rm(folder, { recursive: true, force: true });
			log(`removed stale instance folder ${folder}`);
		}
	}

	// -------------------------------------------------------------------------
	// Community package installation

	private async installTarball(tarball: string): Promise<{ name: string; version: string }> {
		return await installCommunityPackage(tarball, this.nodesFolder, this.env);
	}

	/**
	 * Checks that the expected node types are loaded: from the running server (`/types/nodes.json`, what the
	 * editor loads) or else from `n8n export:nodes` (which also creates and migrates the database).
	 */
	private async checkNodeTypes(expected?: string[]): Promise<void> {
		const types = this.running ? await this.api.nodeTypes() : await this.exportNodeTypes();
		this.nodeTypes = [...new Set(types.map((type) => type.name))].sort();
		const missing: string[] = [];
		const wanted = new Set(expected ?? []);
		if (!expected && this.packages.some((p) => p.name === TIKTOK_PACKAGE))
			wanted.add(TIKTOK_NODE_TYPE);
		for (const type of wanted) if (!this.nodeTypes.includes(type)) missing.push(type);
		for (const pkg of this.packages) {
			if (!this.nodeTypes.some((type) => type.startsWith(`${pkg.name}.`)))
				missing.push(`${pkg.name}.*`);
		}
		if (missing.length > 0) {
			const found = this.nodeTypes.filter(
				(t) => !t.startsWith('n8n-nodes-base.') && !t.startsWith('@n8n/'),
			);
			throw new Error(
				`n8n did not load node type(s) ${missing.join(', ')}. Community/custom types found: ` +
					`${found.join(', ') || '(none)'}\n${tail(this.logs())}`,
			);
		}
	}

	private async exportNodeTypes(): Promise<Array<{ name: string }>> {
		const output = join(this.userFolder, 'node-types.json');
		const result = await this.cli(['export:nodes', `--output=${output}`], { timeoutMs: 180_000 });
		if (result.code !== 0 || !existsSync(output)) {
			throw new Error(
				`n8n export:nodes failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
			);
		}
		// export:nodes ends the write stream without awaiting it; give the file a moment.
		let types: Array<{ name: string }> | undefined;
		for (let attempt = 0; attempt < 20 && !types; attempt++) {
			try {
				types = JSON.parse(await readFile(output, 'utf8')) as Array<{ name: string }>;
			} catch {
				await sleep(100);
			}
		}
		await rm(output, { force: true });
		if (!types) throw new Error('n8n export:nodes wrote unreadable JSON');
		return types;
	}

	// -------------------------------------------------------------------------
	// CLI

	/** Environment of the n8n processes (read-only copy). */
	get environment(): Record<string, string> {
		return { ...this.env };
	}

	/** Runs `n8n <args>` against this instance (output also appended to the log file). */
	async cli(
		args: string[],
		options: { timeoutMs?: number; env?: Record<string, string>; stdoutFile?: string } = {},
	): Promise<RunResult> {
		this.assertAlive();
		const label = `cli ${args[0]}`;
		const writer = lineWriter(this.logStream, label);
		let child: ChildProcess | undefined;
		try {
			return await run(this.install.nodeBin, [this.install.n8nBin, ...args], {
				cwd: this.userFolder,
				env: {
					...this.env,
					...(this.running ? { N8N_RUNNERS_BROKER_PORT: String(this.cliBrokerPort) } : {}),
					...options.env,
				},
				timeoutMs: options.timeoutMs ?? 180_000,
				stdoutFile: options.stdoutFile,
				onOutput: (chunk) => writer.write(chunk),
				onSpawn: (spawned) => {
					child = spawned;
					this.cliProcesses.add(spawned);
					if (spawned.pid) livePids.add(spawned.pid);
					void this.writeState();
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

	/** Imports credentials (plain `data`, encrypted by n8n); returns their ids. */
	async importCredentials(credentials: CredentialInput | CredentialInput[]): Promise<string[]> {
		const given = [credentials].flat();
		// A running server saves them through its REST API, as the editor does (n8n picks the ids): no n8n CLI
		// process per import, which costs seconds of CPU each on the 2-core machine.
		if (this.running && given.every((credential) => credential.id === undefined)) {
			const ids: string[] = [];
			for (const credential of given) ids.push(await this.api.createCredential(credential));
			return ids;
		}
		const list = given.map((credential) => ({ ...credential, id: credential.id ?? n8nStyleId() }));
		const file = join(this.userFolder, `credentials-${randomId()}.json`);
		await writeFile(file, JSON.stringify(list, null, 2));
		try {
			const result = await this.cli(['import:credentials', `--input=${file}`]);
			if (result.code !== 0 || !/Successfully imported/i.test(result.stdout + result.stderr)) {
				throw new Error(
					`n8n import:credentials failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
				);
			}
		} finally {
			await rm(file, { force: true });
		}
		return list.map((credential) => credential.id);
	}

	/**
	 * Saves a workflow and returns its id: on a running server through the REST API (n8n picks the id),
	 * otherwise with `n8n import:workflow` (id generated when missing). Node ids are filled in.
	 */
	async importWorkflow(workflow: WorkflowInput): Promise<string> {
		if (this.running) return await this.api.createWorkflow(workflow);
		const id = workflow.id ?? n8nStyleId();
		const data = {
			name: 'Harness workflow',
			settings: {},
			...workflow,
			id,
			nodes: workflow.nodes.map((node) => ({ id: randomUUID(), ...node })),
		};
		const file = join(this.userFolder, `workflow-${randomId()}.json`);
		await writeFile(file, JSON.stringify(data, null, 2));
		try {
			const result = await this.cli(['import:workflow', `--input=${file}`]);
			if (result.code !== 0 || !/Successfully imported/i.test(result.stdout + result.stderr)) {
				throw new Error(
					`n8n import:workflow failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
				);
			}
		} finally {
			await rm(file, { force: true });
		}
		return id;
	}

	/** The decrypted `data` of a stored credential (`n8n export:credentials --id --decrypted`). */
	async exportCredential(id: string): Promise<Record<string, unknown>> {
		const file = join(this.userFolder, `credential-export-${randomId()}.json`);
		try {
			const result = await this.cli([
				'export:credentials',
				`--id=${id}`,
				'--decrypted',
				`--output=${file}`,
			]);
			if (result.code !== 0 || !existsSync(file)) {
				throw new Error(
					`n8n export:credentials failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
				);
			}
			const exported = JSON.parse(await readFile(file, 'utf8')) as Array<{
				id: string;
				data: unknown;
			}>;
			const credential = exported.find((entry) => entry.id === id);
			if (!credential) throw new Error(`credential ${id} not found`);
			const data = credential.data;
			return (typeof data === 'string' ? JSON.parse(data) : data) as Record<string, unknown>;
		} finally {
			await rm(file, { force: true });
		}
	}

	/**
	 * Runs a workflow from its Manual Trigger. On a running server (default when it runs): through the REST
	 * API, as the editor's "Execute workflow" button does, in about a tenth of a second. Otherwise, or with
	 * `via: 'cli'`: `n8n execute --id=<id> --rawOutput`, a new n8n process (in queue mode the CLI runs it
	 * in-process). Never throws for a failed workflow: see `ok`, `error`, `nodes[name].error`.
	 */
	async execute(
		workflowId: string,
		options: { timeoutMs?: number; via?: 'cli' | 'rest' } = {},
	): Promise<ExecuteResult> {
		if ((options.via ?? (this.running ? 'rest' : 'cli')) === 'rest') {
			return await this.api.runManually(workflowId, options);
		}
		return await this.executeInNewProcess(workflowId, options);
	}

	private async executeInNewProcess(
		workflowId: string,
		options: { timeoutMs?: number },
	): Promise<ExecuteResult> {
		// The run (with n8n 1.x's in-memory binary data, megabytes of it) goes to a file: n8n exits right after printing it.
		const stdoutFile = join(this.userFolder, `execute-${randomId()}.out`);
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
			timeoutMs: options.timeoutMs ?? 300_000,
			stdoutFile,
		}).finally(() => rm(stdoutFile, { force: true }));
		const runObject = extractJsonBlocks(result.stdout)
			.reverse()
			.find((block): block is Record<string, unknown> => {
				const data = (block as Record<string, unknown> | null)?.data as
					Record<string, unknown> | undefined;
				return typeof data === 'object' && data !== null && 'resultData' in data;
			});
		const parsed = resultFromRun(runObject, {
			exitCode: result.code,
			exitSignal: result.signal,
			stdout: result.stdout,
			stderr: result.stderr,
		});
		if (!parsed.ok && !parsed.error) {
			parsed.error = { message: cliErrorMessage(result) };
		}
		return parsed;
	}

	/**
	 * Imports the workflow and starts it on the running server as the editor's "Execute workflow" button does;
	 * returns the execution's id at once (see finishedExecution(), stopExecution()).
	 */
	async startRun(workflow: WorkflowInput): Promise<string> {
		return await this.api.startManually(await this.importWorkflow(workflow));
	}

	async finishedExecution(
		executionId: string,
		options: { timeoutMs?: number } = {},
	): Promise<ExecuteResult> {
		return await this.api.finishedExecution(executionId, options);
	}

	/** Stops a running execution, as the editor's Stop button does. */
	async stopExecution(executionId: string): Promise<HttpResponse> {
		return await this.api.stopExecution(executionId);
	}

	/** Imports the workflow and executes it (see execute()). */
	async run(
		workflow: WorkflowInput,
		options: { timeoutMs?: number; via?: 'cli' | 'rest' } = {},
	): Promise<ExecuteResult> {
		return await this.execute(await this.importWorkflow(workflow), options);
	}

	// -------------------------------------------------------------------------
	// Server

	get isRunning(): boolean {
		return this.running;
	}

	/**
	 * Starts `n8n start` (and in queue mode the workers) and waits until
	 * /healthz/readiness answers 200 and the editor is up (workers: their health server).
	 */
	async start(options: { timeoutMs?: number } = {}): Promise<void> {
		this.assertAlive();
		if (this.running) return;
		const timeoutMs = options.timeoutMs ?? 180_000;
		const deadline = Date.now() + timeoutMs;
		const started = Date.now();
		const main = this.startProcess('main', ['start'], {});
		this.running = true;
		try {
			await waitUntilReady(
				main,
				`${this.url}/healthz/readiness`,
				deadline,
				/Editor is now accessible/,
			);
			// Workers only once the main is ready: on a fresh database both would run the migrations at once
			// (n8n 1.x on PostgreSQL then fails with "column … already exists").
			const workers = this.workerPorts.map((ports, index) =>
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
							`http://127.0.0.1:${this.workerPorts[index].health}/healthz/readiness`,
							deadline,
						),
				),
			);
		} catch (error) {
			await this.stop();
			throw error;
		}
		log(
			`n8n ${this.install.version} (${this.mode}) ready at ${this.url} in ${Date.now() - started} ms`,
		);
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

	private startProcess(
		name: string,
		args: string[],
		extraEnv: Record<string, string>,
	): ManagedProcess {
		const managed = spawnServer({
			name,
			nodeBin: this.install.nodeBin,
			args: [this.install.n8nBin, ...args],
			cwd: this.userFolder,
			env: { ...this.env, ...extraEnv },
			log: this.logStream,
		});
		this.processes.set(name, managed);
		void this.writeState();
		return managed;
	}

	// -------------------------------------------------------------------------
	// REST API of the running server (RestClient)

	get owner(): OwnerAccount | undefined {
		return this.api.owner;
	}

	async setupOwner(
		account: Partial<Pick<OwnerAccount, 'email' | 'password' | 'firstName' | 'lastName'>> = {},
	): Promise<OwnerAccount> {
		return await this.api.setupOwner(account);
	}

	async login(email: string, password: string): Promise<OwnerAccount> {
		return await this.api.login(email, password);
	}

	async request(...args: Parameters<RestClient['request']>): Promise<HttpResponse> {
		return await this.api.request(...args);
	}

	async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		return await this.api.rest<T>(method, path, body);
	}

	/**
	 * Publishes (activates) a workflow so its production webhooks/triggers run. Running: through the REST
	 * API. Stopped: `n8n publish:workflow --id` (2.x) or `n8n update:workflow --id --active=true` (1.x),
	 * which takes effect on start().
	 */
	async activateWorkflow(workflowId: string): Promise<void> {
		if (this.running) return await this.api.activateWorkflow(workflowId);
		const major = Number(this.install.version.split('.')[0]);
		const args =
			major >= 2
				? ['publish:workflow', `--id=${workflowId}`]
				: ['update:workflow', `--id=${workflowId}`, '--active=true'];
		const result = await this.cli(args);
		if (result.code !== 0)
			throw new Error(`n8n ${args[0]} failed:\n${tail(result.stdout + result.stderr)}`);
	}

	async deactivateWorkflow(workflowId: string): Promise<void> {
		await this.api.deactivateWorkflow(workflowId);
	}

	async callWebhook(...args: Parameters<RestClient['callWebhook']>): Promise<HttpResponse> {
		return await this.api.callWebhook(...args);
	}

	async listExecutions(workflowId?: string): Promise<ExecutionSummary[]> {
		return await this.api.listExecutions(workflowId);
	}

	async getExecution(executionId: string): Promise<ExecuteResult> {
		return await this.api.getExecution(executionId);
	}

	async waitForExecution(
		options: { workflowId?: string; afterId?: string; timeoutMs?: number } = {},
	): Promise<ExecuteResult> {
		return await this.api.waitForExecution(options);
	}

	/**
	 * Queue mode: which worker ran an execution (1-based), read from the workers' logs
	 * ("Worker started execution <id> (job <n>)", logged at level info); undefined if none.
	 */
	workerForExecution(executionId: string): number | undefined {
		const pattern = new RegExp(`Worker started execution ${executionId}\\b`);
		for (let index = 0; index < this.workerPorts.length; index++) {
			const managed = this.processes.get(`worker-${index + 1}`);
			if (managed?.output.some((line) => pattern.test(line))) return index + 1;
		}
		return undefined;
	}

	// -------------------------------------------------------------------------
	// Logs and teardown

	/** Everything the n8n processes of this instance printed so far (prefixed lines). */
	logs(): string {
		try {
			return readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	/**
	 * Stops every process this instance started, drops its database and Redis keys and
	 * removes the user folder (kept, with the database, when N8N_HARNESS_KEEP=1).
	 * Safe to call more than once.
	 */
	async destroy(): Promise<void> {
		if (this.destroyed) return;
		this.destroyed = true;
		await this.stop();
		for (const child of this.cliProcesses) {
			await stopGroup(child.pid, 5000);
			if (child.pid) livePids.delete(child.pid);
		}
		this.cliProcesses.clear();
		await new Promise<void>((resolveEnd) => this.logStream.end(resolveEnd));
		if (process.env.N8N_HARNESS_KEEP === '1') {
			log(
				`keeping ${this.userFolder}${this.database ? ` and database ${this.database}` : ''} (N8N_HARNESS_KEEP=1)`,
			);
			await this.writeState({ ownerPid: 0 });
			return;
		}
		if (this.database) await dropDatabase(this.database);
		if (this.redisPrefix)
			await deleteRedisKeys([`${this.redisPrefix}:*`, `{${this.redisPrefix}:*`]);
		await rm(this.userFolder, { recursive: true, force: true, maxRetries: 3 });
	}

	private assertAlive(): void {
		if (this.destroyed) throw new Error('this n8n instance was destroyed');
	}

	/** harness.json lets cleanupStale() undo an instance whose test process died. */
	private async writeState(overrides: Record<string, unknown> = {}): Promise<void> {
		const state = {
			ownerPid: process.pid,
			database: this.database,
			redisPrefix: this.redisPrefix,
			pids: [
				...[...this.processes.values()].map((managed) => managed.child.pid),
				...[...this.cliProcesses].map((child) => child.pid),
			].filter(Boolean),
			...overrides,
		};
		await writeFile(join(this.userFolder, 'harness.json'), JSON.stringify(state, null, 2)).catch(
			() => undefined,
		);
	}

	/** Splits output into lines, prefixes them with the process name and appends them to the log file. */
}
