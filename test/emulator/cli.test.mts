import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from './testkit.mts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function startCli(
	args: string[],
	env: Record<string, string> = {},
): { child: ChildProcess; output: Promise<string> } {
	const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.mts', ...args], {
		cwd: ROOT,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const output = new Promise<string>((resolve, reject) => {
		let text = '';
		child.stdout?.on('data', (d: Buffer) => {
			text += d.toString();
			if (text.includes('Press Ctrl+C')) resolve(text);
		});
		child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
		child.on('exit', (code) => reject(new Error(`cli exited ${code}: ${text}`)));
	});
	return { child, output };
}

function field(output: string, name: string): string {
	const m = new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(output);
	assert.ok(m, `no "${name}" line in:\n${output}`);
	return m[1];
}

function exitCode(child: ChildProcess): Promise<number | null> {
	return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('npm run emulator (cli.ts)', () => {
	it('prints both base URLs, the client key/secret and a working access token, and stops on SIGINT', async () => {
		const { child, output } = startCli([
			'--port',
			'0',
			'--redirect-uri',
			'http://127.0.0.1:5678/cb',
		]);
		const text = await output;
		const base = field(text, 'base URL');
		const upload = field(text, 'upload base URL');
		assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.match(upload, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.notEqual(base, upload);
		assert.equal(field(text, 'client key'), 'emu_client_key');
		assert.equal(field(text, 'client secret'), 'emu_client_secret');
		assert.equal(field(text, 'redirect URIs'), 'http://127.0.0.1:5678/cb');
		const token = field(text, 'access token');
		const r = await request(`${base}/v2/post/publish/creator_info/query/`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}` },
		});
		assert.equal(r.json.error.code, 'ok');
		const exited = exitCode(child);
		child.kill('SIGINT');
		assert.equal(await exited, 0);
	});

	it('takes the port from TIKTOK_EMULATOR_PORT and puts the upload host on port + 1', async () => {
		const probe = startCli(['--port', '0']);
		const free = Number(new URL(field(await probe.output, 'base URL')).port);
		const done = exitCode(probe.child);
		probe.child.kill('SIGINT');
		await done;
		const { child, output } = startCli([], { TIKTOK_EMULATOR_PORT: String(free) });
		try {
			const text = await output;
			assert.equal(field(text, 'base URL'), `http://127.0.0.1:${free}`);
			assert.equal(field(text, 'upload base URL'), `http://127.0.0.1:${free + 1}`);
		} finally {
			const exited = exitCode(child);
			child.kill('SIGINT');
			await exited;
		}
	});
});
