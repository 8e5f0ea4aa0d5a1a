// N8nInstance: one isolated, real n8n (regular mode with SQLite, or queue mode with
// PostgreSQL + Redis + N workers) with community packages installed from tarballs the
// way n8n's own community-package installer installs them.
import { spawn, type ChildProcess } from 'node:child_process';
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

import type { N8nInstall } from './install.mts';
import {
	TMP_DIR,
	extractJsonBlocks,
	freePorts,
	groupAlive,
	killGroup,
	log,
	n8nStyleId,
	parseFlatted,
	pidAlive,
	randomId,
	run,
	runOrThrow,
	sleep,
	stopGroup,
	tail,
	type RunResult,
} from './util.mts';

export type N8nMode = 'regular' | 'queue';

export interface N8nInstanceOptions {
	install: N8nInstall;
	/** Package tarball(s) (from packPackage()) to install into <userFolder>/.n8n/nodes. */
	tarball?: string | string[];
	/** Extra environment for every n8n process; a value of undefined removes a default. */
	env?: Record<string, string | undefined>;
	/** 'regular' (SQLite, default) or 'queue' (PostgreSQL database per instance, Redis, workers). */
	mode?: N8nMode;
	/** Number of `n8n worker` processes in queue mode (default 1). */
	workers?: number;
	/**
	 * Node types that must be loaded after installing the tarballs (checked with
	 * `n8n export:nodes`). Default: `n8n-nodes-tiktok-publisher.tikTok` if that package is
	 * installed, and at least one `<package>.*` type per installed package.
	 */
	expectNodeTypes?: string[];
	/** Skip the node-type check (saves ~4 s; the first CLI command then runs the DB migrations). */
	skipNodeTypeCheck?: boolean;
}

export interface CredentialInput {
	/** Generated (16 alphanumerics) when omitted. */
	id?: string;
	name: string;
	type: string;
	/** Plain JSON; n8n encrypts it on import. */
	data: Record<string, unknown>;
}

export type WorkflowInput = Record<string, unknown> & {
	id?: string;
	name?: string;
	nodes: Array<Record<string, unknown>>;
	connections: Record<string, unknown>;
};

export interface ExecutionErrorInfo {
	message: string;
	description?: string;
	/** Error class name, e.g. NodeOperationError, NodeApiError. */
	name?: string;
	/** Name of the node that failed. */
	node?: string;
	httpCode?: string;
	context?: Record<string, unknown>;
	/** The error object as n8n serialised it. */
	raw?: Record<string, unknown>;
}

export interface ExecutionItem {
	json: Record<string, unknown>;
	binary?: Record<string, Record<string, unknown>>;
	pairedItem?: unknown;
	error?: unknown;
}

/** n8n's ITaskData, loosely typed. */
export interface TaskData {
	startTime?: number;
	executionTime?: number;
	executionStatus?: string;
	data?: { main?: Array<ExecutionItem[] | null> };
	error?: Record<string, unknown>;
	hints?: unknown[];
	source?: unknown[];
	[key: string]: unknown;
}

export interface NodeResult {
	/** executionStatus of the node's last run ('success' | 'error' | ...). */
	status?: string;
	/** Items of each main output of the last run (index 1 is the error output with "On Error: Continue (using error output)"). */
	items: ExecutionItem[][];
	/** Just the json of each output's items. */
	outputs: Array<Array<Record<string, unknown>>>;
	error?: ExecutionErrorInfo;
	runs: number;
}

export interface ExecuteResult {
	/** Finished with status 'success' and no workflow error. */
	ok: boolean;
	status?: string;
	executionId?: string;
	/** Raw run data keyed by node name (n8n's IRunData). */
	runData: Record<string, TaskData[]>;
	/** Summary of every node's last run. */
	nodes: Record<string, NodeResult>;
	lastNodeExecuted?: string;
	/** json of the items of the last executed node's first output (last run). */
	lastNodeOutput: Array<Record<string, unknown>>;
	/** The workflow-level error (the failing node's error) or why the CLI failed. */
	error?: ExecutionErrorInfo;
	/** The whole parsed execution (IRun from the CLI, or the execution from the REST API). */
	raw?: unknown;
	/** execute() only. */
	exitCode?: number | null;
	/** execute() only: the signal that ended the CLI process, if any. */
	exitSignal?: string | null;
	stdout: string;
	stderr: string;
}

