import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
	bytesOf,
	ftypBox,
	jpegSource,
	moovBox,
	mp4Source,
	pngSource,
	webmSource,
	webpSource,
} from './media.mts';
import { MediaProbe, imageSize, parseWebmPicture, sniffImage } from './probe.mts';

function probeBytes(buf: Buffer, pieceSize: number): MediaProbe {
	const probe = new MediaProbe();
	for (let i = 0; i < buf.length; i += pieceSize) probe.push(buf.subarray(i, i + pieceSize));
	return probe;
}

describe('MediaProbe (streaming container + mvhd duration)', () => {
	it('recognises MP4 by the ftyp box at offset 4 and reads the mvhd duration', async () => {
		const buf = await bytesOf(mp4Source({ size: 4096, durationSec: 42.5 }));
		const probe = probeBytes(buf, 4096);
		assert.equal(probe.container, 'mp4');
		assert.equal(probe.durationSec, 42.5);
	});

	it('finds moov after mdat even when fed one byte at a time', async () => {
		const buf = await bytesOf(mp4Source({ size: 3000, durationSec: 181, moovAtEnd: true }));
		assert.equal(probeBytes(buf, 1).durationSec, 181);
	});

	it('reads a version-1 mvhd (64-bit duration)', async () => {
		const buf = await bytesOf(mp4Source({ size: 2000, durationSec: 601, mvhdVersion: 1 }));
		assert.equal(probeBytes(buf, 7).durationSec, 601);
	});

	it('skips a box with a 64-bit largesize header', () => {
		const big = Buffer.alloc(16 + 100);
		big.writeUInt32BE(1, 0);
		big.write('free', 4, 'latin1');
		big.writeBigUInt64BE(BigInt(big.length), 8);
		const buf = Buffer.concat([ftypBox(), big, moovBox(12)]);
		assert.equal(probeBytes(buf, 5).durationSec, 12);
	});

	it('reports no duration when there is no moov', () => {
		const probe = probeBytes(Buffer.concat([ftypBox(), Buffer.alloc(100)]), 50);
		assert.equal(probe.container, 'mp4');
		assert.equal(probe.durationSec, null);
	});

	it('recognises WebM by its EBML magic and anything else as no container', async () => {
		assert.equal(probeBytes(await bytesOf(webmSource(300)), 100).container, 'webm');
		assert.equal(probeBytes(Buffer.from('RIFF0000AVI LIST'), 16).container, null);
	});

	it('clones its state so a failed chunk can be rolled back', async () => {
		const buf = await bytesOf(mp4Source({ size: 2000, durationSec: 9, moovAtEnd: true }));
		const probe = new MediaProbe();
		probe.push(buf.subarray(0, 1000));
		const attempt = probe.clone();
		attempt.push(Buffer.alloc(500, 0xff)); // garbage that is thrown away
		probe.push(buf.subarray(1000));
		assert.equal(probe.durationSec, 9);
	});
});

describe('sniffImage', () => {
	it('recognises JPEG and WebP, and nothing else', async () => {
		assert.equal(sniffImage(await bytesOf(jpegSource(64))), 'jpeg');
		assert.equal(sniffImage(await bytesOf(webpSource(64))), 'webp');
		assert.equal(sniffImage(await bytesOf(pngSource(64))), null);
	});
});

describe('what the probe reads of the picture', () => {
	it("reads an MP4's video track: tkhd size (rotation applied), frame rate from mdhd and stts, and the sample entry's codec, wherever moov sits", async () => {
		const at = async (opts: Parameters<typeof mp4Source>[0]) =>
			probeBytes(await bytesOf(mp4Source(opts)), 333).picture;
		assert.deepEqual(
			await at({ size: 3000, durationSec: 5, video: { width: 1280, height: 720, fps: 25 } }),
			{ width: 1280, height: 720, frameRate: 25, codec: 'avc1' },
		);
		assert.deepEqual(
			await at({
				size: 3000,
				durationSec: 5,
				moovAtEnd: true,
				video: { width: 1080, height: 1920, fps: 29.97, rotated: true, codec: 'apcn' },
			}),
			{
				width: 1080,
				height: 1920,
				frameRate: 29.97,
				codec: 'apcn',
			},
		);
		assert.equal(await at({ size: 3000, durationSec: 5, video: null }), null, 'no video track');
		assert.equal(
			probeBytes(Buffer.concat([ftypBox(), Buffer.alloc(100)]), 50).picture,
			undefined,
			'no moov: not known',
		);
	});

	it("reads a WebM's video track from Tracks, and knows nothing when the start holds no Tracks", async () => {
		assert.deepEqual(
			parseWebmPicture(await bytesOf(webmSource(400, { width: 640, height: 360, fps: 24 }))),
			{ width: 640, height: 360, frameRate: 24, codec: 'V_VP9' },
		);
		assert.deepEqual(
			parseWebmPicture(
				await bytesOf(webmSource(400, { width: 640, height: 360, fps: null, codec: 'V_AV1' })),
			),
			{ width: 640, height: 360, frameRate: null, codec: 'V_AV1' },
		);
		assert.equal(
			parseWebmPicture(
				Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80, 0x1f, 0x43, 0xb6, 0x75, 0x81, 0]),
			),
			undefined,
		);
	});

	it('reads JPEG (first SOF, after any metadata) and WebP (VP8, VP8L, VP8X) sizes', async () => {
		const dims = { width: 1234, height: 987 };
		assert.deepEqual(imageSize(await bytesOf(jpegSource(100_000, dims, 70_000))), dims);
		for (const kind of ['VP8 ', 'VP8L', 'VP8X'] as const)
			assert.deepEqual(imageSize(await bytesOf(webpSource(100, dims, kind))), dims, kind);
		assert.equal(imageSize(await bytesOf(pngSource(100))), null);
	});
});
