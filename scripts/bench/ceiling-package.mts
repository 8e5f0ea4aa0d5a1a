/**
 * A bench-only stand-in community package, `n8n-nodes-bench-ceiling`, installed next to the TikTok package so
 * the bench can split the node's upload time into what n8n's HTTP path costs and what the node adds.
 *
 * Its one node, "Chunk PUT Ceiling", sends a chunk plan's PUTs in order with the TikTok node's exact headers, from
 * ONE in-memory buffer (no binary data is read, so the bytes are not the video's), with either
 *   - `httpRequest`: n8n's `this.helpers.httpRequest`, exactly as the TikTok node's putChunk calls it (the body
 *                    streamed by the node's own ChunkBody, transport/chunkBody.ts, compiled into the package); or
 *   - `keepAlive`:   Node's own http client with one kept-alive connection, as curl does — something a strict
 *                    community node may not do (no `node:http` import), measured here only for comparison.
 * Both run inside the same n8n process as the TikTok node, on the same machine, minutes apart.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import ts from 'typescript';

import {
	chunkRange,
	contentRangeHeader,
	type ChunkPlan,
} from '../../nodes/TikTok/helpers/chunkPlan.ts';
import { packPackage } from '../../test/harness/index.mts';

export const CEILING_PACKAGE = 'n8n-nodes-bench-ceiling';
export const CEILING_NODE_TYPE = `${CEILING_PACKAGE}.chunkPutCeiling`;
export type CeilingClient = 'httpRequest' | 'keepAlive';

const packageJson = {
	name: CEILING_PACKAGE,
	version: '0.0.1',
	description: 'Bench-only: the upper bound of chunk PUTs from inside n8n',
	license: 'MIT',
	keywords: ['n8n-community-node-package'],
	files: ['dist'],
	n8n: { n8nNodesApiVersion: 1, nodes: ['dist/nodes/ChunkPutCeiling/ChunkPutCeiling.node.js'] },
	peerDependencies: { 'n8n-workflow': '*' },
};

// Plain CommonJS, as a built community node is.
const nodeJs = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ChunkPutCeiling = void 0;
const http = require("node:http");
const https = require("node:https");
const { ChunkBody } = require("./chunkBody");

function putKeepAlive(agent, url, body, headers) {
	const client = url.startsWith('https:') ? https : http;
	return new Promise((resolve, reject) => {
		const request = client.request(url, { method: 'PUT', agent, headers }, (response) => {
			response.resume();
			response.on('end', () => resolve(response.statusCode));
		});
		request.on('error', reject);
		request.end(body);
	});
}

class ChunkPutCeiling {
	constructor() {
		this.description = {
			displayName: 'Chunk PUT Ceiling',
			name: 'chunkPutCeiling',
			icon: 'fa:tachometer-alt',
			group: ['transform'],
			version: 1,
			description: 'Bench only',
			defaults: { name: 'Chunk PUT Ceiling' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [
				{ displayName: 'Upload URL', name: 'uploadUrl', type: 'string', default: '' },
				{ displayName: 'Chunks (JSON: [{ length, contentRange }])', name: 'chunks', type: 'string', default: '[]' },
				{ displayName: 'Client', name: 'client', type: 'string', default: 'httpRequest' },
			],
		};
	}
	async execute() {
		const url = this.getNodeParameter('uploadUrl', 0);
		const chunks = JSON.parse(this.getNodeParameter('chunks', 0));
		const client = this.getNodeParameter('client', 0);
		const buffer = Buffer.alloc(Math.max(...chunks.map((chunk) => chunk.length)), 0x5a);
		const agent = client === 'keepAlive' ? new (url.startsWith('https:') ? https : http).Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
		const statuses = [];
		for (const chunk of chunks) {
			const body = buffer.subarray(0, chunk.length);
			const headers = {
				'Content-Type': 'video/mp4',
				'Content-Length': String(chunk.length),
				'Content-Range': chunk.contentRange,
			};
			if (agent) {
				statuses.push(await putKeepAlive(agent, url, body, headers));
			} else {
				const response = await this.helpers.httpRequest({
					method: 'PUT', url, body: new ChunkBody(body), disableFollowRedirect: true, headers, json: false,
					encoding: 'text', returnFullResponse: true, ignoreHttpStatusErrors: true, timeout: 300000,
				});
				statuses.push(response.statusCode);
			}
		}
		if (agent) agent.destroy();
		return [[{ json: { statuses } }]];
	}
}
exports.ChunkPutCeiling = ChunkPutCeiling;
`;

export interface CeilingPackage {
	/** The temp folder holding the package and its tarball. */
	root: string;
	tarball: string;
	/** Removes `root`. */
	cleanup: () => Promise<void>;
}

/** Writes the stand-in package (prebuilt, nothing to compile) into a temp folder and packs it; `cleanup` removes both. */
export async function buildCeilingPackage(): Promise<CeilingPackage> {
	const root = await mkdtemp(join(tmpdir(), 'n8n-bench-ceiling-'));
	const dir = join(root, 'package');
	const chunkBodySource = await readFile(
		new URL('../../nodes/TikTok/transport/chunkBody.ts', import.meta.url),
		'utf8',
	);
	const chunkBodyJs = ts.transpileModule(chunkBodySource, {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2019 },
	}).outputText;
	const files = {
		'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
		'dist/nodes/ChunkPutCeiling/ChunkPutCeiling.node.js': nodeJs,
		'dist/nodes/ChunkPutCeiling/chunkBody.js': chunkBodyJs,
	};
	for (const [path, content] of Object.entries(files)) {
		await mkdir(dirname(join(dir, path)), { recursive: true });
		await writeFile(join(dir, path), content);
	}
	const tarball = await packPackage({ dir, build: false, destination: join(root, 'pack') });
	return { root, tarball, cleanup: async () => await rm(root, { recursive: true, force: true }) };
}

/** The node's workflow entry for a plan (the node's own chunk ranges and headers) and a client. */
export function ceilingNode(
	uploadUrl: string,
	plan: ChunkPlan,
	client: CeilingClient,
): Record<string, unknown> {
	const chunks = Array.from({ length: plan.totalChunkCount }, (_, index) => {
		const range = chunkRange(plan, index);
		return { length: range.length, contentRange: contentRangeHeader(plan, range) };
	});
	return {
		name: 'Chunk PUT Ceiling',
		type: CEILING_NODE_TYPE,
		typeVersion: 1,
		parameters: { uploadUrl, chunks: JSON.stringify(chunks), client },
	};
}
