#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx).
// Usage: node test/run.mjs [unit|emulator|harness|e2e|browser|release|compat|all] [test files...]
// `compat` is the e2e suite again against the newest n8n 1.x (N8N_TEST_VERSION=1.x-latest).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const suites = {
	unit: { dirs: ['test/unit'] },
	emulator: { dirs: ['test/emulator'] },
	harness: { dirs: ['test/harness'] },
	release: { dirs: ['test/release'] },
	e2e: { dirs: ['test/e2e'] },
	browser: { dirs: ['test/browser'] },
	compat: { dirs: ['test/e2e'], env: { N8N_TEST_VERSION: '1.x-latest' } },
};
const args = process.argv.slice(2);
const wanted = args.filter((a) => a in suites || a === 'all');
const explicitFiles = args.filter((a) => !(a in suites) && a !== 'all');

function findTests(dir) {
	const abs = join(root, dir);
	let entries = [];
	try {
		entries = readdirSync(abs);
	} catch {
		return [];
	}
	return entries.flatMap((name) => {
		const path = join(abs, name);
		if (statSync(path).isDirectory()) return findTests(relative(root, path));
		return name.endsWith('.test.mts') ? [relative(root, path)] : [];
	});
}

// One test-runner process per suite (files of a suite run one at a time); explicit files run as one group.
const groups =
	explicitFiles.length > 0
		? [{ name: 'files', files: explicitFiles, env: {} }]
		: (wanted.length === 0 || wanted.includes('all') ? Object.keys(suites) : wanted).map((name) => ({
				name,
				files: suites[name].dirs.flatMap(findTests).sort(),
				env: suites[name].env ?? {},
			}));

let failed = false;
for (const group of groups) {
	if (group.files.length === 0) {
		console.error(`no test files found for ${group.name}`);
		failed = true;
		continue;
	}
	if (groups.length > 1) console.log(`\n=== ${group.name} ===`);
	const result = spawnSync(
		process.execPath,
		['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...group.files],
		{ cwd: root, stdio: 'inherit', env: { ...process.env, TZ: 'UTC', ...group.env } },
	);
	if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
