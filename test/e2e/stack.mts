/**
 * One real, running n8n (packed package installed like a community package, owner signed in) and one TikTok
 * emulator per test file, with helpers to build workflows the way a user wires them in the editor. Workflows
 * run through n8n's REST API as the editor's "Execute workflow" does, so a test pays for n8n's start once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { EmulatorConfig, TikTokEmulator } from '../emulator/index.mts';
import { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, startEmulator } from '../emulator/index.mts';
import { loopbackCert } from '../emulator/tls.mts';
import type { ExecuteResult, ExecutionItem, WorkflowInput } from '../harness/index.mts';
import { N8nInstance, ensureN8n, packPackage } from '../harness/index.mts';

export const TIKTOK_NODE = 'n8n-nodes-tiktok-publisher.tikTok';
export const TIKTOK_TRIGGER_NODE = 'n8n-nodes-tiktok-publisher.tikTokTrigger';
export const TIKTOK_MEDIA_SERVER_NODE = 'n8n-nodes-tiktok-publisher.tikTokMediaServer';

/** The n8n the e2e suite runs against: `N8N_TEST_VERSION` (e.g. `1.x-latest`, set by `node test/run.mjs compat`), else the pinned default. */
export function testedN8nVersion(): string | undefined {
	return process.env.N8N_TEST_VERSION || undefined;
}
export const CREDENTIAL_TYPE = 'tikTokOAuth2Api';
export const STORE_TYPE = 'tikTokTokenStoreApi';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A connected OAuth2 credential and, when made with it, the account's own Token Store (both required by the node). */
export interface Connection {
	id: string;
	name: string;
	store?: { id: string; name: string };
}

/** A TikTok node's (or trigger's) credentials: the connection and its Token Store, when it has one. */
export function credentialsOf(
	credential: Connection,
): Record<string, { id: string; name: string }> {
	const { id, name, store } = credential;
	return { [CREDENTIAL_TYPE]: { id, name }, ...(store ? { [STORE_TYPE]: store } : {}) };
}

export interface Stack {
	emu: TikTokEmulator;
	n8n: N8nInstance;
	/**
	 * Imports a credential holding tokens the emulator issued for `account`, and an empty Token Store of its own
	 * (the one-time step), in one import; returns both.
	 */
	connect(
		account: string,
		options?: { scopes?: string[]; expiresInSec?: number; name?: string },
	): Promise<Connection>;
	/** `connect` for several accounts in one import (one n8n CLI start instead of one per account). */
	connectAll(accounts: string[]): Promise<Connection[]>;
	/**
	 * Runs Manual Trigger → nodes (chained in order) in n8n and returns the run: in the running server, or with
	 * `via: 'cli'` in a new `n8n execute` process (what a restart means for in-memory state).
	 */
	run(
		nodes: Array<Record<string, unknown>>,
		options?: { name?: string; via?: 'cli' | 'rest'; settings?: Record<string, unknown> },
	): Promise<ExecuteResult>;
	/** Starts Manual Trigger → nodes in the running n8n and returns the execution's id at once (to stop it, or wait for it). */
	start(nodes: Array<Record<string, unknown>>, options?: { name?: string }): Promise<string>;
	/** Every access and refresh token handed to n8n, to check none leaks into output or logs. */
	issuedTokens: string[];
	/** A folder the Read File node may read (n8n 2 restricts file access). */
	filesFolder: string;
	stop(): Promise<void>;
}

