// Generated media for tests: deterministic byte sources of any size that stream without being
// held in memory, plus minimal MP4/WebM/JPEG/WebP/PNG files whose headers state what the emulator's
// media checks read (container, duration, picture size, frame rate).
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

/** The video track a generated MP4 or WebM carries: displayed size, frame rate (null: not stated). */
export interface VideoTrack {
	width: number;
	height: number;
	fps: number | null;
	/** MP4: stored as height×width with a 90° display matrix, as phones record portrait video. */
	rotated?: boolean;
	/** MP4: the sample entry's type (default `avc1`); WebM: the CodecID (default `V_VP9`). */
	codec?: string;
}

export const DEFAULT_VIDEO_TRACK: VideoTrack = { width: 1080, height: 1920, fps: 30 };

function fullBox(type: string, version: number, flags: number, payload: Buffer): Buffer {
	const head = Buffer.alloc(4);
	head.writeUInt32BE(((version << 24) | flags) >>> 0, 0);
	return box(type, Buffer.concat([head, payload]));
}

/** A video `trak`: tkhd (display size, rotation), mdhd (120 kHz timescale), hdlr vide, a visual sample entry (avc1 unless `track.codec`), stts. */
function videoTrak(track: VideoTrack, durationSec: number, movieTimescale: number): Buffer {
	const [storedW, storedH] = track.rotated
		? [track.height, track.width]
		: [track.width, track.height];
	const tkhd = Buffer.alloc(80);
	tkhd.writeUInt32BE(1, 8); // track_ID
	tkhd.writeUInt32BE(Math.round(durationSec * movieTimescale), 16);
	const matrix = track.rotated
		? [0, 0x00010000, 0, -0x00010000, 0, 0, 0, 0, 0x40000000]
		: [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
	matrix.forEach((v, i) => tkhd.writeInt32BE(v, 36 + i * 4));
	tkhd.writeUInt32BE(storedW * 65536, 72);
	tkhd.writeUInt32BE(storedH * 65536, 76);
	const timescale = 120_000; // divisible by 24, 25, 30, 60 and their NTSC 1001 rates
	const mdhd = Buffer.alloc(20);
	mdhd.writeUInt32BE(timescale, 8);
	mdhd.writeUInt32BE(Math.round(durationSec * timescale), 12);
	mdhd.writeUInt16BE(0x55c4, 16); // language "und"
	const hdlr = Buffer.concat([
		Buffer.alloc(4),
		Buffer.from('vide', 'latin1'),
		Buffer.alloc(12),
		Buffer.from('VideoHandler\0', 'latin1'),
	]);
	const avc1 = Buffer.alloc(78);
	avc1.writeUInt16BE(1, 6); // data_reference_index
	avc1.writeUInt16BE(storedW, 24);
	avc1.writeUInt16BE(storedH, 26);
	avc1.writeUInt32BE(0x00480000, 28); // 72 dpi
	avc1.writeUInt32BE(0x00480000, 32);
	avc1.writeUInt16BE(1, 40); // frame_count
	avc1.writeUInt16BE(0x0018, 74); // depth
	avc1.writeInt16BE(-1, 76);
	const stsd = Buffer.concat([Buffer.from([0, 0, 0, 1]), box(track.codec ?? 'avc1', avc1)]);
	const stts = Buffer.alloc(track.fps === null ? 4 : 12);
	if (track.fps !== null) {
		stts.writeUInt32BE(1, 0);
		stts.writeUInt32BE(Math.max(2, Math.round(durationSec * track.fps)), 4);
		stts.writeUInt32BE(Math.round(timescale / track.fps), 8);
	}
	const stbl = box(
		'stbl',
		Buffer.concat([fullBox('stsd', 0, 0, stsd), fullBox('stts', 0, 0, stts)]),
	);
	const minf = box('minf', Buffer.concat([fullBox('vmhd', 0, 1, Buffer.alloc(8)), stbl]));
	const mdia = box(
		'mdia',
		Buffer.concat([fullBox('mdhd', 0, 0, mdhd), fullBox('hdlr', 0, 0, hdlr), minf]),
	);
	return box('trak', Buffer.concat([fullBox('tkhd', 0, 3, tkhd), mdia]));
}

/** moov with an mvhd (version 0 or 1) of the given duration and, unless `video` is null, a video track. */
export function moovBox(
	durationSec: number,
	timescale = 1000,
	version: 0 | 1 = 0,
	video: VideoTrack | null = DEFAULT_VIDEO_TRACK,
): Buffer {
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
	const trak = video ? videoTrak(video, durationSec, timescale) : Buffer.alloc(0);
	return box('moov', Buffer.concat([box('mvhd', payload), trak]));
}

/** An MP4 of exactly `size` bytes: ftyp, moov (mvhd duration, a video track unless `video` is null) and a generated mdat. */
export function mp4Source(opts: {
	size: number;
	durationSec: number;
	moovAtEnd?: boolean;
	mvhdVersion?: 0 | 1;
	seed?: number;
	video?: VideoTrack | null;
}): ByteSource {
	const ftyp = ftypBox();
	const moov = moovBox(
		opts.durationSec,
		1000,
		opts.mvhdVersion ?? 0,
		opts.video === undefined ? DEFAULT_VIDEO_TRACK : opts.video,
	);
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

/** An EBML element: id bytes, a size (8-byte vint when `unknown`-sized or large), payload. */
function ebml(id: number[], payload: Buffer, unknownSize = false): Buffer {
	let size: Buffer;
	if (unknownSize) size = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
	else if (payload.length < 0x7f) size = Buffer.from([0x80 | payload.length]);
	else if (payload.length < 0x3fff)
		size = Buffer.from([0x40 | (payload.length >> 8), payload.length & 0xff]);
	else {
		size = Buffer.alloc(8);
		size.writeBigUInt64BE(BigInt(payload.length) | 0x0100000000000000n);
	}
	return Buffer.concat([Buffer.from(id), size, payload]);
}

const ebmlUint = (id: number[], value: number, bytes: number) => {
	const payload = Buffer.alloc(bytes);
	payload.writeUIntBE(value, 0, bytes);
	return ebml(id, payload);
};

/**
 * A WebM of exactly `size` bytes: EBML header, a Segment of unknown size (as live muxers write it) with Info and
 * Tracks (one VP9 video track: PixelWidth/PixelHeight, and DefaultDuration unless `video.fps` is null), then one
 * Cluster of generated bytes.
 */
export function webmSource(
	size: number,
	video: VideoTrack = DEFAULT_VIDEO_TRACK,
	seed = 2,
): ByteSource {
	const header = ebml(
		[0x1a, 0x45, 0xdf, 0xa3],
		Buffer.concat([
			ebmlUint([0x42, 0x86], 1, 1),
			ebmlUint([0x42, 0xf7], 1, 1),
			ebmlUint([0x42, 0xf2], 4, 1),
			ebmlUint([0x42, 0xf3], 8, 1),
			ebml([0x42, 0x82], Buffer.from('webm', 'latin1')),
			ebmlUint([0x42, 0x87], 4, 1),
			ebmlUint([0x42, 0x85], 2, 1),
		]),
	);
	const info = ebml([0x15, 0x49, 0xa9, 0x66], ebmlUint([0x2a, 0xd7, 0xb1], 1_000_000, 3));
	const entry = ebml(
		[0xae],
		Buffer.concat([
			ebmlUint([0xd7], 1, 1),
			ebmlUint([0x83], 1, 1), // TrackType video
			ebml([0x86], Buffer.from(video.codec ?? 'V_VP9', 'latin1')),
			...(video.fps === null ? [] : [ebmlUint([0x23, 0xe3, 0x83], Math.round(1e9 / video.fps), 4)]),
			ebml(
				[0xe0],
				Buffer.concat([ebmlUint([0xb0], video.width, 2), ebmlUint([0xba], video.height, 2)]),
			),
		]),
	);
	const tracks = ebml([0x16, 0x54, 0xae, 0x6b], entry);
	const segmentHead = Buffer.concat([
		Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
		info,
		tracks,
	]);
	const clusterHead = Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x01, 0, 0, 0, 0, 0, 0, 0]);
	const filler = size - header.length - segmentHead.length - clusterHead.length;
	if (filler < 0) throw new Error(`webmSource: size must be at least ${size - filler}`);
	clusterHead.writeUIntBE(filler, 6, 6);
	return concatSources(
		bufferSource(Buffer.concat([header, segmentHead, clusterHead])),
		patternSource(filler, seed),
	);
}

