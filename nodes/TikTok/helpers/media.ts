/**
 * Reads what TikTok will check about a video from its bytes: the container; for MP4/MOV the duration (`mvhd`),
 * and the video track's size (`tkhd`, else its sample entry) and frame rate (`mdhd` timescale and `stts` sample
 * durations); for WebM the video track's PixelWidth/PixelHeight and, when the file states it, its DefaultDuration
 * (frame rate). No external tools; works on a byte prefix or, for MP4 files whose `moov` box sits at the end, on a
 * streamed walk over the top-level boxes that skips media data without keeping it.
 */
export type VideoContainer = 'mp4' | 'mov' | 'webm';

export const VIDEO_MIME_TYPES: Record<VideoContainer, string> = {
	mp4: 'video/mp4',
	mov: 'video/quicktime',
	webm: 'video/webm',
};

/** Recognises MP4, MOV and WebM by their signatures; undefined for anything else. */
export function sniffVideoContainer(head: Uint8Array): VideoContainer | undefined {
	if (
		head.length >= 4 &&
		head[0] === 0x1a &&
		head[1] === 0x45 &&
		head[2] === 0xdf &&
		head[3] === 0xa3
	) {
		return 'webm';
	}
	if (head.length >= 12 && ascii(head, 4, 4) === 'ftyp') {
		return ascii(head, 8, 4) === 'qt  ' ? 'mov' : 'mp4';
	}
	// Old QuickTime files may start with other atoms (wide, mdat, moov) instead of ftyp.
	if (head.length >= 8 && ['moov', 'wide', 'mdat', 'free', 'skip'].includes(ascii(head, 4, 4))) {
		return 'mov';
	}
	return undefined;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
	return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function readUint32(bytes: Uint8Array, offset: number): number {
	return (
		((bytes[offset] << 24) >>> 0) +
		(bytes[offset + 1] << 16) +
		(bytes[offset + 2] << 8) +
		bytes[offset + 3]
	);
}

function readUint64(bytes: Uint8Array, offset: number): number {
	return readUint32(bytes, offset) * 2 ** 32 + readUint32(bytes, offset + 4);
}

/** Duration in seconds from an `mvhd` box payload (after its 8-byte header). */
export function durationFromMvhd(payload: Uint8Array): number | undefined {
	const version = payload[0];
	if (version === 1) {
		if (payload.length < 32) return undefined;
		const timescale = readUint32(payload, 20);
		const duration = readUint64(payload, 24);
		return timescale > 0 ? duration / timescale : undefined;
	}
	if (payload.length < 20) return undefined;
	const timescale = readUint32(payload, 12);
	const duration = readUint32(payload, 16);
	return timescale > 0 ? duration / timescale : undefined;
}

/** What n8n learnt about a video's picture and length; a field is missing when the file does not say it. */
export interface VideoFacts {
	durationSec?: number;
	/** As displayed (a track rotated by 90° has its sides swapped). */
	width?: number;
	height?: number;
	/** Average frames per second, to 2 decimals. */
	frameRate?: number;
	/** The video track's codec as the file names it: an MP4/MOV sample entry (`avc1`, `hvc1`, `av01`…) or a WebM CodecID (`V_VP9`…). */
	codec?: string;
}

/** One box of an MP4/MOV: its type and where its payload starts and ends. */
interface Box {
	type: string;
	start: number;
	end: number;
}

/** The boxes that follow each other in `bytes` (a box's payload); stops at the first one that does not fit. */
function* boxes(bytes: Uint8Array): Generator<Box> {
	let offset = 0;
	while (offset + 8 <= bytes.length) {
		let size = readUint32(bytes, offset);
		let header = 8;
		if (size === 1) {
			if (offset + 16 > bytes.length) return;
			size = readUint64(bytes, offset + 8);
			header = 16;
		} else if (size === 0) {
			size = bytes.length - offset;
		}
		if (size < header || offset + size > bytes.length) return;
		yield { type: ascii(bytes, offset + 4, 4), start: offset + header, end: offset + size };
		offset += size;
	}
}

/** The payload of the first box at `path` (e.g. mdia → minf → stbl) inside `bytes`. */
function findBox(bytes: Uint8Array, ...path: string[]): Uint8Array | undefined {
	let scope = bytes;
	for (const type of path) {
		let found: Box | undefined;
		for (const box of boxes(scope)) {
			if (box.type === type) {
				found = box;
				break;
			}
		}
		if (!found) return undefined;
		scope = scope.subarray(found.start, found.end);
	}
	return scope;
}

const readInt32 = (bytes: Uint8Array, offset: number) => readUint32(bytes, offset) | 0;
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Displayed size from a `tkhd` payload: 16.16 fixed-point width and height, sides swapped by a 90°/270° matrix. */
function sizeFromTkhd(tkhd: Uint8Array): { width: number; height: number } | undefined {
	const base = tkhd[0] === 1 ? 52 : 40; // the matrix follows the version's times and duration
	if (tkhd.length < base + 44) return undefined;
	const width = Math.round(readUint32(tkhd, base + 36) / 65536);
	const height = Math.round(readUint32(tkhd, base + 40) / 65536);
	if (width === 0 || height === 0) return undefined;
	const quarterTurn = readInt32(tkhd, base) === 0 && readInt32(tkhd, base + 16) === 0;
	return quarterTurn ? { width: height, height: width } : { width, height };
}

/** Coded size from the first visual sample entry of an `stsd` payload (avc1, hvc1, vp09…). */
function sizeFromStsd(stsd: Uint8Array): { width: number; height: number } | undefined {
	const entry = 8; // version/flags, entry count
	if (stsd.length < entry + 36) return undefined;
	const width = (stsd[entry + 32] << 8) | stsd[entry + 33];
	const height = (stsd[entry + 34] << 8) | stsd[entry + 35];
	return width > 0 && height > 0 ? { width, height } : undefined;
}

/** Average frame rate: samples per second of media time, from the `mdhd` timescale and the `stts` durations. */
function frameRateOf(
	mdhd: Uint8Array | undefined,
	stts: Uint8Array | undefined,
): number | undefined {
	if (!mdhd || !stts || stts.length < 8) return undefined;
	const timescale =
		mdhd[0] === 1
			? mdhd.length >= 24
				? readUint32(mdhd, 20)
				: 0
			: mdhd.length >= 16
				? readUint32(mdhd, 12)
				: 0;
	const entries = Math.min(readUint32(stts, 4), Math.floor((stts.length - 8) / 8));
	let samples = 0;
	let ticks = 0;
	for (let i = 0; i < entries; i++) {
		const count = readUint32(stts, 8 + i * 8);
		samples += count;
		ticks += count * readUint32(stts, 12 + i * 8);
	}
	// One frame has no rate; a zero timescale or duration none either.
	if (timescale === 0 || ticks === 0 || samples < 2) return undefined;
	return round2((samples * timescale) / ticks);
}

/** The size and frame rate of a `trak` payload when it is a video track (handler `vide`). */
function videoTrackFacts(trak: Uint8Array): VideoFacts | undefined {
	const mdia = findBox(trak, 'mdia');
	const handler = mdia && findBox(mdia, 'hdlr');
	if (!mdia || !handler || handler.length < 12 || ascii(handler, 8, 4) !== 'vide') return undefined;
	const stbl = findBox(mdia, 'minf', 'stbl');
	const tkhd = findBox(trak, 'tkhd');
	const stsd = stbl && findBox(stbl, 'stsd');
	const size = (tkhd && sizeFromTkhd(tkhd)) ?? (stsd && sizeFromStsd(stsd));
	// stsd: version and flags, entry count, then the first sample entry's size and its type, the codec.
	const codec = stsd && stsd.length >= 16 ? ascii(stsd, 12, 4) : undefined;
	return {
		...size,
		frameRate: frameRateOf(findBox(mdia, 'mdhd'), stbl && findBox(stbl, 'stts')),
		codec,
	};
}

/** What a complete `moov` payload says: duration (`mvhd`) and the first video track's size and frame rate. */
export function mp4Facts(moovPayload: Uint8Array): VideoFacts {
	const facts: VideoFacts = {};
	for (const box of boxes(moovPayload)) {
		const payload = moovPayload.subarray(box.start, box.end);
		if (box.type === 'mvhd') facts.durationSec = durationFromMvhd(payload);
		else if (box.type === 'trak' && facts.width === undefined && facts.frameRate === undefined)
			Object.assign(facts, videoTrackFacts(payload));
	}
	return withoutUndefined(facts);
}

function withoutUndefined(facts: VideoFacts): VideoFacts {
	return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined));
}

