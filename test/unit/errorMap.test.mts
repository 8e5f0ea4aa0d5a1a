/**
 * Every TikTok error code the reference documents has a one-line message and a fix a no-code user can act on.
 * The expected fragments pin the meaning of each message, so a wrong mapping fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	API_ERRORS,
	FAIL_REASONS,
	MEDIA_CHECKS,
	OAUTH_ERRORS,
	SOURCE_ERRORS,
	UPLOAD_STATUS_ERRORS,
	adviceForApiError,
	adviceForFailReason,
	adviceForUploadStatus,
} from '../../nodes/TikTok/helpers/errorMap.ts';

const oauth: Record<string, [RegExp, RegExp]> = {
	access_denied: [/did not approve/, /Authorize/],
	invalid_client: [/Client Key or Client Secret/, /developer portal/],
	invalid_grant: [/expired or was revoked/, /Reconnect/],
	invalid_request: [/rejected the sign-in request/, /Redirect URL/],
	invalid_scope: [/requested permissions/, /video\.publish/],
	unauthorized_client: [/may not use this sign-in method/, /Login Kit/],
	unsupported_grant_type: [/does not support this sign-in method/, /bug/],
	unsupported_response_type: [/response type/, /bug/],
	server_error: [/internal problem/, /Try again/],
	temporarily_unavailable: [/temporarily unavailable/, /Try again/],
};

const api: Record<string, [RegExp, RegExp]> = {
	access_token_invalid: [/did not accept the access token/, /Reconnect/],
	scope_not_authorized: [/lacks a permission/, /video\.publish.*video\.upload/],
	scope_permission_missed: [/not approved for a permission/, /Content Posting API/],
	internal_error: [/internal problem/, /Try again/],
	invalid_file_upload: [/rejected the uploaded file/, /MP4, MOV or WebM/],
	invalid_params: [/rejected the request parameters/, /TikTok's own explanation/],
	invalid_param: [/rejected the request parameters/, /TikTok's own explanation/],
	rate_limit_exceeded: [/Too many requests/, /6 publish calls/],
	spam_risk_too_many_posts: [/daily posting limit/, /tomorrow/],
	spam_risk_user_banned_from_posting: [/blocked this account from posting/, /TikTok app/],
	reached_active_user_cap: [/daily limit of posting users/, /5 users per 24 hours/],
	unaudited_client_can_only_post_to_private_accounts: [
		/only post to private accounts/,
		/private account.*Only Me|audit/,
	],
	url_ownership_unverified: [
		/domain is not verified/,
		/URL properties.*URL Handling to "Automatic"/,
	],
	privacy_level_option_mismatch: [/privacy level is not available/, /Only Me/],
	spam_risk_too_many_pending_share: [/too many drafts/, /5 pending drafts/],
	app_version_check_failed: [/too old for photo drafts/, /31\.8/],
	invalid_publish_id: [/does not know this publish ID/, /publish_id/],
	token_not_authorized_for_specified_publish_id: [
		/belongs to another TikTok account/,
		/same TikTok credential/,
	],
	publish_not_cancellable: [/can no longer be cancelled/, /in progress/],
};

const failReasons: Record<string, [RegExp, RegExp]> = {
	file_format_check_failed: [/format/, /MP4, MOV or WebM/],
	duration_check_failed: [/longer or shorter/, /maximum duration/],
	frame_rate_check_failed: [/frame rate/, /23–60/],
	picture_size_check_failed: [/picture size/, /360–4096/],
	internal: [/internal problem/, /retried/],
	video_pull_failed: [/could not download the video/, /redirects/],
	photo_pull_failed: [/could not download one of the photos/, /redirects/],
	publish_cancelled: [/cancelled/, /Publish again/],
	auth_removed: [/removed access/, /Reconnect/],
	spam_risk_too_many_posts: [/daily posting limit/, /tomorrow/],
	spam_risk_user_banned_from_posting: [/blocked this account/, /TikTok app/],
	spam_risk_text: [/caption as risky/, /Do not retry it unchanged/],
	spam_risk: [/post as risky/, /Do not retry/],
};

const mediaChecks: Record<string, [RegExp, RegExp]> = {
	video_resolution_out_of_range: [/smaller or larger than TikTok allows/, /360 to 4096 pixels/],
	video_frame_rate_out_of_range: [/frame rate.*23–60/, /24, 25, 30, 50 or 60/],
	video_codec_unsupported: [
		/codec is not one TikTok accepts/,
		/H\.264 \(recommended\), H\.265, VP8 and VP9.*H\.264 MP4/,
	],
	photo_unreachable: [
		/could not be fetched/,
		/position in the carousel and its URL.*without redirects/,
	],
	photo_format_unsupported: [
		/not a JPEG or WebP/,
		/no PNG.*Content-Type image\/jpeg or image\/webp/,
	],
	photo_too_large: [/over 20 MB/, /20,000,000 bytes/],
	photo_resolution_too_high: [
		/larger than 1080p/,
		/1920 pixels on the long side and 1080 on the short side/,
	],
};

const uploadStatuses: Record<number, [RegExp, RegExp]> = {
	400: [/malformed/, /bug/],
	403: [/upload link expired/, /one hour/],
	404: [/no longer has an upload/, /finished, cancelled or expired/],
	416: [/did not match/, /bytes it received/],
};

const sourceCodes: Record<string, [RegExp, RegExp]> = {
	download_http_error: [/HTTP error/, /404.*not public.*redirects/],
	download_not_video: [/did not return a video/, /direct link/],
	download_encoded: [/compressed/, /Accept-Encoding: identity.*Turn off compression/],
	download_too_large: [/larger than n8n may download/, /4 GB.*Download Size Limit/],
	download_timed_out: [
		/longer than its time limit/,
		/Download Time Limit \(Minutes\) \(default 60\)/,
	],
	// After init: never "run the item again", the publish may exist.
	source_too_long: [
		/more bytes than its Content-Length/,
		/Fix the source, then check Post → Get Status with this publish_id before publishing again/,
	],
	source_too_short: [
		/fewer bytes than its Content-Length/,
		/Fix the source, then check Post → Get Status with this publish_id before publishing again/,
	],
};

function check(
	table: Record<string, [RegExp, RegExp]>,
	advise: (code: string) => { message: string; description: string },
) {
	for (const [code, [message, description]] of Object.entries(table)) {
		const advice = advise(code);
		assert.match(advice.message, message, `${code}: message`);
		assert.match(advice.description, description, `${code}: description`);
		assert.ok(!advice.message.endsWith('.'), `${code}: one line, no full stop`);
	}
}

describe('error map: every documented TikTok code names the fix', () => {
	it('covers every OAuth error', () => {
		assert.deepEqual(Object.keys(OAUTH_ERRORS).sort(), Object.keys(oauth).sort());
		check(oauth, (code) => adviceForApiError(code));
	});

	it('covers every Content Posting envelope code, both spellings of invalid_param(s)', () => {
		assert.deepEqual(Object.keys(API_ERRORS).sort(), Object.keys(api).sort());
		check(api, (code) => adviceForApiError(code));
	});

	it('covers every fail_reason of a FAILED publish', () => {
		assert.deepEqual(Object.keys(FAIL_REASONS).sort(), Object.keys(failReasons).sort());
		check(failReasons, adviceForFailReason);
	});

	it('covers the upload URL statuses, saying what went wrong and leaving the next step to where the publish is known', () => {
		assert.deepEqual(Object.keys(UPLOAD_STATUS_ERRORS).sort(), Object.keys(uploadStatuses).sort());
		check(uploadStatuses, (code) => adviceForUploadStatus(Number(code)));
		assert.match(adviceForUploadStatus(502).message, /HTTP 502/);
		// An upload exists only after TikTok accepted a publish: "run the item again" could post twice.
		for (const status of [400, 403, 404, 416, 500, 502, 503])
			assert.doesNotMatch(
				adviceForUploadStatus(status).description,
				/again|retry/i,
				String(status),
			);
	});

	it("covers the node's own codes for a downloaded video; the after-init ones send the user to Get Status, never to run again", () => {
		assert.deepEqual(Object.keys(SOURCE_ERRORS).sort(), Object.keys(sourceCodes).sort());
		check(sourceCodes, (code) => SOURCE_ERRORS[code]);
		for (const code of ['source_too_long', 'source_too_short'])
			assert.doesNotMatch(SOURCE_ERRORS[code].description, /run the item again/i);
	});

	it('covers every media check the node makes before sending anything, on the numbers TikTok documents', () => {
		assert.deepEqual(Object.keys(MEDIA_CHECKS).sort(), Object.keys(mediaChecks).sort());
		check(mediaChecks, (code) => MEDIA_CHECKS[code as keyof typeof MEDIA_CHECKS]);
	});

	it("keeps an unknown code visible with TikTok's own message", () => {
		const advice = adviceForApiError('brand_new_code', 'Something new happened');
		assert.match(advice.message, /brand_new_code.*Something new happened/);
		assert.match(adviceForFailReason('new_reason').message, /new_reason/);
	});

	it('tells "The chunk size is invalid" apart from other invalid_params: the reported TikTok change and the ways out', () => {
		for (const code of ['invalid_params', 'invalid_param']) {
			const advice = adviceForApiError(code, 'The chunk size is invalid');
			assert.match(advice.message, /several chunks/);
			assert.match(advice.description, /9 August 2026/);
			assert.match(advice.description, /Pulled by TikTok/);
			assert.match(advice.description, /64 MB/);
		}
		assert.equal(
			adviceForApiError('invalid_params', 'privacy_level is wrong'),
			API_ERRORS.invalid_params,
		);
		assert.equal(
			adviceForApiError('rate_limit_exceeded', 'The chunk size is invalid'),
			API_ERRORS.rate_limit_exceeded,
		);
	});
});
