import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import { api, fileSource, photoBody, tokenFor, emulatorForEachTest } from './testkit.mts';

let emu: TikTokEmulator;
let token: string;
emulatorForEachTest((test) => ({ emu, token } = test), { verifiedDomains: ['media.example.com'] });

const IMG = 'https://media.example.com/p/1.jpg';
const imgs = (n: number) =>
	Array.from({ length: n }, (_, i) => `https://media.example.com/p/${i}.jpg`);

async function expectInvalid(endpoint: string, body: unknown, message: RegExp, account?: string) {
	const r = await api(emu, endpoint, account ? tokenFor(emu, account) : token, body);
	assert.equal(r.status, 400, r.text);
	assert.equal(r.json.error.code, 'invalid_params');
	assert.match(r.json.error.message, message);
}

async function expectOk(endpoint: string, body: unknown, account?: string) {
	const r = await api(emu, endpoint, account ? tokenFor(emu, account) : token, body);
	assert.equal(r.status, 200, r.text);
	return r;
}

describe('inbox/video/init (draft)', () => {
	it('returns a v_inbox_file~ publish_id and an upload_url for FILE_UPLOAD', async () => {
		const r = await expectOk('inbox/video/init', { source_info: fileSource(1000) });
		assert.match(r.json.data.publish_id, /^v_inbox_file~v2\.\d+$/);
		assert.ok(r.json.data.upload_url.startsWith(`${emu.uploadBaseUrl}/upload/?upload_id=`));
		assert.equal(emu.state.publishes.get(r.json.data.publish_id)?.mode, 'INBOX');
	});

	it('returns a v_inbox_url~ publish_id for PULL_FROM_URL', async () => {
		const r = await expectOk('inbox/video/init', {
			source_info: { source: 'PULL_FROM_URL', video_url: 'https://media.example.com/v.mp4' },
		});
		assert.match(r.json.data.publish_id, /^v_inbox_url~v2\.\d+$/);
	});

	it('rejects post_info (drafts carry only source_info)', async () => {
		await expectInvalid(
			'inbox/video/init',
			{ post_info: { privacy_level: 'SELF_ONLY' }, source_info: fileSource(1000) },
			/only source_info/,
		);
	});

	it('rejects unknown top-level fields', async () => {
		await expectInvalid(
			'inbox/video/init',
			{ source_info: fileSource(1000), media_type: 'VIDEO' },
			/Unknown field media_type/,
		);
	});

	it('applies the source_info rules of video/init (video_url required for PULL, chunk rules)', async () => {
		await expectInvalid(
			'inbox/video/init',
			{ source_info: { source: 'PULL_FROM_URL' } },
			/video_url is required/,
		);
		await expectInvalid(
			'inbox/video/init',
			{ source_info: fileSource(50_000_123, 10_000_000, 6) },
			/The chunk size is invalid/,
		);
	});

	it('answers 403 url_ownership_unverified for an unverified video_url', async () => {
		const r = await api(emu, 'inbox/video/init', token, {
			source_info: { source: 'PULL_FROM_URL', video_url: 'https://other.org/v.mp4' },
		});
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'url_ownership_unverified');
	});
});

