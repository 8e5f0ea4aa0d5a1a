/**
 * What an image's first bytes say: its real format (whatever the file name or Content-Type claim) and, for the
 * formats TikTok takes (JPEG, WebP), its size in pixels. Pure functions on a byte prefix: the caller decides how
 * many bytes to fetch and stops once `imageHeadSettled` says more would not tell more.
 */
export type ImageFormat =
	'jpeg' | 'webp' | 'png' | 'gif' | 'bmp' | 'tiff' | 'heic' | 'avif' | 'svg' | 'html';

/** How messages name each format. */
export const IMAGE_FORMAT_NAMES: Record<ImageFormat, string> = {
	jpeg: 'JPEG',
	webp: 'WebP',
	png: 'PNG',
	gif: 'GIF',
	bmp: 'BMP',
	tiff: 'TIFF',
	heic: 'HEIC',
	avif: 'AVIF',
	svg: 'SVG',
	html: 'web page (HTML)',
};

/** The Content-Type each format TikTok takes must be served with. */
export const IMAGE_MIME_TYPES: Partial<Record<ImageFormat, string>> = {
	jpeg: 'image/jpeg',
	webp: 'image/webp',
};

export interface Dimensions {
	width: number;
	height: number;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
	return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);

/** The format by signature; undefined when the first bytes match none (or are too few to tell). */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
	if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
	if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP')
		return 'webp';
	if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 3) === 'PNG') return 'png';
	if (head.length >= 6 && /^GIF8[79]a$/.test(ascii(head, 0, 6))) return 'gif';
	if (head.length >= 2 && ascii(head, 0, 2) === 'BM') return 'bmp';
	if (head.length >= 4 && (ascii(head, 0, 4) === 'II*\0' || ascii(head, 0, 4) === 'MM\0*'))
		return 'tiff';
	if (head.length >= 12 && ascii(head, 4, 4) === 'ftyp') {
		const brand = ascii(head, 8, 4);
		if (brand === 'avif' || brand === 'avis') return 'avif';
		if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heic';
	}
	const text = ascii(head, 0, Math.min(head.length, 256))
		.replace(/^\uFEFF?\s*/, '')
		.toLowerCase();
	if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'svg';
	if (
		text.startsWith('<!doctype html') ||
		text.startsWith('<html') ||
		text.startsWith('<head') ||
		text.startsWith('<body')
	)
		return 'html';
	return undefined;
}

/** A JPEG's start-of-frame markers (SOF0–SOF15 but DHT C4, JPG C8 and DAC CC), which carry the frame size. */
const isStartOfFrame = (marker: number) =>
	marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

type Reading = Dimensions | 'more' | 'unreadable';

/** Walks a JPEG's segments (skipping their payloads) to the first SOF; 'more' when the prefix ends first. */
function jpegDimensions(b: Uint8Array): Reading {
	let offset = 2;
	for (;;) {
		if (offset + 4 > b.length) return 'more';
		if (b[offset] !== 0xff) return 'unreadable';
		const marker = b[offset + 1];
		if (marker === 0xff) {
			offset += 1; // fill byte
			continue;
		}
		if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
			offset += 2; // standalone markers carry no length
			continue;
		}
		// Image data or the end before any frame header: nothing says the size.
		if (marker === 0xda || marker === 0xd9) return 'unreadable';
		const length = u16be(b, offset + 2);
		if (length < 2) return 'unreadable';
		if (isStartOfFrame(marker)) {
			if (offset + 9 > b.length) return 'more';
			const height = u16be(b, offset + 5);
			const width = u16be(b, offset + 7);
			return width > 0 && height > 0 ? { width, height } : 'unreadable';
		}
		offset += 2 + length;
	}
}

/** The canvas size from a WebP's first chunk: lossy (VP8), lossless (VP8L) or extended (VP8X). */
function webpDimensions(b: Uint8Array): Reading {
	if (b.length < 30) return 'more';
	const chunk = ascii(b, 12, 4);
	if (chunk === 'VP8 ') {
		if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return 'unreadable';
		return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
	}
	if (chunk === 'VP8L') {
		if (b[20] !== 0x2f) return 'unreadable';
		const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
		return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
	}
	if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
	return 'unreadable';
}

/** The size in pixels of a JPEG or WebP from its first bytes: 'more' when the prefix is too short to tell. */
export function imageDimensions(head: Uint8Array): Reading {
	const format = sniffImageFormat(head);
	if (format === 'jpeg') return jpegDimensions(head);
	if (format === 'webp') return webpDimensions(head);
	return 'unreadable';
}

/** Whether more bytes could tell more: the format is known and, for JPEG/WebP, the size found or unreadable. */
export function imageHeadSettled(head: Uint8Array): boolean {
	if (head.length < 16) return false;
	return imageDimensions(head) !== 'more';
}
