/**
 * The shipped example workflows (examples/*.json), loaded as a user imports them, and the few substitutions a
 * test needs: a credential, a Manual Trigger instead of the schedule (the test fires the run), settings values.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { CREDENTIAL_TYPE, TIKTOK_NODE } from './stack.mts';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

export type ExampleNode = Record<string, unknown> & { name: string; type: string; parameters: Record<string, unknown> };
export interface Example {
	[key: string]: unknown;
	id?: string;
	name: string;
	nodes: ExampleNode[];
	connections: Record<string, unknown>;
}

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

