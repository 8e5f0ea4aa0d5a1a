// Streaming media checks with constant memory: container sniffing (MP4/MOV `ftyp`, WebM EBML)
// and the MP4 `mvhd` duration, found by walking top-level boxes so `moov` may sit at the end.

const HEAD_BYTES = 16;
/** mvhd is the first child of moov in practice; 64 KB of moov is plenty to find it. */
const MOOV_CAPTURE = 64 * 1024;

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
	durationSec: number | null = null;

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
		});
		return copy;
	}

	push(chunk: Buffer): void {
		if (this.head.length < HEAD_BYTES) {
			this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
		}
		const base = this.seen;
		this.seen += chunk.length;
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
					this.durationSec = parseMvhd(Buffer.concat(this.moov));
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
