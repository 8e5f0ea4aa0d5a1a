/**
 * The link bench's network emulation (scripts/bench/link.mts) leaves nothing behind: namespaces (and with them the
 * veth pair and its tbf qdiscs) and relays are removed after use, after a failure while building the link, on a
 * signal, and at the next start when a bench process died without cleaning up. Needs root (ip netns, tc); skipped
 * otherwise. Run: node test/run.mjs test/bench/link.test.mts
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { benchNamespaces, removeStaleNamespaces, startLink } from '../../scripts/bench/link.mts';
import { loopbackCert } from '../emulator/tls.mts';

const root = process.getuid?.() === 0;
const ours = (pid = process.pid) =>
	benchNamespaces().filter((name) => name.startsWith(`tkbench-${pid}-`));

async function tlsServer() {
	const cert = loopbackCert();
	const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
		let bytes = 0;
		req.on('data', (data: Buffer) => (bytes += data.length));
		req.on('end', () => res.end(String(bytes)));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	return { server, port: (server.address() as AddressInfo).port, ca: cert.certPem };
}

describe(
	'emulated link cleanup',
	{ skip: root ? false : 'needs root for ip netns and tc', timeout: 120_000 },
	() => {
		it('carries a TLS request with the round trip added, then removes its namespaces', async () => {
			const { server, port, ca } = await tlsServer();
			const link = await startLink({ name: 'test', mbit: 100, rttMs: 100 }, port);
			try {
				assert.equal(ours().length, 2);
				const started = performance.now();
				const answer = await new Promise<string>((resolve, reject) => {
					const request = https.request(
						`${link.url}/`,
						{ method: 'PUT', ca, agent: false },
						(response) => {
							let text = '';
							response.on('data', (data: Buffer) => (text += data.toString()));
							response.on('end', () => resolve(text));
						},
					);
					request.on('error', reject);
					request.end(Buffer.alloc(1_000_000));
				});
				const ms = performance.now() - started;
				assert.equal(answer, '1000000');
				// TCP (1 RTT, emulated) + TLS 1.3 (1 RTT) + the request (1 RTT) + 1 MB at 100 Mbit/s (80 ms).
				assert.ok(ms >= 300, `took ${ms} ms`);
				assert.equal(link.connections(), 1);
			} finally {
				await link.stop();
				server.close();
			}
			assert.deepEqual(ours(), []);
		});

		it('removes what it built when building the link fails', async () => {
			// tc refuses a rate of "NaNmbit": the failure comes after the namespaces and the veth pair exist.
			const built = startLink({ name: 'bad', mbit: Number.NaN, rttMs: 10 }, 1);
			await assert.rejects(
				built.then(async (link) => await link.stop()),
				/tc/,
			);
			assert.deepEqual(ours(), []);
		});

		it('removes its namespaces when the bench is stopped by a signal', async () => {
			const script = fileURLToPath(new URL('./linkSignalChild.mts', import.meta.url));
			const child = spawn(process.execPath, ['--import', 'tsx', script], {
				stdio: ['ignore', 'pipe', 'inherit'],
			});
			await new Promise<void>((resolve, reject) => {
				child.stdout.on('data', (data: Buffer) => data.toString().includes('ready') && resolve());
				child.once('exit', (code) =>
					reject(new Error(`child exited ${code} before the link was up`)),
				);
			});
			assert.equal(ours(child.pid).length, 2);
			child.kill('SIGTERM');
			await new Promise((resolve) => child.once('exit', resolve));
			assert.deepEqual(ours(child.pid), []);
		});

		it('removes namespaces left by a bench process that died without cleaning up', () => {
			const dead = 99_999_999; // above any pid_max (at most 2^22): no such process
			execFileSync('ip', ['netns', 'add', `tkbench-${dead}-1-a`]);
			removeStaleNamespaces();
			assert.deepEqual(ours(dead), []);
		});
	},
);
