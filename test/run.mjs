#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx).
//
//   node test/run.mjs [suite ...] [test file ...] [--serial] [--lanes=N]
//
// Suites: quick (unit + emulator), unit, emulator, release, bench (the link bench's network emulation), harness, e2e (n8n 2.41.1), compat (the e2e suite
// on the newest n8n 1.x), browser (the editor in Chromium; screenshots go to a temporary folder), browser-compat (the
// browser files that must also pass on n8n 1.x), screenshots (the browser suite writing docs/images/), all (default:
// every suite but screenshots).
//
// Before any suite runs, the prerequisites are checked (Chromium for the browser suites, PostgreSQL and Redis
// for the n8n suites) and the package is packed once for the whole run. Suites then run in two lanes at once,
// each suite's output printed whole when it ends; --serial runs them one after another, --lanes=N in N lanes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';

/**
 * `weight`: seconds the suite took in a full run on the 2-core machine, to balance the lanes. `n8n`: needs a real n8n. `concurrency`: test
 * files run at once (each end-to-end file has its own n8n and emulator; they mostly wait on timers and sockets).
 */
const suites = {
	unit: { dirs: ['test/unit'], weight: 88 },
	emulator: { dirs: ['test/emulator'], weight: 31 },
	release: { dirs: ['test/release'], weight: 58 },
	bench: { dirs: ['test/bench'], weight: 6 },
	harness: { dirs: ['test/harness'], weight: 186, n8n: ['2.41.1'] },
	e2e: { dirs: ['test/e2e'], weight: 1146, n8n: ['2.41.1'], concurrency: 2 },
	// n8n 1.x files take longer (in-memory binaries, Node 20): three at a time keeps this lane as long as the other.
	compat: {
		dirs: ['test/e2e'],
		weight: 778,
		n8n: ['1.x-latest'],
		concurrency: 3,
		env: { N8N_TEST_VERSION: '1.x-latest' },
	},
	browser: { dirs: ['test/browser'], weight: 434, n8n: ['2.41.1'], chromium: true },
	// The review-then-post example's form pages, on n8n 1.x too (a suite names `files` instead of `dirs`).
	'browser-compat': {
		files: ['test/browser/reviewThenPost.test.mts'],
		weight: 71,
		n8n: ['1.x-latest'],
		chromium: true,
		env: { N8N_TEST_VERSION: '1.x-latest' },
	},
	screenshots: {
		dirs: ['test/browser'],
		weight: 270,
		n8n: ['2.41.1'],
		chromium: true,
		env: { TIKTOK_SCREENSHOTS_DIR: join(root, 'docs', 'images') },
	},
};
const aliases = {
	all: [
		'unit',
		'emulator',
		'release',
		'bench',
		'harness',
		'e2e',
		'compat',
		'browser',
		'browser-compat',
	],
	quick: ['unit', 'emulator'],
};

const args = process.argv.slice(2);
const serial = args.includes('--serial');
/** Suites run at once: two by default (the machine has two cores; the n8n suites mostly wait on timers and sockets). */
const laneCount = Number(
	/^--lanes=(\d+)$/.exec(args.find((a) => a.startsWith('--lanes=')) ?? '')?.[1] ?? 2,
);
const names = args.filter((a) => !a.startsWith('--'));
const wanted = names.flatMap((a) => aliases[a] ?? (a in suites ? [a] : []));
const explicitFiles = names.filter((a) => !(a in suites) && !(a in aliases));

/**
 * Files that take minutes start first, so files running side by side end together (longest first). The rest keep
 * their alphabetical order.
 */
const LONGEST_FIRST = [
	'tokenStore',
	'video',
	'reliability',
	'examples',
	'afterInit',
	'tokenLife',
	'credential',
	'redirects',
	'screenshots',
];
function byExpectedLength(a, b) {
	const rank = (file) => {
		const index = LONGEST_FIRST.findIndex((name) => file.endsWith(`/${name}.test.mts`));
		return index === -1 ? LONGEST_FIRST.length : index;
	};
	return rank(a) - rank(b) || a.localeCompare(b);
}

