// Generated media for tests: deterministic byte sources of any size that stream without being
// held in memory, plus minimal MP4/WebM/JPEG/WebP/PNG files that pass (or fail) the emulator's
// container checks.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** A byte sequence that can be streamed from any offset. */
export interface ByteSource {
	size: number;
	/** Bytes [start, end) (end exclusive). */
	stream(start?: number, end?: number): Readable;
}

const BLOCK = 64 * 1024;

/** Pseudo-random but deterministic: byte i depends on i and seed only, so offset bugs change hashes. */
function patternByte(i: number, seed: number): number {
	return (Math.imul((i ^ seed) >>> 0, 2654435761) >>> 24) & 0xff;
}

export function patternSource(size: number, seed = 0): ByteSource {
	return {
		size,
		stream(start = 0, end = size) {
			let pos = start;
			return new Readable({
				read() {
					if (pos >= end) return void this.push(null);
					const n = Math.min(BLOCK, end - pos);
					const buf = Buffer.allocUnsafe(n);
					for (let j = 0; j < n; j++) buf[j] = patternByte(pos + j, seed);
					pos += n;
					this.push(buf);
				},
			});
		},
	};
}

export function bufferSource(buf: Buffer): ByteSource {
	return {
		size: buf.length,
		stream(start = 0, end = buf.length) {
			return Readable.from([buf.subarray(start, end)]);
		},
	};
}

export function concatSources(...parts: ByteSource[]): ByteSource {
	const size = parts.reduce((n, p) => n + p.size, 0);
	return {
		size,
		stream(start = 0, end = size) {
			async function* gen() {
				let offset = 0;
				for (const part of parts) {
					const from = Math.max(start - offset, 0);
					const to = Math.min(end - offset, part.size);
					if (from < to) yield* part.stream(from, to);
					offset += part.size;
				}
			}
			return Readable.from(gen(), { objectMode: false });
		},
	};
}

function box(type: string, payload: Buffer): Buffer {
	const header = Buffer.alloc(8);
	header.writeUInt32BE(8 + payload.length, 0);
	header.write(type, 4, 'latin1');
	return Buffer.concat([header, payload]);
}

export function ftypBox(brand = 'isom'): Buffer {
	const payload = Buffer.alloc(24);
	payload.write(brand, 0, 'latin1');
	payload.writeUInt32BE(0x200, 4);
	payload.write('isomiso2avc1mp41', 8, 'latin1');
	return box('ftyp', payload);
}

/** moov containing only an mvhd (version 0 or 1) with the given duration. */
export function moovBox(durationSec: number, timescale = 1000, version: 0 | 1 = 0): Buffer {
	const duration = Math.round(durationSec * timescale);
	const times = version === 1 ? 8 : 4;
	const payload = Buffer.alloc(4 + times * 2 + 4 + times + 80);
	let o = 0;
	payload[o] = version;
	o += 4 + times * 2; // version/flags, creation, modification
	payload.writeUInt32BE(timescale, o);
	o += 4;
	if (version === 1) payload.writeBigUInt64BE(BigInt(duration), o);
	else payload.writeUInt32BE(duration, o);
	o += times;
	payload.writeUInt32BE(0x00010000, o); // rate 1.0
	payload.writeUInt16BE(0x0100, o + 4); // volume 1.0
	const matrix = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
	matrix.forEach((v, i) => payload.writeUInt32BE(v, o + 16 + i * 4));
	payload.writeUInt32BE(2, payload.length - 4); // next_track_ID
	return box('moov', box('mvhd', payload));
}

/** An MP4 of exactly `size` bytes: ftyp, moov (mvhd duration) and a generated mdat. */
export function mp4Source(opts: {
	size: number;
	durationSec: number;
	moovAtEnd?: boolean;
	mvhdVersion?: 0 | 1;
	seed?: number;
}): ByteSource {
	const ftyp = ftypBox();
	const moov = moovBox(opts.durationSec, 1000, opts.mvhdVersion ?? 0);
	const mdatPayload = opts.size - ftyp.length - moov.length - 8;
	if (mdatPayload < 0)
		throw new Error(`mp4Source: size must be at least ${opts.size - mdatPayload}`);
	const mdatHeader = Buffer.alloc(8);
	mdatHeader.writeUInt32BE(8 + mdatPayload, 0);
	mdatHeader.write('mdat', 4, 'latin1');
	const mdat = concatSources(bufferSource(mdatHeader), patternSource(mdatPayload, opts.seed ?? 1));
	return opts.moovAtEnd
		? concatSources(bufferSource(ftyp), mdat, bufferSource(moov))
		: concatSources(bufferSource(ftyp), bufferSource(moov), mdat);
}

export function webmSource(size: number, seed = 2): ByteSource {
	const magic = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
	return concatSources(bufferSource(magic), patternSource(size - magic.length, seed));
}

/** Bytes that are no known container (e.g. an AVI/RIFF file). */
export function notAVideoSource(size: number): ByteSource {
	const head = Buffer.from('RIFF\0\0\0\0AVI LIST', 'latin1');
	return concatSources(bufferSource(head), patternSource(size - head.length, 3));
}

function imageSource(head: Buffer, size: number, seed: number): ByteSource {
	return concatSources(bufferSource(head), patternSource(size - head.length, seed));
}

export function jpegSource(size = 2048): ByteSource {
	return imageSource(
		Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]),
		size,
		4,
	);
}

export function webpSource(size = 2048): ByteSource {
	const head = Buffer.alloc(16);
	head.write('RIFF', 0, 'latin1');
	head.writeUInt32LE(size - 8, 4);
	head.write('WEBPVP8 ', 8, 'latin1');
	return imageSource(head, size, 5);
}

export function pngSource(size = 2048): ByteSource {
	return imageSource(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), size, 6);
}

export async function sha256Of(source: ByteSource, start = 0, end = source.size): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of source.stream(start, end)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

export async function bytesOf(source: ByteSource, start = 0, end = source.size): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const chunk of source.stream(start, end)) parts.push(chunk as Buffer);
	return Buffer.concat(parts);
}
