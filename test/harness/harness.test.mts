// Proves the harness against a real n8n with a stand-in community package
// (n8n-nodes-harness-probe), independently of the TikTok node.
// Run: node test/run.mjs test/harness/harness.test.mts
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { N8nInstance, ensureN8n, nodeOutput, type N8nInstall } from './index.mts';
import {
	PROBE_CREDENTIAL_TYPE,
	PROBE_NODE_TYPE,
	buildProbePackage,
	probeWebhookWorkflow,
	probeWorkflow,
	type ProbePackage,
} from './probe-package.mts';

/** pids of live processes that run with this user folder in their environment. */
function instancePids(instance: N8nInstance): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
			if (environ.split('\0').includes(`N8N_USER_FOLDER=${instance.userFolder}`))
				pids.push(Number(entry));
		} catch {
			// exited meanwhile, or not ours to read
		}
	}
	return pids;
}

function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
	const started = Date.now();
	return fn().finally(() =>
		process.stderr.write(`[timing] ${label}: ${Date.now() - started} ms\n`),
	);
}

let install: N8nInstall;
let probe: ProbePackage;

before(async () => {
	// N8N_HARNESS_N8N_VERSION=1.x-latest runs the same checks against the newest n8n 1.x.
	install = await timed(
		'ensureN8n',
		async () => await ensureN8n(process.env.N8N_HARNESS_N8N_VERSION),
	);
	probe = await timed('build probe package', async () => await buildProbePackage());
});

after(async () => {
	await probe?.cleanup();
});

describe('n8n harness, regular mode', { timeout: 10 * 60_000 }, () => {
	let n8n: N8nInstance | undefined;
	after(async () => {
		await n8n?.destroy();
	});

	it('installs the package like the community installer and loads its node', async () => {
		n8n = await timed(
			'create (regular)',
			async () => await N8nInstance.create({ install, tarball: probe.tarball }),
		);
		assert.ok(n8n.nodeTypes.includes(PROBE_NODE_TYPE), 'probe node type loaded');
		assert.ok(n8n.nodeTypes.includes('n8n-nodes-base.manualTrigger'));
		assert.deepEqual(n8n.packages, [{ name: 'n8n-nodes-harness-probe', version: '0.0.1' }]);
		const ledger = JSON.parse(readFileSync(`${n8n.nodesFolder}/package.json`, 'utf8')) as {
			dependencies: Record<string, string>;
		};
		assert.deepEqual(ledger.dependencies, { 'n8n-nodes-harness-probe': '0.0.1' });
		const installed = JSON.parse(
			readFileSync(`${n8n.nodesFolder}/node_modules/n8n-nodes-harness-probe/package.json`, 'utf8'),
		) as Record<string, unknown>;
		assert.equal(installed.peerDependencies, undefined, 'peer deps stripped like n8n does');
	});

	it('imports credentials (encrypted) and exports them decrypted', async () => {
		assert.ok(n8n);
		const [credentialId] = await timed('importCredentials', async () =>
			n8n!.importCredentials({
				id: 'probeCred0000001',
				name: 'Probe credential',
				type: PROBE_CREDENTIAL_TYPE,
				data: { apiKey: 'sk-harness-123' },
			}),
		);
		assert.equal(credentialId, 'probeCred0000001');
		const data = await timed('exportCredential', async () => n8n!.exportCredential(credentialId));
		assert.deepEqual(data, { apiKey: 'sk-harness-123' });
	});

	it('executes Manual Trigger → probe and returns per-node output', async () => {
		assert.ok(n8n);
		const id = await timed('importWorkflow', async () =>
			n8n!.importWorkflow(probeWorkflow({ credentialId: 'probeCred0000001' })),
		);
		const result = await timed('execute', async () => n8n!.execute(id));
		assert.equal(result.ok, true, result.error?.message ?? result.stdout);
		assert.equal(result.status, 'success');
		// Exit 0, or n8n's own SIGSEGV while exiting after printing the whole run (see the failing-run test below).
		assert.ok(
			result.exitCode === 0 || result.exitSignal === 'SIGSEGV',
			`exit ${result.exitCode} signal ${result.exitSignal}`,
		);
		assert.equal(result.lastNodeExecuted, 'Probe');
		assert.equal(result.lastNodeOutput.length, 1);
		assert.equal(result.lastNodeOutput[0].ok, true);
		assert.equal(
			result.lastNodeOutput[0].apiKeyLength,
			'sk-harness-123'.length,
			'credential decrypted at run time',
		);
		assert.equal(result.lastNodeOutput[0].command, 'execute');
		assert.deepEqual(nodeOutput(result, 'Manual Trigger'), [{}]);
		assert.equal(result.nodes.Probe.status, 'success');
	});

	it('reports a failing node with its message and description', async () => {
		assert.ok(n8n);
		const id = await n8n.importWorkflow(probeWorkflow({ fail: true, name: 'Failing probe' }));
		const result = await timed('execute (failing)', async () => n8n!.execute(id));
		assert.equal(result.ok, false);
		assert.equal(result.status, 'error');
		// n8n exits with 1 after a failed run. n8n 2.41.1 on Node 24 has also been seen to die with SIGSEGV while
		// exiting after such a run (now and then under full-suite load), after printing the whole result: that
		// exit is n8n's, and everything this test is about is still asserted from the printed run.
		assert.ok(
			result.exitCode === 1 || result.exitSignal === 'SIGSEGV',
			`exit ${result.exitCode} signal ${result.exitSignal}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`,
		);
		assert.equal(result.error?.message, 'Probe was told to fail');
		assert.equal(result.error?.description, 'Switch the Fail parameter off');
		assert.equal(result.error?.name, 'NodeOperationError');
		assert.equal(result.error?.node, 'Probe');
		assert.equal(result.nodes.Probe.status, 'error');
		assert.equal(result.nodes.Probe.error?.message, 'Probe was told to fail');
		assert.equal(result.nodes['Manual Trigger'].status, 'success');
	});

	it('reports a workflow that cannot run (unknown id)', async () => {
		assert.ok(n8n);
		const result = await n8n.execute('doesNotExist0001');
		assert.equal(result.ok, false);
		assert.ok(result.error?.message, 'has an error message');
	});

	it('serves, sets up the owner, runs a production webhook, and stops cleanly', async () => {
		assert.ok(n8n);
		const hookId = await n8n.importWorkflow(probeWebhookWorkflow('probe-regular'));
		await timed('start (regular)', async () => n8n!.start());
		const health = await fetch(`${n8n.url}/healthz`);
		assert.equal(health.status, 200);
		const owner = await timed('setupOwner', async () => n8n!.setupOwner());
		assert.match(owner.cookie, /^n8n-auth=/);
		const types = await n8n.request('GET', '/types/nodes.json');
		assert.equal(types.status, 200);
		assert.ok(
			(types.body as Array<{ name: string }>).some((type) => type.name === PROBE_NODE_TYPE),
			'the editor sees the probe node',
		);
		await n8n.activateWorkflow(hookId);
		const response = await timed('webhook call (regular)', async () =>
			n8n!.callWebhook('probe-regular', { body: { hello: 'world' } }),
		);
		assert.equal(response.status, 200, response.text);
		assert.equal((response.body as Record<string, unknown>).ok, true);
		assert.equal((response.body as Record<string, unknown>).command, 'start');
		const execution = await n8n.waitForExecution({ workflowId: hookId });
		assert.equal(execution.ok, true);
		assert.equal(execution.lastNodeOutput[0].ok, true);

		await timed('stop (regular)', async () => n8n!.stop());
		assert.equal(n8n.isRunning, false);
		assert.deepEqual(instancePids(n8n), [], 'no n8n process of this instance is left');
		const afterStop = await fetch(`${n8n.url}/healthz`).catch(() => undefined);
		assert.equal(afterStop, undefined, 'nothing listens on the port any more');
	});

	it('destroy() removes the user folder', async () => {
		assert.ok(n8n);
		const folder = n8n.userFolder;
		const instance = n8n;
		await n8n.destroy();
		assert.throws(() => readdirSync(folder));
		assert.deepEqual(instancePids(instance), [], 'no process of this instance is left');
	});
});