/** Bytes that are no known container (e.g. an AVI/RIFF file). */
export function notAVideoSource(size: number): ByteSource {
	const head = Buffer.from('RIFF\0\0\0\0AVI LIST', 'latin1');
	return concatSources(bufferSource(head), patternSource(size - head.length, 3));
}

function imageSource(head: Buffer, size: number, seed: number): ByteSource {
	return concatSources(bufferSource(head), patternSource(size - head.length, seed));
}

/** The pixel size generated images carry by default: a 4:5 portrait, within TikTok's 1080p. */
export const DEFAULT_IMAGE_SIZE = { width: 1080, height: 1350 };

/**
 * A JPEG's first bytes: SOI, a JFIF APP0, `padding` bytes of APP1 segments (as EXIF/XMP metadata push the frame
 * header further in), then a baseline SOF0 with the size; generated bytes follow.
 */
export function jpegSource(size = 2048, dims = DEFAULT_IMAGE_SIZE, padding = 0): ByteSource {
	const app0 = Buffer.from([
		0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
	]);
	const app1: Buffer[] = [];
	for (let left = padding; left > 0;) {
		const take = Math.min(left, 65_533);
		const segment = Buffer.alloc(4 + take);
		segment.writeUInt16BE(0xffe1, 0);
		segment.writeUInt16BE(take + 2, 2);
		app1.push(segment);
		left -= take;
	}
	const sof = Buffer.from([
		0xff, 0xc0, 0, 17, 8, 0, 0, 0, 0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
	]);
	sof.writeUInt16BE(dims.height, 5);
	sof.writeUInt16BE(dims.width, 7);
	return imageSource(Buffer.concat([Buffer.from([0xff, 0xd8]), app0, ...app1, sof]), size, 4);
}

