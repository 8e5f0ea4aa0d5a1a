import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import {
	readMp4Facts,
	readVideoHead,
	sniffVideoContainer,
} from '../../nodes/TikTok/helpers/media.ts';
import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import type { LocalVideo } from '../../nodes/TikTok/helpers/video.ts';
import {
	HEAD_LIMIT_BYTES,
	checkVideoPicture,
	probe,
	readHead,
} from '../../nodes/TikTok/helpers/video.ts';
import type { VideoTrack } from '../emulator/media.mts';
import { bytesOf, webmSource } from '../emulator/media.mts';
import { mp4Buffer, mp4Stream } from '../fixtures/video.mts';

const durationOf = async (stream: AsyncIterable<Uint8Array>) =>
	(await readMp4Facts(stream))?.durationSec;

describe('video probe (container and duration from the bytes, no external tools)', () => {
	it('recognises MP4, MOV and WebM by their signatures, whatever the file name', () => {
		assert.equal(sniffVideoContainer(mp4Buffer({ sizeBytes: 4096 })), 'mp4');
		assert.equal(sniffVideoContainer(mp4Buffer({ sizeBytes: 4096, brand: 'qt  ' })), 'mov');
		assert.equal(sniffVideoContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0])), 'webm');
	});

	it('rejects images, text and AVI-like files', () => {
		assert.equal(
			sniffVideoContainer(Buffer.from('\x89PNG\r\n\x1a\n00000000', 'binary')),
			undefined,
		);
		assert.equal(sniffVideoContainer(Buffer.from('hello world, not a video')), undefined);
		assert.equal(sniffVideoContainer(Buffer.from('RIFF\0\0\0\0AVI LIST', 'binary')), undefined);
	});

	it('reads the duration from an mvhd at the start', async () => {
		assert.equal(await durationOf(mp4Stream({ sizeBytes: 200_000, durationSec: 61.5 })), 61.5);
	});

	it('reads the duration when moov sits after 30 MB of media data, without keeping the media', async () => {
		const duration = await durationOf(
			mp4Stream({ sizeBytes: 30_000_000, durationSec: 245, moovAtEnd: true }),
		);
		assert.equal(duration, 245);
	});

	it('copes with pieces split at awkward boundaries', async () => {
		const bytes = mp4Buffer({ sizeBytes: 70_000, durationSec: 9 });
		const pieces = Readable.from(
			(function* () {
				for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
			})(),
		);
		assert.equal(await durationOf(pieces), 9);
	});

	it('returns undefined when there is no moov box', async () => {
		assert.equal(
			await durationOf(Readable.from([Buffer.from('not an mp4 at all, just text.........')])),
			undefined,
		);
	});
});

/** A byte source that yields `bytes` in pieces of `pieceBytes` and counts how many bytes were read. */
function pieces(bytes: Uint8Array, pieceBytes: number) {
	const seen = { read: 0, closed: false };
	return {
		seen,
		iterator: (async function* () {
			try {
				for (let at = 0; at < bytes.length; at += pieceBytes) {
					seen.read += Math.min(pieceBytes, bytes.length - at);
					yield bytes.subarray(at, at + pieceBytes);
				}
			} finally {
				seen.closed = true;
			}
		})(),
	};
}

const notAVideo = () => new Error('not a video') as unknown as TikTokError;
const track = (width: number, height: number, fps: number | null, rotated = false): VideoTrack => ({
	width,
	height,
	fps,
	rotated,
});

