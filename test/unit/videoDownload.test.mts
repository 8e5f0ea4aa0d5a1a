/**
 * The rules for a video n8n downloads itself: what a media server's answer means before its body is read, and
 * whether an MP4 that ended where its Content-Length said is whole.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import {
	TopLevelBoxes,
	downloadTimedOut,
	judgeVideoAnswer,
	notAVideo,
	wholeMp4,
} from '../../nodes/TikTok/helpers/videoDownload.ts';
import { mp4Buffer } from '../fixtures/video.mts';

const URL = 'https://cdn.example.com/clip.mp4';
const LIMIT = 10_000;

function verdict(statusCode: number, headers: Record<string, string> = {}) {
	return judgeVideoAnswer(URL, { statusCode, headers }, LIMIT);
}

function refusal(statusCode: number, headers: Record<string, string> = {}): TikTokError {
	const answer = verdict(statusCode, headers);
	assert.ok('error' in answer, `HTTP ${statusCode} ${JSON.stringify(headers)} is refused`);
	return answer.error;
}

/** Feeds `bytes` to the box walker in pieces of `size` bytes. */
function walk(bytes: Buffer, size: number): TopLevelBoxes {
	const boxes = new TopLevelBoxes();
	for (let at = 0; at < bytes.length; at += size) boxes.push(bytes.subarray(at, at + size));
	return boxes;
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
	let bytes = 0;
	for await (const piece of source) bytes += piece.length;
	return bytes;
}

describe('a media server answer, judged before its body is read', () => {
	it('accepts a 200 with or without a size, and reports the declared size and type', () => {
		assert.deepEqual(verdict(200, { 'content-type': 'video/mp4', 'content-length': '5000' }), {
			length: 5000,
			contentType: 'video/mp4',
		});
		assert.deepEqual(verdict(200, {}), { length: undefined, contentType: undefined });
		assert.deepEqual(verdict(206, { 'content-length': 'junk' }), {
			length: undefined,
			contentType: undefined,
		});
		assert.equal(
			(
				verdict(200, { 'content-encoding': 'identity', 'content-length': String(LIMIT) }) as {
					length: number;
				}
			).length,
			LIMIT,
		);
	});

	it('names an HTTP error with its status, keeping the status in the details', () => {
		for (const status of [404, 500, 302]) {
			const error = refusal(status);
			assert.equal(error.details.code, 'download_http_error');
			assert.equal(error.details.http_status, status);
			assert.match(error.message, new RegExp(`HTTP ${status} instead of the video: "${URL}"`));
			assert.match(error.advice.description, /private browser window/);
		}
	});

	it('refuses a compressed answer (its size is not the video size), naming the encoding', () => {
		const error = refusal(200, { 'content-encoding': 'br', 'content-length': '100' });
		assert.equal(error.details.code, 'download_encoded');
		assert.match(error.message, /Content-Encoding: br/);
	});

	it('refuses a web page by its Content-Type, naming it', () => {
		const error = refusal(200, { 'content-type': 'text/html; charset=utf-8' });
		assert.equal(error.details.code, 'download_not_video');
		assert.match(
			error.message,
			/returned a web page, not a video \(Content-Type text\/html; charset=utf-8\)/,
		);
	});

	it('refuses a declared size above the limit before reading, naming both', () => {
		const error = refusal(200, { 'content-length': String(LIMIT + 1) });
		assert.equal(error.details.code, 'download_too_large');
		assert.match(
			error.message,
			/is 10001 bytes .*more than the download limit.*did not download it/,
		);
	});

	it('says a time limit in the words the option uses', () => {
		assert.match(
			downloadTimedOut(URL, 60 * 60_000).message,
			/within its time limit of 60 minutes$/,
		);
		assert.match(downloadTimedOut(URL, 90_000).message, /of 1\.5 minutes$/);
		assert.match(downloadTimedOut(URL, 6000).message, /of 6 seconds$/);
	});

	it('tells a web page from other content by the first bytes when the type does not say', () => {
		assert.match(
			notAVideo(URL, 'application/octet-stream', Buffer.from('  <!DOCTYPE html><ht')).message,
			/web page, not a video \(Content-Type application\/octet-stream\)/,
		);
		assert.match(
			notAVideo(URL, undefined, Buffer.from('PK\u0003\u0004 a zip file')).message,
			/did not return a video TikTok accepts .*no Content-Type/,
		);
	});
});

describe('whether a streamed MP4 is whole (top-level boxes)', () => {
	const file = mp4Buffer({ sizeBytes: 3000, durationSec: 4 });

	it('finds a complete file complete, whatever the piece boundaries (headers split across pieces)', () => {
		for (const size of [1, 3, 7, 8, 16, 1000, file.length])
			assert.equal(walk(file, size).missingBytes(), 0, `pieces of ${size}`);
	});

	it('finds a file cut inside a box, and how much of the box is missing', () => {
		for (const cut of [20, 200, 2999])
			assert.equal(walk(file.subarray(0, cut), 5).missingBytes() > 0, true, `cut at ${cut}`);
		assert.equal(walk(file.subarray(0, 2990), 64).missingBytes(), 10);
	});

	it('reads 64-bit box sizes, and stops checking at a box that runs to the end of the file', () => {
		const large = Buffer.alloc(16 + 4);
		large.writeUInt32BE(1, 0);
		large.write('mdat', 4, 'ascii');
		large.writeUInt32BE(0, 8);
		large.writeUInt32BE(16 + 10, 12);
		assert.equal(walk(large, 3).missingBytes(), 6);
		const toEnd = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from('mdat'), Buffer.alloc(50)]);
		assert.equal(walk(toEnd, 7).missingBytes(), 0);
	});

	it('passes a whole MP4 through and fails a cut one with source_too_long after its last byte', async () => {
		assert.equal(
			await drain(wholeMp4([file.subarray(0, 1000), file.subarray(1000)], file.length)),
			file.length,
		);
		const cut = file.subarray(0, 2500);
		await assert.rejects(drain(wholeMp4([cut], cut.length)), (error: TikTokError) => {
			assert.equal(error.details.code, 'source_too_long');
			assert.match(
				error.message,
				/cut off: the server's Content-Length of 2500 bytes ends 500 bytes before the end/,
			);
			return true;
		});
	});
});