describe('content/init (photo)', () => {
	it('returns a p_pub_url~ publish_id (and no upload_url) for DIRECT_POST', async () => {
		const r = await expectOk('content/init', photoBody([IMG]));
		assert.match(r.json.data.publish_id, /^p_pub_url~v2\.\d+$/);
		assert.equal(r.json.data.upload_url, undefined);
		const p = emu.state.publishes.get(r.json.data.publish_id);
		assert.deepEqual([p?.kind, p?.mode, p?.source], ['photo', 'DIRECT_POST', 'PULL_FROM_URL']);
	});

	it('returns a p_inbox_url~ publish_id for MEDIA_UPLOAD', async () => {
		const r = await expectOk('content/init', photoBody([IMG], { post_mode: 'MEDIA_UPLOAD' }));
		assert.match(r.json.data.publish_id, /^p_inbox_url~v2\.\d+$/);
	});

	it('requires media_type PHOTO', async () => {
		const { media_type: _omit, ...noType } = photoBody([IMG]);
		await expectInvalid('content/init', noType, /media_type is required/);
		await expectInvalid(
			'content/init',
			{ ...photoBody([IMG]), media_type: 'VIDEO' },
			/media_type must be PHOTO/,
		);
	});

	it('requires post_mode DIRECT_POST or MEDIA_UPLOAD (the doc table\'s "DIRECT POST" is a typo)', async () => {
		await expectInvalid(
			'content/init',
			{ ...photoBody([IMG]), post_mode: 'DIRECT POST' },
			/post_mode must be/,
		);
		const { post_mode: _omit, ...noMode } = photoBody([IMG]);
		await expectInvalid('content/init', noMode, /post_mode is required/);
	});

	it('requires post_info', async () => {
		const { post_info: _omit, ...noInfo } = photoBody([IMG]);
		await expectInvalid('content/init', noInfo, /post_info is required/);
	});

	it('accepts only PULL_FROM_URL as source', async () => {
		const body = photoBody([IMG]);
		(body.source_info as Record<string, unknown>).source = 'FILE_UPLOAD';
		await expectInvalid('content/init', body, /PULL_FROM_URL/);
	});

	it('requires 1 to 35 photo_images: 0 and 36 are rejected, 35 accepted', async () => {
		await expectInvalid('content/init', photoBody([]), /1 to 35/);
		await expectInvalid('content/init', photoBody(imgs(36)), /1 to 35 URLs \(got 36\)/);
		await expectOk('content/init', photoBody(imgs(35), { cover: 34 }));
	});

	it('requires photo_images to be an array of https URLs', async () => {
		const body = photoBody([IMG]);
		(body.source_info as Record<string, unknown>).photo_images = IMG;
		await expectInvalid('content/init', body, /must be an array/);
		await expectInvalid('content/init', photoBody(['http://media.example.com/p.jpg']), /https/);
	});

	it('requires photo_cover_index, 0-based and within the images', async () => {
		const body = photoBody(imgs(3));
		delete (body.source_info as Record<string, unknown>).photo_cover_index;
		await expectInvalid('content/init', body, /photo_cover_index is required/);
		await expectInvalid('content/init', photoBody(imgs(3), { cover: 3 }), /between 0 and 2/);
		await expectInvalid('content/init', photoBody(imgs(3), { cover: -1 }), /between 0 and 2/);
		await expectOk('content/init', photoBody(imgs(3), { cover: 2 }));
	});

	it('accepts a 90-unit title and rejects 91', async () => {
		const info = (title: string) => ({ ...(photoBody([IMG]).post_info as object), title });
		await expectOk('content/init', photoBody([IMG], { post_info: info('t'.repeat(90)) }));
		await expectInvalid(
			'content/init',
			photoBody([IMG], { post_info: info('t'.repeat(91)) }),
			/at most 90/,
		);
	});

	it('accepts a 4000-unit description and rejects 4001', async () => {
		const info = (description: string) => ({
			...(photoBody([IMG]).post_info as object),
			description,
		});
		await expectOk('content/init', photoBody([IMG], { post_info: info('d'.repeat(4000)) }));
		await expectInvalid(
			'content/init',
			photoBody([IMG], { post_info: info('d'.repeat(4001)) }),
			/at most 4000/,
		);
	});

	it('answers 403 privacy_level_option_mismatch for DIRECT_POST without privacy_level or outside the options', async () => {
		const base = photoBody([IMG]).post_info as Record<string, unknown>;
		for (const info of [
			{ ...base, privacy_level: undefined },
			{ ...base, privacy_level: 'FOLLOWER_OF_CREATOR' },
		]) {
			const r = await api(emu, 'content/init', token, photoBody([IMG], { post_info: info }));
			assert.equal(r.status, 403);
			assert.equal(r.json.error.code, 'privacy_level_option_mismatch');
		}
	});

	it('needs no privacy_level for MEDIA_UPLOAD', async () => {
		await expectOk(
			'content/init',
			photoBody([IMG], { post_mode: 'MEDIA_UPLOAD', post_info: { title: 'x' } }),
		);
	});

	it('requires both brand toggles for DIRECT_POST (required in the doc table)', async () => {
		const base = photoBody([IMG]).post_info as Record<string, unknown>;
		await expectInvalid(
			'content/init',
			photoBody([IMG], { post_info: { ...base, brand_organic_toggle: undefined } }),
			/brand_organic_toggle is required/,
		);
		await expectInvalid(
			'content/init',
			photoBody([IMG], { post_info: { ...base, brand_content_toggle: undefined } }),
			/brand_content_toggle is required/,
		);
	});

	it('rejects branded content with SELF_ONLY', async () => {
		const base = photoBody([IMG]).post_info as Record<string, unknown>;
		await expectInvalid(
			'content/init',
			photoBody([IMG], { post_info: { ...base, brand_content_toggle: true } }),
			/Branded content/,
		);
	});

	it('rejects disable_comment:false when the creator has comments disabled', async () => {
		const base = photoBody([IMG]).post_info as Record<string, unknown>;
		await expectInvalid(
			'content/init',
			photoBody([IMG], { post_info: { ...base, disable_comment: false } }),
			/comments disabled/,
			'restricted_creator',
		);
	});

	it('rejects DIRECT_POST-only fields with MEDIA_UPLOAD', async () => {
		await expectInvalid(
			'content/init',
			photoBody([IMG], {
				post_mode: 'MEDIA_UPLOAD',
				post_info: { title: 'x', auto_add_music: true },
			}),
			/auto_add_music is only allowed with post_mode DIRECT_POST/,
		);
	});

	it('rejects video-only fields such as disable_duet in photo post_info', async () => {
		const base = photoBody([IMG]).post_info as Record<string, unknown>;
		await expectInvalid(
			'content/init',
			photoBody([IMG], { post_info: { ...base, disable_duet: true } }),
			/Unknown field post_info\.disable_duet/,
		);
	});

	it('answers 403 url_ownership_unverified when any image URL is unverified', async () => {
		const r = await api(emu, 'content/init', token, photoBody([IMG, 'https://other.org/2.jpg']));
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'url_ownership_unverified');
	});

	it('answers 400 app_version_check_failed for MEDIA_UPLOAD when the app is too old (config or account)', async () => {
		const media = photoBody([IMG], { post_mode: 'MEDIA_UPLOAD' });
		emu.config.appVersionTooOld = true;
		let r = await api(emu, 'content/init', token, media);
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'app_version_check_failed');
		await expectOk('content/init', photoBody([IMG])); // DIRECT_POST is unaffected
		emu.config.appVersionTooOld = false;
		emu.addAccount('old_app', { appVersionTooOld: true });
		r = await api(emu, 'content/init', tokenFor(emu, 'old_app'), media);
		assert.equal(r.json.error.code, 'app_version_check_failed');
	});
});