export async function startStack(
	options: {
		emulator?: DeepPartial<EmulatorConfig>;
		env?: Record<string, string | undefined>;
		/** n8n's queue mode (PostgreSQL, Redis) with this many workers. */
		queueWorkers?: number;
		/** More community package tarballs to install next to the TikTok package. */
		extraTarballs?: string[];
	} = {},
): Promise<Stack> {
	const emu = await startEmulator(options.emulator as never);
	const caFile = join(tmpdir(), `tiktok-e2e-ca-${randomBytes(4).toString('hex')}.pem`);
	let n8n: N8nInstance | undefined;
	try {
		const install = await ensureN8n(testedN8nVersion());
		const tarball = await packPackage();
		// n8n trusts the loopback media server's self-signed certificate, as it would a real CDN's.
		await writeFile(caFile, loopbackCert().certPem);
		n8n = await N8nInstance.create({
			install,
			tarball: [tarball, ...(options.extraTarballs ?? [])],
			env: { NODE_EXTRA_CA_CERTS: caFile, ...options.env },
			...(options.queueWorkers ? { mode: 'queue' as const, workers: options.queueWorkers } : {}),
			start: true,
		});
	} catch (error) {
		await Promise.allSettled([emu.stop(), rm(caFile, { force: true })]);
		throw error;
	}
	const instance = n8n;
	await mkdir(instance.filesFolder, { recursive: true });
	const issuedTokens: string[] = [];
	/** A credential holding tokens the emulator issued for `account`, as `n8n import:credentials` takes it. */
	const connection = (
		account: string,
		connectOptions: { scopes?: string[]; expiresInSec?: number; name?: string } = {},
	) => {
		const tokens = emu.issueTokens({ account, scopes: connectOptions.scopes });
		issuedTokens.push(String(tokens.access_token), String(tokens.refresh_token));
		const expiresIn = connectOptions.expiresInSec ?? Number(tokens.expires_in);
		return {
			name: connectOptions.name ?? `TikTok ${account} ${randomBytes(3).toString('hex')}`,
			type: CREDENTIAL_TYPE,
			data: {
				clientId: DEFAULT_CLIENT_KEY,
				clientSecret: DEFAULT_CLIENT_SECRET,
				authBaseUrl: emu.baseUrl,
				apiBaseUrl: emu.baseUrl,
				oauthTokenData: { ...tokens, n8n_expires_at: String(Date.now() + expiresIn * 1000) },
			},
		};
	};
	/** Each credential with an empty Token Store of its own, all in one import. */
	const connectWithStores = async (
		credentials: Array<ReturnType<typeof connection>>,
	): Promise<Connection[]> => {
		const stores = credentials.map((credential) => ({
			name: `${credential.name} store`,
			type: STORE_TYPE,
			data: { savedAt: '' },
		}));
		const ids = await instance.importCredentials([...credentials, ...stores]);
		return credentials.map((credential, index) => ({
			id: ids[index],
			name: credential.name,
			store: { id: ids[credentials.length + index], name: stores[index].name },
		}));
	};
	return {
		emu,
		issuedTokens,
		n8n: instance,
		filesFolder: instance.filesFolder,
		async connect(account, connectOptions = {}) {
			return (await connectWithStores([connection(account, connectOptions)]))[0];
		},
		async connectAll(accounts) {
			return await connectWithStores(accounts.map((account) => connection(account)));
		},
		async run(nodes, runOptions = {}) {
			return await instance.run(chain(nodes, runOptions.name ?? 'e2e', runOptions.settings), {
				via: runOptions.via,
			});
		},
		async start(nodes, startOptions = {}) {
			return await instance.startRun(chain(nodes, startOptions.name ?? 'e2e'));
		},
		async stop() {
			await Promise.allSettled([instance.destroy(), emu.stop(), rm(caFile, { force: true })]);
		},
	};
}

/** Manual Trigger followed by `nodes`, each connected to the next; `settings` adds workflow settings (e.g. executionTimeout). */
export function chain(
	nodes: Array<Record<string, unknown>>,
	name: string,
	settings: Record<string, unknown> = {},
): WorkflowInput {
	const all = [
		{
			id: 'trigger',
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		...nodes.map((node, index) => ({ id: `n${index}`, position: [220 * (index + 1), 0], ...node })),
	];
	const connections: Record<string, unknown> = {};
	for (let i = 0; i < all.length - 1; i++) {
		connections[all[i].name as string] = {
			main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]],
		};
	}
	return {
		name: `${name} ${randomBytes(3).toString('hex')}`,
		nodes: all,
		connections,
		settings: { executionOrder: 'v1', ...settings },
	};
}

