// A tiny stand-in community package, written into a temp folder and packed, so the
// harness can be proven without the real TikTok node:
//   n8n-nodes-harness-probe
//     node `probe` (type n8n-nodes-harness-probe.probe): outputs { ok: true, ... } per item,
//       or throws a NodeOperationError (message + description) when its "Fail" parameter is on
//     credential `harnessProbeApi` (one `apiKey` field), optional on the node
import { packStandInPackage, type StandInPackage } from './pack.mts';

export const PROBE_PACKAGE = 'n8n-nodes-harness-probe';
export const PROBE_NODE_TYPE = `${PROBE_PACKAGE}.probe`;
export const PROBE_CREDENTIAL_TYPE = 'harnessProbeApi';

const packageJson = {
	name: PROBE_PACKAGE,
	version: '0.0.1',
	description: 'Stand-in community package used to test the n8n harness',
	license: 'MIT',
	keywords: ['n8n-community-node-package'],
	files: ['dist'],
	n8n: {
		n8nNodesApiVersion: 1,
		strict: true,
		credentials: ['dist/credentials/HarnessProbeApi.credentials.js'],
		nodes: ['dist/nodes/Probe/Probe.node.js'],
	},
	peerDependencies: { 'n8n-workflow': '*' },
	devDependencies: { typescript: '*' },
};

const credentialJs = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HarnessProbeApi = void 0;
class HarnessProbeApi {
	constructor() {
		this.name = 'harnessProbeApi';
		this.displayName = 'Harness Probe API';
		this.documentationUrl = 'https://example.com/harness-probe';
		this.properties = [
			{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
		];
	}
}
exports.HarnessProbeApi = HarnessProbeApi;
`;

// Plain CommonJS, as `n8n-node build` emits. n8n-workflow is resolved from n8n itself (peer).
const nodeJs = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Probe = void 0;
const n8n_workflow_1 = require("n8n-workflow");
class Probe {
	constructor() {
		this.description = {
			displayName: 'Harness Probe',
			name: 'probe',
			icon: 'fa:vial',
			group: ['transform'],
			version: 1,
			description: 'Outputs { ok: true } for every item',
			defaults: { name: 'Probe' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: 'harnessProbeApi', required: false }],
			properties: [
				{ displayName: 'Fail', name: 'fail', type: 'boolean', default: false },
			],
		};
	}
	async execute() {
		const items = this.getInputData();
		const out = [];
		for (let i = 0; i < items.length; i++) {
			try {
				if (this.getNodeParameter('fail', i)) {
					throw new n8n_workflow_1.NodeOperationError(this.getNode(), 'Probe was told to fail', {
						itemIndex: i,
						description: 'Switch the Fail parameter off',
					});
				}
				let apiKeyLength = null;
				try {
					const credentials = await this.getCredentials('harnessProbeApi');
					apiKeyLength = String(credentials.apiKey ?? '').length;
				} catch (error) {
					// no credential attached
				}
				out.push({
					json: { ok: true, apiKeyLength, pid: process.pid, command: process.argv[2] ?? null },
					pairedItem: { item: i },
				});
			} catch (error) {
				if (this.continueOnFail()) {
					out.push({ json: { error: error.message }, pairedItem: { item: i } });
					continue;
				}
				throw error;
			}
		}
		return [out];
	}
}
exports.Probe = Probe;
`;

export type ProbePackage = StandInPackage;

/** Writes the stand-in package into a fresh temp folder and packs it. */
export async function buildProbePackage(): Promise<ProbePackage> {
	return await packStandInPackage('n8n-harness-probe-', packageJson, {
		'dist/credentials/HarnessProbeApi.credentials.js': credentialJs,
		'dist/nodes/Probe/Probe.node.js': nodeJs,
	});
}

/** Manual Trigger → Probe. */
export function probeWorkflow(
	options: { fail?: boolean; credentialId?: string; name?: string } = {},
) {
	return {
		name: options.name ?? 'Harness probe',
		nodes: [
			{
				id: '7c1c5a1e-0000-4000-8000-000000000001',
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: '7c1c5a1e-0000-4000-8000-000000000002',
				name: 'Probe',
				type: PROBE_NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				parameters: options.fail ? { fail: true } : {},
				...(options.credentialId
					? {
							credentials: {
								harnessProbeApi: { id: options.credentialId, name: 'Probe credential' },
							},
						}
					: {}),
			},
		],
		connections: {
			'Manual Trigger': { main: [[{ node: 'Probe', type: 'main', index: 0 }]] },
		},
		settings: {},
	};
}

/** Webhook (POST /webhook/<path>, responds with the last node's output) → Probe. */
export function probeWebhookWorkflow(path: string, name = 'Harness probe webhook') {
	return {
		name,
		nodes: [
			{
				id: '7c1c5a1e-0000-4000-8000-000000000011',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '7c1c5a1e-0000-4000-8000-0000000000aa',
				parameters: { path, httpMethod: 'POST', responseMode: 'lastNode', options: {} },
			},
			{
				id: '7c1c5a1e-0000-4000-8000-000000000012',
				name: 'Probe',
				type: PROBE_NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				parameters: {},
			},
		],
		connections: { Webhook: { main: [[{ node: 'Probe', type: 'main', index: 0 }]] } },
		settings: {},
	};
}
