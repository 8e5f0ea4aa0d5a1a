/**
 * A video's pieces are only valid until the next one is requested: n8n's binary-store pieces are freed then
 * (see releasingPieces). Every reader of a video must give the right result from a source that destroys
 * each piece at that moment.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { planChunks } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import { readMp4Facts } from '../../nodes/TikTok/helpers/media.ts';
import { probe, releasingPieces } from '../../nodes/TikTok/helpers/video.ts';
import { uploadVideoChunks } from '../../nodes/TikTok/transport/upload.ts';
import { mp4Buffer } from '../fixtures/video.mts';
import { fakeContext } from './fakeUploadContext.mts';

/** Yields `bytes` in fresh pieces of `pieceBytes`, overwriting each piece once the consumer asks for the next. */
async function* scribbling(bytes: Buffer, pieceBytes: number) {
	for (let at = 0; at < bytes.length; at += pieceBytes) {
		const piece = Buffer.from(bytes.subarray(at, at + pieceBytes));
		yield piece;
		piece.fill(0xee);
	}
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('pieces are only valid until the next one is requested', () => {
	const video = mp4Buffer({ sizeBytes: 12_000_000, durationSec: 245, moovAtEnd: true });
	// Same layout (boxes spanning pieces, moov at the end), small enough to read 7 bytes at a time quickly.
	const smallVideo = mp4Buffer({ sizeBytes: 300_000, durationSec: 245, moovAtEnd: true });

	it('the MP4 duration and picture are read correctly, whatever the piece size', async () => {
		for (const [source, pieceBytes] of [
			[smallVideo, 7],
			[video, 1000],
			[video, 65_536],
			[video, 1_048_576],
		] as const) {
			assert.deepEqual(
				await readMp4Facts(scribbling(source, pieceBytes)),
				{ durationSec: 245, width: 1080, height: 1920, frameRate: 30, codec: 'avc1' },
				`pieces of ${pieceBytes} bytes`,
			);
		}
	});

	it('the container is recognised from the first piece', async () => {
		const probed = await probe({
			size: smallVideo.length,
			open: async () => scribbling(smallVideo, 5),
		});
		assert.equal(probed.container, 'mp4');
		assert.deepEqual(
			[probed.durationSec, probed.width, probed.height, probed.frameRate],
			[245, 1080, 1920, 30],
		);
	});

	it('every uploaded chunk holds exactly the bytes of its range', async () => {
		const plan = planChunks(video.length, 5_242_880); // two chunks, the second with the remainder
		const { ctx, bodySha256 } = fakeContext();
		await uploadVideoChunks(
			ctx,
			'https://upload.example/?id=1',
			plan,
			scribbling(video, 999_983),
			'video/mp4',
			Date.now(),
		);
		assert.deepEqual(bodySha256, [
			sha256(video.subarray(0, plan.chunkSize)),
			sha256(video.subarray(plan.chunkSize)),
		]);
	});
});

describe('binary-store pieces are freed as soon as the next one is requested', () => {
	/** Records which ArrayBuffers get detached, on any Node version (transfer() exists from Node 21). */
	function watchTransfers() {
		const proto = ArrayBuffer.prototype as unknown as {
			transfer?: (length?: number) => ArrayBuffer;
		};
		const original = proto.transfer;
		const detached: Array<{ buffer: ArrayBuffer; newLength: number | undefined }> = [];
		proto.transfer = function (this: ArrayBuffer, newLength?: number) {
			detached.push({ buffer: this, newLength });
			return original ? original.call(this, newLength) : new ArrayBuffer(0);
		};
		return {
			detached,
			restore: () => (original ? (proto.transfer = original) : delete proto.transfer),
		};
	}

	it('frees a piece that owns its memory after the consumer moved on, never before', async () => {
		const first = Buffer.alloc(65_536, 1);
		const second = Buffer.alloc(65_536, 2);
		const watch = watchTransfers();
		try {
			const pieces = releasingPieces(
				(async function* () {
					yield first;
					yield second;
				})(),
			)[Symbol.asyncIterator]();
			assert.equal((await pieces.next()).value, first);
			assert.deepEqual(watch.detached, [], 'the piece being read is intact');
			assert.equal((await pieces.next()).value, second);
			assert.deepEqual(watch.detached, [{ buffer: first.buffer, newLength: 0 }]);
			assert.equal((await pieces.next()).done, true);
			assert.deepEqual(
				watch.detached.map((d) => d.buffer),
				[first.buffer, second.buffer],
			);
		} finally {
			watch.restore();
		}
	});

	it('leaves alone a piece that shares its memory with other data', async () => {
		const shared = new ArrayBuffer(100_000);
		const view = Buffer.from(shared, 10, 50_000);
		const tail = Buffer.from(shared, 0, 99_999); // starts at 0 but does not cover the whole ArrayBuffer
		const small = Buffer.from('tiny'); // from Node's shared pool
		const watch = watchTransfers();
		try {
			for await (const piece of releasingPieces(
				(async function* () {
					yield view;
					yield tail;
					yield small;
				})(),
			))
				assert.ok(piece.length > 0);
			assert.deepEqual(watch.detached, []);
		} finally {
			watch.restore();
		}
	});
});