/**
 * `workflow` with its trigger (a Manual or Schedule Trigger) replaced by a production Webhook of the same name at
 * `path`. Data Table nodes need n8n's modules, which only a running n8n loads (`n8n execute` does not), and queue
 * mode runs only what the server enqueues, so such runs are fired through a webhook.
 */
export function triggerByWebhook<T extends WorkflowInput>(workflow: T, path: string): T {
	const copy = structuredClone(workflow);
	const trigger = copy.nodes.find((node) =>
		/manualTrigger|scheduleTrigger/.test(String(node.type)),
	);
	if (!trigger) throw new Error(`workflow "${String(workflow.name)}" has no trigger to replace`);
	Object.assign(trigger, {
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	});
	return copy;
}

/** Imports and activates `workflow` on the running n8n behind a webhook; `fire()` runs it and returns the execution. */
export async function deployViaWebhook(
	n8n: N8nInstance,
	workflow: WorkflowInput,
	path = `run-${randomUUID()}`,
): Promise<{ id: string; fire: () => Promise<ExecuteResult> }> {
	const id = await n8n.importWorkflow(triggerByWebhook(workflow, path));
	await n8n.activateWorkflow(id);
	return {
		id,
		async fire() {
			const previous = (await n8n.listExecutions(id))[0]?.id;
			const response = await n8n.callWebhook(path, { body: {} });
			if (response.status !== 200)
				throw new Error(`webhook ${path}: HTTP ${response.status} ${response.text}`);
			return await n8n.waitForExecution({ workflowId: id, afterId: previous, timeoutMs: 120_000 });
		},
	};
}

export function readFileNode(path: string, name = 'Read Video'): Record<string, unknown> {
	return {
		name,
		type: 'n8n-nodes-base.readWriteFile',
		typeVersion: 1,
		parameters: { operation: 'read', fileSelector: path, options: {} },
	};
}

/** Items from a fixed JSON array, for batches where each item carries its own parameters. */
export function itemsNode(
	items: Array<Record<string, unknown>>,
	name = 'Items',
): Record<string, unknown> {
	return {
		name,
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		parameters: { jsCode: `return ${JSON.stringify(items.map((json) => ({ json })))};` },
	};
}

/**
 * A node's items as "On Error → Continue (using error output)" means them: succeeded and failed.
 * n8n 2.x puts failed items on the second output. n8n 1.x routes only items whose json is exactly `{ error }` or
 * `{ error, message }`; the TikTok node keeps TikTok's code under `details`, so on 1.x its failed items stay on the
 * first output (README → Compatibility) and are told apart by their `error` field.
 */
export function splitByOutcome(
	stack: Stack,
	run: ExecuteResult,
	node = 'TikTok',
): { succeeded: ExecutionItem[]; failed: ExecutionItem[] } {
	const [first = [], second = []] = run.runData[node]?.[0]?.data?.main ?? [];
	if (Number(stack.n8n.install.version.split('.')[0]) >= 2) {
		if (first.some((item) => item.json.error !== undefined))
			throw new Error(`${node}: a failed item on the success output`);
		return { succeeded: first, failed: second };
	}
	if (second.length > 0)
		throw new Error(
			`${node}: n8n 1.x routed a TikTok error item to the error output; update splitByOutcome and the README`,
		);
	return {
		succeeded: first.filter((item) => item.json.error === undefined),
		failed: first.filter((item) => item.json.error !== undefined),
	};
}

/** Video → Publish of the binary property `data` as a direct post; spread it and add the post settings. */
export const BINARY_VIDEO_DIRECT = {
	resource: 'video',
	operation: 'publish',
	source: 'binary',
	binaryPropertyName: 'data',
	postMode: 'direct',
} as const;

export function tiktokNode(
	credential: Connection,
	parameters: Record<string, unknown>,
	extra: Record<string, unknown> = {},
): Record<string, unknown> {
	return {
		name: 'TikTok',
		type: TIKTOK_NODE,
		typeVersion: 1,
		parameters,
		credentials: credentialsOf(credential),
		...extra,
	};
}

