// packPackage(): build the package with the node-cli (`npm run build` = `n8n-node build`)
// and `npm pack` it into .cache/pack/, once per test process (or once per `node test/run.mjs` run).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { PACK_DIR, REPO_ROOT, log, npmEnv, randomId, runOrThrow, withLock } from './util.mts';

export interface PackOptions {
	/** Package folder (default: the repository root, i.e. n8n-nodes-tiktok-publisher). */
	dir?: string;
	/** Run `npm run build` first (default true; a stand-in package with prebuilt dist/ passes false). */
	build?: boolean;
	/** Where the tarball goes (default <repo>/.cache/pack). */
	destination?: string;
	/** Ignore the per-process memo and pack again. */
	force?: boolean;
	/** Build and pack even when the test run handed over a tarball (N8N_HARNESS_TARBALL). */
	fresh?: boolean;
}

const packed = new Map<string, Promise<string>>();

/** Absolute path of a tarball of the package, as `npm publish` would upload it. */
export async function packPackage(options: PackOptions = {}): Promise<string> {
	const dir = resolve(options.dir ?? REPO_ROOT);
	// test/run.mjs packs once per run and hands the tarball to every suite.
	const handedOver = process.env.N8N_HARNESS_TARBALL;
	if (handedOver && dir === REPO_ROOT && !options.fresh && !options.force && existsSync(handedOver))
		return handedOver;
	const destination = resolve(options.destination ?? PACK_DIR);
	const key = `${dir}=>${destination}`;
	let pending = options.force ? undefined : packed.get(key);
	if (!pending) {
		pending = pack(dir, destination, options.build ?? true).catch((error: unknown) => {
			packed.delete(key);
			throw error;
		});
		packed.set(key, pending);
	}
	return await pending;
}

async function pack(dir: string, destination: string, build: boolean): Promise<string> {
	const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
		name: string;
		version: string;
	};
	await mkdir(destination, { recursive: true });
	// One build per package folder at a time (a build rewrites dist/).
	return await withLock(
		join(destination, `.${sanitize(pkg.name)}.lock`),
		`packing ${pkg.name}`,
		async () => {
			const started = Date.now();
			if (build) {
				log(`building ${pkg.name} (npm run build)`);
				await runOrThrow('npm', ['run', 'build'], {
					cwd: dir,
					env: npmEnv(),
					timeoutMs: 10 * 60_000,
				});
			}
			// Pack into a private folder first, then move: another process may be reading the old tarball.
			const scratch = join(destination, `.pack-${randomId()}`);
			await mkdir(scratch);
			try {
				const result = await runOrThrow(
					'npm',
					['pack', '--json', '--ignore-scripts', '--pack-destination', scratch],
					{ cwd: dir, env: npmEnv(), timeoutMs: 5 * 60_000 },
				);
				const info = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as Array<{
					filename: string;
				}>;
				const filename = info[0].filename.replace(/^@/, '').replace(/\//g, '-');
				const from = join(scratch, filename);
				if (!existsSync(from)) throw new Error(`npm pack did not produce ${from}`);
				const to = join(destination, filename);
				await rename(from, to);
				log(`packed ${pkg.name}@${pkg.version} -> ${to} (${Date.now() - started} ms)`);
				return to;
			} finally {
				await rm(scratch, { recursive: true, force: true });
			}
		},
	);
}

function sanitize(name: string): string {
	return name.replace(/[^a-zA-Z0-9._-]/g, '_');
}

export interface StandInPackage {
	/** The temp folder holding the package and its tarball. */
	root: string;
	/** The package folder. */
	dir: string;
	tarball: string;
	/** Removes `root`. */
	cleanup: () => Promise<void>;
}

/**
 * Writes a prebuilt stand-in package (`package.json` and its dist/ files, by path relative to the package) into a
 * fresh temp folder and packs it without building.
 */
export async function packStandInPackage(
	prefix: string,
	packageJson: Record<string, unknown>,
	files: Record<string, string>,
): Promise<StandInPackage> {
	const root = await mkdtemp(join(tmpdir(), prefix));
	const dir = join(root, 'package');
	const all = { 'package.json': `${JSON.stringify(packageJson, null, 2)}\n`, ...files };
	for (const [path, content] of Object.entries(all)) {
		await mkdir(dirname(join(dir, path)), { recursive: true });
		await writeFile(join(dir, path), content);
	}
	const tarball = await packPackage({ dir, build: false, destination: join(root, 'pack') });
	return {
		root,
		dir,
		tarball,
		cleanup: async () => await rm(root, { recursive: true, force: true }),
	};
}
