import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import {
	api,
	directFileBody,
	fileSource,
	postInfo,
	tokenFor,
	emulatorForEachTest,
} from './testkit.mts';

let emu: TikTokEmulator;
let token: string;
emulatorForEachTest((test) => ({ emu, token } = test), {
	verifiedDomains: ['example.com'],
	verifiedPrefixes: ['https://cdn.other.net/videos/'],
});

const PULL = { source: 'PULL_FROM_URL', video_url: 'https://media.example.com/v.mp4' };

async function init(body: unknown, account?: string) {
	return api(emu, 'video/init', account ? tokenFor(emu, account) : token, body);
}

async function expectInvalid(body: unknown, message: RegExp, account?: string) {
	const r = await init(body, account);
	assert.equal(r.status, 400, r.text);
	assert.equal(r.json.error.code, 'invalid_params');
	assert.match(r.json.error.message, message);
	return r;
}

async function expectOk(body: unknown, account?: string) {
	const r = await init(body, account);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.error.code, 'ok');
	return r;
}

describe('video/init (Direct Post) answers', () => {
	it('returns a v_pub_file~ publish_id and an upload_url on a different origin carrying upload_id and upload_token', async () => {
		const r = await expectOk(directFileBody(1000));
		const { publish_id, upload_url } = r.json.data;
		assert.match(publish_id, /^v_pub_file~v2-1\.\d+$/);
		assert.ok(publish_id.length <= 64);
		assert.ok(upload_url.length <= 256);
		const u = new URL(upload_url);
		assert.equal(u.origin, emu.uploadBaseUrl);
		assert.notEqual(u.origin, emu.baseUrl);
		assert.ok(u.searchParams.get('upload_id'));
		assert.ok(u.searchParams.get('upload_token'));
	});

	it('returns a v_pub_url~ publish_id and no upload_url for PULL_FROM_URL', async () => {
		const r = await expectOk({ post_info: postInfo(), source_info: PULL });
		assert.match(r.json.data.publish_id, /^v_pub_url~v2\.\d+$/);
		assert.equal(r.json.data.upload_url, undefined);
	});

	it('records every init — success or not — with endpoint, open_id, body, code and publish_id', async () => {
		const ok = await expectOk(directFileBody(1000));
		await init({
			post_info: postInfo({ privacy_level: undefined }),
			source_info: fileSource(1000),
		});
		const [a, b] = emu.state.inits;
		assert.deepEqual(
			[a.endpoint, a.openId, a.code, a.httpStatus, a.publishId],
			['video/init', emu.openIdOf('public_creator'), 'ok', 200, ok.json.data.publish_id],
		);
		assert.deepEqual(a.body, directFileBody(1000));
		assert.deepEqual(
			[b.code, b.httpStatus, b.publishId],
			['privacy_level_option_mismatch', 403, null],
		);
		assert.equal(emu.state.publishes.get(ok.json.data.publish_id)?.mode, 'DIRECT_POST');
	});
});

