/**
 * The shipped example workflows (examples/*.json), loaded as a user imports them, and the few substitutions a
 * test needs: a credential, a Manual Trigger instead of the schedule (the test fires the run), settings values.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { N8nInstance } from '../harness/index.mts';
import { nodeOutput } from '../harness/index.mts';
import type { Connection } from './stack.mts';
import {
	CREDENTIAL_TYPE,
	TIKTOK_NODE,
	TIKTOK_MEDIA_SERVER_NODE,
	TIKTOK_TRIGGER_NODE,
	chain,
	credentialsOf,
	deployViaWebhook,
	itemsNode,
} from './stack.mts';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

export type ExampleNode = Record<string, unknown> & {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
};
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

/** Every TikTok node (and TikTok Trigger) uses `credential`; schedule triggers become Manual Triggers of the same name unless kept. */
export function prepareExample(
	workflow: Example,
	credential: Connection,
	options: { keepTrigger?: boolean } = {},
): Example {
	const copy = structuredClone(workflow);
	for (const node of copy.nodes) {
		if (node.type === TIKTOK_NODE || node.type === TIKTOK_TRIGGER_NODE)
			node.credentials = credentialsOf(credential);
		else if (node.type === TIKTOK_MEDIA_SERVER_NODE)
			node.credentials = { [CREDENTIAL_TYPE]: credential };
		if (node.type === 'n8n-nodes-base.scheduleTrigger' && !options.keepTrigger) {
			node.type = 'n8n-nodes-base.manualTrigger';
			node.typeVersion = 1;
			node.parameters = {};
		}
	}
	return copy;
}

/** Sets a value of a Set node's assignment by name (e.g. the feed URL in "Settings"). */
export function setAssignment(
	workflow: Example,
	nodeName: string,
	field: string,
	value: unknown,
): void {
	const assignments = (
		nodeNamed(workflow, nodeName).parameters.assignments as {
			assignments: Array<Record<string, unknown>>;
		}
	).assignments;
	const assignment = assignments.find((candidate) => candidate.name === field);
	if (!assignment) throw new Error(`${nodeName} has no field ${field}`);
	assignment.value = value;
}

/** A Data Table column as n8n's REST API takes it. */
export interface DataTableColumn {
	name: string;
	type: string;
}

/** The content calendar's columns (examples/calendar-*.json and the trigger example). */
export const CALENDAR_COLUMNS: DataTableColumn[] = [
	{ name: 'key', type: 'string' },
	{ name: 'date', type: 'string' },
	{ name: 'hour', type: 'number' },
	{ name: 'video_url', type: 'string' },
	{ name: 'caption', type: 'string' },
	{ name: 'privacy', type: 'string' },
	{ name: 'state', type: 'string' },
	{ name: 'post_url', type: 'string' },
	{ name: 'publish_id', type: 'string' },
	{ name: 'error', type: 'string' },
];

function dataTableNode(
	name: string,
	tableId: string,
	parameters: Record<string, unknown>,
): Record<string, unknown> {
	return {
		name,
		type: 'n8n-nodes-base.dataTable',
		typeVersion: 1,
		parameters: {
			resource: 'row',
			dataTableId: { __rl: true, mode: 'id', value: tableId },
			options: {},
			...parameters,
		},
	};
}

/**
 * Creates a Data Table as a user does in n8n's UI (Overview → Data tables; the test uses the same REST call, since
 * n8n 1.x's Data Table node cannot create tables) and fills it with `rows`; returns its id.
 */
export async function createDataTable(
	n8n: N8nInstance,
	name: string,
	columns: DataTableColumn[],
	rows: Array<Record<string, unknown>>,
): Promise<string> {
	const project = await n8n.rest<{ id: string }>('GET', 'projects/personal');
	const created = await n8n.rest<{ id: string }>('POST', `projects/${project.id}/data-tables`, {
		name,
		columns,
	});
	const setup = await deployViaWebhook(
		n8n,
		chain(
			[
				itemsNode(rows, 'Rows'),
				dataTableNode('Insert', created.id, {
					operation: 'insert',
					columns: { mappingMode: 'autoMapInputData', value: null },
				}),
			],
			'create table',
		),
	);
	const run = await setup.fire();
	if (!run.ok) throw new Error(`filling data table ${name}: ${run.error?.message}`);
	return created.id;
}

/** Every row of a Data Table, by its `key` column. */
export async function dataTableRows(
	n8n: N8nInstance,
	tableId: string,
): Promise<Record<string, Record<string, unknown>>> {
	const reader = await deployViaWebhook(
		n8n,
		chain(
			[dataTableNode('All Rows', tableId, { operation: 'get', returnAll: true })],
			'table rows',
		),
	);
	const run = await reader.fire();
	if (!run.ok) throw new Error(`reading data table ${tableId}: ${run.error?.message}`);
	return Object.fromEntries(nodeOutput(run, 'All Rows').map((row) => [String(row.key), row]));
}

/** n8n 1.x's Data Table node has no "By Name" mode: there the user picks the table from the list after import. */
export function pickDataTablesOn1x(n8n: N8nInstance, workflow: Example, tableId: string): void {
	if (Number(n8n.install.version.split('.')[0]) >= 2) return;
	for (const node of workflow.nodes.filter(
		(candidate) => candidate.type === 'n8n-nodes-base.dataTable',
	)) {
		node.parameters.dataTableId = { __rl: true, mode: 'id', value: tableId };
	}
}
