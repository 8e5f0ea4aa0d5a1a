/**
 * An emulated network link between an upload client (n8n, curl) and the emulator's upload host, for
 * `npm run bench:link`. netem is not in this kernel, so:
 *
 *   client ──TCP 127.0.0.1:P──▶ bench process ──unix──▶ [netns A] client relay ══veth, tbf both ways══▶
 *   [netns B] server relay ──unix──▶ bench process ──TCP 127.0.0.1──▶ emulator upload host (TLS)
 *
 * - bandwidth: a `tbf` qdisc at the profile's rate on both veth ends (each direction);
 * - latency: the client relay holds each direction's bytes for half the round trip, and the first bytes of each
 *   connection for one more round trip (the client's own TCP connect completes locally, so the SYN/SYN-ACK round
 *   trip is added to its first flight instead: the server then sees the TLS ClientHello 1.5 round trips after the
 *   connect, as over a real link). TLS handshakes, request/response waits and the bandwidth-delay product are
 *   reproduced by that delay; TCP slow start, congestion control, loss, window limits and jitter are not (the TCP
 *   connections are local, ~0 ms, and the relay's queue replaces the window).
 *
 * Only 127.0.0.0/8 and the two namespaces' own veth addresses are used. Everything is removed by `stop()`, on the
 * bench's signals (cleanup.mts), and at the next start for namespaces whose bench process is gone.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { children, cleanupActions } from './cleanup.mts';
import { now } from './cli.mts';

export interface LinkProfile {
	name: string;
	mbit: number;
	rttMs: number;
}

/** The three profiles: a near link, a cross-continent one, a fast far one. */
export const DEFAULT_PROFILES: LinkProfile[] = [
	{ name: '50 Mbit/s, 20 ms', mbit: 50, rttMs: 20 },
	{ name: '100 Mbit/s, 80 ms', mbit: 100, rttMs: 80 },
	{ name: '500 Mbit/s, 150 ms', mbit: 500, rttMs: 150 },
];

/** "50/20,100/80" → profiles. */
export function parseProfiles(value: string): LinkProfile[] {
	return value.split(',').map((entry) => {
		const [mbit, rttMs] = entry.split('/').map(Number);
		if (!(mbit > 0) || !(rttMs >= 0))
			throw new Error(`bad link profile "${entry}" (want <Mbit/s>/<round trip ms>)`);
		return { name: `${mbit} Mbit/s, ${rttMs} ms`, mbit, rttMs };
	});
}

/** Namespaces this bench creates are called `tkbench-<pid>-<n>-a|b`. */
const PREFIX = 'tkbench-';
const A_ADDR = '10.214.0.1';
const B_ADDR = '10.214.0.2';
const B_PORT = 9443;
const RELAY = fileURLToPath(new URL('./relay.mts', import.meta.url));

function ip(...args: string[]): string {
	return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Our namespaces now present (any pid). */
export function benchNamespaces(): string[] {
	return ip('netns', 'list')
		.split('\n')
		.map((line) => line.split(' ')[0])
		.filter((name) => name.startsWith(PREFIX));
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** Deletes namespaces (and with them their veths and qdiscs) left by bench processes that no longer run. */
export function removeStaleNamespaces(): void {
	for (const name of benchNamespaces()) {
		const pid = Number(name.slice(PREFIX.length).split('-')[0]);
		if (pid && !alive(pid)) deleteNamespace(name);
	}
}

function deleteNamespace(name: string): void {
	try {
		ip('netns', 'del', name);
	} catch {
		// already gone
	}
}

let sequence = 0;

export interface Link {
	profile: LinkProfile;
	/** https://127.0.0.1:P — the link's entrance; the emulator writes it into upload_url. */
	url: string;
	namespaces: string[];
	/** Connections opened through the link so far (each one a TCP and a TLS handshake). */
	connections(): number;
	/** When each of them was opened at the link's entrance (ms, the emulator's clock: `now()`). */
	openedAt(): number[];
	stop(): Promise<void>;
}

/** tbf's bucket must hold a GSO packet (64 KiB on a veth) and ~4 ms of traffic. */
function burstBytes(mbit: number): number {
	return Math.max(256 * 1024, Math.round(((mbit * 1e6) / 8) * 0.004));
}

async function startRelay(namespace: string, args: string[]): Promise<ChildProcess> {
	const child = spawn(
		'ip',
		['netns', 'exec', namespace, process.execPath, '--import', 'tsx', RELAY, ...args],
		{
			stdio: ['ignore', 'pipe', 'inherit'],
		},
	);
	children.add(child);
	await new Promise<void>((resolve, reject) => {
		let out = '';
		child.stdout!.on('data', (data: Buffer) => {
			out += data.toString();
			if (out.includes('ready')) resolve();
		});
		child.once('exit', (code) =>
			reject(new Error(`relay in ${namespace} exited (${code}) before it was ready`)),
		);
		child.once('error', reject);
	});
	return child;
}

function listen(
	server: net.Server,
	where: { path: string } | { host: string; port: number },
): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(where, () => resolve());
	});
}

