import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseTikTokJson } from '../../nodes/TikTok/helpers/tiktokJson.ts';

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
});
