/** The one error type, raised where a failure happens, and what n8n shows for it (router.toNodeError). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { INode } from 'n8n-workflow';

import { requireAsN8n } from './commonjs.mts';

// The router, its errors and n8n-workflow as n8n loads them, so `instanceof` sees one class of each.
const { NodeApiError, NodeOperationError } = requireAsN8n(
	'n8n-workflow',
) as typeof import('n8n-workflow');
const { toNodeError } = requireAsN8n(
	'../../nodes/TikTok/actions/router.ts',
) as typeof import('../../nodes/TikTok/actions/router.ts');
const {
	apiError,
	invalidInput,
	mediaRefused,
	publishFailed,
	publishOutcomeUnknown,
	uploadRefused,
} = requireAsN8n(
	'../../nodes/TikTok/helpers/errors.ts',
) as typeof import('../../nodes/TikTok/helpers/errors.ts');

const node = {
	id: '1',
	name: 'TikTok',
	type: 'n8n-nodes-tiktok-publisher.tikTok',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
} as INode;

describe('TikTokError → n8n error and error item', () => {
	it('an input problem is a NodeOperationError whose item says invalid_input and how to fix it', () => {
		const { error, json } = toNodeError(
			node,
			invalidInput('Add at least one image', 'A photo post needs 1 to 35 image URLs.'),
			0,
		);
		assert.ok(error instanceof NodeOperationError);
		assert.equal(error.message, 'Add at least one image');
		assert.deepEqual(json, {
			error: 'Add at least one image',
			details: { description: 'A photo post needs 1 to 35 image URLs.', code: 'invalid_input' },
		});
	});

	it("media refused before sending is the user's to fix too: a NodeOperationError, with its own code and what names the file", () => {
		const refused = mediaRefused(
			'photo_resolution_too_high',
			'The image 3 of 7 ("https://a/3.jpg") is 4000×3000 pixels',
			'Resize it.',
			{ image_position: 3, image_url: 'https://a/3.jpg' },
		);
		const { error, json } = toNodeError(node, refused, 0);
		assert.ok(error instanceof NodeOperationError);
		assert.deepEqual(json.details, {
			description: 'Resize it.',
			image_position: 3,
			image_url: 'https://a/3.jpg',
			code: 'photo_resolution_too_high',
		});
	});

	it("a TikTok refusal is a NodeApiError with TikTok's code, log_id and HTTP status, and TikTok's own words in the fix", () => {
		const { error, json } = toNodeError(
			node,
			apiError('brand_new_code', 'Something new', { logId: 'L9', httpStatus: 400 }),
			2,
		);
		assert.ok(error instanceof NodeApiError);
		assert.equal(error.httpCode, '400');
		assert.match(error.message, /brand_new_code/);
		assert.deepEqual(Object.keys(json), ['error', 'details']);
		const details = json.details as Record<string, unknown>;
		assert.deepEqual(
			[details.code, details.log_id, details.http_status],
			['brand_new_code', 'L9', 400],
		);
		assert.match(String(details.description), /TikTok said: "Something new"/);
	});

	it('keeps the publish_id of a publish that failed after it started, and leaves out what is unknown', () => {
		const { json } = toNodeError(
			node,
			publishFailed('spam_risk_text', {
				publish_id: 'v_pub_file~v2-1.1',
				status: 'FAILED',
				post_ids: [],
			}),
			0,
		);
		const details = json.details as Record<string, unknown>;
		assert.equal(details.publish_id, 'v_pub_file~v2-1.1');
		assert.equal(details.code, 'spam_risk_text');
		assert.ok(!('log_id' in toNodeError(node, publishOutcomeUnknown(undefined), 0).json.details!));
		assert.equal(
			(toNodeError(node, uploadRefused(404), 0).json.details as Record<string, unknown>).code,
			'upload_http_404',
		);
	});

	it("passes n8n's own errors through and wraps anything else", () => {
		const own = new NodeOperationError(node, 'Already an n8n error', { description: 'Fix' });
		assert.equal(toNodeError(node, own, 0).error, own);
		const wrapped = toNodeError(node, new Error('boom'), 0);
		assert.ok(wrapped.error instanceof NodeOperationError);
		assert.deepEqual(wrapped.json, { error: 'boom', details: {} });
	});
});