describe('video/init post_info', () => {
	it('requires post_info (invalid_params)', async () => {
		await expectInvalid({ source_info: fileSource(1000) }, /post_info is required/);
	});

	it('answers 403 privacy_level_option_mismatch when privacy_level is missing', async () => {
		const r = await init({
			post_info: postInfo({ privacy_level: undefined }),
			source_info: fileSource(1000),
		});
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'privacy_level_option_mismatch');
	});

	it("answers 403 privacy_level_option_mismatch for a level outside the creator's options", async () => {
		const r = await init(directFileBody(1000, 1000, 1, { privacy_level: 'FOLLOWER_OF_CREATOR' }));
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'privacy_level_option_mismatch');
	});

	it('rejects a privacy_level that is not one of the four values with invalid_params', async () => {
		await expectInvalid(
			directFileBody(1000, 1000, 1, { privacy_level: 'PUBLIC' }),
			/privacy_level must be one of/,
		);
	});

	it('accepts a title of 2200 UTF-16 units and rejects 2201', async () => {
		await expectOk(directFileBody(1000, 1000, 1, { title: 'a'.repeat(2200) }));
		await expectInvalid(
			directFileBody(1000, 1000, 1, { title: 'a'.repeat(2201) }),
			/2201 UTF-16 units/,
		);
	});

	it('counts UTF-16 units, not code points (1100 emoji = 2200 units pass, one more character fails)', async () => {
		await expectOk(directFileBody(1000, 1000, 1, { title: '😀'.repeat(1100) }));
		await expectInvalid(directFileBody(1000, 1000, 1, { title: `${'😀'.repeat(1100)}a` }), /title/);
	});

	it('rejects a non-string title', async () => {
		await expectInvalid(directFileBody(1000, 1000, 1, { title: 42 }), /title must be a string/);
	});

	it('rejects interaction flags that are not booleans', async () => {
		await expectInvalid(
			directFileBody(1000, 1000, 1, { disable_comment: 'false' }),
			/disable_comment must be a boolean/,
		);
		await expectInvalid(directFileBody(1000, 1000, 1, { is_aigc: 1 }), /is_aigc must be a boolean/);
	});

	it('rejects a video_cover_timestamp_ms that is not an integer, accepts one that is', async () => {
		await expectInvalid(
			directFileBody(1000, 1000, 1, { video_cover_timestamp_ms: 1.5 }),
			/video_cover_timestamp_ms/,
		);
		await expectOk(directFileBody(1000, 1000, 1, { video_cover_timestamp_ms: 1500 }));
	});

	it('rejects an unknown post_info field (a typo TikTok would silently ignore)', async () => {
		await expectInvalid(
			directFileBody(1000, 1000, 1, { disable_comments: true }),
			/Unknown field post_info\.disable_comments/,
		);
	});

	it('accepts unknown fields when rejectUnknownFields is false', async () => {
		emu.config.rejectUnknownFields = false;
		await expectOk(directFileBody(1000, 1000, 1, { disable_comments: true }));
	});

	it('rejects an unknown top-level field', async () => {
		await expectInvalid(
			{ ...directFileBody(1000), media_type: 'VIDEO' },
			/Unknown field media_type/,
		);
	});

	it('requires brand_content_toggle (required in the doc table)', async () => {
		await expectInvalid(
			directFileBody(1000, 1000, 1, { brand_content_toggle: undefined }),
			/brand_content_toggle is required/,
		);
	});

	it('accepts a missing brand_content_toggle when requireBrandToggles is false', async () => {
		emu.config.requireBrandToggles = false;
		await expectOk(directFileBody(1000, 1000, 1, { brand_content_toggle: undefined }));
	});

	it('rejects branded content with SELF_ONLY ("Branded content visibility cannot be set to private")', async () => {
		await expectInvalid(
			directFileBody(1000, 1000, 1, { brand_content_toggle: true, privacy_level: 'SELF_ONLY' }),
			/Branded content visibility cannot be set to private/,
		);
		await expectOk(
			directFileBody(1000, 1000, 1, {
				brand_content_toggle: true,
				privacy_level: 'PUBLIC_TO_EVERYONE',
			}),
		);
	});

	it('accepts branded content with SELF_ONLY when rejectBrandedSelfOnly is false', async () => {
		emu.config.rejectBrandedSelfOnly = false;
		await expectOk(
			directFileBody(1000, 1000, 1, { brand_content_toggle: true, privacy_level: 'SELF_ONLY' }),
		);
	});

	it('rejects disable_comment:false when the creator has comments disabled', async () => {
		await expectInvalid(
			directFileBody(1000, 1000, 1, { disable_comment: false, disable_duet: true }),
			/disable_comment is false but the creator has comments disabled/,
			'restricted_creator',
		);
	});

	it('rejects disable_duet:false / disable_stitch:false for a private account (forced off)', async () => {
		const base = { privacy_level: 'SELF_ONLY', disable_comment: false };
		await expectInvalid(
			directFileBody(1000, 1000, 1, { ...base, disable_stitch: true }),
			/disable_duet/,
			'private_creator',
		);
		await expectInvalid(
			directFileBody(1000, 1000, 1, { ...base, disable_duet: true }),
			/disable_stitch/,
			'private_creator',
		);
	});

	it('accepts disabled interactions sent as true or left out', async () => {
		await expectOk(
			directFileBody(1000, 1000, 1, { disable_comment: true, disable_duet: true }),
			'restricted_creator',
		);
		await expectOk(
			{
				post_info: { privacy_level: 'SELF_ONLY', brand_content_toggle: false },
				source_info: fileSource(1000),
			},
			'restricted_creator',
		);
	});

	it('accepts an interaction override when rejectInteractionOverride is false', async () => {
		emu.config.rejectInteractionOverride = false;
		await expectOk(
			directFileBody(1000, 1000, 1, { disable_comment: false, disable_duet: false }),
			'restricted_creator',
		);
	});
});

