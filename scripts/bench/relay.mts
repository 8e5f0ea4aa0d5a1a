/**
 * One end of the emulated link (scripts/bench/link.mts), run inside a network namespace with `ip netns exec`:
 *
 *   client  node relay.mts client <listen unix socket> <connect host> <connect port> <rttMs> <maxQueuedBytes>
 *           accepts on a unix socket, connects over the veth; delays each direction by half the round trip and the
 *           first bytes of each connection by one more round trip (the TCP handshake the local connect skipped)
 *   server  node relay.mts server <listen host> <listen port> <connect unix socket>
 *           accepts on the veth address, forwards to a unix socket, no delay
 *
 * Prints "ready" once listening. Unix sockets are not network-namespaced, which is how the two namespaces reach the
 * bench process in the root namespace without any address outside 127.0.0.0/8 and the namespaces' own veths.
 */
import net from 'node:net';

/** Forwards `from` → `to`, each piece written `delayMs` after it arrived (the first one `firstExtraMs` later still). */
export function delayedPipe(
	from: net.Socket,
	to: net.Socket,
	delayMs: number,
	firstExtraMs: number,
	maxQueuedBytes: number,
): void {
	const queue: Array<{ due: number; data: Buffer }> = [];
	let queuedBytes = 0;
	let first = true;
	let lastDue = 0;
	let timer: NodeJS.Timeout | undefined;
	let ended = false;

	const throttle = () => {
		if (queuedBytes + to.writableLength > maxQueuedBytes) from.pause();
		else if (from.isPaused()) from.resume();
	};
	const pump = () => {
		timer = undefined;
		const now = performance.now();
		while (queue.length > 0 && queue[0].due <= now) {
			const { data } = queue.shift()!;
			queuedBytes -= data.length;
			to.write(data);
		}
		throttle();
		if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0].due - performance.now()));
		else if (ended) to.end();
	};
	from.on('data', (data: Buffer) => {
		const due = Math.max(performance.now() + delayMs + (first ? firstExtraMs : 0), lastDue);
		first = false;
		lastDue = due;
		queue.push({ due, data });
		queuedBytes += data.length;
		throttle();
		timer ??= setTimeout(pump, Math.max(0, queue[0].due - performance.now()));
	});
	to.on('drain', throttle);
	from.on('end', () => {
		ended = true;
		if (queue.length === 0 && !timer) to.end();
	});
}

/**
 * An error on either socket tears down both. A clean end travels on (half-close) after the bytes still queued, so
 * no response is lost when a server answers and closes at once (`Connection: close`).
 */
function link(a: net.Socket, b: net.Socket): void {
	const close = () => {
		a.destroy();
		b.destroy();
	};
	a.on('error', close);
	b.on('error', close);
}

function main(argv: string[]): void {
	const [mode, ...args] = argv;
	let server: net.Server;
	if (mode === 'client') {
		const [listenPath, host, port, rtt, maxQueued] = args;
		const oneWay = Number(rtt) / 2;
		server = net.createServer({ allowHalfOpen: true }, (inbound) => {
			inbound.pause();
			const outbound = net.connect({
				host,
				port: Number(port),
				noDelay: true,
				allowHalfOpen: true,
			});
			link(inbound, outbound);
			outbound.on('connect', () => {
				delayedPipe(inbound, outbound, oneWay, Number(rtt), Number(maxQueued));
				delayedPipe(outbound, inbound, oneWay, 0, Number(maxQueued));
				inbound.resume();
			});
		});
		server.listen(listenPath, () => process.stdout.write('ready\n'));
	} else if (mode === 'server') {
		const [host, port, connectPath] = args;
		server = net.createServer({ allowHalfOpen: true }, (inbound) => {
			inbound.setNoDelay(true);
			const outbound = net.connect({ path: connectPath, allowHalfOpen: true });
			link(inbound, outbound);
			inbound.pipe(outbound);
			outbound.pipe(inbound);
		});
		server.listen(Number(port), host, () => process.stdout.write('ready\n'));
	} else {
		throw new Error(`relay: unknown mode ${mode}`);
	}
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
		process.once(signal, () => process.exit(0));
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