export function filePath(stack: Stack, name: string): string {
	return join(stack.filesFolder, name);
}

/** Imports an empty TikTok Token Store credential (the one-time step: "Create new credential" → Save). */
export async function createTokenStore(
	stack: Stack,
	name = `Token Store ${randomBytes(3).toString('hex')}`,
): Promise<{ id: string; name: string }> {
	const [id] = await stack.n8n.importCredentials({ name, type: STORE_TYPE, data: { savedAt: '' } });
	return { id, name };
}

/** The TikTok node with both credentials selected: the connection and its Token Store. */
export function tiktokNodeWithStore(
	credential: { id: string; name: string },
	store: { id: string; name: string },
	parameters: Record<string, unknown>,
): Record<string, unknown> {
	return tiktokNode({ id: credential.id, name: credential.name, store }, parameters);
}

/**
 * n8n's real "Connect my account" over REST, as the editor's button and the browser do it: /rest/oauth2-credential/auth
 * → TikTok's (the emulator's) consent page, approved for `account` → n8n's callback (the code exchange).
 */
export async function connectThroughN8n(
	stack: Stack,
	credentialId: string,
	account: string,
): Promise<void> {
	const { n8n, emu } = stack;
	const callbackUrl = `${n8n.url}/rest/oauth2-credential/callback`;
	if (!emu.config.clients[0].redirectUris.includes(callbackUrl))
		emu.config.clients[0].redirectUris.push(callbackUrl);
	const auth = await n8n.request('GET', `/rest/oauth2-credential/auth?id=${credentialId}`);
	if (auth.status !== 200) throw new Error(`oauth2-credential/auth: ${auth.status} ${auth.text}`);
	const authorizeUrl = new URL(String((auth.body as { data: string }).data));
	const html = await (await fetch(authorizeUrl)).text();
	const consentId = /name="consent_id" value="([^"]+)"/.exec(html)?.[1];
	const action = /<form id="consent" method="post" action="([^"]+)"/.exec(html)?.[1];
	if (!consentId || !action) throw new Error(`no consent form: ${html.slice(0, 300)}`);
	const form = new URLSearchParams({ consent_id: consentId, action: 'authorize', account });
	for (const scope of ['user.info.basic', 'video.publish', 'video.upload'])
		form.append('scope', scope);
	const approved = await fetch(new URL(action.replace(/&amp;/g, '&'), emu.baseUrl), {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: form,
		redirect: 'manual',
	});
	const callback = new URL(String(approved.headers.get('location')));
	const done = await n8n.request('GET', callback.pathname + callback.search);
	if (done.status !== 200 || /error/i.test(done.text))
		throw new Error(`callback: ${done.status} ${done.text.slice(0, 300)}`);
}

/** A port on this machine nothing listens on (taken, then freed). */
export async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/**
 * A connection for a new private `account` whose TikTok API URL is `apiBaseUrl` (tokens the emulator issued, so a
 * leak would show in `stack.issuedTokens`).
 */
export async function connectAt(
	stack: Stack,
	account: string,
	apiBaseUrl: string,
): Promise<Connection> {
	stack.emu.addAccount(account, { isPrivate: true });
	const tokens = stack.emu.issueTokens({ account });
	stack.issuedTokens.push(String(tokens.access_token), String(tokens.refresh_token));
	const name = `TikTok ${account} at ${apiBaseUrl}`;
	const store = `${name} store`;
	const [id, storeId] = await stack.n8n.importCredentials([
		{
			name,
			type: CREDENTIAL_TYPE,
			data: {
				clientId: DEFAULT_CLIENT_KEY,
				clientSecret: DEFAULT_CLIENT_SECRET,
				authBaseUrl: stack.emu.baseUrl,
				apiBaseUrl,
				oauthTokenData: { ...tokens, n8n_expires_at: String(Date.now() + 3_600_000) },
			},
		},
		{ name: store, type: STORE_TYPE, data: { savedAt: '' } },
	]);
	return { id, name, store: { id: storeId, name: store } };
}
