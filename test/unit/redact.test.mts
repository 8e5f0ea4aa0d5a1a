/**
 * No message or detail ever carries a URL's query, fragment or userinfo: a presigned S3/R2 link's signature (or a
 * password) would land in execution data and n8n's log. Every error constructor that names a URL is walked with
 * one, as the user sees it (n8n's error and the continue-on-fail item).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { INode } from 'n8n-workflow';

import { redactUrl, redactUrlsIn } from '../../nodes/TikTok/helpers/redact.ts';
import { requireAsN8n } from './commonjs.mts';

const { toNodeError } = requireAsN8n(
	'../../nodes/TikTok/actions/router.ts',
) as typeof import('../../nodes/TikTok/actions/router.ts');
const errors = requireAsN8n(
	'../../nodes/TikTok/helpers/errors.ts',
) as typeof import('../../nodes/TikTok/helpers/errors.ts');
const publishResult = requireAsN8n(
	'../../nodes/TikTok/helpers/publishResult.ts',
) as typeof import('../../nodes/TikTok/helpers/publishResult.ts');
const videoDownload = requireAsN8n(
	'../../nodes/TikTok/helpers/videoDownload.ts',
) as typeof import('../../nodes/TikTok/helpers/videoDownload.ts');
const photo = requireAsN8n(
	'../../nodes/TikTok/helpers/photo.ts',
) as typeof import('../../nodes/TikTok/helpers/photo.ts');
const urls = requireAsN8n(
	'../../nodes/TikTok/helpers/urls.ts',
) as typeof import('../../nodes/TikTok/helpers/urls.ts');

/** A presigned S3 GET, with userinfo and a fragment for good measure. */
const PRESIGNED =
	'https://user:pa55word@bucket.s3.eu-west-1.amazonaws.com/videos/clip.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261208&X-Amz-Signature=deadbeefcafe0123#t=10';