/**
 * What the first bytes of a video say, or how many bytes are needed to learn more: `{ need }` asks for the stream
 * up to that length; `{ facts }` is the answer (undefined when the facts are not at the start of the file).
 */
export type HeadReading = { need: number } | { facts: VideoFacts | undefined };

/** MP4/MOV: the top-level boxes up to `moov`; its facts once it is complete, none when media data comes first. */
function readMp4Head(bytes: Uint8Array): HeadReading {
	let offset = 0;
	for (;;) {
		if (offset + 16 > bytes.length) return { need: offset + 16 };
		let size = readUint32(bytes, offset);
		let header = 8;
		if (size === 1) {
			size = readUint64(bytes, offset + 8);
			header = 16;
		}
		if (size < header) return { facts: undefined }; // size 0: a box that runs to the end of the file
		if (ascii(bytes, offset + 4, 4) === 'moov') {
			const end = offset + size;
			return end <= bytes.length
				? { facts: mp4Facts(bytes.subarray(offset + header, end)) }
				: { need: end };
		}
		offset += size;
	}
}

// WebM (Matroska) element ids, as written (with their length marker).
const EBML_HEADER = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const TRACK_TYPE = 0x83;
const CODEC_ID = 0x86;
const DEFAULT_DURATION = 0x23e383;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;

