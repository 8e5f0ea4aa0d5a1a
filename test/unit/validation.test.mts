import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertCoverIndex, assertPhotoCount } from '../../nodes/TikTok/helpers/photo.ts';
import type { CreatorInfo, DirectPostSettings } from '../../nodes/TikTok/helpers/postSettings.ts';
import {
	assertDirectPostSettings,
	assertVideoDuration,
	commonPostInfo,
} from '../../nodes/TikTok/helpers/postSettings.ts';
import { assertPublishId } from '../../nodes/TikTok/helpers/publishResult.ts';
import {
	assertPhotoDescription,
	assertPhotoTitle,
	assertVideoCaption,
} from '../../nodes/TikTok/helpers/text.ts';
import { assertHttpUrl, parseUrlList } from '../../nodes/TikTok/helpers/urls.ts';
import { TikTokError } from './commonjs.mts';

const publicCreator: CreatorInfo = {
	creator_nickname: 'Pat',
	creator_username: 'pat',
	privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
	comment_disabled: false,
	duet_disabled: false,
	stitch_disabled: false,
	max_video_post_duration_sec: 600,
};
const privateCreator: CreatorInfo = {
	...publicCreator,
	privacy_level_options: ['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
	duet_disabled: true,
	stitch_disabled: true,
	max_video_post_duration_sec: 180,
};
const settings = (overrides: Partial<DirectPostSettings> = {}): DirectPostSettings => ({
	privacyLevel: 'SELF_ONLY',
	allowComment: false,
	allowDuet: false,
	allowStitch: false,
	discloseCommercialContent: false,
	yourBrand: false,
	brandedContent: false,
	...overrides,
});

function rejects(fn: () => void, message: RegExp) {
	assert.throws(
		fn,
		(error: unknown) =>
			error instanceof TikTokError &&
			message.test(error.message) &&
			error.advice.description.length > 0,
	);
}

describe('caption and text limits (UTF-16 units, as TikTok counts)', () => {
	it('accepts a 2200-unit caption and rejects 2201', () => {
		assert.doesNotThrow(() => assertVideoCaption('a'.repeat(2200)));
		rejects(() => assertVideoCaption('a'.repeat(2201)), /2201 of 2200/);
	});

	it('counts an emoji as 2', () => {
		rejects(() => assertVideoCaption('a'.repeat(2199) + '😀'), /2201 of 2200/);
	});

	it('limits photo titles to 90 and descriptions to 4000', () => {
		assert.doesNotThrow(() => assertPhotoTitle('t'.repeat(90)));
		rejects(() => assertPhotoTitle('t'.repeat(91)), /title is too long/);
		rejects(() => assertPhotoDescription('d'.repeat(4001)), /description is too long/);
	});
});

describe('direct post settings against fresh creator info', () => {
	it('requires a privacy level (no default)', () => {
		rejects(
			() => assertDirectPostSettings(settings({ privacyLevel: '' }), publicCreator, 'video'),
			/Choose who can see/,
		);
	});

	it('rejects a privacy level the creator does not offer and lists what it offers', () => {
		assert.throws(
			() =>
				assertDirectPostSettings(
					settings({ privacyLevel: 'PUBLIC_TO_EVERYONE' }),
					privateCreator,
					'video',
				),
			(error: TikTokError) =>
				/not available/.test(error.message) && /FOLLOWER_OF_CREATOR/.test(error.advice.description),
		);
	});

	it('rejects branded content that is private (Only Me)', () => {
		rejects(
			() =>
				assertDirectPostSettings(
					settings({ discloseCommercialContent: true, brandedContent: true }),
					publicCreator,
					'video',
				),
			/cannot be set to private/,
		);
	});

	it('requires Your Brand or Branded Content when commercial disclosure is on', () => {
		rejects(
			() =>
				assertDirectPostSettings(
					settings({ discloseCommercialContent: true }),
					publicCreator,
					'video',
				),
			/promotes yourself, a third party, or both/,
		);
	});

	it('refuses duets and stitches on a creator who has them off, but ignores them for photos', () => {
		rejects(
			() => assertDirectPostSettings(settings({ allowDuet: true }), privateCreator, 'video'),
			/duets turned off/,
		);
		rejects(
			() => assertDirectPostSettings(settings({ allowStitch: true }), privateCreator, 'video'),
			/stitches turned off/,
		);
		assert.doesNotThrow(() =>
			assertDirectPostSettings(settings({ allowDuet: true }), privateCreator, 'photo'),
		);
	});

	it('refuses comments on a creator who turned them off', () => {
		rejects(
			() =>
				assertDirectPostSettings(
					settings({ allowComment: true }),
					{ ...publicCreator, comment_disabled: true },
					'video',
				),
			/comments turned off/,
		);
	});

	it('maps the choices to TikTok fields: interactions off unless chosen, brand toggles only when disclosed', () => {
		assert.deepEqual(
			commonPostInfo(
				settings({ privacyLevel: 'PUBLIC_TO_EVERYONE', allowComment: true, yourBrand: true }),
			),
			{
				privacy_level: 'PUBLIC_TO_EVERYONE',
				disable_comment: false,
				brand_content_toggle: false,
				brand_organic_toggle: false,
			},
		);
		assert.deepEqual(
			commonPostInfo(
				settings({
					privacyLevel: 'PUBLIC_TO_EVERYONE',
					discloseCommercialContent: true,
					yourBrand: true,
					brandedContent: true,
				}),
			),
			{
				privacy_level: 'PUBLIC_TO_EVERYONE',
				disable_comment: true,
				brand_content_toggle: true,
				brand_organic_toggle: true,
			},
		);
	});

	it("rejects a video longer than the creator's maximum duration", () => {
		rejects(() => assertVideoDuration(181, privateCreator), /at most 180 seconds/);
		assert.doesNotThrow(() => assertVideoDuration(180, privateCreator));
		assert.doesNotThrow(() => assertVideoDuration(undefined, privateCreator));
	});
});

describe('inputs', () => {
	it('accepts publish ids of every documented kind and rejects other text', () => {
		for (const id of [
			'v_pub_file~v2-1.123456789',
			'v_pub_url~v2.123456789',
			'v_inbox_file~v2.1',
			'v_inbox_url~v2.1',
			'p_pub_url~v2.123456789',
		]) {
			assert.doesNotThrow(() => assertPublishId(id), id);
		}
		for (const id of [
			'',
			'123',
			'hello world',
			'v_pub_file',
			'x_pub_file~v2.1',
			'v_pub_file~' + 'a'.repeat(70),
		]) {
			rejects(() => assertPublishId(id), /is not a TikTok publish ID/);
		}
	});

	it('accepts only http(s) URLs', () => {
		assert.doesNotThrow(() => assertHttpUrl('video URL', 'https://cdn.example.com/a.mp4'));
		rejects(() => assertHttpUrl('video URL', 'ftp://example.com/a.mp4'), /not a web address/);
		rejects(() => assertHttpUrl('video URL', 'file:///etc/passwd'), /not a web address/);
		rejects(() => assertHttpUrl('video URL', 'just text'), /not a web address/);
	});

	it('parses URL lists from arrays and comma or newline separated text', () => {
		assert.deepEqual(parseUrlList('https://a/1.jpg, https://a/2.jpg\nhttps://a/3.jpg\n'), [
			'https://a/1.jpg',
			'https://a/2.jpg',
			'https://a/3.jpg',
		]);
		assert.deepEqual(parseUrlList(['https://a/1.jpg', ' ', 'https://a/2.jpg']), [
			'https://a/1.jpg',
			'https://a/2.jpg',
		]);
		assert.deepEqual(parseUrlList(undefined), []);
	});

	it('keeps commas that are part of a URL (image CDN transformations), splitting only where the next URL starts', () => {
		const cdn = 'https://res.example.com/image/upload/w_400,h_300/a.jpg';
		assert.deepEqual(parseUrlList(`${cdn},https://a/2.jpg, https://a/3.jpg`), [
			cdn,
			'https://a/2.jpg',
			'https://a/3.jpg',
		]);
		assert.deepEqual(parseUrlList('example.com, https://cdn.example.com/x/', /[\s,]+/), [
			'example.com',
			'https://cdn.example.com/x/',
		]);
	});

	it('checks photo counts (1–35) and the cover index range', () => {
		rejects(() => assertPhotoCount(0), /at least one image/);
		rejects(() => assertPhotoCount(36), /at most 35/);
		assert.doesNotThrow(() => assertPhotoCount(35));
		rejects(() => assertCoverIndex(3, 3), /out of range/);
		rejects(() => assertCoverIndex(-1, 3), /out of range/);
		assert.doesNotThrow(() => assertCoverIndex(2, 3));
	});
});
