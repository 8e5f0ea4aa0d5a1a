// The harness's public shapes: what tests pass in (credentials, workflows) and get back (runs, executions).
import type { N8nInstall } from './install.mts';

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
	/**
	 * Start the server and set up the owner as part of create(); the node types are then checked through the
	 * server instead of a separate `n8n export:nodes` process.
	 */
	start?: boolean;
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