const SECRET_PARTS = [/X-Amz/i, /deadbeefcafe/, /AKIAEXAMPLE/, /pa55word/, /user:/, /#t=10/];
const REDACTED = 'https://bucket.s3.eu-west-1.amazonaws.com/videos/clip.mp4';

const node = {
	id: '1',
	name: 'TikTok',
	type: 'n8n-nodes-tiktok-publisher.tikTok',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
} as INode;

/** Everything of an error a user, a workflow or n8n's log can see. */
function visible(error: unknown): string {
	const { error: n8nError, json } = toNodeError(node, error, 0);
	const { message, description } = n8nError as { message: string; description?: string | null };
	return JSON.stringify({
		message,
		description,
		json,
		details: (error as { details?: unknown }).details,
	});
}

function assertClean(label: string, error: unknown): void {
	const text = visible(error);
	for (const part of SECRET_PARTS) assert.doesNotMatch(text, part, `${label}: ${text}`);
}

const refused = Object.assign(new Error(`connect ECONNREFUSED 10.0.0.1:443 (${PRESIGNED})`), {
	code: 'ECONNREFUSED',
});

describe('URL redaction', () => {
	it('keeps scheme, host (with port) and path; drops userinfo, query and fragment', () => {
		assert.equal(redactUrl(PRESIGNED), REDACTED);
		assert.equal(redactUrl('http://127.0.0.1:8080/a/b.mp4?sig=1'), 'http://127.0.0.1:8080/a/b.mp4');
		assert.equal(redactUrl('not a url?token=1'), 'not a url');
		assert.equal(redactUrl('ftp://me:pw@host/x?y'), 'ftp://host/x');
		assert.equal(
			redactUrlsIn(`GET ${PRESIGNED} failed, then https://b/c?d=e`),
			`GET ${REDACTED} failed, then https://b/c`,
		);
	});

	it('every error constructor that names a URL names it redacted', async () => {
		const cases: Array<[string, unknown]> = [
			...(['api', 'token', 'upload', 'download'] as const).map((target): [string, unknown] => [
				`networkFailed(${target})`,
				errors.networkFailed(target, PRESIGNED, refused),
			]),
			['unexpectedRedirect', errors.unexpectedRedirect('upload', PRESIGNED, 307, PRESIGNED)],
			['publishNotSent', errors.publishNotSent(PRESIGNED, refused)],
			[
				'insecureUrl',
				errors.insecureUrl('TikTok API URL', PRESIGNED.replace('https', 'http'), 'x'),
			],
			[
				'afterInitFailure',
				publishResult.afterInitFailure(new Error(`socket hang up ${PRESIGNED}`), {
					publishId: 'v_1',
					mayPost: true,
				}),
			],
			['downloadFailed (network)', videoDownload.downloadFailed(PRESIGNED, refused)],
			[
				'downloadFailed (HTTP status)',
				videoDownload.downloadFailed(PRESIGNED, { response: { status: 403 } }),
			],
			[
				'downloadFailed (redirect loop)',
				videoDownload.downloadFailed(PRESIGNED, { code: 'ERR_FR_TOO_MANY_REDIRECTS' }),
			],
			['notAVideo', videoDownload.notAVideo(PRESIGNED, 'text/html')],
			['notAVideo (bytes)', videoDownload.notAVideo(PRESIGNED, undefined, new Uint8Array(4))],
			['beyondLimit', videoDownload.beyondLimit(PRESIGNED, 1024)],
			['downloadTimedOut', videoDownload.downloadTimedOut(PRESIGNED, 60_000)],
			[
				'fewerBytesThanDeclared',
				videoDownload.fewerBytesThanDeclared(1, 2, `aborted at ${PRESIGNED}`),
			],
		];
		for (const [status, headers] of [
			[403, {}],
			[200, { 'content-encoding': 'gzip' }],
			[200, { 'content-type': 'text/html' }],
			[200, { 'content-length': '99999' }],
		] as const) {
			const judged = videoDownload.judgeVideoAnswer(PRESIGNED, { statusCode: status, headers }, 10);
			assert.ok('error' in judged, `${status} ${JSON.stringify(headers)}`);
			cases.push([`judgeVideoAnswer ${status} ${JSON.stringify(headers)}`, judged.error]);
		}
		const thrown = (label: string, run: () => void) => {
			assert.throws(run, (error: unknown) => {
				cases.push([label, error]);
				return true;
			});
		};
		thrown('assertHttpUrl', () =>
			urls.assertHttpUrl('video URL', PRESIGNED.replace('https', 'ftp')),
		);
		thrown('assertPhotoUrls (http)', () =>
			photo.assertPhotoUrls([PRESIGNED.replace('https', 'http')], []),
		);
		thrown('assertPhotoUrls (not verified)', () =>
			photo.assertPhotoUrls([PRESIGNED], ['https://cdn.example.com/']),
		);
		for (const [label, error] of cases) {
			assertClean(label, error);
			assert.ok(
				visible(error).includes('bucket.s3.eu-west-1.amazonaws.com'),
				`${label} names the host`,
			);
		}
		assert.equal(cases.length, 23, 'every constructor above was walked');
	});

	it("the photo rules' verdicts name a redirect's target and a failure's message redacted", () => {
		const redirect = photo.judgeImageStatus({ statusCode: 302, headers: { location: PRESIGNED } });
		const unreachable = photo.unreachableVerdict(`getaddrinfo ENOTFOUND for ${PRESIGNED}`);
		const unread = photo.judgeImage(
			{ statusCode: 200, headers: {} },
			{ bytes: new Uint8Array(0), complete: false, error: `reset by ${PRESIGNED}` },
			1024,
		);
		for (const verdict of [redirect, unreachable, unread]) {
			const text = JSON.stringify(verdict);
			for (const part of SECRET_PARTS) assert.doesNotMatch(text, part, text);
			assert.match(text, /bucket\.s3/);
		}
		assert.match(
			photo.imageLabel(0, 1, PRESIGNED),
			/^image 1 of 1 \("https:\/\/bucket\.s3[^?]*"\)$/,
		);
	});
});
