import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MAX_PHOTO_BYTES } from '../../nodes/TikTok/helpers/limits.ts';
import type {
	ImageHead,
	ImageProbeResponse,
	ImageVerdict,
} from '../../nodes/TikTok/helpers/photo.ts';
import {
	assertPhotoUrls,
	exceeds1080p,
	imageLabel,
	isUnderVerifiedPrefix,
	judgeImage,
	mediaType,
	reportedSize,
	unreachableVerdict,
} from '../../nodes/TikTok/helpers/photo.ts';
import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import { bytesOf, jpegSource, pngSource, webpSource } from '../emulator/media.mts';

const PREFIX = 256 * 1024;
const answer = (headers: Record<string, unknown> = {}, statusCode = 206): ImageProbeResponse => ({
	statusCode,
	headers,
});
const jpegAnswer = (headers: Record<string, unknown> = {}) =>
	answer({ 'content-type': 'image/jpeg', 'content-range': 'bytes 0-262143/500000', ...headers });
const head = async (
	source: Parameters<typeof bytesOf>[0],
	complete = false,
): Promise<ImageHead> => ({ bytes: (await bytesOf(source)).subarray(0, PREFIX), complete });

function refusal(verdict: ImageVerdict, code: string): string {
	assert.equal(verdict.ok, false, 'the image is refused');
	if (verdict.ok) return '';
	assert.equal(verdict.code, code);
	assert.ok(verdict.fix.length > 20, 'the refusal says how to fix it');
	return verdict.problem;
}

function rejects(fn: () => void, message: RegExp, description?: RegExp) {
	// Not `instanceof`: tsx loads the CommonJS helpers once for this ES module and once for photo.ts's require.
	assert.throws(fn, (error: TikTokError) => {
		assert.equal(typeof error.advice?.description, 'string', 'a TikTokError with advice');
		assert.match(error.message, message);
		if (description) assert.match(error.advice.description, description);
		return true;
	});
}

