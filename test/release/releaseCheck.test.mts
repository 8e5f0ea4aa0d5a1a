/**
 * `npm run release:check` refuses this package until the publisher has set the author and repository, is clean once
 * they are set, and really catches what n8n's scanner and the verification guidelines reject (faults planted in a
 * copy of the project).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

function run(command: string, args: string[]): { code: number | null; output: string } {
	const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 300_000 });
	return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** A copy of what the release check reads, sharing this checkout's node_modules. */
async function projectCopy(): Promise<string> {
	const copy = await mkdtemp(join(tmpdir(), 'release-check-copy-'));
	for (const entry of [
		'package.json',
		'README.md',
		'LICENSE',
		'dist',
		'nodes',
		'credentials',
		'icons',
		'.github',
	]) {
		await cp(join(root, entry), join(copy, entry), { recursive: true });
	}
	await symlink(join(root, 'node_modules'), join(copy, 'node_modules'));
	return copy;
}

describe('release check', { timeout: 600_000 }, () => {
	it('refuses this package while package.json holds the placeholder author and repository, and names only those', () => {
		const { code, output } = run('npm', ['run', 'release:check']);
		assert.equal(code, 1, output);
		assert.match(output, /scanner pass 1, sources: [1-9]\d* files, 0 errors/);
		assert.match(output, /scanner pass 2, packed tarball: [1-9]\d* files, 0 errors/);
		assert.match(output, /actionlint: [1-9]\d* workflow files, 0 findings/);
		const problems = output.split('release check failed:')[1]?.trim().split('\n') ?? [];
		assert.deepEqual(
			problems.map((line) => /"([a-z.]+)" is still the placeholder/.exec(line)?.[1]).sort(),
			['author.email', 'author.name', 'homepage', 'repository.url'],
			output,
		);
	});

	it('passes once the publisher has set them: strict lint, build, both scanner passes, package rules, workflow lint', async () => {
		const copy = await projectCopy();
		try {
			const manifestPath = join(copy, 'package.json');
			const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
			manifest.author = { name: 'Jane Publisher', email: 'jane@publisher.test' };
			manifest.repository.url = 'https://github.com/jane/n8n-nodes-tiktok-publisher.git';
			manifest.homepage = 'https://github.com/jane/n8n-nodes-tiktok-publisher#readme';
			await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
			const { code, output } = run('npx', ['tsx', 'scripts/release-check.mts', `--root=${copy}`]);
			assert.equal(code, 0, output);
			assert.match(output, /scanner pass 2, packed tarball: [1-9]\d* files, 0 errors/);
			assert.match(output, /release check passed/);
		} finally {
			await rm(copy, { recursive: true, force: true });
		}
	});

	describe('on a copy with planted faults', () => {
		let copy: string;
		before(async () => {
			copy = await projectCopy();
			const manifestPath = join(copy, 'package.json');
			const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
			manifest.dependencies = { axios: '^1.0.0' };
			manifest.license = 'ISC';
			await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
			const nodeFile = join(copy, 'dist', 'nodes', 'TikTok', 'TikTok.node.js');
			await writeFile(
				nodeFile,
				`${await readFile(nodeFile, 'utf8')}\n// eslint-disable-next-line\nconsole.log('debug');\nconst axios = require('axios');\nconst key = process.env.TIKTOK_KEY;\n`,
			);
			// A workflow GitHub would reject: a misspelt job key and an expression on an undefined matrix entry.
			await writeFile(
				join(copy, '.github', 'workflows', 'broken.yml'),
				[
					'on: push',
					'jobs:',
					'  build:',
					'    runs-on: ubuntu-latest',
					'    timeout-minuts: 5',
					'    steps:',
					'      - run: echo "${{ matrix.node }}"',
					'',
				].join('\n'),
			);
		});
		after(async () => await rm(copy, { recursive: true, force: true }));

		it('fails and names every fault', () => {
			const { code, output } = run('npx', ['tsx', 'scripts/release-check.mts', `--root=${copy}`]);
			assert.equal(code, 1, output);
			assert.match(
				output,
				/scanner pass 2, packed tarball: .* [1-9]\d* errors/,
				'console.log in the compiled code, despite eslint-disable',
			);
			assert.match(output, /no-console/);
			assert.match(output, /"dependencies" must be empty/);
			assert.match(output, /licence must be MIT/);
			assert.match(output, /loads "axios", which is not there at run time/);
			assert.match(output, /reads environment variables/);
			assert.match(output, /\.github\/workflows\/broken\.yml:5:5: unexpected key "timeout-minuts"/);
			assert.match(
				output,
				/\.github\/workflows\/broken\.yml:7:\d+: property "node" is not defined/,
			);
			assert.match(output, /actionlint: 2 findings in \.github\/workflows/);
		});
	});
});
