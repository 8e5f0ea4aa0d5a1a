/**
 * The architecture rules (architectureRules.mts) on small trees: each finds the break it exists for, names the file,
 * and stays quiet on the fixed tree. `architecture.test.mts` runs them on the real tree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	docAgainstTree,
	importCycles,
	pathsNamedIn,
	resolveImport,
	writesIntoModuleState,
} from './architectureRules.mts';

describe('architecture rule: no import cycles', () => {
	it('finds two helpers that import each other, a longer loop, and a file that imports itself', () => {
		assert.deepEqual(
			importCycles([
				{ path: 'helpers/errors.ts', imports: ['helpers/publishResult.ts', 'helpers/errorMap.ts'] },
				{ path: 'helpers/publishResult.ts', imports: ['helpers/errors.ts'] },
				{ path: 'helpers/errorMap.ts', imports: [] },
				{ path: 'a.ts', imports: ['b.ts'] },
				{ path: 'b.ts', imports: ['c.ts'] },
				{ path: 'c.ts', imports: ['a.ts'] },
				{ path: 'self.ts', imports: ['self.ts'] },
			]),
			[
				'a.ts → b.ts → c.ts → a.ts',
				'helpers/errors.ts → helpers/publishResult.ts → helpers/errors.ts',
				'self.ts → self.ts',
			],
		);
	});

	it('accepts a tree whose imports only go one way, shared files included (a diamond is no cycle)', () => {
		assert.deepEqual(
			importCycles([
				{ path: 'node.ts', imports: ['actions.ts', 'methods.ts'] },
				{ path: 'actions.ts', imports: ['transport.ts'] },
				{ path: 'methods.ts', imports: ['transport.ts'] },
				{ path: 'transport.ts', imports: ['n8n-workflow-is-not-a-file'] },
			]),
			[],
		);
	});

	it('resolves relative specifiers to the files given (extension or index.ts added), packages to nothing', () => {
		const files = new Set(['nodes/TikTok/helpers/errors.ts', 'nodes/TikTok/methods/index.ts']);
		assert.equal(
			resolveImport('nodes/TikTok/transport/http.ts', '../helpers/errors', files),
			'nodes/TikTok/helpers/errors.ts',
		);
		assert.equal(
			resolveImport('nodes/TikTok/TikTok.node.ts', './methods', files),
			'nodes/TikTok/methods/index.ts',
		);
		assert.equal(resolveImport('nodes/TikTok/TikTok.node.ts', 'n8n-workflow', files), undefined);
	});
});

describe('architecture rule: nothing writes into module-level containers outside transport/', () => {
	const allowTransport = (path: string) => path.startsWith('transport/');

	it('finds every kind of write, in the declaring file or through an import under another name', () => {
		const found = writesIntoModuleState(
			{
				'helpers/table.ts': [
					'export const CODES = ["a"];',
					'export const LABELS: Record<string, string> = {};',
					'const seen = new Set<string>();',
					'export function remember(code: string) { seen.add(code); CODES.push(code); }',
					'LABELS.a = "A";',
				].join('\n'),
				'actions/op.ts': [
					'import { LABELS as names, CODES } from "../helpers/table";',
					'export function run() {',
					'  names["b"] ??= "B";',
					'  delete names.a;',
					'  CODES[0] += "!";',
					'  Object.assign(names, { c: "C" });',
					'  CODES.sort();',
					'  (CODES as string[]).length = 0;',
					'}',
				].join('\n'),
			},
			allowTransport,
		);
		assert.deepEqual(found, [
			'actions/op.ts: writes into LABELS (declared in helpers/table.ts): names["b"] ??= "B"',
			'actions/op.ts: writes into LABELS (declared in helpers/table.ts): delete names.a',
			'actions/op.ts: writes into CODES (declared in helpers/table.ts): CODES[0] += "!"',
			'actions/op.ts: writes into LABELS (declared in helpers/table.ts): Object.assign(names, { c: "C" })',
			'actions/op.ts: writes into CODES (declared in helpers/table.ts): CODES.sort()',
			'actions/op.ts: writes into CODES (declared in helpers/table.ts): (CODES as string[]).length = 0',
			'helpers/table.ts: writes into seen (declared in helpers/table.ts): seen.add(code)',
			'helpers/table.ts: writes into CODES (declared in helpers/table.ts): CODES.push(code)',
			'helpers/table.ts: writes into LABELS (declared in helpers/table.ts): LABELS.a = "A"',
		]);
	});

	it('allows state in transport/, reading tables, copies, and local containers that share a name with a module one', () => {
		const found = writesIntoModuleState(
			{
				'transport/memory.ts': [
					'export const cache = new Map<string, number>();',
					'export function put(key: string) { cache.set(key, 1); }',
				].join('\n'),
				'helpers/table.ts': 'export const CODES: readonly string[] = ["b", "a"];',
				'actions/op.ts': [
					'import { CODES } from "../helpers/table";',
					'import { cache } from "../transport/memory";',
					'export function run(items: string[]) {',
					'  const sorted = [...CODES].sort();',
					'  const copy = CODES.slice(); copy.push("c");',
					'  const CODES2 = CODES.filter(Boolean); CODES2.reverse();',
					'  items.push(String(cache.get("k")));',
					'  return { sorted, copy, CODES2 };',
					'}',
					'export function shadow() { const CODES: string[] = []; CODES.push("x"); return CODES; }',
				].join('\n'),
			},
			allowTransport,
		);
		assert.deepEqual(found, []);
	});
});

describe('architecture rule: the architecture doc names what exists, and every source file', () => {
	const tree = [
		'nodes/TikTok/TikTok.node.ts',
		'nodes/TikTok/actions/router.ts',
		'nodes/TikTok/actions/video/publish.operation.ts',
		'nodes/TikTok/actions/photo/publish.operation.ts',
		'nodes/TikTok/helpers/webhookEvents.ts',
		'nodes/TikTok/helpers/webhookSignature.ts',
		'nodes/TikTokTrigger/webhook.ts',
		'credentials/TikTokOAuth2Api.credentials.ts',
		'test/run.mjs',
		'test/unit/errors.test.mts',
		'test/harness/instance.mts',
		'scripts/demo.mts',
		'docs/architecture.md',
	];
	const sources = tree.filter((path) => !path.endsWith('.md'));
	const complete = [
		'| `nodes/TikTok/TikTok.node.ts` | node |',
		'| `actions/router.ts` | router (a path short for one under the TikTok node) |',
		'| `actions/<resource>/<op>.operation.ts` | one operation |',
		'| `helpers/webhook*.ts` | webhook rules |',
		'TikTokTrigger/webhook.ts, credentials/TikTokOAuth2Api.credentials.ts (a diagram)',
		'Entry `test/run.mjs`; folders `test/unit/` and `test/harness/`; `scripts/demo.mts`.',
		'Words with slashes that are no paths: status/fetch, video/list, `/v2/post/publish/*`, ~/.cache/x/, http://127.0.0.1:1/a.ts',
	].join('\n');

	it('passes a doc that names every file, by path, pattern or (for tests and scripts) folder', () => {
		assert.deepEqual(docAgainstTree(complete, tree, sources), { missing: [], unnamed: [] });
	});

	it('reads paths, patterns and folders out of tables, prose and diagrams, and nothing else', () => {
		assert.deepEqual(pathsNamedIn(complete).sort(), [
			'TikTokTrigger/webhook.ts',
			'actions/<resource>/<op>.operation.ts',
			'actions/router.ts',
			'credentials/TikTokOAuth2Api.credentials.ts',
			'helpers/webhook*.ts',
			'nodes/TikTok/TikTok.node.ts',
			'scripts/demo.mts',
			'test/harness/',
			'test/run.mjs',
			'test/unit/',
		]);
	});

	it('names a path that does not exist (a file renamed, a folder gone, a pattern nothing matches)', () => {
		const stale = `${complete}\n\`test/emulator/index.ts\`, \`test/e2e/\`, \`transport/<api>.ts\``;
		assert.deepEqual(docAgainstTree(stale, tree, sources).missing, [
			'test/emulator/index.ts',
			'test/e2e/',
			'transport/<api>.ts',
		]);
	});

	it('names a source file the doc leaves out; a folder does not name package files, nor does test/ alone', () => {
		const partial = complete
			.replace('| `actions/router.ts` | router (a path short for one under the TikTok node) |', '')
			.replace('`scripts/demo.mts`', '`scripts/`')
			.replace('folders `test/unit/` and `test/harness/`', 'folders `test/` and `nodes/TikTok/`');
		assert.deepEqual(docAgainstTree(partial, tree, sources).unnamed, [
			'nodes/TikTok/actions/router.ts',
			'test/unit/errors.test.mts',
			'test/harness/instance.mts',
			'scripts/demo.mts',
		]);
	});
});
