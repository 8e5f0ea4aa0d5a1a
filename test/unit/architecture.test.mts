/**
 * Where things live, as a specification the source tree is checked against (docs/architecture.md explains it):
 *
 *   TikTok.node.ts → actions/ (router, operations) ─┐
 *                  → methods/ (editor dropdowns)  ──┴→ transport/ (every network call, process state) → helpers/ (pure rules)
 *   credentials/ → transport/token.ts, transport/renewal.ts (the token refresh the node uses too)
 *   TikTokTrigger/, TikTokMediaServer/ (webhook nodes and their handlers) → transport/ → helpers/
 *   Only transport/renewal.ts presents a refresh token, and nothing under TikTokTrigger/ reaches it.
 *
 * Each rule names the files that break it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

import { TikTok } from '../../nodes/TikTok/TikTok.node.ts';
import { operations } from '../../nodes/TikTok/actions/router.ts';
import {
	docAgainstTree,
	importCycles,
	resolveImport,
	writesIntoModuleState,
} from './architectureRules.mts';

const root = join(import.meta.dirname, '..', '..');

type Layer = 'node' | 'actions' | 'methods' | 'transport' | 'helpers' | 'credentials' | 'trigger';

interface Module {
	/** Path from the repository root, e.g. nodes/TikTok/transport/http.ts. */
	path: string;
	layer: Layer;
	source: ts.SourceFile;
	/** Every `import … from` / `export … from`: the module or package it names, and whether only types come in. */
	imports: Array<{ target: string; typeOnly: boolean }>;
}

function layerOf(path: string): Layer {
	if (path.startsWith('credentials/')) return 'credentials';
	// Both webhook nodes (the trigger and the media server) are "node + actions" for their webhooks.
	if (path.startsWith('nodes/TikTokTrigger/') || path.startsWith('nodes/TikTokMediaServer/'))
		return 'trigger';
	const [, , folder] = path.split('/'); // nodes/TikTok/<folder>/…
	if (
		folder === 'actions' ||
		folder === 'methods' ||
		folder === 'transport' ||
		folder === 'helpers'
	)
		return folder;
	return 'node';
}

/** Every file under `dir` (a path from the repository root) whose name `keep` accepts. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
	return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
		const path = `${dir}/${entry.name}`;
		if (entry.isDirectory()) return filesUnder(path, keep);
		return keep(entry.name) ? [path] : [];
	});
}

const sourceFiles = (dir: string) => filesUnder(dir, (name) => name.endsWith('.ts'));

function load(path: string, text = readFileSync(join(root, path), 'utf8')): Module {
	const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
	const imports: Module['imports'] = [];
	for (const statement of source.statements) {
		const specifier =
			(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
			statement.moduleSpecifier &&
			ts.isStringLiteral(statement.moduleSpecifier)
				? statement.moduleSpecifier.text
				: undefined;
		if (specifier === undefined) continue;
		const typeOnly = ts.isImportDeclaration(statement)
			? Boolean(statement.importClause?.isTypeOnly)
			: (statement as ts.ExportDeclaration).isTypeOnly;
		const target = specifier.startsWith('.')
			? relative(root, join(root, dirname(path), specifier))
			: specifier;
		imports.push({ target, typeOnly });
	}
	return { path, layer: layerOf(path), source, imports };
}

const modules = [...sourceFiles('nodes'), ...sourceFiles('credentials')].map((path) => load(path));
const inLayer = (layer: Layer) => modules.filter((module) => module.layer === layer);

/** Every node of a file's syntax tree. */
function* walk(node: ts.Node): Generator<ts.Node> {
	yield node;
	for (const child of node.getChildren()) yield* walk(child);
}

/** `path: what` for each module where `find` reports something; empty when the rule holds. */
function violations(of: Module[], find: (module: Module) => string[]): string[] {
	return of.flatMap((module) => find(module).map((what) => `${module.path}: ${what}`));
}

/** The one module that may present a refresh token to TikTok. */
const RENEWAL = 'nodes/TikTok/transport/renewal';

/**
 * For each trigger file that reaches the renewal module through its imports (type-only imports carry no code),
 * the import path that gets there; empty when none does.
 */
function triggerPathsToRenewal(all: Module[]): string[] {
	const byTarget = new Map(all.map((module) => [module.path.replace(/\.ts$/, ''), module]));
	return all
		.filter((module) => module.layer === 'trigger')
		.flatMap((start) => {
			const seen = new Set<string>();
			const queue: string[][] = [[start.path.replace(/\.ts$/, '')]];
			while (queue.length > 0) {
				const path = queue.shift() as string[];
				const at = path[path.length - 1];
				if (at === RENEWAL) return [path.join(' → ')];
				if (seen.has(at)) continue;
				seen.add(at);
				for (const { target, typeOnly } of byTarget.get(at)?.imports ?? [])
					if (!typeOnly && byTarget.has(target)) queue.push([...path, target]);
			}
			return [];
		});
}

