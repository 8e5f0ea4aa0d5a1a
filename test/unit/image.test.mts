/** An image's format and size in pixels, from its first bytes only (what the photo preflight fetches). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	imageDimensions,
	imageHeadSettled,
	sniffImageFormat,
} from '../../nodes/TikTok/helpers/image.ts';
import { bytesOf, jpegSource, pngSource, webpSource } from '../emulator/media.mts';

const dims = { width: 1234, height: 987 };

describe('image format by content', () => {
	it('recognises JPEG and WebP, and names the formats TikTok refuses', async () => {
		assert.equal(sniffImageFormat(await bytesOf(jpegSource(64))), 'jpeg');
		assert.equal(sniffImageFormat(await bytesOf(webpSource(64))), 'webp');
		assert.equal(sniffImageFormat(await bytesOf(pngSource(64))), 'png');
		const samples: Record<string, string> = {
			gif: 'GIF87a\x10\x00',
			bmp: 'BM6\x00\x00\x00',
			tiff: 'II*\x00\x08\x00',
			heic: '\0\0\0\x18ftypheic\0\0\0\0',
			avif: '\0\0\0\x1cftypavif\0\0\0\0',
			svg: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">',
			html: '\n  <!DOCTYPE html><html>',
		};
		for (const [format, text] of Object.entries(samples))
			assert.equal(sniffImageFormat(Buffer.from(text, 'latin1')), format, format);
		assert.equal(sniffImageFormat(Buffer.from('plain text, no image')), undefined);
		assert.equal(sniffImageFormat(Buffer.from([0xff, 0xd8])), undefined, 'too few bytes to tell');
	});
});

describe('size in pixels from the first bytes', () => {
	it("reads a JPEG's first frame header (SOF0, progressive SOF2), skipping metadata segments and fill bytes", async () => {
		assert.deepEqual(imageDimensions(await bytesOf(jpegSource(2000, dims))), dims);
		assert.deepEqual(
			imageDimensions((await bytesOf(jpegSource(200_000, dims, 150_000))).subarray(0, 160_000)),
			dims,
			'after 150 KB of EXIF/XMP',
		);
		const progressive = Buffer.from([
			0xff, 0xd8, 0xff, 0xff, 0xc2, 0, 17, 8, 0x03, 0xdb, 0x04, 0xd2, 3, 1, 0x22, 0, 2, 0x11, 1, 3,
			0x11, 1,
		]);
		assert.deepEqual(imageDimensions(progressive), dims);
	});

	it('asks for more bytes while the frame header lies beyond them, and gives up at image data without one', async () => {
		const padded = await bytesOf(jpegSource(200_000, dims, 150_000));
		assert.equal(imageDimensions(padded.subarray(0, 100_000)), 'more');
		assert.equal(imageHeadSettled(padded.subarray(0, 100_000)), false);
		assert.equal(imageHeadSettled(padded.subarray(0, 160_000)), true);
		assert.equal(
			imageDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 8, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0])),
			'unreadable',
		);
	});

	it('reads lossy (VP8), lossless (VP8L) and extended (VP8X) WebP canvases', async () => {
		for (const kind of ['VP8 ', 'VP8L', 'VP8X'] as const)
			assert.deepEqual(imageDimensions(await bytesOf(webpSource(100, dims, kind))), dims, kind);
		assert.equal(imageDimensions((await bytesOf(webpSource(100, dims))).subarray(0, 20)), 'more');
	});

	it('settles at once for formats TikTok refuses: their size does not matter', async () => {
		assert.equal(imageHeadSettled(await bytesOf(pngSource(64))), true);
		assert.equal(imageDimensions(await bytesOf(pngSource(64))), 'unreadable');
	});
});
