/**
 * Reads what TikTok will check about a video from its first bytes: the container, and for MP4/MOV the
 * duration in the `mvhd` box. No external tools; works on a byte prefix or, for files whose `moov` box sits
 * at the end, on a streamed walk over the top-level boxes that skips media data without keeping it.
 */
export type VideoContainer = 'mp4' | 'mov' | 'webm';

export const VIDEO_MIME_TYPES: Record<VideoContainer, string> = {
	mp4: 'video/mp4',
	mov: 'video/quicktime',
	webm: 'video/webm',
};

/** Recognises MP4, MOV and WebM by their signatures; undefined for anything else. */
export function sniffVideoContainer(head: Uint8Array): VideoContainer | undefined {
	if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
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
	return ((bytes[offset] << 24) >>> 0) + (bytes[offset + 1] << 16) + (bytes[offset + 2] << 8) + bytes[offset + 3];
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

/** Finds `mvhd` inside a complete `moov` box payload. */
export function durationFromMoov(moovPayload: Uint8Array): number | undefined {
	let offset = 0;
	while (offset + 8 <= moovPayload.length) {
		const size = readUint32(moovPayload, offset);
		const type = ascii(moovPayload, offset + 4, 4);
		if (size < 8) return undefined;
		if (type === 'mvhd') return durationFromMvhd(moovPayload.subarray(offset + 8, offset + size));
		offset += size;
	}
	return undefined;
}

/** Largest `moov` box we are willing to hold in memory to read the duration. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/**
 * Walks the top-level MP4/MOV boxes of a byte stream and returns the duration in seconds, or undefined
 * when there is no readable `mvhd`. Media data is skipped, never kept.
 */
export async function readMp4Duration(stream: AsyncIterable<Uint8Array>): Promise<number | undefined> {
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
				return durationFromMoov(pending.subarray(8, moovSize));
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