export interface OwnerAccount {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
	/** `n8n-auth=<jwt>` for the REST API (bound to browserId). */
	cookie: string;
	/** Send as the `browser-id` header together with the cookie. */
	browserId: string;
}

export interface HttpResponse {
	status: number;
	headers: Record<string, string>;
	/** Parsed JSON when the response is JSON, else the text. */
	body: unknown;
	text: string;
}

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: string;
	mode: string;
	finished?: boolean;
	startedAt?: string | null;
	stoppedAt?: string | null;
	[key: string]: unknown;
}

interface ManagedProcess {
	name: string;
	child: ChildProcess;
	output: string[];
	exited: Promise<void>;
	exitCode?: number | null;
	exitSignal?: NodeJS.Signals | null;
}

const TIKTOK_PACKAGE = 'n8n-nodes-tiktok-publisher';
const TIKTOK_NODE_TYPE = `${TIKTOK_PACKAGE}.tikTok`;
const PG = { host: '127.0.0.1', port: '5432', user: 'postgres' };
const REDIS = { host: '127.0.0.1', port: '6379' };
const FINISHED_STATUSES = new Set(['success', 'error', 'canceled', 'crashed']);

// ---------------------------------------------------------------------------
// Process bookkeeping shared by all instances: no n8n process may outlive us.
const livePids = new Set<number>();
let exitHooksInstalled = false;

function installExitHooks(): void {
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

/** Environment inherited from the test process minus anything that would configure n8n. */
function baseEnvironment(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value === undefined) continue;
		if (
			/^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_PATH$|npm_)/.test(
				key,
			)
		) {
			continue;
		}
		env[key] = value;
	}
	return env;
}

function psqlEnv(): NodeJS.ProcessEnv {
	return {
		...process.env,
		PGHOST: PG.host,
		PGPORT: PG.port,
		PGUSER: PG.user,
		PGCONNECT_TIMEOUT: '10',
	};
}

async function dropDatabase(name: string): Promise<void> {
	await run('dropdb', ['--if-exists', '--force', name], { env: psqlEnv(), timeoutMs: 60_000 }).then(
		async (result) => {
			// PostgreSQL < 13 has no --force; retry without it.
			if (result.code !== 0 && /force/i.test(result.stderr)) {
				await run('dropdb', ['--if-exists', name], { env: psqlEnv(), timeoutMs: 60_000 });
			}
		},
	);
}

async function deleteRedisKeys(patterns: string[]): Promise<void> {
	for (const pattern of patterns) {
		const scan = await run(
			'redis-cli',
			['-h', REDIS.host, '-p', REDIS.port, '--scan', '--pattern', pattern],
			{
				timeoutMs: 30_000,
			},
		).catch(() => undefined);
		const keys = scan?.code === 0 ? scan.stdout.split('\n').filter(Boolean) : [];
		for (let i = 0; i < keys.length; i += 200) {
			await run(
				'redis-cli',
				['-h', REDIS.host, '-p', REDIS.port, 'DEL', ...keys.slice(i, i + 200)],
				{
					timeoutMs: 30_000,
				},
			).catch(() => undefined);
		}
	}
}

function errorInfo(raw: unknown, fallbackNode?: string): ExecutionErrorInfo | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const error = raw as Record<string, unknown>;
	const node = error.node as Record<string, unknown> | undefined;
	return {
		message: String(error.message ?? ''),
		description: (error.description as string | null | undefined) ?? undefined,
		name: (error.name as string | undefined) ?? undefined,
		node: (node?.name as string | undefined) ?? fallbackNode,
		httpCode: (error.httpCode as string | null | undefined) ?? undefined,
		context: (error.context as Record<string, unknown> | undefined) ?? undefined,
		raw: error,
	};
}

