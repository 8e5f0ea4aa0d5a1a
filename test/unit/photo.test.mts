import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MAX_PHOTO_BYTES } from '../../nodes/TikTok/helpers/limits.ts';
import {
	assertPhotoUrls,
	isUnderVerifiedPrefix,
	judgeImageResponse,
	mediaType,
	needsRangedGet,
	reportedSize,
	unreachableVerdict,
} from '../../nodes/TikTok/helpers/photo.ts';
import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';

const jpegHead = (headers: Record<string, unknown> = {}) => ({ statusCode: 200, headers: { 'content-type': 'image/jpeg', ...headers } });

function problemOf(verdict: ReturnType<typeof judgeImageResponse>): string {
	assert.equal(verdict.ok, false, 'the image is refused');
	if (verdict.ok) return '';
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

describe('photo preflight: what a media server answer means for TikTok', () => {
	it('accepts JPEG and WebP, whatever the header case or parameters, and keeps the stated size', () => {
		assert.deepEqual(judgeImageResponse(jpegHead({ 'content-length': '2048' })), { ok: true, contentType: 'image/jpeg', bytes: 2048 });
		assert.deepEqual(judgeImageResponse({ statusCode: 200, headers: { 'Content-Type': 'IMAGE/WEBP; q=1' } }), {
			ok: true,
			contentType: 'image/webp',
			bytes: undefined,
		});
	});

	it('refuses PNG saying TikTok does not accept it', () => {
		assert.match(problemOf(judgeImageResponse({ statusCode: 200, headers: { 'content-type': 'image/png' } })), /PNG.*TikTok does not accept PNG/);
	});

	it('refuses anything that is not an image file, naming the Content-Type the server sent', () => {
		assert.match(problemOf(judgeImageResponse({ statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' } })), /"text\/html"/);
		assert.match(problemOf(judgeImageResponse({ statusCode: 200, headers: {} })), /"none"/);
		assert.match(problemOf(judgeImageResponse({ statusCode: 200, headers: { 'content-type': 'image/gif' } })), /not a JPEG or WebP/);
	});

	it('takes exactly 20,000,000 bytes and refuses one byte more (MB read as 10^6, as the emulator does)', () => {
		assert.equal(MAX_PHOTO_BYTES, 20_000_000);
		assert.equal(judgeImageResponse(jpegHead({ 'content-length': String(MAX_PHOTO_BYTES) })).ok, true);
		assert.match(problemOf(judgeImageResponse(jpegHead({ 'content-length': String(MAX_PHOTO_BYTES + 1) }))), /20,000,001 bytes.*20,000,000/);
	});

	it('reads the size from Content-Range on a ranged answer, and passes images whose size is not stated', () => {
		const partial = { statusCode: 206, headers: { 'content-type': 'image/jpeg', 'content-range': 'bytes 0-0/25000000', 'content-length': '1' } };
		assert.equal(reportedSize(partial), 25_000_000);
		assert.match(problemOf(judgeImageResponse(partial)), /25,000,000 bytes/);
		assert.equal(reportedSize({ statusCode: 206, headers: { 'content-range': 'bytes 0-0/*' } }), undefined);
		assert.equal(reportedSize({ statusCode: 200, headers: { 'transfer-encoding': 'chunked' } }), undefined);
		assert.equal(judgeImageResponse(jpegHead()).ok, true);
	});

	it('refuses redirects (TikTok follows none) and error statuses, naming them', () => {
		assert.match(problemOf(judgeImageResponse({ statusCode: 302, headers: { location: 'https://elsewhere/a.jpg' } })), /redirects to "https:\/\/elsewhere\/a.jpg" \(HTTP 302\)/);
		assert.match(problemOf(judgeImageResponse({ statusCode: 404, headers: {} })), /HTTP 404/);
	});

	it('asks again with a ranged GET only when the HEAD itself was refused', () => {
		for (const status of [400, 403, 404, 405, 500, 501]) assert.equal(needsRangedGet(status), true, `HEAD ${status}`);
		for (const status of [200, 204, 301, 302]) assert.equal(needsRangedGet(status), false, `HEAD ${status}`);
	});

	it('explains an unreachable server, with the certificate switch only for certificate failures', () => {
		const refused = unreachableVerdict('connect ECONNREFUSED 127.0.0.1:9');
		assert.equal(refused.ok, false);
		assert.ok(!refused.ok && /ECONNREFUSED/.test(refused.problem) && !/Ignore SSL/.test(refused.fix));
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

	it('names the image by index and URL when it is not a web address or not https', () => {
		rejects(() => assertPhotoUrls([ok, 'ftp://x/a.jpg'], []), /image at index 1 "ftp:\/\/x\/a.jpg" is not a web address/);
		rejects(() => assertPhotoUrls(['http://cdn.example.com/a.jpg'], []), /image at index 0 \("http:\/\/cdn.example.com\/a.jpg"\) does not use https/, /https only/);
	});

	it("refuses a URL outside the verified prefixes, explaining TikTok's URL ownership verification", () => {
		rejects(
			() => assertPhotoUrls([ok, 'https://elsewhere.net/b.jpg'], ['https://cdn.example.com/tiktok/']),
			/image at index 1 \("https:\/\/elsewhere.net\/b.jpg"\) is not under your verified URL prefixes/,
			/verified.*URL properties.*url_ownership_unverified.*"https:\/\/cdn.example.com\/tiktok\/"/,
		);
	});
});
