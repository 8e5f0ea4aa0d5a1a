/**
 * The shipped example workflows (examples/*.json), loaded as a user imports them, and the few substitutions a
 * test needs: a credential, a Manual Trigger instead of the schedule (the test fires the run), settings values.
 */
import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { ExecuteResult, N8nInstance, WorkflowInput } from '../harness/index.mts';
import { CREDENTIAL_TYPE, TIKTOK_NODE } from './stack.mts';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

export type ExampleNode = Record<string, unknown> & { name: string; type: string; parameters: Record<string, unknown> };
export type Example = WorkflowInput & { name: string; nodes: ExampleNode[]; connections: Record<string, unknown> };

export async function exampleFiles(): Promise<string[]> {
	return (await readdir(EXAMPLES_DIR)).filter((file) => file.endsWith('.json')).sort();
}

export async function loadExample(file: string): Promise<Example> {
	return JSON.parse(await readFile(join(EXAMPLES_DIR, file), 'utf8')) as Example;
}

export function nodeNamed(workflow: Example, name: string): ExampleNode {
	const node = workflow.nodes.find((candidate) => candidate.name === name);
	if (!node) throw new Error(`example "${workflow.name}" has no node "${name}"`);
	return node;
}

/** Every TikTok node uses `credential`; schedule triggers become Manual Triggers of the same name unless kept. */
export function prepareExample(
	workflow: Example,
	credential: { id: string; name: string },
	options: { keepTrigger?: boolean } = {},
): Example {
	const copy = structuredClone(workflow);
	for (const node of copy.nodes) {
		if (node.type === TIKTOK_NODE) node.credentials = { [CREDENTIAL_TYPE]: credential };
		if (node.type === 'n8n-nodes-base.scheduleTrigger' && !options.keepTrigger) {
			node.type = 'n8n-nodes-base.manualTrigger';
			node.typeVersion = 1;
			node.parameters = {};
		}
	}
	return copy;
}

/** Sets a value of a Set node's assignment by name (e.g. the feed URL in "Settings"). */
export function setAssignment(workflow: Example, nodeName: string, field: string, value: unknown): void {
	const assignments = (nodeNamed(workflow, nodeName).parameters.assignments as { assignments: Array<Record<string, unknown>> }).assignments;
	const assignment = assignments.find((candidate) => candidate.name === field);
	if (!assignment) throw new Error(`${nodeName} has no field ${field}`);
	assignment.value = value;
}

/**
 * Replaces the workflow's trigger with a production Webhook of the same name at `path`. Data Table nodes need
 * n8n's modules, which only a running n8n loads (`n8n execute` does not), so those runs go through the server.
 */
export function triggerByWebhook(workflow: Example, path: string): Example {
	const copy = structuredClone(workflow);
	const trigger = copy.nodes.find((node) => /manualTrigger|scheduleTrigger/.test(node.type));
	if (!trigger) throw new Error(`example "${workflow.name}" has no trigger to replace`);
	Object.assign(trigger, {
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	});
	return copy;
}

/** Imports, activates and fires a webhook-triggered workflow on the running n8n, and returns its execution. */
export async function runViaServer(n8n: N8nInstance, workflow: Example): Promise<ExecuteResult> {
	const path = `run-${randomUUID()}`;
	const id = await n8n.importWorkflow(triggerByWebhook(workflow, path));
	await n8n.activateWorkflow(id);
	return await fireWebhook(n8n, id, path);
}

export async function fireWebhook(n8n: N8nInstance, workflowId: string, path: string): Promise<ExecuteResult> {
	const previous = (await n8n.listExecutions(workflowId))[0]?.id;
	const response = await n8n.callWebhook(path, { body: {} });
	if (response.status !== 200) throw new Error(`webhook ${path}: HTTP ${response.status} ${response.text}`);
	return await n8n.waitForExecution({ workflowId, afterId: previous, timeoutMs: 120_000 });
}
