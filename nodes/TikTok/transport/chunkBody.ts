/**
 * A chunk PUT's body as a stream of slices of the chunk buffer, for n8n's request helper.
 *
 * Why: given a Buffer, n8n's helper (axios) writes the whole chunk to the socket in one call; over TLS Node then
 * encrypts all of it at once and keeps the ciphertext until the network takes it — a second chunk of memory. Given a
 * stream, axios pipes it into the request, and a slice is written only when the request has taken the previous
 * ones (`write()` returned false → wait for 'drain'), so only a few slices are encrypted and waiting at any time.
 *
 * Node code may not import Node's `stream` (strict lint), and axios' Node adapter takes no web `ReadableStream`, so
 * this is a classic Node stream: an event emitter with `pipe()`. That is what axios calls a stream (it has `pipe`),
 * what n8n 2.x's `stream.pipeline` in front of the request accepts, and, having own properties, not a body n8n
 * drops as empty.
 *
 * A body can be built *held* (issue 14): the request is made, so n8n's helper opens its connection (TCP and TLS
 * handshakes) at once, but nothing is written until `release()`. Node sends a request's headers with its first body
 * bytes, so until then the server sees a connection and no request at all. The upload opens the next chunk's request
 * this way while the current chunk is still on its way (upload.ts).
 */

type Listener = (...args: unknown[]) => void;

/** The part of a Writable (the request, or the stream axios puts in front of it) a body writes to. */
interface Destination {
	write(chunk: Uint8Array): boolean | undefined;
	end(): void;
	once(event: string, listener: Listener): unknown;
	removeListener(event: string, listener: Listener): unknown;
	destroyed?: boolean;
}

/** 1 MiB: few writes per chunk, and little encrypted ahead of the network. */
export const SLICE_BYTES = 1024 * 1024;

export interface ChunkBodyOptions {
	/** Write nothing until `release()`; `withdraw()` instead means nothing will ever be written. */
	held?: boolean;
	sliceBytes?: number;
}

export class ChunkBody {
	readonly readable = true;
	destroyed = false;
	/** Settles once every slice has been written into the request: what is left to send sits in the connection. */
	readonly handedOver: Promise<void>;
	private listeners = new Map<string, Listener[]>();
	private started = false;
	private written = 0;
	private readonly sliceBytes: number;
	private readonly gate: Promise<boolean>;
	private open: (flow: boolean) => void = () => {};
	private markHandedOver: () => void = () => {};

	/** `bytes` is read, never copied: it must stay unchanged until the request ends (and, held, hold the chunk at `release()`). */
	constructor(
		private readonly bytes: Uint8Array,
		options: ChunkBodyOptions = {},
	) {
		this.sliceBytes = options.sliceBytes ?? SLICE_BYTES;
		this.gate = options.held
			? new Promise<boolean>((resolve) => (this.open = resolve))
			: Promise.resolve(true);
		this.handedOver = new Promise<void>((resolve) => (this.markHandedOver = resolve));
	}

	/** Whether any byte went into the request. None means the server got no request (not even its headers). */
	get wroteAny(): boolean {
		return this.written > 0;
	}

	/** Lets a held body flow. */
	release(): void {
		this.open(true);
	}

	/** A held body that will never be sent: its flow ends without writing (the request itself is aborted by its owner). */
	withdraw(): void {
		this.open(false);
	}

	/** Writes the slices into `destination` as it takes them; ends it afterwards unless `{ end: false }`. */
	pipe<D extends Destination>(destination: D, options?: { end?: boolean }): D {
		if (this.started) throw new Error('A chunk body can be sent once; build a new one for a retry');
		this.started = true;
		// Started after the caller's synchronous set-up, so listeners it adds after `pipe()` see 'end'.
		void Promise.resolve().then(async () => await this.flow(destination, options?.end !== false));
		return destination;
	}

	destroy(): this {
		if (this.destroyed) return this;
		this.destroyed = true;
		this.emit('close');
		return this;
	}

	private async flow(destination: Destination, end: boolean): Promise<void> {
		try {
			if (!(await this.gate)) return;
			for (let offset = 0; offset < this.bytes.length; offset += this.sliceBytes) {
				if (this.destroyed || destination.destroyed) return;
				// Only `false` means "wait for 'drain'" (a redirect-following request returns nothing and never drains).
				const slice = this.bytes.subarray(offset, offset + this.sliceBytes);
				this.written += slice.length;
				const accepted = destination.write(slice);
				if (accepted === false && !(await drained(destination))) return;
			}
			if (this.destroyed) return;
			this.markHandedOver();
			this.emit('end');
			if (end) destination.end();
			this.destroyed = true;
			this.emit('close');
		} catch (error) {
			// A write the request refused: axios destroys the request with it, and n8n's helper answers with it.
			this.destroyed = true;
			this.emit('error', error);
		}
	}

	on(event: string, listener: Listener): this {
		this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
		return this;
	}

	addListener(event: string, listener: Listener): this {
		return this.on(event, listener);
	}

	once(event: string, listener: Listener): this {
		const wrapper: Listener & { listener?: Listener } = (...args) => {
			this.removeListener(event, wrapper);
			listener(...args);
		};
		wrapper.listener = listener;
		return this.on(event, wrapper);
	}

	removeListener(event: string, listener: Listener): this {
		const list = this.listeners.get(event) ?? [];
		const index = list.findIndex(
			(entry) => entry === listener || (entry as { listener?: Listener }).listener === listener,
		);
		if (index >= 0) this.listeners.set(event, [...list.slice(0, index), ...list.slice(index + 1)]);
		return this;
	}

	off(event: string, listener: Listener): this {
		return this.removeListener(event, listener);
	}

	emit(event: string, ...args: unknown[]): boolean {
		const list = this.listeners.get(event) ?? [];
		for (const listener of list) listener(...args);
		return list.length > 0;
	}
}

/** True when `destination` asks for more; false when it closed or failed first (the request is over). */
async function drained(destination: Destination): Promise<boolean> {
	return await new Promise<boolean>((resolve) => {
		const settle = (more: boolean) => () => {
			destination.removeListener('drain', onDrain);
			destination.removeListener('close', onClose);
			destination.removeListener('error', onClose);
			resolve(more);
		};
		const onDrain = settle(true);
		const onClose = settle(false);
		destination.once('drain', onDrain);
		destination.once('close', onClose);
		destination.once('error', onClose);
	});
}
