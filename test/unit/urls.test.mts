/** Web addresses as the node reads them: a URL's file name, and whether a URL lies under a verified URL prefix. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isUnderVerifiedPrefix } from '../../nodes/TikTok/helpers/photo.ts';
import { fileNameOfUrl, isUnderUrlPrefix } from '../../nodes/TikTok/helpers/urls.ts';

describe("a downloaded video's file name comes from its URL", () => {
	it('is the last path segment, percent-decoded', () => {
		assert.equal(
			fileNameOfUrl('https://cdn.example.com/videos/my%20clip.mp4?sig=1'),
			'my clip.mp4',
		);
	});

	it('keeps a malformed percent-escape as written instead of failing ("clip%zz.mp4")', () => {
		assert.equal(fileNameOfUrl('https://cdn.example.com/clip%zz.mp4'), 'clip%zz.mp4');
		assert.equal(fileNameOfUrl('https://cdn.example.com/%E0%A4%A.mp4'), '%E0%A4%A.mp4');
	});

	it('is "video" when the path names no file', () => {
		assert.equal(fileNameOfUrl('https://cdn.example.com/'), 'video');
	});
});

describe('a URL prefix covers the URLs under it, on a path boundary', () => {
	it('covers its own path and everything below it', () => {
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com/media/a.jpg', 'https://cdn.example.com/media/'),
			true,
		);
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com/media/a.jpg', 'https://cdn.example.com/media'),
			true,
		);
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com/media', 'https://cdn.example.com/media'),
			true,
		);
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com/x.jpg', 'https://cdn.example.com'),
			true,
		);
	});

	it('"https://cdn.example.com" does not cover another host that starts with the same letters', () => {
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com.evil.net/x.jpg', 'https://cdn.example.com'),
			false,
		);
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com:8443/x.jpg', 'https://cdn.example.com'),
			false,
		);
	});

	it('"https://cdn.example.com/media" does not cover a sibling path that starts with the same letters', () => {
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com/media-evil/x', 'https://cdn.example.com/media'),
			false,
		);
		assert.equal(
			isUnderUrlPrefix('https://cdn.example.com/mediax.jpg', 'https://cdn.example.com/media'),
			false,
		);
	});

	it('compares addresses as browsers resolve them: scheme, host case, and ".." segments', () => {
		assert.equal(
			isUnderUrlPrefix('http://cdn.example.com/media/a.jpg', 'https://cdn.example.com/media/'),
			false,
		);
		assert.equal(
			isUnderUrlPrefix('https://CDN.Example.com/media/a.jpg', 'https://cdn.example.com/media/'),
			true,
		);
		assert.equal(
			isUnderUrlPrefix(
				'https://cdn.example.com/media/../private/a.jpg',
				'https://cdn.example.com/media/',
			),
			false,
		);
	});

	it('an address that does not parse is under nothing', () => {
		assert.equal(isUnderUrlPrefix('not a url', 'https://cdn.example.com/'), false);
		assert.equal(isUnderUrlPrefix('https://cdn.example.com/a.jpg', 'https://'), false);
	});

	it("is how the photo operation matches the app's verified URL prefixes", () => {
		assert.equal(
			isUnderVerifiedPrefix('https://cdn.example.com.evil.net/x.jpg', ['https://cdn.example.com']),
			false,
		);
		assert.equal(
			isUnderVerifiedPrefix('https://cdn.example.com/media-evil/x', [
				'https://cdn.example.com/media',
			]),
			false,
		);
		assert.equal(
			isUnderVerifiedPrefix('https://cdn.example.com/media/x.jpg', [
				'https://cdn.example.com/media',
			]),
			true,
		);
	});
});
