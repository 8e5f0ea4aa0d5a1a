// Streaming media checks with bounded memory: container sniffing (MP4/MOV `ftyp`, WebM EBML), the
// MP4 `mvhd` duration and video track (size, frame rate), found by walking top-level boxes so `moov`
// may sit at the end; WebM's video track from the Tracks element near its start; JPEG/WebP sizes.

const HEAD_BYTES = 16;
/** The whole moov is kept (up to this) to find the video track; real files' moov boxes are a few MB at most. */
const MOOV_CAPTURE = 16 * 1024 * 1024;
/** WebM Tracks sit before the first Cluster; 1 MB of a WebM's start holds them in practice. */
const WEBM_CAPTURE = 1024 * 1024;

/** What the video track says; `null` fields were not stated. */
export interface VideoPicture {
	width: number | null;
	height: number | null;
	frameRate: number | null;
	/** MP4: the first sample entry's type (`avc1`…); WebM: the CodecID (`V_VP9`…). */
	codec: string | null;
}

export type VideoContainer = 'mp4' | 'webm';

export class MediaProbe {
	private head = Buffer.alloc(0);
	private seen = 0;
	private mode: 'header' | 'skip' | 'moov' | 'done' = 'header';
	private boxStart = 0;
	private boxEnd = 0;
	private header = Buffer.alloc(0);
	private moov: Buffer[] = [];
	private moovCaptureEnd = 0;
	private webmHead: Buffer[] = [];
	private webmBytes = 0;
	durationSec: number | null = null;
	/** MP4: set once moov was read; null inside means no video track. WebM: see `picture`. */
	private mp4Picture: VideoPicture | null | undefined = undefined;

	get bytesSeen(): number {
		return this.seen;
	}

	get container(): VideoContainer | null {
		if (this.head.length >= 8 && this.head.toString('latin1', 4, 8) === 'ftyp') return 'mp4';
		if (this.head.length >= 4 && this.head.readUInt32BE(0) === 0x1a45dfa3) return 'webm';
		return null;
	}

	clone(): MediaProbe {
		const copy = new MediaProbe();
		Object.assign(copy, this, {
			head: Buffer.from(this.head),
			header: Buffer.from(this.header),
			moov: this.moov.map((b) => Buffer.from(b)),
			webmHead: [...this.webmHead],
		});
		return copy;
	}

	/**
	 * The video track's picture: undefined when not (yet) known (no moov read, WebM Tracks not found in its start),
	 * null when the file was read and has no video track.
	 */
	get picture(): VideoPicture | null | undefined {
		if (this.container === 'webm') return parseWebmPicture(Buffer.concat(this.webmHead));
		return this.mp4Picture;
	}

	push(chunk: Buffer): void {
		if (this.head.length < HEAD_BYTES) {
			this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
		}
		const base = this.seen;
		this.seen += chunk.length;
		if (this.webmBytes < WEBM_CAPTURE && this.container === 'webm') {
			const piece = chunk.subarray(0, WEBM_CAPTURE - this.webmBytes);
			this.webmHead.push(Buffer.from(piece));
			this.webmBytes += piece.length;
		}
		let pos = 0;
		while (pos < chunk.length && this.mode !== 'done') {
			const abs = base + pos;
			if (this.mode === 'header') {
				if (this.head.length >= 8 && this.container !== 'mp4') {
					this.mode = 'done';
					break;
				}
				const want = this.header.length < 8 ? 8 : 16;
				const take = Math.min(want - this.header.length, chunk.length - pos);
				this.header = Buffer.concat([this.header, chunk.subarray(pos, pos + take)]);
				pos += take;
				if (this.header.length < 8) continue;
				let size = this.header.readUInt32BE(0);
				let headerLen = 8;
				if (size === 1) {
					if (this.header.length < 16) continue;
					size = Number(this.header.readBigUInt64BE(8));
					headerLen = 16;
				}
				const type = this.header.toString('latin1', 4, 8);
				if (size === 0 || size < headerLen) {
					// size 0 = "to the end of the file"; a moov there is still parsed.
					if (type !== 'moov') {
						this.mode = 'done';
						break;
					}
					size = Number.MAX_SAFE_INTEGER - this.boxStart;
				}
				this.boxEnd = this.boxStart + size;
				this.header = Buffer.alloc(0);
				if (type === 'moov') {
					this.mode = 'moov';
					this.moovCaptureEnd = Math.min(this.boxEnd, this.boxStart + headerLen + MOOV_CAPTURE);
				} else {
					this.mode = 'skip';
				}
			} else if (this.mode === 'skip') {
				const take = Math.min(this.boxEnd - abs, chunk.length - pos);
				pos += take;
				if (base + pos >= this.boxEnd) {
					this.boxStart = this.boxEnd;
					this.mode = 'header';
				}
			} else if (this.mode === 'moov') {
				const take = Math.min(this.moovCaptureEnd - abs, chunk.length - pos);
				this.moov.push(chunk.subarray(pos, pos + take));
				pos += take;
				if (base + pos >= this.moovCaptureEnd) {
					const moov = Buffer.concat(this.moov);
					this.durationSec = parseMvhd(moov);
					// A moov larger than the capture may hold the track beyond it: not known.
					this.mp4Picture = this.moovCaptureEnd === this.boxEnd ? parseMp4Picture(moov) : undefined;
					this.moov = [];
					this.mode = 'done';
				}
			}
		}
	}
}