describe('video picture (size, frame rate and codec) from the moov or WebM Tracks', () => {
	it("reads an MP4's video track: displayed size (a phone's rotated portrait video is 1080×1920), average frame rate and codec", async () => {
		const facts = async (video: VideoTrack, moovAtEnd = false) =>
			await readMp4Facts(mp4Stream({ sizeBytes: 50_000, durationSec: 12, video, moovAtEnd }));
		assert.deepEqual(await facts(track(1280, 720, 25)), {
			durationSec: 12,
			width: 1280,
			height: 720,
			frameRate: 25,
			codec: 'avc1',
		});
		assert.deepEqual(await facts({ ...track(1080, 1920, 29.97, true), codec: 'hvc1' }, true), {
			durationSec: 12,
			width: 1080,
			height: 1920,
			frameRate: 29.97,
			codec: 'hvc1',
		});
		assert.deepEqual(
			await facts(track(1080, 1920, null)),
			{ durationSec: 12, width: 1080, height: 1920, codec: 'avc1' },
			'no stts entries: no frame rate',
		);
		assert.deepEqual(
			await readMp4Facts(mp4Stream({ sizeBytes: 50_000, durationSec: 12, video: null })),
			{ durationSec: 12 },
			'audio only: no picture',
		);
	});

	it('reads the moov from the first bytes of a fast-start MP4, and stops at media data that comes first', async () => {
		const fast = mp4Buffer({ sizeBytes: 100_000, durationSec: 8, video: track(720, 1280, 30) });
		const need = readVideoHead('mp4', fast.subarray(0, 40));
		assert.ok('need' in need && need.need > 40, 'asks for the rest of the moov');
		assert.deepEqual(readVideoHead('mp4', fast), {
			facts: { durationSec: 8, width: 720, height: 1280, frameRate: 30, codec: 'avc1' },
		});
		const late = mp4Buffer({ sizeBytes: 100_000, durationSec: 8, moovAtEnd: true });
		assert.deepEqual(
			readVideoHead('mp4', late.subarray(0, 65_536)),
			{ need: readMdatEnd(late) + 16 },
			'the next box header lies after the media data',
		);
	});

	it("reads a WebM's video track from Tracks: PixelWidth/PixelHeight, CodecID and, when stated, DefaultDuration", async () => {
		assert.deepEqual(readVideoHead('webm', await bytesOf(webmSource(2000, track(640, 360, 24)))), {
			facts: { width: 640, height: 360, frameRate: 24, codec: 'V_VP9' },
		});
		assert.deepEqual(
			readVideoHead(
				'webm',
				await bytesOf(webmSource(2000, { ...track(640, 360, null), codec: 'V_AV1' })),
			),
			{ facts: { width: 640, height: 360, codec: 'V_AV1' } },
		);
		assert.deepEqual(
			readVideoHead(
				'webm',
				Buffer.from([
					0x1a, 0x45, 0xdf, 0xa3, 0x80, 0x18, 0x53, 0x80, 0x67, 0xff, 0x1f, 0x43, 0xb6, 0x75, 0xff,
				]),
			),
			{ facts: undefined },
			'a Cluster before Tracks',
		);
	});
});

/** Where the mdat of a moov-at-end fixture ends (ftyp, then mdat). */
function readMdatEnd(bytes: Uint8Array): number {
	const ftyp = Buffer.from(bytes).readUInt32BE(0);
	return ftyp + Buffer.from(bytes).readUInt32BE(ftyp);
}

describe('the head of a streamed video (a URL n8n uploads as it downloads)', () => {
	it('reads on to the end of a moov that comes first, within the head limit, and replays nothing twice', async () => {
		const fast = mp4Buffer({ sizeBytes: 3_000_000, durationSec: 20, video: track(1080, 1920, 60) });
		const source = pieces(fast, 16_384);
		const head = await readHead(source.iterator, notAVideo);
		assert.deepEqual(head.facts, {
			durationSec: 20,
			width: 1080,
			height: 1920,
			frameRate: 60,
			codec: 'avc1',
		});
		assert.ok(source.seen.read < 20_000, `read ${source.seen.read} bytes for a moov at the start`);
		assert.equal(
			Buffer.concat(head.pieces).length,
			source.seen.read,
			'every byte read is kept for the replay',
		);
	});

	it('stops at media data that comes first (moov at the end): nothing known, and only its header read', async () => {
		const late = mp4Buffer({ sizeBytes: 6_000_000, durationSec: 20, moovAtEnd: true });
		const source = pieces(late, 65_536);
		const head = await readHead(source.iterator, notAVideo);
		assert.equal(head.facts, undefined);
		assert.equal(source.seen.read, 65_536, 'one piece: the mdat header says the rest is media');
	});

	it('gives up at the head limit when a huge box precedes the moov', async () => {
		assert.equal(HEAD_LIMIT_BYTES, 4 * 1024 * 1024);
		const big = Buffer.alloc(HEAD_LIMIT_BYTES + 1000);
		big.writeUInt32BE(32, 0);
		big.write('ftypisom', 4, 'latin1');
		big.writeUInt32BE(HEAD_LIMIT_BYTES, 32);
		big.write('free', 36, 'latin1');
		const source = pieces(big, 65_536);
		const head = await readHead(source.iterator, notAVideo);
		assert.equal(head.facts, undefined);
		assert.ok(source.seen.read <= 65_536, 'the free box would pass the limit: nothing more read');
	});
});