describe('n8n harness, queue mode', { timeout: 10 * 60_000 }, () => {
	let n8n: N8nInstance | undefined;
	after(async () => {
		await n8n?.destroy();
	});

	it('runs a webhook-triggered execution on a worker', async () => {
		n8n = await timed('create (queue)', async () =>
			N8nInstance.create({ install, tarball: probe.tarball, mode: 'queue', workers: 2 }),
		);
		assert.ok(n8n.database);
		const hookId = await n8n.importWorkflow(probeWebhookWorkflow('probe-queue'));
		await timed('start (queue, 2 workers)', async () => n8n!.start());
		await n8n.setupOwner();
		await n8n.activateWorkflow(hookId);
		const response = await timed('webhook call (queue)', async () =>
			n8n!.callWebhook('probe-queue', { body: { hello: 'queue' } }),
		);
		assert.equal(response.status, 200, response.text);
		const body = response.body as Record<string, unknown>;
		assert.equal(body.ok, true);
		assert.equal(body.command, 'worker', 'the node ran inside an `n8n worker` process');
		const workerPids = [n8n.pids['worker-1'], n8n.pids['worker-2']];
		assert.ok(workerPids.includes(body.pid as number), 'the node ran in one of our workers');

		const execution = await timed('waitForExecution (queue)', async () =>
			n8n!.waitForExecution({ workflowId: hookId }),
		);
		assert.equal(execution.ok, true);
		assert.equal(execution.lastNodeOutput[0].ok, true);
		assert.ok(execution.executionId);
		const worker = n8n.workerForExecution(execution.executionId);
		assert.ok(worker === 1 || worker === 2, `worker log names execution ${execution.executionId}`);
		assert.equal(n8n.pids[`worker-${worker}`], body.pid);

		await timed('stop (queue)', async () => n8n!.stop());
		assert.deepEqual(instancePids(n8n), []);
		const database = n8n.database;
		await timed('destroy (queue)', async () => n8n!.destroy());
		const { execFileSync } = await import('node:child_process');
		const exists = execFileSync(
			'psql',
			[
				'-h',
				'127.0.0.1',
				'-U',
				'postgres',
				'-tAc',
				`SELECT 1 FROM pg_database WHERE datname='${database}'`,
			],
			{
				encoding: 'utf8',
			},
		).trim();
		assert.equal(exists, '', 'database dropped');
		assert.deepEqual(instancePids(n8n), [], 'no process of this instance is left');
	});
});
