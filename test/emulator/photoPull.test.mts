import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import { jpegSource, pngSource, sha256Of, webpSource, type ByteSource } from './media.mts';
import type { MediaServer } from './mediaServer.mts';
import { api, photoBody, pollToEnd, emulatorForEachTest } from './testkit.mts';

let emu: TikTokEmulator;
let media: MediaServer;
let token: string;
emulatorForEachTest(
	(test) => {
		({ emu, token } = test);
		media = test.media as MediaServer;
	},
	{},
	{ media: true },
);

function serve(path: string, src: ByteSource, contentType: string, contentLength = true) {
	media.files[path] = { body: () => src.stream(), size: src.size, contentType, contentLength };
}

async function postPhotos(paths: string[], mode = 'DIRECT_POST') {
	const r = await api(
		emu,
		'content/init',
		token,
		photoBody(
			paths.map((p) => `${media.url}${p}`),
			{ post_mode: mode },
		),
	);
	assert.equal(r.status, 200, r.text);
	const id = r.json.data.publish_id as string;
	await emu.waitForPulls();
	return {
		id,
		data: (await pollToEnd(emu, token, id)).last.json.data,
		p: emu.state.publishes.get(id)!,
	};
}

describe('PULL_FROM_URL photo downloads', () => {
	it('downloads every image in order, hashing each, then completes', async () => {
		const a = jpegSource(3000);
		const b = webpSource(4000);
		const c = jpegSource(5000);
		serve('/a.jpg', a, 'image/jpeg');
		serve('/b.webp', b, 'image/webp');
		serve('/c.jpg', c, 'image/jpeg', false);
		const { data, p } = await postPhotos(['/a.jpg', '/b.webp', '/c.jpg']);
		assert.equal(data.status, 'PUBLISH_COMPLETE');
		assert.equal(data.downloaded_bytes, 12000);
		assert.deepEqual(
			media.requests.map((r) => r.path),
			['/a.jpg', '/b.webp', '/c.jpg'],
		);
		assert.deepEqual(
			p.photoDownloads.map((d) => [d.status, d.detectedFormat, d.bytes]),
			[
				['done', 'jpeg', 3000],
				['done', 'webp', 4000],
				['done', 'jpeg', 5000],
			],
		);
		assert.deepEqual(
			p.photoDownloads.map((d) => d.sha256),
			[await sha256Of(a), await sha256Of(b), await sha256Of(c)],
		);
	});

	it('ends a MEDIA_UPLOAD photo post in SEND_TO_USER_INBOX', async () => {
		serve('/a.jpg', jpegSource(), 'image/jpeg');
		const { data } = await postPhotos(['/a.jpg'], 'MEDIA_UPLOAD');
		assert.equal(data.status, 'SEND_TO_USER_INBOX');
	});

	it('fails with file_format_check_failed for a PNG (Content-Type image/png)', async () => {
		serve('/a.png', pngSource(), 'image/png');
		const { data } = await postPhotos(['/a.png']);
		assert.equal(data.status, 'FAILED');
		assert.equal(data.fail_reason, 'file_format_check_failed');
	});

	it('fails with file_format_check_failed for PNG bytes labelled image/jpeg (magic bytes are checked)', async () => {
		serve('/a.jpg', pngSource(), 'image/jpeg');
		const { data, p } = await postPhotos(['/a.jpg']);
		assert.equal(data.fail_reason, 'file_format_check_failed');
		assert.equal(p.photoDownloads[0].status, 'failed');
	});

	it('fails with file_format_check_failed when the bytes and the Content-Type disagree (JPEG sent as image/webp)', async () => {
		serve('/a.webp', jpegSource(), 'image/webp');
		const { data } = await postPhotos(['/a.webp']);
		assert.equal(data.fail_reason, 'file_format_check_failed');
	});

	it('takes photos up to 1080p either way round (1080×1920, 1920×1080), whichever way the file states its size', async () => {
		serve('/portrait.jpg', jpegSource(3000, { width: 1080, height: 1920 }), 'image/jpeg');
		serve('/landscape.webp', webpSource(3000, { width: 1920, height: 1080 }, 'VP8L'), 'image/webp');
		serve('/square.webp', webpSource(3000, { width: 1080, height: 1080 }, 'VP8X'), 'image/webp');
		// EXIF/XMP metadata before the frame header: the size is 300 KB into the file.
		serve(
			'/metadata.jpg',
			jpegSource(400_000, { width: 1080, height: 1350 }, 300_000),
			'image/jpeg',
		);
		const { data, p } = await postPhotos([
			'/portrait.jpg',
			'/landscape.webp',
			'/square.webp',
			'/metadata.jpg',
		]);
		assert.equal(data.status, 'PUBLISH_COMPLETE');
		assert.deepEqual(
			p.photoDownloads.map((d) => [d.width, d.height]),
			[
				[1080, 1920],
				[1920, 1080],
				[1080, 1080],
				[1080, 1350],
			],
		);
	});

	it('fails a photo larger than 1080p with picture_size_check_failed, and stops at it', async () => {
		for (const [width, height] of [
			[1081, 1921],
			[2000, 1000],
			[1000, 2000],
			[4000, 3000],
		]) {
			serve('/ok.jpg', jpegSource(), 'image/jpeg');
			serve('/big.jpg', jpegSource(3000, { width, height }), 'image/jpeg');
			serve('/after.jpg', jpegSource(), 'image/jpeg');
			const { data, p } = await postPhotos(['/ok.jpg', '/big.jpg', '/after.jpg']);
			assert.equal(data.fail_reason, 'picture_size_check_failed', `${width}×${height}`);
			assert.deepEqual(
				p.photoDownloads.map((d) => d.status),
				['done', 'failed', 'pending'],
			);
			assert.match(String(p.photoDownloads[1].error), new RegExp(`${width}×${height}`));
		}
	});

	it('fails a JPEG whose frame size it cannot find with file_format_check_failed (it cannot be decoded)', async () => {
		media.files['/broken.jpg'] = {
			body: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xda, 0, 2]),
			contentType: 'image/jpeg',
		};
		const { data } = await postPhotos(['/broken.jpg']);
		assert.equal(data.fail_reason, 'file_format_check_failed');
	});

	it('accepts an image of exactly 20,000,000 bytes', async () => {
		serve('/max.jpg', jpegSource(20_000_000), 'image/jpeg');
		const { data, p } = await postPhotos(['/max.jpg']);
		assert.equal(data.status, 'PUBLISH_COMPLETE');
		assert.equal(p.photoDownloads[0].bytes, 20_000_000);
		assert.equal(data.downloaded_bytes, 20_000_000);
	});

	it('fails with picture_size_check_failed for an image over 20,000,000 bytes, without downloading it (Content-Length)', async () => {
		serve('/big.jpg', jpegSource(20_000_001), 'image/jpeg');
		const { data, p } = await postPhotos(['/big.jpg']);
		assert.equal(data.fail_reason, 'picture_size_check_failed');
		assert.ok(p.photoDownloads[0].bytes < 20_000_001);
	});

	it('fails with picture_size_check_failed once a chunked image exceeds limits.maxPhotoBytes', async () => {
		emu.config.limits.maxPhotoBytes = 100_000;
		serve('/big.jpg', jpegSource(5_000_000), 'image/jpeg', false);
		const { data, p } = await postPhotos(['/big.jpg']);
		assert.equal(data.fail_reason, 'picture_size_check_failed');
		assert.ok(p.photoDownloads[0].bytes <= 100_000 + 65_536 && p.photoDownloads[0].bytes > 100_000);
	});

	it('fails with photo_pull_failed when an image answers 404, and stops there', async () => {
		serve('/a.jpg', jpegSource(), 'image/jpeg');
		serve('/c.jpg', jpegSource(), 'image/jpeg');
		const { data, p } = await postPhotos(['/a.jpg', '/missing.jpg', '/c.jpg']);
		assert.equal(data.fail_reason, 'photo_pull_failed');
		assert.deepEqual(
			p.photoDownloads.map((d) => d.status),
			['done', 'failed', 'pending'],
		);
		assert.equal(p.photoDownloads[1].httpStatus, 404);
	});

	it('fails with photo_pull_failed on a redirect', async () => {
		serve('/a.jpg', jpegSource(), 'image/jpeg');
		media.files['/moved.jpg'] = { status: 301, headers: { Location: `${media.url}/a.jpg` } };
		const { data } = await postPhotos(['/moved.jpg']);
		assert.equal(data.fail_reason, 'photo_pull_failed');
	});
});