describe("photo preflight: what a media server answer and an image's first bytes mean for TikTok", () => {
	it('accepts JPEG and WebP served as such, whatever the header case or parameters, and keeps the size and the pixels', async () => {
		assert.deepEqual(judgeImage(jpegAnswer(), await head(jpegSource(500_000)), PREFIX), {
			ok: true,
			image: { contentType: 'image/jpeg', bytes: 500_000, width: 1080, height: 1350 },
			notes: [],
		});
		const webp = judgeImage(
			answer({ 'Content-Type': 'IMAGE/WEBP; q=1', 'Content-Length': '3000' }, 200),
			await head(webpSource(3000, { width: 1920, height: 1080 }), true),
			PREFIX,
		);
		assert.deepEqual(webp, {
			ok: true,
			image: { contentType: 'image/webp', bytes: 3000, width: 1920, height: 1080 },
			notes: [],
		});
	});

	it('judges the format by content: a PNG refused as PNG whatever it is called or served as', async () => {
		assert.match(
			refusal(
				judgeImage(answer({ 'content-type': 'image/png' }), await head(pngSource()), PREFIX),
				'photo_format_unsupported',
			),
			/^is a PNG image, and TikTok does not accept PNG$/,
		);
		assert.match(
			refusal(
				judgeImage(jpegAnswer(), await head(pngSource()), PREFIX),
				'photo_format_unsupported',
			),
			/is a PNG image \(judged by its content; the server calls it "image\/jpeg"\), and TikTok does not accept PNG/,
		);
		const gif = { bytes: Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), complete: true };
		assert.match(
			refusal(
				judgeImage(answer({ 'content-type': 'image/gif' }), gif, PREFIX),
				'photo_format_unsupported',
			),
			/is a GIF image, and TikTok does not accept GIF/,
		);
		const heic = {
			bytes: Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'),
			complete: false,
		};
		assert.match(
			refusal(judgeImage(jpegAnswer(), heic, PREFIX), 'photo_format_unsupported'),
			/is an HEIC image \(judged by its content/,
		);
	});

	it('refuses a web page or unknown bytes, naming what the server claims', () => {
		const page = {
			bytes: Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>'),
			complete: true,
		};
		assert.match(
			refusal(
				judgeImage(answer({ 'content-type': 'text/html; charset=utf-8' }), page, PREFIX),
				'photo_format_unsupported',
			),
			/is a web page \(HTML\), not an image \(judged by its content; the server calls it "text\/html"\)/,
		);
		const noise = { bytes: Buffer.from('just some bytes that are no image'), complete: true };
		assert.match(
			refusal(judgeImage(answer({}), noise, PREFIX), 'photo_format_unsupported'),
			/match no image format; the server sends no Content-Type/,
		);
		assert.match(
			refusal(
				judgeImage(jpegAnswer(), { bytes: new Uint8Array(0), complete: true }, PREFIX),
				'photo_format_unsupported',
			),
			/empty file/,
		);
	});

	it('refuses a JPEG or WebP served under another Content-Type: TikTok checks that too', async () => {
		assert.match(
			refusal(
				judgeImage(answer({ 'content-type': 'image/webp' }), await head(jpegSource()), PREFIX),
				'photo_format_unsupported',
			),
			/is a JPEG image, but the server calls it "image\/webp"/,
		);
		const verdict = judgeImage(
			answer({ 'content-type': 'application/octet-stream' }),
			await head(webpSource()),
			PREFIX,
		);
		assert.match(
			refusal(verdict, 'photo_format_unsupported'),
			/is a WebP image, but the server calls it "application\/octet-stream"/,
		);
		assert.ok(
			!verdict.ok && /"image\/webp"/.test(verdict.fix),
			'the fix names the Content-Type to send',
		);
	});

	it('takes exactly 20,000,000 bytes and refuses one byte more (MB read as 10^6, as the emulator does)', async () => {
		assert.equal(MAX_PHOTO_BYTES, 20_000_000);
		const first = await head(jpegSource(1000));
		assert.equal(
			judgeImage(
				jpegAnswer({ 'content-range': `bytes 0-262143/${MAX_PHOTO_BYTES}` }),
				first,
				PREFIX,
			).ok,
			true,
		);
		assert.match(
			refusal(
				judgeImage(
					jpegAnswer({ 'content-range': `bytes 0-262143/${MAX_PHOTO_BYTES + 1}` }),
					first,
					PREFIX,
				),
				'photo_too_large',
			),
			/20,000,001 bytes.*20,000,000/,
		);
		assert.match(
			refusal(
				judgeImage(
					answer({ 'content-type': 'image/jpeg', 'content-length': '25000000' }, 200),
					first,
					PREFIX,
				),
				'photo_too_large',
			),
			/25,000,000 bytes/,
		);
	});

	it('takes up to 1080p either way round and refuses anything larger, naming the pixels', async () => {
		for (const [width, height] of [
			[1080, 1920],
			[1920, 1080],
			[1080, 1080],
			[640, 480],
		]) {
			assert.equal(exceeds1080p(width, height), false, `${width}×${height}`);
			assert.equal(
				judgeImage(jpegAnswer(), await head(jpegSource(3000, { width, height })), PREFIX).ok,
				true,
				`${width}×${height}`,
			);
		}
		for (const [width, height] of [
			[1081, 1921],
			[1921, 1000],
			[1000, 1921],
			[4000, 3000],
		]) {
			assert.equal(exceeds1080p(width, height), true, `${width}×${height}`);
			const problem = refusal(
				judgeImage(jpegAnswer(), await head(jpegSource(3000, { width, height })), PREFIX),
				'photo_resolution_too_high',
			);
			assert.match(
				problem,
				new RegExp(
					`is ${width}×${height} pixels, larger than TikTok's 1080p \\(at most 1920 pixels on the long side and 1080 on the short side\\)`,
				),
			);
		}
	});

	it('passes, with a note, what the answer gave no number for: an unstated size, pixels beyond the bytes read', async () => {
		const verdict = judgeImage(
			answer({ 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' }, 200),
			await head(jpegSource(600_000, undefined, 300_000)),
			PREFIX,
		);
		assert.equal(verdict.ok, true);
		assert.deepEqual(verdict.ok && verdict.notes, [
			"did not state its size, so TikTok's limit of 20 MB was not checked",
			"has no size in pixels n8n could read in its first 256 KB, so TikTok's 1080p limit was not checked",
		]);
		assert.deepEqual(verdict.ok && verdict.image, { contentType: 'image/jpeg' });
	});

	it('reads the size from Content-Range on a ranged answer, else Content-Length, else the whole body when it all came', async () => {
		assert.equal(
			reportedSize(answer({ 'content-range': 'bytes 0-0/25000000', 'content-length': '1' })),
			25_000_000,
		);
		assert.equal(reportedSize(answer({ 'content-range': 'bytes 0-0/*' })), undefined);
		assert.equal(reportedSize(answer({ 'transfer-encoding': 'chunked' }, 200)), undefined);
		const whole = judgeImage(
			answer({ 'content-type': 'image/jpeg' }, 200),
			await head(jpegSource(900), true),
			PREFIX,
		);
		assert.deepEqual(whole.ok && whole.image.bytes, 900);
	});

	it('refuses redirects (TikTok follows none) and error statuses, naming them, without reading a byte', () => {
		const none = { bytes: new Uint8Array(0), complete: false };
		assert.match(
			refusal(
				judgeImage(answer({ location: 'https://elsewhere/a.jpg' }, 302), none, PREFIX),
				'photo_unreachable',
			),
			/redirects to "https:\/\/elsewhere\/a.jpg" \(HTTP 302\)/,
		);
		assert.match(
			refusal(judgeImage(answer({}, 404), none, PREFIX), 'photo_unreachable'),
			/HTTP 404/,
		);
	});

	it('refuses an image whose first bytes never arrived, with the reason', () => {
		const cut = { bytes: Buffer.from([0xff, 0xd8]), complete: false, error: 'aborted' };
		assert.match(
			refusal(judgeImage(jpegAnswer(), cut, PREFIX), 'photo_unreachable'),
			/could not be read \(aborted\)/,
		);
	});

	it('names an image by its position from 1 and its URL', () => {
		assert.equal(imageLabel(2, 7, 'https://a/3.jpg'), 'image 3 of 7 ("https://a/3.jpg")');
	});

	it('explains an unreachable server, with the certificate switch only for certificate failures', () => {
		const refused = unreachableVerdict('connect ECONNREFUSED 127.0.0.1:9');
		assert.equal(refused.ok, false);
		assert.ok(
			!refused.ok && /ECONNREFUSED/.test(refused.problem) && !/Ignore SSL/.test(refused.fix),
		);
		const selfSigned = unreachableVerdict('self-signed certificate');
		assert.ok(!selfSigned.ok && /Ignore SSL Issues/.test(selfSigned.fix));
	});

	it('normalises media types', () => {
		assert.equal(mediaType(' Image/JPEG ; charset=binary'), 'image/jpeg');
		assert.equal(mediaType(undefined), '');
	});
});

describe('verified URL prefixes and domains (matched as TikTok matches them)', () => {
	it('matches a URL prefix as an exact string prefix', () => {
		const prefixes = ['https://cdn.example.com/tiktok/'];
		assert.equal(isUnderVerifiedPrefix('https://cdn.example.com/tiktok/a.jpg', prefixes), true);
		assert.equal(isUnderVerifiedPrefix('https://cdn.example.com/other/a.jpg', prefixes), false);
		assert.equal(isUnderVerifiedPrefix('https://cdn.example.com/tiktokx/a.jpg', prefixes), false);
		assert.equal(isUnderVerifiedPrefix('http://cdn.example.com/tiktok/a.jpg', prefixes), false);
	});

	it('lets a bare domain cover its subdomains, but not look-alike hosts', () => {
		const domains = ['example.com'];
		assert.equal(isUnderVerifiedPrefix('https://example.com/a.jpg', domains), true);
		assert.equal(isUnderVerifiedPrefix('https://img.cdn.example.com/a.jpg', domains), true);
		assert.equal(isUnderVerifiedPrefix('https://notexample.com/a.jpg', domains), false);
		assert.equal(isUnderVerifiedPrefix('https://example.com.evil.io/a.jpg', domains), false);
	});
});

describe('photo URLs checked before any network call', () => {
	const ok = 'https://cdn.example.com/tiktok/a.jpg';

	it('passes https URLs, and any https URL when no prefixes are listed', () => {
		assert.doesNotThrow(() => assertPhotoUrls([ok, 'https://other.example.org/b.webp'], []));
	});

	it('names the image by position and URL when it is not a web address or not https', () => {
		rejects(
			() => assertPhotoUrls([ok, 'ftp://x/a.jpg'], []),
			/image 2 of 2 "ftp:\/\/x\/a.jpg" is not a web address/,
		);
		rejects(
			() => assertPhotoUrls(['http://cdn.example.com/a.jpg'], []),
			/image 1 of 1 \("http:\/\/cdn.example.com\/a.jpg"\) does not use https/,
			/https only/,
		);
	});

	it("refuses a URL outside the verified prefixes, explaining TikTok's URL ownership verification", () => {
		rejects(
			() =>
				assertPhotoUrls([ok, 'https://elsewhere.net/b.jpg'], ['https://cdn.example.com/tiktok/']),
			/image 2 of 2 \("https:\/\/elsewhere.net\/b.jpg"\) is not under your verified URL prefixes/,
			/verified.*URL properties.*url_ownership_unverified.*"https:\/\/cdn.example.com\/tiktok\/"/,
		);
	});
});
