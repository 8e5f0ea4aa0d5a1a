#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx).
// Usage: node test/run.mjs [unit|emulator|e2e|all] [extra test files...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const suites = { unit: ['test/unit'], emulator: ['test/emulator'], harness: ['test/harness'], e2e: ['test/e2e'], browser: ['test/browser'] };
const args = process.argv.slice(2);
const wanted = args.filter((a) => a in suites || a === 'all');
const explicitFiles = args.filter((a) => !(a in suites) && a !== 'all');
const dirs = (wanted.length === 0 || wanted.includes('all') ? Object.keys(suites) : wanted).flatMap(
	(s) => suites[s],
);

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

const files = explicitFiles.length > 0 ? explicitFiles : dirs.flatMap(findTests).sort();
if (files.length === 0) {
	console.error('no test files found');
	process.exit(1);
}
const result = spawnSync(
	process.execPath,
	['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
	{ cwd: root, stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } },
);
process.exit(result.status ?? 1);
