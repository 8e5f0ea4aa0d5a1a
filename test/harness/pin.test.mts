// The pinned n8n 2.x is the newest one that can be installed on these machines. A newer 2.x that this test finds
// installable fails it: pin that one (test/harness/install.mts, test/run.mjs) and re-run both versions.
// Run: node test/run.mjs test/harness/pin.test.mts
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_N8N_VERSION } from './install.mts';
import { npmEnv, run } from './util.mts';

async function npmViewJson<T>(spec: string, field: string): Promise<T | undefined> {
	const result = await run('npm', ['view', spec, field, '--json'], {
		env: npmEnv(),
		timeoutMs: 120_000,
	});
	if (result.code !== 0 || !result.stdout.trim()) return undefined;
	return JSON.parse(result.stdout) as T;
}

const newer = (a: string, b: string) => {
	const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
	for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] > pb[i];
	return false;
};

const dependenciesOf = async (version: string) =>
	(await npmViewJson<Record<string, string>>(`n8n@${version}`, 'dependencies')) ?? {};

/**
 * Direct dependencies of `n8n@version` that the registry does not serve at the version n8n names. Those the pinned
 * n8n names at the same version are served (the pinned n8n installs), so only the others are looked up.
 */
async function unservedDependencies(version: string): Promise<string[]> {
	const dependencies = await dependenciesOf(version);
	const pinned = await dependenciesOf(DEFAULT_N8N_VERSION);
	const missing: string[] = [];
	const names = Object.keys(dependencies).filter((name) => dependencies[name] !== pinned[name]);
	for (let start = 0; start < names.length; start += 8) {
		await Promise.all(
			names.slice(start, start + 8).map(async (name) => {
				const wanted = dependencies[name];
				if (!/^\d+\.\d+\.\d+$/.test(wanted)) return; // a range: npm picks a served version
				const versions = (await npmViewJson<string[] | string>(name, 'versions')) ?? [];
				if (![versions].flat().includes(wanted)) missing.push(`${name}@${wanted}`);
			}),
		);
	}
	return missing.sort();
}

describe('the pinned n8n', { timeout: 600_000 }, () => {
	it(`${DEFAULT_N8N_VERSION} is the newest n8n 2.x whose dependencies the registry serves`, async () => {
		const published = (await npmViewJson<string[]>('n8n', 'versions')) ?? [];
		assert.ok(published.includes(DEFAULT_N8N_VERSION), 'the pinned version is published');
		const newer2x = published.filter(
			(v) => /^2\.\d+\.\d+$/.test(v) && newer(v, DEFAULT_N8N_VERSION),
		);
		for (const version of newer2x) {
			const missing = await unservedDependencies(version);
			process.stderr.write(
				`[pin] n8n ${version}: ${missing.length} direct dependencies not served: ${missing.join(', ')}\n`,
			);
			assert.ok(
				missing.length > 0,
				`n8n ${version} can now be installed here: pin it instead of ${DEFAULT_N8N_VERSION}`,
			);
		}
	});
});
