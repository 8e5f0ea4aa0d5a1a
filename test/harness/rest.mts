// A running n8n's REST API as its editor uses it: owner session, workflows, manual runs, webhooks, executions.
import { randomUUID } from 'node:crypto';

import { FINISHED_STATUSES, resultFromRun } from './results.mts';
import type {
	CredentialInput,
	ExecuteResult,
	ExecutionSummary,
	HttpResponse,
	OwnerAccount,
	WorkflowInput,
} from './types.mts';
import { parseFlatted, sleep, tail } from './util.mts';

export class RestClient {
	owner?: OwnerAccount;

	constructor(readonly url: string) {}

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

	/** Publishes (activates) a workflow so its production webhooks and triggers run (sets up the owner if needed). */
	async activateWorkflow(workflowId: string): Promise<void> {
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

	/** Saves a new workflow as the editor does (node ids filled in); returns the id n8n gave it. */
	/** Saves a credential as the editor's Save button does; n8n encrypts its data and picks the id. */
	async createCredential(credential: CredentialInput): Promise<string> {
		if (!this.owner) await this.setupOwner();
		const created = await this.rest<{ id: string }>('POST', '/rest/credentials', {
			name: credential.name,
			type: credential.type,
			data: credential.data,
		});
		return created.id;
	}

	async createWorkflow(workflow: WorkflowInput): Promise<string> {
		if (!this.owner) await this.setupOwner();
		const { id: _ignored, ...rest } = workflow;
		const created = await this.rest<{ id: string }>('POST', '/rest/workflows', {
			name: 'Harness workflow',
			settings: {},
			// n8n 1.x stores the row as given and requires the flag.
			active: false,
			...rest,
			nodes: workflow.nodes.map((node) => ({ id: randomUUID(), ...node })),
		});
		return created.id;
	}

	/**
	 * Runs a saved workflow as the editor's "Execute workflow" button does (mode `manual`, from its Manual
	 * Trigger) and returns the finished execution. On timeout the execution is stopped and the call fails.
	 */
	async runManually(
		workflowId: string,
		options: { timeoutMs?: number } = {},
	): Promise<ExecuteResult> {
		return await this.finishedExecution(await this.startManually(workflowId), options);
	}

	/**
	 * Starts a saved workflow as the editor's "Execute workflow" button does and returns the execution's id at once.
	 * 2.x reads the saved workflow and `triggerToStartFrom`; 1.x needs the workflow in the body.
	 */
	async startManually(workflowId: string): Promise<string> {
		const workflowData = await this.rest<WorkflowInput>('GET', `/rest/workflows/${workflowId}`);
		const trigger = workflowData.nodes.find((node) => /manualTrigger$/.test(String(node.type)));
		if (!trigger) throw new Error(`workflow ${workflowId} has no Manual Trigger to run from`);
		const started = await this.rest<{ executionId?: string; waitingForWebhook?: boolean }>(
			'POST',
			`/rest/workflows/${workflowId}/run`,
			{ workflowData, triggerToStartFrom: { name: trigger.name }, startNodes: [] },
		);
		if (!started.executionId)
			throw new Error(
				`manual run of ${workflowId} started no execution: ${JSON.stringify(started)}`,
			);
		return started.executionId;
	}

	/** Waits until an execution has finished and returns it. On timeout the execution is stopped and the call fails. */
	async finishedExecution(
		executionId: string,
		options: { timeoutMs?: number } = {},
	): Promise<ExecuteResult> {
		const deadline = Date.now() + (options.timeoutMs ?? 300_000);
		for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
			const summary = await this.rest<ExecutionSummary>(
				'GET',
				`/rest/executions/${executionId}`,
			).catch(() => undefined);
			if (summary && FINISHED_STATUSES.has(summary.status))
				return await this.getExecution(executionId);
			if (Date.now() > deadline) {
				await this.stopExecution(executionId);
				throw new Error(
					`execution ${executionId} did not finish in ${options.timeoutMs ?? 300_000} ms`,
				);
			}
			await sleep(pause);
		}
	}

	/** Stops a running execution, as the editor's Stop button does. */
	async stopExecution(executionId: string): Promise<HttpResponse> {
		return await this.request('POST', `/rest/executions/${executionId}/stop`, {});
	}

	/** The node types the editor is served (`/types/nodes.json`, written by n8n at start). */
	async nodeTypes(): Promise<Array<{ name: string }>> {
		const response = await this.request('GET', '/types/nodes.json');
		if (response.status !== 200 || !Array.isArray(response.body)) {
			throw new Error(
				`GET /types/nodes.json -> HTTP ${response.status}: ${tail(response.text, 500)}`,
			);
		}
		return response.body as Array<{ name: string }>;
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
}