describe('TikTok picture limits, before anything is sent', () => {
	const video = (facts: Partial<LocalVideo>): LocalVideo => ({
		size: 1,
		container: 'mp4',
		mimeType: 'video/mp4',
		open: async () => (async function* () {})(),
		durationSec: 10,
		...facts,
	});
	const refused = (facts: Partial<LocalVideo>, code: string, message: RegExp) =>
		assert.throws(
			() => checkVideoPicture(video(facts)),
			(error: TikTokError) => {
				assert.equal(error.details.code, code);
				assert.match(error.message, message);
				assert.ok(error.isInputError, 'the user fixes it in the video');
				assert.ok(error.advice.description.length > 40);
				return true;
			},
		);

	it('takes each side 360–4096 px and 23–60 FPS, with no warning when all is known', () => {
		for (const [width, height, frameRate] of [
			[360, 360, 23],
			[4096, 4096, 60],
			[1080, 1920, 29.97],
		]) {
			assert.deepEqual(checkVideoPicture(video({ width, height, frameRate })), []);
		}
	});

	it('refuses a side under 360 or over 4096 px, and a frame rate under 23 or over 60, naming the file and the number', () => {
		refused(
			{ width: 320, height: 240, frameRate: 30, fileName: 'tiny.mp4' },
			'video_resolution_out_of_range',
			/^The video "tiny.mp4" is 320×240 pixels; TikTok accepts videos 360–4096 pixels wide and high$/,
		);
		refused(
			{ width: 4097, height: 2160, frameRate: 30 },
			'video_resolution_out_of_range',
			/4097×2160/,
		);
		refused(
			{ width: 1080, height: 1920, frameRate: 120 },
			'video_frame_rate_out_of_range',
			/plays at 120 frames per second; TikTok accepts 23–60 frames per second/,
		);
		refused(
			{ width: 1080, height: 1920, frameRate: 22.5 },
			'video_frame_rate_out_of_range',
			/22.5 frames per second/,
		);
	});

	it('takes H.264, H.265, VP8 and VP9 as MP4/MOV and WebM name them', () => {
		for (const codec of [
			'avc1',
			'avc3',
			'hvc1',
			'hev1',
			'vp08',
			'vp09',
			'V_VP8',
			'V_VP9',
			'V_MPEG4/ISO/AVC',
			'V_MPEGH/ISO/HEVC',
		]) {
			assert.deepEqual(
				checkVideoPicture(video({ width: 1080, height: 1920, frameRate: 30, codec })),
				[],
				codec,
			);
		}
	});

	it('refuses a codec TikTok leaves out (AV1, ProRes, MPEG-4 Part 2…) by the name users know it, and says to export H.264', () => {
		refused(
			{ width: 1080, height: 1920, frameRate: 30, codec: 'av01', fileName: 'clip.mp4' },
			'video_codec_unsupported',
			/^The video "clip.mp4" is AV1 video \(codec "av01"\); TikTok accepts H.264, H.265, VP8 and VP9 video$/,
		);
		refused(
			{ width: 3840, height: 2160, frameRate: 25, codec: 'apcn' },
			'video_codec_unsupported',
			/Apple ProRes 422 video/,
		);
		refused(
			{ container: 'webm', width: 1080, height: 1920, codec: 'V_AV1' },
			'video_codec_unsupported',
			/AV1 video/,
		);
		refused(
			{ width: 640, height: 480, frameRate: 30, codec: 'mp4v' },
			'video_codec_unsupported',
			/MPEG-4 Part 2/,
		);
	});

	it('warns, without refusing, for a codec n8n does not know (even one named like an object property)', () => {
		for (const codec of ['dvh1', 'constructor', 'toString']) {
			const warnings = checkVideoPicture(
				video({ width: 1080, height: 1920, frameRate: 30, codec }),
			);
			assert.equal(warnings.length, 1, codec);
			assert.match(
				warnings[0],
				new RegExp(`does not know the video's codec "${codec}".*export the video as an H.264 MP4`),
			);
		}
	});

	it('warns, without refusing, for every limit the file gave no number for', () => {
		assert.deepEqual(checkVideoPicture(video({ container: 'webm', width: 1080, height: 1920 })), [
			"n8n could not read the video's frame rate (WebM files need not state it), so TikTok's range of 23–60 frames per second was not checked.",
		]);
		const streamed = checkVideoPicture(video({ durationSec: undefined }));
		assert.equal(streamed.length, 2);
		assert.match(
			streamed[0],
			/size in pixels \(its index, the moov box, was not where n8n read: .* first 4 MB; an export with "fast start"/,
		);
	});

	it('probes a binary video whole: the picture of a moov at the end too', async () => {
		const bytes = mp4Buffer({
			sizeBytes: 300_000,
			durationSec: 7,
			moovAtEnd: true,
			video: track(320, 240, 30),
		});
		const probed = await probe({
			size: bytes.length,
			open: async () => pieces(bytes, 10_000).iterator,
			fileName: 'late.mp4',
		});
		assert.deepEqual(
			[probed.width, probed.height, probed.frameRate, probed.durationSec],
			[320, 240, 30, 7],
		);
		assert.throws(() => checkVideoPicture(probed), /late.mp4" is 320×240/);
	});
});