function findTests(dir) {
	const abs = join(root, dir);
	if (!existsSync(abs)) return [];
	return readdirSync(abs).flatMap((name) => {
		const path = join(abs, name);
		if (statSync(path).isDirectory()) return findTests(relative(root, path));
		return name.endsWith('.test.mts') ? [relative(root, path)] : [];
	});
}

const groups =
	explicitFiles.length > 0
		? [{ name: 'files', files: explicitFiles, env: {}, weight: 1, ...filesNeeds(explicitFiles) }]
		: [...new Set(wanted.length > 0 ? wanted : aliases.all)].map((name) => ({
				name,
				...suites[name],
				files: suites[name].files ?? suites[name].dirs.flatMap(findTests).sort(byExpectedLength),
				env: suites[name].env ?? {},
			}));

/** What explicitly named files need, judged by their folder. */
function filesNeeds(files) {
	const needs = { n8n: [] };
	for (const file of files) {
		for (const suite of Object.values(suites)) {
			if (!(suite.dirs ?? []).some((dir) => file.startsWith(dir))) continue;
			if (suite.n8n && !suite.env?.N8N_TEST_VERSION) needs.n8n.push(...suite.n8n);
			if (suite.chromium) needs.chromium = true;
		}
	}
	if (process.env.N8N_TEST_VERSION && needs.n8n.length > 0)
		needs.n8n = [process.env.N8N_TEST_VERSION];
	needs.n8n = [...new Set(needs.n8n)];
	return needs;
}

function stop(message) {
	console.error(`\n${message}\n`);
	process.exit(2);
}

/** Chromium from Debian: installed here when we are root with apt, else the one command to run. */
function ensureChromium() {
	if (existsSync(CHROMIUM)) return;
	const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
	if (canInstall) {
		console.log(
			"The browser suite needs Chromium; installing Debian's package (apt-get install chromium)…",
		);
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
		spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
	}
	if (!existsSync(CHROMIUM)) {
		stop(
			`The browser suite drives Debian's Chromium at ${CHROMIUM}, which is not installed.\n` +
				'Install it with:  sudo apt-get update && sudo apt-get install -y chromium\n' +
				'(or run the other suites: node test/run.mjs unit emulator release harness e2e compat)',
		);
	}
}

async function reachable(port) {
	return await new Promise((done) => {
		const socket = connect({ host: '127.0.0.1', port, timeout: 2000 });
		socket.once('connect', () => {
			socket.destroy();
			done(true);
		});
		socket.once('error', () => done(false));
		socket.once('timeout', () => {
			socket.destroy();
			done(false);
		});
	});
}

/** Queue-mode tests need the machine's PostgreSQL (trust auth) and Redis on their standard ports. */
async function ensureServices() {
	const missing = [];
	if (!(await reachable(5432)))
		missing.push('PostgreSQL on 127.0.0.1:5432 (trust auth for user postgres)');
	if (!(await reachable(6379))) missing.push('Redis on 127.0.0.1:6379');
	if (missing.length > 0) {
		stop(
			`n8n's queue-mode tests need ${missing.join(' and ')}, which did not answer.\n` +
				'Start them (for example: sudo service postgresql start; redis-server --daemonize yes) and run again.',
		);
	}
}