/** A plain forwarder in the bench process; a clean end travels on (half-close) after the bytes still buffered. */
function forward(to: () => net.Socket): net.Server {
	const sockets = new Set<net.Socket>();
	const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
		const outbound = to();
		inbound.setNoDelay?.(true);
		for (const socket of [inbound, outbound]) {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
			socket.on('error', () => {
				inbound.destroy();
				outbound.destroy();
			});
		}
		inbound.pipe(outbound);
		outbound.pipe(inbound);
	});
	server.on('close', () => sockets.forEach((socket) => socket.destroy()));
	(server as net.Server & { sockets?: Set<net.Socket> }).sockets = sockets;
	return server;
}

/**
 * Builds the link for `profile` in front of `targetPort` (127.0.0.1, the emulator's TLS upload host).
 * On any failure what was built is removed before the error is thrown.
 */
export async function startLink(profile: LinkProfile, targetPort: number): Promise<Link> {
	removeStaleNamespaces();
	const id = `${PREFIX}${process.pid}-${++sequence}`;
	const nsA = `${id}-a`;
	const nsB = `${id}-b`;
	const vethA = `tkb${process.pid % 100000}${sequence}a`.slice(0, 15);
	const vethB = `tkb${process.pid % 100000}${sequence}b`.slice(0, 15);
	const dir = mkdtempSync(join(tmpdir(), 'tkbench-'));
	const inSock = join(dir, 'in.sock');
	const outSock = join(dir, 'out.sock');
	const relays: ChildProcess[] = [];
	const servers: net.Server[] = [];
	let stopped = false;
	const teardown = () => {
		if (stopped) return;
		stopped = true;
		for (const relay of relays) {
			relay.kill('SIGKILL');
			children.delete(relay);
		}
		for (const server of servers) {
			(server as net.Server & { sockets?: Set<net.Socket> }).sockets?.forEach((socket) =>
				socket.destroy(),
			);
			server.close();
		}
		deleteNamespace(nsA);
		deleteNamespace(nsB);
		rmSync(dir, { recursive: true, force: true });
		cleanupActions.delete(teardown);
	};
	cleanupActions.add(teardown);
	try {
		ip('netns', 'add', nsA);
		ip('netns', 'add', nsB);
		// Created straight inside the namespaces: the root namespace never holds the veth or an address.
		ip('link', 'add', vethA, 'netns', nsA, 'type', 'veth', 'peer', 'name', vethB, 'netns', nsB);
		const rate = `${profile.mbit}mbit`;
		for (const [ns, dev, addr] of [
			[nsA, vethA, A_ADDR],
			[nsB, vethB, B_ADDR],
		]) {
			ip('-n', ns, 'link', 'set', 'lo', 'up');
			ip('-n', ns, 'addr', 'add', `${addr}/30`, 'dev', dev);
			ip('-n', ns, 'link', 'set', dev, 'up');
			execFileSync('tc', [
				'-n',
				ns,
				'qdisc',
				'add',
				'dev',
				dev,
				'root',
				'tbf',
				'rate',
				rate,
				'burst',
				String(burstBytes(profile.mbit)),
				'latency',
				'50ms',
			]);
		}
		// The bench process's two hops: 127.0.0.1:P → unix in.sock, and unix out.sock → the upload host.
		const opened: number[] = [];
		const entrance = forward(() => {
			opened.push(now());
			return net.connect({ path: inSock, allowHalfOpen: true });
		});
		const exit = forward(() =>
			net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true, allowHalfOpen: true }),
		);
		servers.push(entrance, exit);
		await listen(exit, { path: outSock });
		// The relay's queue stands in for TCP's window: 4 × the bandwidth-delay product, at least 4 MB.
		const maxQueued = Math.max(
			4_000_000,
			Math.round(((profile.mbit * 1e6) / 8) * (profile.rttMs / 1000) * 4),
		);
		relays.push(await startRelay(nsB, ['server', B_ADDR, String(B_PORT), outSock]));
		relays.push(
			await startRelay(nsA, [
				'client',
				inSock,
				B_ADDR,
				String(B_PORT),
				String(profile.rttMs),
				String(maxQueued),
			]),
		);
		await listen(entrance, { host: '127.0.0.1', port: 0 });
		const port = (entrance.address() as net.AddressInfo).port;
		return {
			profile,
			url: `https://127.0.0.1:${port}`,
			namespaces: [nsA, nsB],
			connections: () => opened.length,
			openedAt: () => [...opened],
			async stop() {
				teardown();
			},
		};
	} catch (error) {
		teardown();
		throw error;
	}
}