interface Element {
	id: number;
	/** Where the payload starts; its size, or undefined for "unknown size" (live streams). */
	start: number;
	size: number | undefined;
}

/** An EBML variable-length integer: its length (from the leading zeros of the first byte) and value. */
function readVint(
	bytes: Uint8Array,
	offset: number,
	keepMarker: boolean,
): { length: number; value: number; allOnes: boolean } | undefined {
	const first = bytes[offset];
	if (first === undefined || first === 0) return undefined;
	const length = Math.clz32(first) - 23;
	if (offset + length > bytes.length) return undefined;
	let value = keepMarker ? first : first & (0xff >> length);
	let allOnes = value === 0xff >> length;
	for (let i = 1; i < length; i++) {
		value = value * 256 + bytes[offset + i];
		allOnes &&= bytes[offset + i] === 0xff;
	}
	return { length, value, allOnes };
}

function readElement(bytes: Uint8Array, offset: number): Element | undefined {
	const id = readVint(bytes, offset, true);
	if (!id || id.length > 4) return undefined;
	const size = readVint(bytes, offset + id.length, false);
	if (!size) return undefined;
	return {
		id: id.value,
		start: offset + id.length + size.length,
		size: size.allOnes ? undefined : size.value,
	};
}

function readUint(bytes: Uint8Array, element: Element): number {
	let value = 0;
	for (let i = 0; i < (element.size ?? 0); i++) value = value * 256 + bytes[element.start + i];
	return value;
}

/** The elements inside `bytes` that are complete. */
function* elements(bytes: Uint8Array): Generator<Element> {
	let offset = 0;
	for (;;) {
		const element = readElement(bytes, offset);
		if (!element || element.size === undefined || element.start + element.size > bytes.length)
			return;
		yield element;
		offset = element.start + element.size;
	}
}

const payloadOf = (bytes: Uint8Array, element: Element) =>
	bytes.subarray(element.start, element.start + (element.size ?? 0));

