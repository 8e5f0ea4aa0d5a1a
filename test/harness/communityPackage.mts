// A community package installed into an instance the way n8n's own installer installs it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { runOrThrow } from './util.mts';

/**
 * Installs a tarball the way n8n's CommunityPackagesService.downloadPackage does (2.41.1
 * and the newest 1.x alike; n8n `npm pack`s from the registry, we already have the
 * tarball): extract into nodes/node_modules/<name> with --strip-components=1, drop
 * dev/peer/optional dependencies from its package.json, `npm install` its dependencies
 * in that folder with scripts ignored, and record it in the nodes/package.json ledger.
 */
export async function installCommunityPackage(
	tarball: string,
	nodesFolder: string,
	env: Record<string, string>,
): Promise<{ name: string; version: string }> {
	const listing = await runOrThrow('tar', ['-xzOf', tarball, 'package/package.json']);
	const pkg = JSON.parse(listing.stdout) as { name: string; version: string };
	const npmEnv = { ...env, npm_config_update_notifier: 'false' };
	const ledgerPath = join(nodesFolder, 'package.json');
	const ledger = existsSync(ledgerPath)
		? (JSON.parse(await readFile(ledgerPath, 'utf8')) as {
				name: string;
				private: boolean;
				dependencies: Record<string, string>;
			})
		: { name: 'installed-nodes', private: true, dependencies: {} as Record<string, string> };
	const packageDir = join(nodesFolder, 'node_modules', pkg.name);
	await rm(packageDir, { recursive: true, force: true });
	await mkdir(packageDir, { recursive: true });
	await runOrThrow('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
	const manifestPath = join(packageDir, 'package.json');
	const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
	delete manifest.devDependencies;
	delete manifest.peerDependencies;
	delete manifest.optionalDependencies;
	await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
	await runOrThrow(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
		],
		{ cwd: packageDir, env: npmEnv, timeoutMs: 5 * 60_000 },
	);
	ledger.dependencies[pkg.name] = pkg.version;
	await writeFile(ledgerPath, JSON.stringify(ledger, null, 2));
	return { name: pkg.name, version: pkg.version };
}