/** A WebP whose first chunk is lossy (VP8), lossless (VP8L) or extended (VP8X), each stating the canvas size its own way. */
export function webpSource(
	size = 2048,
	dims = DEFAULT_IMAGE_SIZE,
	kind: 'VP8 ' | 'VP8L' | 'VP8X' = 'VP8 ',
): ByteSource {
	const head = Buffer.alloc(30);
	head.write('RIFF', 0, 'latin1');
	head.writeUInt32LE(size - 8, 4);
	head.write('WEBP', 8, 'latin1');
	head.write(kind, 12, 'latin1');
	head.writeUInt32LE(size - 20, 16);
	if (kind === 'VP8 ') {
		head.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a], 20); // key frame tag, start code
		head.writeUInt16LE(dims.width, 26);
		head.writeUInt16LE(dims.height, 28);
	} else if (kind === 'VP8L') {
		head[20] = 0x2f;
		head.writeUInt32LE(((dims.width - 1) | ((dims.height - 1) << 14)) >>> 0, 21);
	} else {
		head.writeUIntLE(dims.width - 1, 24, 3);
		head.writeUIntLE(dims.height - 1, 27, 3);
	}
	return imageSource(head, size, 5);
}

export function pngSource(size = 2048, dims = DEFAULT_IMAGE_SIZE): ByteSource {
	const head = Buffer.alloc(24);
	head.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 0);
	head.write('IHDR', 12, 'latin1');
	head.writeUInt32BE(dims.width, 16);
	head.writeUInt32BE(dims.height, 20);
	return imageSource(head, size, 6);
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