/** Builds the uniform result from an IRun-like object ({ data: { resultData }, status }). */
function resultFromRun(
	runObject: Record<string, unknown> | undefined,
	extra: Partial<ExecuteResult> & { stdout: string; stderr: string },
): ExecuteResult {
	const data = runObject?.data as Record<string, unknown> | undefined;
	const resultData = (data?.resultData ?? {}) as Record<string, unknown>;
	const runData = (resultData.runData ?? {}) as Record<string, TaskData[]>;
	const nodes: Record<string, NodeResult> = {};
	for (const [name, runs] of Object.entries(runData)) {
		const last = runs[runs.length - 1] ?? {};
		const items = (last.data?.main ?? []).map((output) => output ?? []);
		nodes[name] = {
			status: last.executionStatus,
			items,
			outputs: items.map((output) => output.map((item) => item.json)),
			error: errorInfo(last.error, name),
			runs: runs.length,
		};
	}
	const lastNodeExecuted = resultData.lastNodeExecuted as string | undefined;
	const status = runObject?.status as string | undefined;
	const workflowError = errorInfo(resultData.error);
	return {
		ok:
			status === 'success' &&
			!workflowError &&
			(extra.exitCode === undefined || extra.exitCode === 0),
		status,
		runData,
		nodes,
		lastNodeExecuted,
		lastNodeOutput: lastNodeExecuted ? (nodes[lastNodeExecuted]?.outputs[0] ?? []) : [],
		error: workflowError,
		raw: runObject,
		...extra,
	};
}

/** json of one node's output items (default: first output of the last run). */
export function nodeOutput(
	result: ExecuteResult,
	nodeName: string,
	options: { output?: number; run?: number } = {},
): Array<Record<string, unknown>> {
	const runs = result.runData[nodeName];
	if (!runs || runs.length === 0) return [];
	const runIndex = options.run ?? runs.length - 1;
	const output = runs[runIndex]?.data?.main?.[options.output ?? 0] ?? [];
	return output.map((item) => item.json);
}