/** Which layers each layer may import from (besides itself). */
const MAY_IMPORT: Record<Layer, Layer[]> = {
	node: ['actions', 'methods'],
	actions: ['transport', 'helpers'],
	methods: ['transport', 'helpers'],
	transport: ['helpers'],
	helpers: [],
	credentials: ['transport'],
	// The trigger plays the part of node + actions for webhooks: its rules are helpers, its memory is transport.
	trigger: ['transport', 'helpers'],
};

describe('architecture: one obvious place for everything', () => {
	it('finds the source tree', () => {
		for (const layer of [
			'node',
			'actions',
			'methods',
			'transport',
			'helpers',
			'credentials',
			'trigger',
		] as const) {
			assert.ok(inLayer(layer).length > 0, `no files in ${layer}`);
		}
	});

	it('layers import only downwards: node → actions/methods → transport → helpers, trigger → transport → helpers; methods never import actions', () => {
		const broken = violations(modules, (module) =>
			module.imports
				.filter(({ target }) => target.startsWith('nodes/') || target.startsWith('credentials/'))
				.map(({ target }) => ({ target, layer: layerOf(target) }))
				.filter(({ layer }) => layer !== module.layer && !MAY_IMPORT[module.layer].includes(layer))
				.map(({ target, layer }) => `imports ${layer} (${target})`),
		);
		assert.deepEqual(broken, []);
	});

	it('nothing under nodes/TikTokTrigger/ reaches token renewal, directly or through other modules', () => {
		assert.deepEqual(triggerPathsToRenewal(modules), []);
	});

	it('the trigger rule fails on a deliberately broken trigger file (one that looks a username up through the publishing API)', () => {
		const broken = load(
			'nodes/TikTokTrigger/broken.ts',
			"import { fetchCreatorInfo } from '../TikTok/transport/publishApi';\nexport const lookUp = fetchCreatorInfo;\n",
		);
		assert.deepEqual(triggerPathsToRenewal([...modules, broken]), [
			'nodes/TikTokTrigger/broken → nodes/TikTok/transport/publishApi → nodes/TikTok/transport/request → nodes/TikTok/transport/session → nodes/TikTok/transport/renewal',
		]);
	});

	it("in the nodes only transport/renewal.ts names TikTok's token endpoint (no other module can present a refresh token; the OAuth2 credential names it for n8n's Connect)", () => {
		const broken = violations(
			modules.filter(
				(module) => module.path.startsWith('nodes/') && module.path !== `${RENEWAL}.ts`,
			),
			(module) =>
				[...walk(module.source)]
					.filter(
						(node) =>
							(ts.isStringLiteral(node) ||
								ts.isNoSubstitutionTemplateLiteral(node) ||
								ts.isTemplateMiddle(node) ||
								ts.isTemplateTail(node)) &&
							node.text.includes('/oauth/token'),
					)
					.map((node) => `names ${node.getText()}`),
		);
		assert.deepEqual(broken, []);
	});

	it('the credentials import only the token and renewal modules from the node', () => {
		const broken = violations(inLayer('credentials'), (module) =>
			module.imports
				.filter(
					({ target }) =>
						target.startsWith('nodes/') &&
						target !== 'nodes/TikTok/transport/token' &&
						target !== RENEWAL,
				)
				.map(({ target }) => `imports ${target}`),
		);
		assert.deepEqual(broken, []);
	});

	it('at run time the package needs nothing but n8n-workflow and its own files (no node: modules, no dependencies)', () => {
		const broken = violations(modules, (module) =>
			module.imports
				.filter(
					({ target, typeOnly }) =>
						!typeOnly &&
						target !== 'n8n-workflow' &&
						!target.startsWith('nodes/') &&
						!target.startsWith('credentials/'),
				)
				.map(({ target }) => `imports ${target}`),
		);
		assert.deepEqual(broken, []);
	});

	it('helpers/ are pure: from n8n-workflow they take types only, and they never touch an n8n context', () => {
		const contextUse =
			/\b(helpers|getCredentials|getNodeParameter|getInputData|getExecutionCancelSignal)\b/;
		const broken = violations(inLayer('helpers'), (module) => [
			...module.imports
				.filter(({ target, typeOnly }) => target === 'n8n-workflow' && !typeOnly)
				.map(() => 'imports values from n8n-workflow'),
			...[...walk(module.source)]
				.filter((node) => ts.isPropertyAccessExpression(node) && contextUse.test(node.name.text))
				.map((node) => `uses ${node.getText()}`),
		]);
		assert.deepEqual(broken, []);
	});

	it('process state (module-level let/var, collections or instances made at load, assignments at load) lives only in transport/', () => {
		const stateful = (statement: ts.Statement): string | undefined => {
			if (ts.isVariableStatement(statement)) {
				if (!(statement.declarationList.flags & ts.NodeFlags.Const))
					return `module-level variable: ${statement.getText().split('\n')[0]}`;
				const made = statement.declarationList.declarations.find(
					(declaration) => declaration.initializer && ts.isNewExpression(declaration.initializer),
				);
				if (made) return `module-level instance: ${made.getText().split('\n')[0]}`;
			}
			if (
				ts.isExpressionStatement(statement) &&
				ts.isBinaryExpression(statement.expression) &&
				statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken
			) {
				return `assignment at load: ${statement.getText()}`;
			}
			return undefined;
		};
		const broken = violations(
			modules.filter((module) => module.layer !== 'transport'),
			(module) =>
				module.source.statements.map(stateful).filter((what): what is string => what !== undefined),
		);
		assert.deepEqual(broken, []);
	});

	it("only transport/http.ts calls n8n's request helpers; nothing calls fetch", () => {
		const requestHelper =
			/^(httpRequest|httpRequestWithAuthentication|requestWithAuthentication|requestOAuth1|requestOAuth2|request)$/;
		const broken = violations(
			modules.filter((module) => module.path !== 'nodes/TikTok/transport/http.ts'),
			(module) =>
				[...walk(module.source)]
					.filter(
						(node) =>
							(ts.isPropertyAccessExpression(node) &&
								requestHelper.test(node.name.text) &&
								/\bhelpers$/.test(node.expression.getText())) ||
							(ts.isCallExpression(node) && node.expression.getText() === 'fetch'),
					)
					.map((node) => `calls ${node.getText().split('(')[0]}`),
		);
		assert.deepEqual(broken, []);
	});

	it('no import cycles among the package files (type-only imports count: neither file of a cycle can be read first)', () => {
		const files = new Set(modules.map((module) => module.path));
		const cycles = importCycles(
			modules.map((module) => ({
				path: module.path,
				imports: module.source.statements
					.flatMap((statement) =>
						(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
						statement.moduleSpecifier &&
						ts.isStringLiteral(statement.moduleSpecifier)
							? [resolveImport(module.path, statement.moduleSpecifier.text, files)]
							: [],
					)
					.filter((target): target is string => target !== undefined),
			})),
		);
		assert.deepEqual(cycles, []);
	});

	it('outside transport/, nothing writes into a module-level array, Map, Set or object (tables and descriptions are read-only in use)', () => {
		const texts = Object.fromEntries(modules.map((module) => [module.path, module.source.text]));
		assert.deepEqual(
			writesIntoModuleState(texts, (path) => layerOf(path) === 'transport'),
			[],
		);
	});

	it('docs/architecture.md names only paths that exist, and names every source file', () => {
		const skipped = new Set(['node_modules', '.git', 'dist', '.cache']);
		const everything = readdirSync(root, { withFileTypes: true })
			.filter((entry) => !skipped.has(entry.name))
			.flatMap((entry) =>
				entry.isDirectory() ? filesUnder(entry.name, () => true) : [entry.name],
			);
		const code = /\.(ts|mts|mjs|js)$/;
		const sources = ['nodes', 'credentials', 'scripts', 'test'].flatMap((dir) =>
			filesUnder(dir, (name) => code.test(name)),
		);
		const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
		assert.deepEqual(docAgainstTree(doc, everything, sources), { missing: [], unnamed: [] });
	});

	it('the router table has exactly the resources and operations the node description offers', () => {
		const properties = new TikTok().description.properties;
		const resources = (properties.find((property) => property.name === 'resource')?.options ??
			[]) as Array<{ value: string }>;
		const offered = resources.flatMap(({ value: resource }) => {
			const selector = properties.find(
				(property) =>
					property.name === 'operation' &&
					property.displayOptions?.show?.resource?.includes(resource),
			);
			return ((selector?.options ?? []) as Array<{ value: string }>).map(
				({ value }) => `${resource}/${value}`,
			);
		});
		const routed = Object.entries(operations).flatMap(([resource, table]) =>
			Object.keys(table).map((operation) => `${resource}/${operation}`),
		);
		assert.deepEqual(routed.sort(), offered.sort());
	});
});