/** Duration in seconds from the mvhd child of a moov payload, or null. */
export function parseMvhd(moovPayload: Buffer): number | null {
	let pos = 0;
	while (pos + 8 <= moovPayload.length) {
		let size = moovPayload.readUInt32BE(pos);
		const type = moovPayload.toString('latin1', pos + 4, pos + 8);
		let headerLen = 8;
		if (size === 1 && pos + 16 <= moovPayload.length) {
			size = Number(moovPayload.readBigUInt64BE(pos + 8));
			headerLen = 16;
		}
		if (type === 'mvhd') {
			const p = pos + headerLen;
			if (p + 4 > moovPayload.length) return null;
			const version = moovPayload[p];
			if (version === 1) {
				if (p + 32 > moovPayload.length) return null;
				const timescale = moovPayload.readUInt32BE(p + 20);
				const duration = Number(moovPayload.readBigUInt64BE(p + 24));
				return timescale > 0 ? duration / timescale : null;
			}
			if (p + 20 > moovPayload.length) return null;
			const timescale = moovPayload.readUInt32BE(p + 12);
			const duration = moovPayload.readUInt32BE(p + 16);
			return timescale > 0 ? duration / timescale : null;
		}
		if (size < headerLen) return null;
		pos += size;
	}
	return null;
}

/** Child boxes of an MP4 payload: [type, payload] pairs. */
function children(payload: Buffer): Array<[string, Buffer]> {
	const out: Array<[string, Buffer]> = [];
	let pos = 0;
	while (pos + 8 <= payload.length) {
		let size = payload.readUInt32BE(pos);
		let headerLen = 8;
		if (size === 1 && pos + 16 <= payload.length) {
			size = Number(payload.readBigUInt64BE(pos + 8));
			headerLen = 16;
		}
		if (size < headerLen || pos + size > payload.length) break;
		out.push([
			payload.toString('latin1', pos + 4, pos + 8),
			payload.subarray(pos + headerLen, pos + size),
		]);
		pos += size;
	}
	return out;
}

function child(payload: Buffer | undefined, ...path: string[]): Buffer | undefined {
	let scope = payload;
	for (const type of path) scope = scope && children(scope).find(([t]) => t === type)?.[1];
	return scope;
}

/**
 * The first video track (hdlr `vide`) of a moov payload: tkhd size (rotation applied) or, when zero, the visual
 * sample entry's; frame rate = samples × mdhd timescale / Σ stts durations. null when there is no video track.
 */
export function parseMp4Picture(moovPayload: Buffer): VideoPicture | null {
	for (const [type, trak] of children(moovPayload)) {
		if (type !== 'trak') continue;
		const hdlr = child(trak, 'mdia', 'hdlr');
		if (!hdlr || hdlr.length < 12 || hdlr.toString('latin1', 8, 12) !== 'vide') continue;
		let width: number | null = null;
		let height: number | null = null;
		const tkhd = child(trak, 'tkhd');
		if (tkhd) {
			const m = tkhd[0] === 1 ? 52 : 40;
			if (tkhd.length >= m + 44) {
				const w = Math.round(tkhd.readUInt32BE(m + 36) / 65536);
				const h = Math.round(tkhd.readUInt32BE(m + 40) / 65536);
				const turned = tkhd.readInt32BE(m) === 0 && tkhd.readInt32BE(m + 16) === 0;
				if (w > 0 && h > 0) [width, height] = turned ? [h, w] : [w, h];
			}
		}
		const stbl = child(trak, 'mdia', 'minf', 'stbl');
		const stsd = child(stbl, 'stsd');
		if (width === null && stsd && stsd.length >= 44) {
			width = stsd.readUInt16BE(40) || null;
			height = stsd.readUInt16BE(42) || null;
		}
		let frameRate: number | null = null;
		const mdhd = child(trak, 'mdia', 'mdhd');
		const stts = child(stbl, 'stts');
		if (mdhd && stts && stts.length >= 8) {
			const timescale = mdhd[0] === 1 ? mdhd.readUInt32BE(20) : mdhd.readUInt32BE(12);
			let samples = 0;
			let ticks = 0;
			const n = Math.min(stts.readUInt32BE(4), Math.floor((stts.length - 8) / 8));
			for (let i = 0; i < n; i++) {
				const count = stts.readUInt32BE(8 + i * 8);
				samples += count;
				ticks += count * stts.readUInt32BE(12 + i * 8);
			}
			if (timescale > 0 && ticks > 0 && samples > 1)
				frameRate = Math.round(((samples * timescale) / ticks) * 100) / 100;
		}
		const codec = stsd && stsd.length >= 16 ? stsd.toString('latin1', 12, 16) : null;
		return { width, height, frameRate, codec };
	}
	return null;
}