/** The first video track of a complete Tracks payload: PixelWidth/PixelHeight and, when stated, DefaultDuration (ns per frame). */
function webmTracksFacts(tracks: Uint8Array): VideoFacts {
	for (const entry of elements(tracks)) {
		if (entry.id !== TRACK_ENTRY) continue;
		const fields = payloadOf(tracks, entry);
		const facts: VideoFacts = {};
		let isVideo = false;
		for (const field of elements(fields)) {
			if (field.id === TRACK_TYPE) isVideo = readUint(fields, field) === 1;
			else if (field.id === CODEC_ID)
				facts.codec = ascii(fields, field.start, Math.min(field.size ?? 0, 32));
			else if (field.id === DEFAULT_DURATION && readUint(fields, field) > 0)
				facts.frameRate = round2(1e9 / readUint(fields, field));
			else if (field.id === VIDEO) {
				const video = payloadOf(fields, field);
				for (const setting of elements(video)) {
					if (setting.id === PIXEL_WIDTH) facts.width = readUint(video, setting);
					else if (setting.id === PIXEL_HEIGHT) facts.height = readUint(video, setting);
				}
			}
		}
		if (isVideo) return facts;
	}
	return {};
}

/** WebM: EBML header, then the Segment's elements up to Tracks (read) or the first Cluster (media data: stop). */
function readWebmHead(bytes: Uint8Array): HeadReading {
	const header = readElement(bytes, 0);
	if (!header || header.size === undefined) return { need: 64 };
	if (header.id !== EBML_HEADER) return { facts: undefined };
	const segment = readElement(bytes, header.start + header.size);
	if (!segment) return { need: header.start + header.size + 12 };
	if (segment.id !== SEGMENT) return { facts: undefined };
	let offset = segment.start;
	for (;;) {
		const child = readElement(bytes, offset);
		if (!child) return { need: offset + 12 };
		if (child.id === CLUSTER || child.size === undefined) return { facts: undefined };
		const end = child.start + child.size;
		if (child.id === TRACKS)
			return end <= bytes.length
				? { facts: webmTracksFacts(bytes.subarray(child.start, end)) }
				: { need: end };
		offset = end;
	}
}

/** What the first bytes of a video of `container` say (see HeadReading). */
export function readVideoHead(container: VideoContainer, bytes: Uint8Array): HeadReading {
	return container === 'webm' ? readWebmHead(bytes) : readMp4Head(bytes);
}

/** Largest `moov` box we are willing to hold in memory to read it. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/**
 * Walks the top-level MP4/MOV boxes of a byte stream and returns what its `moov` says, or undefined when there is
 * no readable `moov`. Media data is skipped, never kept.
 */
export async function readMp4Facts(
	stream: AsyncIterable<Uint8Array>,
): Promise<VideoFacts | undefined> {
	let pending: Uint8Array = new Uint8Array(0);
	let skip = 0;
	let moovSize = 0;
	for await (const piece of stream) {
		let data: Uint8Array = piece;
		if (skip > 0) {
			const skipped = Math.min(skip, data.length);
			skip -= skipped;
			data = data.subarray(skipped);
			if (data.length === 0) continue;
		}
		pending = pending.length === 0 ? data : concat(pending, data);
		for (;;) {
			if (moovSize > 0) {
				if (pending.length < moovSize) break;
				return mp4Facts(pending.subarray(readUint32(pending, 0) === 1 ? 16 : 8, moovSize));
			}
			if (pending.length < 16) break;
			let size = readUint32(pending, 0);
			const type = ascii(pending, 4, 4);
			let headerLength = 8;
			if (size === 1) {
				size = readUint64(pending, 8);
				headerLength = 16;
			}
			if (size === 0) return undefined; // box runs to end of file: no moov after it
			if (size < headerLength) return undefined;
			if (type === 'moov') {
				if (size > MAX_MOOV_BYTES) return undefined;
				moovSize = size;
				continue;
			}
			if (pending.length >= size) {
				pending = pending.subarray(size);
			} else {
				skip = size - pending.length;
				pending = new Uint8Array(0);
				break;
			}
		}
		// The stream may free this piece once we ask for the next one: keep a copy of what is carried over.
		if (pending.buffer === piece.buffer) pending = new Uint8Array(pending);
	}
	return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	const out = new Uint8Array(a.length + b.length);
	out.set(a, 0);
	out.set(b, a.length);
	return out;
}