/** Packs the package once and installs the n8n versions the run needs, before any suite starts. */
function prepareN8n(versions) {
	const started = Date.now();
	const result = spawnSync(
		process.execPath,
		['--import', 'tsx', join(root, 'test', 'harness', 'prepare.mts'), ...versions],
		{ cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
	);
	if (result.status !== 0)
		stop('Preparing the run (pack the package, install n8n) failed; see above.');
	const { tarball } = JSON.parse(result.stdout.trim().split('\n').pop());
	console.log(
		`prepared in ${Math.round((Date.now() - started) / 1000)} s: ${relative(root, tarball)}, n8n ${versions.join(', ')}`,
	);
	return tarball;
}

function runGroup(group, sharedEnv, live) {
	const started = Date.now();
	return new Promise((done) => {
		if (group.files.length === 0) {
			done({ group, code: 1, output: `no test files found for ${group.name}\n`, seconds: 0 });
			return;
		}
		const child = spawn(
			process.execPath,
			[
				'--import',
				'tsx',
				'--test',
				`--test-concurrency=${serial ? 1 : (group.concurrency ?? 1)}`,
				'--test-reporter=spec',
				...group.files,
			],
			{
				cwd: root,
				stdio: ['ignore', 'pipe', 'pipe'],
				env: { ...process.env, TZ: 'UTC', ...sharedEnv, ...group.env },
			},
		);
		let output = '';
		const keep = (stream) => (chunk) => {
			output += chunk;
			if (live) stream.write(chunk);
		};
		child.stdout.setEncoding('utf8').on('data', keep(process.stdout));
		child.stderr.setEncoding('utf8').on('data', keep(process.stderr));
		child.on('close', (code) =>
			done({ group, code, output, seconds: Math.round((Date.now() - started) / 1000) }),
		);
	});
}

/** Longest suites first, each to the lane that frees up first. */
function lanes(list, count) {
	const result = Array.from({ length: count }, () => ({ weight: 0, groups: [] }));
	for (const group of [...list].sort((a, b) => b.weight - a.weight)) {
		const lane = result.reduce((best, lane) => (lane.weight < best.weight ? lane : best));
		lane.groups.push(group);
		lane.weight += group.weight;
	}
	return result.map((lane) => lane.groups.sort((a, b) => a.weight - b.weight));
}

function counts(output) {
	const number = (label) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
	return { pass: number('pass'), fail: number('fail') + number('cancelled') };
}

const runStarted = Date.now();
if (groups.some((group) => group.chromium)) ensureChromium();
const n8nVersions = [...new Set(groups.flatMap((group) => group.n8n ?? []))];
const sharedEnv = {};
if (n8nVersions.length > 0) {
	await ensureServices();
	sharedEnv.N8N_HARNESS_TARBALL = prepareN8n(n8nVersions);
}
if (!groups.some((group) => group.env.TIKTOK_SCREENSHOTS_DIR)) {
	const folder = join(tmpdir(), `tiktok-screenshots-${process.pid}`);
	mkdirSync(folder, { recursive: true });
	sharedEnv.TIKTOK_SCREENSHOTS_DIR = folder;
}

const parallel = !serial && groups.length > 1;
const results = [];
await Promise.all(
	lanes(groups, parallel ? laneCount : 1).map(async (lane) => {
		for (const group of lane) {
			if (!parallel && groups.length > 1) console.log(`\n=== ${group.name} ===`);
			const result = await runGroup(group, sharedEnv, !parallel);
			if (parallel) console.log(`\n=== ${group.name} (${result.seconds} s) ===\n${result.output}`);
			results.push(result);
		}
	}),
);

const total = results.reduce(
	(sum, result) => {
		const { pass, fail } = counts(result.output);
		return {
			pass: sum.pass + pass,
			fail: sum.fail + fail + (result.code !== 0 && fail === 0 ? 1 : 0),
		};
	},
	{ pass: 0, fail: 0 },
);
if (results.length > 1) {
	console.log('\nsuite        files  seconds  result');
	for (const { group, code, seconds } of results) {
		console.log(
			`${group.name.padEnd(12)} ${String(group.files.length).padStart(5)}  ${String(seconds).padStart(7)}  ${code === 0 ? 'ok' : 'FAILED'}`,
		);
	}
	console.log(
		`wall time: ${Math.round((Date.now() - runStarted) / 1000)} s${parallel ? ` (${laneCount} lanes)` : ''}`,
	);
}
if (results.length > 1) console.log(`${total.pass} passed, ${total.fail} failed`);
process.exit(results.every((result) => result.code === 0) ? 0 : 1);
