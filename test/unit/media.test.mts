import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { readMp4Duration, sniffVideoContainer } from '../../nodes/TikTok/helpers/media.ts';
import { mp4Buffer, mp4Stream } from '../fixtures/video.mts';

describe('video probe (container and duration from the bytes, no external tools)', () => {
	it('recognises MP4, MOV and WebM by their signatures, whatever the file name', () => {
		assert.equal(sniffVideoContainer(mp4Buffer({ sizeBytes: 4096 })), 'mp4');
		assert.equal(sniffVideoContainer(mp4Buffer({ sizeBytes: 4096, brand: 'qt  ' })), 'mov');
		assert.equal(sniffVideoContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0])), 'webm');
	});

	it('rejects images, text and AVI-like files', () => {
		assert.equal(sniffVideoContainer(Buffer.from('\x89PNG\r\n\x1a\n00000000', 'binary')), undefined);
		assert.equal(sniffVideoContainer(Buffer.from('hello world, not a video')), undefined);
		assert.equal(sniffVideoContainer(Buffer.from('RIFF\0\0\0\0AVI LIST', 'binary')), undefined);
	});

	it('reads the duration from an mvhd at the start', async () => {
		assert.equal(await readMp4Duration(mp4Stream({ sizeBytes: 200_000, durationSec: 61.5 })), 61.5);
	});

	it('reads the duration when moov sits after 30 MB of media data, without keeping the media', async () => {
		const duration = await readMp4Duration(mp4Stream({ sizeBytes: 30_000_000, durationSec: 245, moovAtEnd: true }));
		assert.equal(duration, 245);
	});

	it('copes with pieces split at awkward boundaries', async () => {
		const bytes = mp4Buffer({ sizeBytes: 70_000, durationSec: 9 });
		const pieces = Readable.from((function* () { for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7); })());
		assert.equal(await readMp4Duration(pieces), 9);
	});

	it('returns undefined when there is no moov box', async () => {
		assert.equal(await readMp4Duration(Readable.from([Buffer.from('not an mp4 at all, just text.........')])), undefined);
	});
});
