import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseTikTokJson, quoteUnsafeIntegers } from '../../nodes/TikTok/helpers/tiktokJson.ts';

describe('TikTok JSON parsing', () => {
	it('keeps 19-digit post ids exact by reading them as strings', () => {
		const text =
			'{"data":{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[7300000000000000001,7300000000000000002]}}';
		const parsed = parseTikTokJson(text) as { data: { publicaly_available_post_id: string[] } };
		assert.deepEqual(parsed.data.publicaly_available_post_id, [
			'7300000000000000001',
			'7300000000000000002',
		]);
		assert.notEqual(
			JSON.parse(text).data.publicaly_available_post_id[0].toString(),
			'7300000000000000001',
			'plain JSON.parse would round it',
		);
	});

	it('leaves ordinary numbers, decimals, negatives and strings that look like numbers alone', () => {
		const parsed = parseTikTokJson(
			'{"a":10000,"b":-3,"c":1.5e3,"d":"12345678901234567890","e":[true,null]}',
		);
		assert.deepEqual(parsed, {
			a: 10000,
			b: -3,
			c: 1500,
			d: '12345678901234567890',
			e: [true, null],
		});
	});

	it('does not touch digits inside strings with escaped quotes', () => {
		const parsed = parseTikTokJson(
			'{"message":"id \\"7300000000000000001\\" ok","n":7300000000000000003}',
		);
		assert.deepEqual(parsed, { message: 'id "7300000000000000001" ok', n: '7300000000000000003' });
	});

	it('counts stay numbers at every size up to 2^53 − 1; beyond it (they could not be exact) they become strings', () => {
		const parsed = parseTikTokJson(
			'{"data":{"user":{"follower_count":999999999999999,"likes_count":1000000000000000,"video_count":9007199254740991,"view_count":9007199254740992}}}',
		);
		assert.deepEqual(parsed, {
			data: {
				user: {
					follower_count: 999999999999999,
					likes_count: 1000000000000000,
					video_count: 9007199254740991,
					view_count: '9007199254740992',
				},
			},
		});
	});

	it('ids are strings at any size: id, *_id, *_ids (arrays under them too), nested and after other keys', () => {
		const parsed = parseTikTokJson(
			'{"videos":[{"like_count":5,"id":12,"nested":{"post_id":7,"n":7}}],"publicaly_available_post_id":[1,7300000000000000001],"video_ids":[3],"valid":4,"paid":-5}',
		);
		assert.deepEqual(parsed, {
			videos: [{ like_count: 5, id: '12', nested: { post_id: '7', n: 7 } }],
			publicaly_available_post_id: ['1', '7300000000000000001'],
			video_ids: ['3'],
			valid: 4,
			paid: -5,
		});
	});

	it('a key that is a string value is not taken for a key; decimals and exponents stay numbers under id keys', () => {
		assert.deepEqual(parseTikTokJson('{"a":"id","b":1,"id":1.5,"x_id":2e3}'), {
			a: 'id',
			b: 1,
			id: 1.5,
			x_id: 2000,
		});
		const text = '{"a":1,"b":[2,3]}';
		assert.equal(quoteUnsafeIntegers(text), text, 'nothing to quote: the text as it was');
	});
});