// ---------------------------------------------------------------------------

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
	owner?: OwnerAccount;

	private readonly env: Record<string, string>;
	private readonly workerPorts: Array<{ health: number; broker: number }>;
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
		this.encryptionKey = `harness-${randomId(16)}`;
		this.workerPorts = workerPorts;
		if (this.mode === 'queue') {
			this.database = `n8n_harness_${id}`;
			this.redisPrefix = `n8n-harness-${id}`;
		}
		const major = Number(this.install.version.split('.')[0]);
		const env: Record<string, string> = {
			...baseEnvironment(),
			PATH: `${join(this.install.nodeBin, '..')}:${process.env.PATH ?? ''}`,
			TZ: 'UTC',
			GENERIC_TIMEZONE: 'UTC',
			N8N_USER_FOLDER: userFolder,
			N8N_ENCRYPTION_KEY: this.encryptionKey,
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: `${this.url}/`,
			WEBHOOK_URL: `${this.url}/`,
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			N8N_LOG_LEVEL: 'info',
			N8N_LOG_OUTPUT: 'console',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_DYNAMIC_BANNERS_ENABLED: 'false',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_SECURE_COOKIE: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
			N8N_RESTRICT_FILE_ACCESS_TO: this.filesFolder,
			EXECUTIONS_MODE: this.mode,
		};
		// mcp-registry (2.x) fetches https://api.n8n.io on start; keep everything local.
		if (major >= 2) env.N8N_DISABLED_MODULES = 'mcp-registry';
		// n8n 1.123's default expression engine ('vm') needs isolated-vm 6, which has no
		// build for Node < 22 (and does not compile against Node 20's V8); n8n then refuses
		// to start. Node 20 users of n8n 1.x must use the legacy engine.
		if (major < 2 && Number(this.install.nodeVersion.split('.')[0]) < 22) {
			env.N8N_EXPRESSION_ENGINE = 'legacy';
		}
		if (this.mode === 'queue') {
			Object.assign(env, {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: PG.host,
				DB_POSTGRESDB_PORT: PG.port,
				DB_POSTGRESDB_USER: PG.user,
				DB_POSTGRESDB_PASSWORD: '',
				DB_POSTGRESDB_DATABASE: this.database,
				QUEUE_BULL_REDIS_HOST: REDIS.host,
				QUEUE_BULL_REDIS_PORT: REDIS.port,
				// Both prefixes: Bull's keys use QUEUE_BULL_PREFIX, but pub/sub channels
				// (`<prefix>:n8n.commands`) and the Redis cache use N8N_REDIS_KEY_PREFIX.
				QUEUE_BULL_PREFIX: this.redisPrefix,
				N8N_REDIS_KEY_PREFIX: this.redisPrefix,
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			});
		} else {
			Object.assign(env, { DB_TYPE: 'sqlite', DB_SQLITE_POOL_SIZE: '2' });
		}
		for (const [key, value] of Object.entries(options.env ?? {})) {
			if (value === undefined) delete env[key];
			else env[key] = value;
		}
		this.env = env;
		this.encryptionKey = env.N8N_ENCRYPTION_KEY ?? this.encryptionKey;
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
		const ports = await freePorts(2 + workers * 2);
		const instance = new N8nInstance({
			options,
			userFolder,
			port: ports[0],
			brokerPort: ports[1],
			workerPorts: Array.from({ length: workers }, (_, i) => ({
				health: ports[2 + i * 2],
				broker: ports[3 + i * 2],
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

	/**
	 * Installs a tarball the way n8n's CommunityPackagesService.downloadPackage does (2.41.1
	 * and the newest 1.x alike; n8n `npm pack`s from the registry, we already have the
	 * tarball): extract into nodes/node_modules/<name> with --strip-components=1, drop
	 * dev/peer/optional dependencies from its package.json, `npm install` its dependencies
	 * in that folder with scripts ignored, and record it in the nodes/package.json ledger.
	 */
	private async installTarball(tarball: string): Promise<{ name: string; version: string }> {
		const listing = await runOrThrow('tar', ['-xzOf', tarball, 'package/package.json']);
		const pkg = JSON.parse(listing.stdout) as { name: string; version: string };
		const npmEnv = { ...this.env, npm_config_update_notifier: 'false' };
		const ledgerPath = join(this.nodesFolder, 'package.json');
		const ledger = existsSync(ledgerPath)
			? (JSON.parse(await readFile(ledgerPath, 'utf8')) as {
					name: string;
					private: boolean;
					dependencies: Record<string, string>;
				})
			: { name: 'installed-nodes', private: true, dependencies: {} as Record<string, string> };
		const packageDir = join(this.nodesFolder, 'node_modules', pkg.name);
		await rm(packageDir, { recursive: true, force: true });
		await mkdir(packageDir, { recursive: true });
		await runOrThrow('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
		const manifestPath = join(packageDir, 'package.json');
		const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
		delete manifest.devDependencies;
		delete manifest.peerDependencies;
		delete manifest.optionalDependencies;
		await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
		await runOrThrow(
			'npm',
			[
				'install',
				'--audit=false',
				'--fund=false',
				'--bin-links=false',
				'--install-strategy=shallow',
				'--ignore-scripts=true',
				'--package-lock=false',
			],
			{ cwd: packageDir, env: npmEnv, timeoutMs: 5 * 60_000 },
		);
		ledger.dependencies[pkg.name] = pkg.version;
		await writeFile(ledgerPath, JSON.stringify(ledger, null, 2));
		return { name: pkg.name, version: pkg.version };
	}

	/** Runs `n8n export:nodes` (this also creates and migrates the database) and checks the expected types. */
	private async checkNodeTypes(expected?: string[]): Promise<void> {
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
					`${found.join(', ') || '(none)'}\n${tail(result.stdout + result.stderr)}`,
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
	async cli(
		args: string[],
		options: { timeoutMs?: number; env?: Record<string, string>; stdoutFile?: string } = {},
	): Promise<RunResult> {
		this.assertAlive();
		const label = `cli ${args[0]}`;
		const writer = this.lineWriter(label);
		let child: ChildProcess | undefined;
		try {
			return await run(this.install.nodeBin, [this.install.n8nBin, ...args], {
				cwd: this.userFolder,
				env: { ...this.env, ...options.env },
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
		const list = [credentials]
			.flat()
			.map((credential) => ({ ...credential, id: credential.id ?? n8nStyleId() }));
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

	/** Imports a workflow (id generated when missing, node ids filled in); returns its id. */
	async importWorkflow(workflow: WorkflowInput): Promise<string> {
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
	 * Runs a workflow with `n8n execute --id=<id> --rawOutput` (its first node must be a
	 * Manual Trigger). In queue mode the CLI falls back to running in-process.
	 * Never throws for a failed workflow: see `ok`, `error`, `nodes[name].error`.
	 */
	async execute(workflowId: string, options: { timeoutMs?: number } = {}): Promise<ExecuteResult> {
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
					| Record<string, unknown>
					| undefined;
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

	/** Imports the workflow and executes it. */
	async run(workflow: WorkflowInput, options: { timeoutMs?: number } = {}): Promise<ExecuteResult> {
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
		const main = this.spawnServer('main', ['start'], {});
		const workers = this.workerPorts.map((ports, index) =>
			this.spawnServer(`worker-${index + 1}`, ['worker'], {
				QUEUE_HEALTH_CHECK_PORT: String(ports.health),
				N8N_RUNNERS_BROKER_PORT: String(ports.broker),
			}),
		);
		this.running = true;
		try {
			await this.waitUntilReady(
				main,
				`${this.url}/healthz/readiness`,
				deadline,
				/Editor is now accessible/,
			);
			await Promise.all(
				workers.map(
					async (worker, index) =>
						await this.waitUntilReady(
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

	private spawnServer(
		name: string,
		args: string[],
		extraEnv: Record<string, string>,
	): ManagedProcess {
		const child = spawn(this.install.nodeBin, [this.install.n8nBin, ...args], {
			cwd: this.userFolder,
			env: { ...this.env, ...extraEnv },
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		if (child.pid) livePids.add(child.pid);
		const managed: ManagedProcess = {
			name,
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
		const writer = this.lineWriter(name, (line) => managed.output.push(line));
		child.stdout?.setEncoding('utf8').on('data', (chunk: string) => writer.write(chunk));
		child.stderr?.setEncoding('utf8').on('data', (chunk: string) => writer.write(chunk));
		child.on('close', () => writer.flush());
		this.processes.set(name, managed);
		void this.writeState();
		return managed;
	}

	private async waitUntilReady(
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
				throw new Error(
					`n8n ${managed.name} not ready in time:\n${tail(managed.output.join('\n'))}`,
				);
			}
			await sleep(200);
		}
	}

	// -------------------------------------------------------------------------
	// REST API

	/**
	 * Creates the owner account (POST /rest/owner/setup) and logs in (POST /rest/login,
	 * which binds the `n8n-auth` cookie to a `browser-id` header). Requires start().
	 */
	async setupOwner(
		account: Partial<Pick<OwnerAccount, 'email' | 'password' | 'firstName' | 'lastName'>> = {},
	): Promise<OwnerAccount> {
		const owner = {
			email: account.email ?? 'owner@harness.example.com',
			password: account.password ?? 'Harness-Passw0rd!',
			firstName: account.firstName ?? 'Harness',
			lastName: account.lastName ?? 'Owner',
		};
		const setup = await this.request('POST', '/rest/owner/setup', owner, { auth: false });
		if (setup.status !== 200) {
			throw new Error(`owner setup failed: HTTP ${setup.status} ${tail(setup.text, 1000)}`);
		}
		return await this.login(owner.email, owner.password, owner);
	}

	/** Logs in (e.g. again after a restart) and keeps the session for rest(). */
	async login(
		email: string,
		password: string,
		names: { firstName?: string; lastName?: string } = {},
	): Promise<OwnerAccount> {
		const browserId = randomUUID();
		const response = await fetch(`${this.url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': browserId },
			body: JSON.stringify({ emailOrLdapLoginId: email, email, password }),
		});
		const text = await response.text();
		if (response.status !== 200)
			throw new Error(`login failed: HTTP ${response.status} ${tail(text, 1000)}`);
		const cookie = (response.headers.getSetCookie?.() ?? [response.headers.get('set-cookie') ?? ''])
			.map((header) => header.split(';')[0])
			.find((pair) => pair.startsWith('n8n-auth='));
		if (!cookie) throw new Error('login returned no n8n-auth cookie');
		this.owner = {
			email,
			password,
			firstName: names.firstName ?? this.owner?.firstName ?? '',
			lastName: names.lastName ?? this.owner?.lastName ?? '',
			cookie,
			browserId,
		};
		return this.owner;
	}

	/** A raw HTTP request to this instance (adds the owner's session unless auth: false). */
	async request(
		method: string,
		path: string,
		body?: unknown,
		options: { auth?: boolean; headers?: Record<string, string>; timeoutMs?: number } = {},
	): Promise<HttpResponse> {
		const headers: Record<string, string> = { ...options.headers };
		let payload: string | Uint8Array | undefined;
		if (body !== undefined) {
			if (Buffer.isBuffer(body) || typeof body === 'string') {
				payload = typeof body === 'string' ? body : new Uint8Array(body);
			} else {
				payload = JSON.stringify(body);
				headers['content-type'] ??= 'application/json';
			}
		}
		if (options.auth !== false && this.owner) {
			headers.cookie = this.owner.cookie;
			headers['browser-id'] = this.owner.browserId;
		}
		const response = await fetch(`${this.url}${path}`, {
			method,
			headers,
			body: payload,
			signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
		});
		const text = await response.text();
		let parsed: unknown = text;
		if ((response.headers.get('content-type') ?? '').includes('json')) {
			try {
				parsed = JSON.parse(text);
			} catch {
				// keep text
			}
		}
		const responseHeaders: Record<string, string> = {};
		response.headers.forEach((value, key) => {
			responseHeaders[key] = value;
		});
		return { status: response.status, headers: responseHeaders, body: parsed, text };
	}

	/** REST call as the owner; returns the response's `data`; throws on non-2xx. */
	async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		if (!this.owner) throw new Error('call setupOwner() (or login()) first');
		const response = await this.request(
			method,
			path.startsWith('/') ? path : `/rest/${path}`,
			body,
		);
		if (response.status < 200 || response.status >= 300) {
			throw new Error(`${method} ${path} -> HTTP ${response.status}: ${tail(response.text, 2000)}`);
		}
		const json = response.body as { data?: T } | T;
		return (json && typeof json === 'object' && 'data' in json ? json.data : json) as T;
	}

	/**
	 * Publishes (activates) a workflow so its production webhooks/triggers run.
	 * Server running: REST `POST /rest/workflows/:id/activate {versionId}` (sets up the owner
	 * if nobody is logged in). Server stopped: `n8n publish:workflow --id` (2.x) or
	 * `n8n update:workflow --id --active=true` (1.x); it takes effect on start().
	 */
	async activateWorkflow(workflowId: string): Promise<void> {
		if (!this.running) {
			const major = Number(this.install.version.split('.')[0]);
			const args =
				major >= 2
					? ['publish:workflow', `--id=${workflowId}`]
					: ['update:workflow', `--id=${workflowId}`, '--active=true'];
			const result = await this.cli(args);
			if (result.code !== 0)
				throw new Error(`n8n ${args[0]} failed:\n${tail(result.stdout + result.stderr)}`);
			return;
		}
		if (!this.owner) await this.setupOwner();
		const workflow = await this.rest<{ versionId: string }>('GET', `/rest/workflows/${workflowId}`);
		const response = await this.request('POST', `/rest/workflows/${workflowId}/activate`, {
			versionId: workflow.versionId,
		});
		if (response.status === 404 && !/workflow/i.test(response.text)) {
			// n8n versions before the publish flow: PATCH { active: true }.
			await this.rest('PATCH', `/rest/workflows/${workflowId}`, {
				active: true,
				versionId: workflow.versionId,
			});
		} else if (response.status !== 200) {
			throw new Error(
				`activating workflow ${workflowId} failed: HTTP ${response.status} ${tail(response.text, 2000)}`,
			);
		}
	}

	async deactivateWorkflow(workflowId: string): Promise<void> {
		if (!this.owner) await this.setupOwner();
		await this.rest('POST', `/rest/workflows/${workflowId}/deactivate`, {});
	}

	/**
	 * Calls a webhook: production `/webhook/<path>` (default) or `/webhook-test/<path>`.
	 * A freshly activated webhook is registered asynchronously, so a 404 "not registered"
	 * is retried for up to `registrationWaitMs` (default 15 s).
	 */
	async callWebhook(
		path: string,
		options: {
			method?: string;
			body?: unknown;
			headers?: Record<string, string>;
			query?: Record<string, string>;
			test?: boolean;
			registrationWaitMs?: number;
			timeoutMs?: number;
		} = {},
	): Promise<HttpResponse> {
		const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
		const url = `/${options.test ? 'webhook-test' : 'webhook'}/${path.replace(/^\//, '')}${query}`;
		const deadline = Date.now() + (options.registrationWaitMs ?? 15_000);
		for (;;) {
			const response = await this.request(options.method ?? 'POST', url, options.body ?? {}, {
				auth: false,
				headers: options.headers,
				timeoutMs: options.timeoutMs,
			});
			if (
				response.status === 404 &&
				/not registered/i.test(response.text) &&
				Date.now() < deadline
			) {
				await sleep(250);
				continue;
			}
			return response;
		}
	}

	/** Executions via REST (newest first), optionally for one workflow. */
	async listExecutions(workflowId?: string): Promise<ExecutionSummary[]> {
		const filter = workflowId
			? `?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}`
			: '';
		const data = await this.rest<{ results: ExecutionSummary[] }>(
			'GET',
			`/rest/executions${filter}`,
		);
		return data.results;
	}

	/** One execution via REST, with its run data decoded (same shape as execute()). */
	async getExecution(executionId: string): Promise<ExecuteResult> {
		const execution = await this.rest<Record<string, unknown>>(
			'GET',
			`/rest/executions/${executionId}`,
		);
		const data = typeof execution.data === 'string' ? parseFlatted(execution.data) : execution.data;
		const result = resultFromRun({ ...execution, data }, { stdout: '', stderr: '' });
		result.executionId = String(execution.id);
		return result;
	}

	/**
	 * Waits for a finished execution (of `workflowId`, newer than `afterId`) and returns it.
	 */
	async waitForExecution(
		options: { workflowId?: string; afterId?: string; timeoutMs?: number } = {},
	): Promise<ExecuteResult> {
		const deadline = Date.now() + (options.timeoutMs ?? 60_000);
		for (;;) {
			const executions = await this.listExecutions(options.workflowId);
			const done = executions
				.filter((execution) => !options.afterId || Number(execution.id) > Number(options.afterId))
				.filter((execution) => FINISHED_STATUSES.has(execution.status))
				.sort((a, b) => Number(a.id) - Number(b.id));
			if (done.length > 0) return await this.getExecution(done[done.length - 1].id);
			if (Date.now() > deadline) {
				throw new Error(
					`no finished execution in time; seen: ${JSON.stringify(executions.map((e) => [e.id, e.status]))}`,
				);
			}
			await sleep(250);
		}
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
	private lineWriter(name: string, onLine?: (line: string) => void) {
		let pending = '';
		const emit = (line: string) => {
			onLine?.(line);
			if (!this.logStream.writableEnded) this.logStream.write(`[${name}] ${line}\n`);
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
}

/** The most useful error line of a failed `n8n execute`. */
function cliErrorMessage(result: RunResult): string {
	const lines = (result.stdout + '\n' + result.stderr).split('\n').map((line) => line.trim());
	const marker = lines.lastIndexOf('====================================');
	if (marker >= 0) {
		const next = lines.slice(marker + 1).find((line) => line.length > 0);
		if (next) return next;
	}
	const meaningful = lines.filter((line) => line.length > 0 && !line.startsWith('at '));
	return (
		meaningful[meaningful.length - 1] ?? `n8n execute exited with ${result.code ?? result.signal}`
	);
}