describe('video/init source_info', () => {
	it('requires source_info', async () => {
		await expectInvalid({ post_info: postInfo() }, /source_info is required/);
	});

	it('rejects a source outside FILE_UPLOAD / PULL_FROM_URL', async () => {
		await expectInvalid(
			{ post_info: postInfo(), source_info: { source: 'UPLOAD' } },
			/FILE_UPLOAD or PULL_FROM_URL/,
		);
	});

	it('requires video_url for PULL_FROM_URL', async () => {
		await expectInvalid(
			{ post_info: postInfo(), source_info: { source: 'PULL_FROM_URL' } },
			/video_url is required/,
		);
	});

	it('requires an https video_url (pullRequiresHttps)', async () => {
		const http = { source: 'PULL_FROM_URL', video_url: 'http://media.example.com/v.mp4' };
		await expectInvalid({ post_info: postInfo(), source_info: http }, /https/);
		emu.config.pullRequiresHttps = false;
		await expectOk({ post_info: postInfo(), source_info: http });
	});

	it('answers 403 url_ownership_unverified for a URL on an unverified host', async () => {
		const r = await init({
			post_info: postInfo(),
			source_info: { ...PULL, video_url: 'https://elsewhere.org/v.mp4' },
		});
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'url_ownership_unverified');
	});

	it('lets a verified domain cover its subdomains, but not look-alike hosts', async () => {
		await expectOk({
			post_info: postInfo(),
			source_info: { ...PULL, video_url: 'https://a.b.example.com/v.mp4' },
		});
		const r = await init({
			post_info: postInfo(),
			source_info: { ...PULL, video_url: 'https://badexample.com/v.mp4' },
		});
		assert.equal(r.json.error.code, 'url_ownership_unverified');
	});

	it('matches a verified URL prefix exactly (case and path sensitive)', async () => {
		await expectOk({
			post_info: postInfo(),
			source_info: { ...PULL, video_url: 'https://cdn.other.net/videos/a.mp4' },
		});
		for (const url of [
			'https://cdn.other.net/videos2/a.mp4',
			'https://cdn.other.net/Videos/a.mp4',
			'https://x.cdn.other.net/videos/a.mp4',
		]) {
			const r = await init({ post_info: postInfo(), source_info: { ...PULL, video_url: url } });
			assert.equal(r.json.error.code, 'url_ownership_unverified', url);
		}
	});

	for (const field of ['video_size', 'chunk_size', 'total_chunk_count']) {
		it(`requires ${field} for FILE_UPLOAD`, async () => {
			const source = fileSource(1000);
			delete source[field];
			await expectInvalid(
				{ post_info: postInfo(), source_info: source },
				new RegExp(`${field} is required`),
			);
		});
	}

	it('rejects size fields sent as strings', async () => {
		await expectInvalid(
			{ post_info: postInfo(), source_info: { ...fileSource(1000), video_size: '1000' } },
			/video_size must be an integer/,
		);
	});

	it('rejects video_url with FILE_UPLOAD and size fields with PULL_FROM_URL', async () => {
		await expectInvalid(
			{ post_info: postInfo(), source_info: { ...fileSource(1000), video_url: PULL.video_url } },
			/video_url is only used with PULL_FROM_URL/,
		);
		await expectInvalid(
			{ post_info: postInfo(), source_info: { ...PULL, video_size: 1000 } },
			/only used with FILE_UPLOAD/,
		);
	});

	it('rejects a video_size of 0', async () => {
		await expectInvalid(
			{ post_info: postInfo(), source_info: fileSource(0) },
			/video_size must be positive/,
		);
	});

	it('accepts video_size 4,294,967,296 (4 GiB) and rejects one byte more', async () => {
		await expectOk(directFileBody(4_294_967_296, 10_000_000, 429));
		await expectInvalid(directFileBody(4_294_967_297, 10_000_000, 429), /4 GB/);
	});
});