/** An EBML vint at `pos`: [length, value]; ids keep their marker bit. All-ones sizes (unknown) → value -1. */
function vint(buf: Buffer, pos: number, isId: boolean): [number, number] | null {
	if (pos >= buf.length || buf[pos] === 0) return null;
	let len = 1;
	while (!(buf[pos] & (0x80 >> (len - 1)))) len++;
	if (pos + len > buf.length) return null;
	let value = isId ? buf[pos] : buf[pos] & (0xff >> len);
	let ones = value === 0xff >> len;
	for (let i = 1; i < len; i++) {
		value = value * 256 + buf[pos + i];
		ones = ones && buf[pos + i] === 0xff;
	}
	return [len, !isId && ones ? -1 : value];
}

/** Elements of an EBML payload as [id, payload]; stops at an unknown size or a truncated element. */
function ebmlChildren(buf: Buffer): Array<[number, Buffer]> {
	const out: Array<[number, Buffer]> = [];
	let pos = 0;
	for (;;) {
		const id = vint(buf, pos, true);
		const size = id && vint(buf, pos + id[0], false);
		if (!id || !size || size[1] < 0) return out;
		const start = pos + id[0] + size[0];
		if (start + size[1] > buf.length) return out;
		out.push([id[1], buf.subarray(start, start + size[1])]);
		pos = start + size[1];
	}
}

/**
 * WebM: the first video track (TrackType 1) in Tracks — PixelWidth, PixelHeight, DefaultDuration (ns per frame).
 * undefined when Tracks is not within the captured start (or a Cluster comes first); null when no track is video.
 */
export function parseWebmPicture(head: Buffer): VideoPicture | null | undefined {
	const header = vint(head, 0, true);
	const headerSize = header && vint(head, header[0], false);
	if (!header || !headerSize || header[1] !== 0x1a45dfa3 || headerSize[1] < 0) return undefined;
	let pos = header[0] + headerSize[0] + headerSize[1];
	const segId = vint(head, pos, true);
	const segSize = segId && vint(head, pos + segId[0], false);
	if (!segId || !segSize || segId[1] !== 0x18538067) return undefined;
	pos += segId[0] + segSize[0];
	for (;;) {
		const id = vint(head, pos, true);
		const size = id && vint(head, pos + id[0], false);
		if (!id || !size || size[1] < 0 || id[1] === 0x1f43b675) return undefined;
		const start = pos + id[0] + size[0];
		if (id[1] === 0x1654ae6b) {
			if (start + size[1] > head.length) return undefined;
			for (const [entryId, entry] of ebmlChildren(head.subarray(start, start + size[1]))) {
				if (entryId !== 0xae) continue;
				const fields = new Map(ebmlChildren(entry));
				const uint = (b: Buffer | undefined) =>
					b && b.length ? b.readUIntBE(0, Math.min(b.length, 6)) : null;
				if (uint(fields.get(0x83)) !== 1) continue;
				const video = new Map(ebmlChildren(fields.get(0xe0) ?? Buffer.alloc(0)));
				const frameNs = uint(fields.get(0x23e383));
				return {
					width: uint(video.get(0xb0)),
					height: uint(video.get(0xba)),
					frameRate: frameNs ? Math.round((1e9 / frameNs) * 100) / 100 : null,
					codec: fields.get(0x86)?.toString('latin1') ?? null,
				};
			}
			return null;
		}
		pos = start + size[1];
	}
}

export type ImageFormat = 'jpeg' | 'webp';

/** JPEG starts FF D8 FF; WebP is RIFF....WEBP. Anything else (PNG, GIF, …) → null. */
export function sniffImage(head: Buffer): ImageFormat | null {
	if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
	if (
		head.length >= 12 &&
		head.toString('latin1', 0, 4) === 'RIFF' &&
		head.toString('latin1', 8, 12) === 'WEBP'
	) {
		return 'webp';
	}
	return null;
}

/** A JPEG's size from its first SOF marker, or a WebP's from its VP8/VP8L/VP8X chunk; null when not found in `head`. */
export function imageSize(head: Buffer): { width: number; height: number } | null {
	const format = sniffImage(head);
	if (format === 'jpeg') {
		let pos = 2;
		while (pos + 4 <= head.length) {
			if (head[pos] !== 0xff) return null;
			const marker = head[pos + 1];
			if (marker === 0xff) {
				pos++;
				continue;
			}
			if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
				pos += 2;
				continue;
			}
			if (marker === 0xda || marker === 0xd9) return null;
			const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
			if (sof && pos + 9 <= head.length)
				return { width: head.readUInt16BE(pos + 7), height: head.readUInt16BE(pos + 5) };
			pos += 2 + head.readUInt16BE(pos + 2);
		}
		return null;
	}
	if (format === 'webp' && head.length >= 30) {
		const chunk = head.toString('latin1', 12, 16);
		if (chunk === 'VP8 ' && head[23] === 0x9d && head[24] === 0x01 && head[25] === 0x2a) {
			return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
		}
		if (chunk === 'VP8L' && head[20] === 0x2f) {
			const bits = head.readUInt32LE(21);
			return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
		}
		if (chunk === 'VP8X')
			return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
	}
	return null;
}
