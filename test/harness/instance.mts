// N8nInstance: one isolated, real n8n (regular mode with SQLite, or queue mode with
// PostgreSQL + Redis + N workers) with community packages installed from tarballs the
// way n8n's own community-package installer installs them. This file is what a test holds: creating and
// destroying an instance, and each call sent where it is served — the REST API of the running server
// (RestClient, rest.mts), n8n's CLI while it is stopped (cliCommands.mts), its processes (server.mts).
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
	activateWorkflowWithCli,
	type Cli,
	executeWithCli,
	exportCredentialWithCli,
	exportNodeTypesWithCli,
	importCredentialsWithCli,
	importWorkflowWithCli,
} from './cliCommands.mts';
import { installCommunityPackage } from './communityPackage.mts';
import { instanceEnvironment } from './environment.mts';
import type { N8nInstall } from './install.mts';
import { cleanupStaleInstances, redisKeysOf, writeInstanceState } from './instanceState.mts';
import { installExitHooks } from './processes.mts';
import { RestClient } from './rest.mts';
import { deleteRedisKeys, dropDatabase, psqlEnv } from './services.mts';
import { N8nProcesses, type CliOptions } from './server.mts';
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
import { TMP_DIR, freePorts, log, randomId, runOrThrow, tail, type RunResult } from './util.mts';

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
	private readonly server: N8nProcesses;
	/** `cli` as a function of its own, for the commands in cliCommands.mts. */
	private readonly runCli: Cli = async (args, options) => await this.cli(args, options);
	private destroyed = false;

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
		if (this.mode === 'queue') {
			this.database = `n8n_harness_${id}`;
			this.redisPrefix = `n8n-harness-${id}`;
		}
		this.env = instanceEnvironment(
			{ ...this, brokerPort, encryptionKey: `harness-${randomId(16)}` },
			options.env,
		);
		this.encryptionKey = this.env.N8N_ENCRYPTION_KEY;
		this.server = new N8nProcesses({
			install: this.install,
			cwd: userFolder,
			env: this.env,
			url: this.url,
			logFile: this.logFile,
			workerPorts,
			cliBrokerPort: args.cliBrokerPort,
			onSpawn: () => void this.writeState(),
		});
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
		await cleanupStaleInstances();
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
		const types = this.server.running
			? await this.api.nodeTypes()
			: await exportNodeTypesWithCli(this.runCli, this.userFolder);
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

	// -------------------------------------------------------------------------
	// CLI

	/** Environment of the n8n processes (read-only copy). */
	get environment(): Record<string, string> {
		return { ...this.env };
	}

	/** Runs `n8n <args>` against this instance (output also appended to the log file). */
	async cli(args: string[], options: CliOptions = {}): Promise<RunResult> {
		this.assertAlive();
		return await this.server.cli(args, options);
	}

	/** Imports credentials (plain `data`, encrypted by n8n); returns their ids. */
	async importCredentials(credentials: CredentialInput | CredentialInput[]): Promise<string[]> {
		const given = [credentials].flat();
		// A running server saves them through its REST API, as the editor does (n8n picks the ids): no n8n CLI
		// process per import, which costs seconds of CPU each on the 2-core machine.
		if (this.server.running && given.every((credential) => credential.id === undefined)) {
			const ids: string[] = [];
			for (const credential of given) ids.push(await this.api.createCredential(credential));
			return ids;
		}
		return await importCredentialsWithCli(this.runCli, this.userFolder, given);
	}

	/**
	 * Saves a workflow and returns its id: on a running server through the REST API (n8n picks the id),
	 * otherwise with `n8n import:workflow` (id generated when missing). Node ids are filled in.
	 */
	async importWorkflow(workflow: WorkflowInput): Promise<string> {
		if (this.server.running) return await this.api.createWorkflow(workflow);
		return await importWorkflowWithCli(this.runCli, this.userFolder, workflow);
	}

	/** The decrypted `data` of a stored credential (`n8n export:credentials --id --decrypted`). */
	async exportCredential(id: string): Promise<Record<string, unknown>> {
		return await exportCredentialWithCli(this.runCli, this.userFolder, id);
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
		if ((options.via ?? (this.server.running ? 'rest' : 'cli')) === 'rest') {
			return await this.api.runManually(workflowId, options);
		}
		return await executeWithCli(this.runCli, this.userFolder, workflowId, options);
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
		return this.server.running;
	}

	/**
	 * Starts `n8n start` (and in queue mode the workers) and waits until
	 * /healthz/readiness answers 200 and the editor is up (workers: their health server).
	 */
	async start(options: { timeoutMs?: number } = {}): Promise<void> {
		this.assertAlive();
		if (this.server.running) return;
		const started = Date.now();
		await this.server.start(started + (options.timeoutMs ?? 180_000));
		log(
			`n8n ${this.install.version} (${this.mode}) ready at ${this.url} in ${Date.now() - started} ms`,
		);
	}

	/** Stops the server and workers (SIGTERM to each process group, SIGKILL after 25 s). */
	async stop(): Promise<void> {
		await this.server.stop();
	}

	/** pids of the running server processes by name ('main', 'worker-1', …). */
	get pids(): Record<string, number | undefined> {
		return this.server.pids;
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
		if (this.server.running) return await this.api.activateWorkflow(workflowId);
		await activateWorkflowWithCli(this.runCli, this.install.version, workflowId);
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
		for (let worker = 1; worker <= this.workerCount; worker++) {
			if (this.server.workerOutput(worker).some((line) => pattern.test(line))) return worker;
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
		await this.server.stopAll();
		if (process.env.N8N_HARNESS_KEEP === '1') {
			log(
				`keeping ${this.userFolder}${this.database ? ` and database ${this.database}` : ''} (N8N_HARNESS_KEEP=1)`,
			);
			await this.writeState({ ownerPid: 0 });
			return;
		}
		if (this.database) await dropDatabase(this.database);
		if (this.redisPrefix) await deleteRedisKeys(redisKeysOf(this.redisPrefix));
		await rm(this.userFolder, { recursive: true, force: true, maxRetries: 3 });
	}

	private assertAlive(): void {
		if (this.destroyed) throw new Error('this n8n instance was destroyed');
	}

	/** harness.json lets cleanupStale() undo an instance whose test process died. */
	private async writeState(overrides: { ownerPid?: number } = {}): Promise<void> {
		await writeInstanceState(this.userFolder, {
			ownerPid: process.pid,
			database: this.database,
			redisPrefix: this.redisPrefix,
			pids: this.server.allPids(),
			...overrides,
		});
	}
}
