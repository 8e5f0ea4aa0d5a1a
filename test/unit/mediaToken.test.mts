/**
 * Signed media links of the TikTok Media Server (docs/decisions/media-endpoint.md): bound to one stored file and an
 * expiry, refused when forged, altered, expired or malformed; and the Range header rules it serves by.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	MAX_MEDIA_TOKEN_CHARS,
	looksLikeMediaToken,
	mediaUrl,
	parseByteRange,
	signMediaToken,
	verifyMediaToken,
} from '../../nodes/TikTok/helpers/mediaToken.ts';

const SECRET = 'app_client_secret';
const NOW = 1_800_000_000;
const grant = {
	binaryId: 'filesystem-v2:workflows/w1/executions/42/binary_data/0b6c',
	size: 64_000_001,
	mimeType: 'video/mp4',
	expiresAtSec: NOW + 7200,
};

describe('media tokens', () => {
	it('a signed token verifies and gives back exactly what was signed', async () => {
		const token = await signMediaToken(SECRET, grant);
		assert.ok(looksLikeMediaToken(token));
		assert.deepEqual(await verifyMediaToken(SECRET, token, NOW), { ok: true, grant });
	});

	it('is refused when signed with another secret (forged), once a character of the payload changes (altered), or after its expiry', async () => {
		const token = await signMediaToken(SECRET, grant);
		assert.deepEqual(await verifyMediaToken('other_secret', token, NOW), {
			ok: false,
			reason: 'forged',
		});
		const [version, payload, mac] = token.split('.');
		const json = JSON.parse(Buffer.from(payload, 'base64url').toString());
		const altered = Buffer.from(
			JSON.stringify({ ...json, i: 'filesystem-v2:../../../etc/passwd' }),
		).toString('base64url');
		assert.deepEqual(await verifyMediaToken(SECRET, `${version}.${altered}.${mac}`, NOW), {
			ok: false,
			reason: 'forged',
		});
		assert.deepEqual(await verifyMediaToken(SECRET, token, grant.expiresAtSec), {
			ok: false,
			reason: 'expired',
		});
	});

	it('anything that is not a token by length and shape is refused before any cryptography', async () => {
		for (const file of [
			'',
			'..%2F..%2Fetc%2Fpasswd',
			'../config',
			'v1.abc',
			`v1.${'a'.repeat(MAX_MEDIA_TOKEN_CHARS)}.${'b'.repeat(43)}`,
			'v2.abc.' + 'b'.repeat(43),
		]) {
			assert.equal(looksLikeMediaToken(file), false, file);
			assert.deepEqual(await verifyMediaToken(SECRET, file, NOW), {
				ok: false,
				reason: 'malformed',
			});
		}
	});

	it('the URL is the prefix (with its slash) and the token', () => {
		assert.equal(
			mediaUrl('https://n8n.example.com/webhook/id', 't'),
			'https://n8n.example.com/webhook/id/t',
		);
		assert.equal(
			mediaUrl('https://n8n.example.com/webhook/id/', 't'),
			'https://n8n.example.com/webhook/id/t',
		);
	});
});

describe('byte ranges', () => {
	it('no Range header: the whole file', () => {
		assert.deepEqual(parseByteRange(undefined, 100), { kind: 'whole' });
	});

	it('one range: from-to (clamped to the end), from-, and the last n bytes', () => {
		assert.deepEqual(parseByteRange('bytes=0-9', 100), { kind: 'range', start: 0, end: 9 });
		assert.deepEqual(parseByteRange('bytes=90-200', 100), { kind: 'range', start: 90, end: 99 });
		assert.deepEqual(parseByteRange('bytes=50-', 100), { kind: 'range', start: 50, end: 99 });
		assert.deepEqual(parseByteRange('bytes=-10', 100), { kind: 'range', start: 90, end: 99 });
		assert.deepEqual(parseByteRange('bytes=-1000', 100), { kind: 'range', start: 0, end: 99 });
	});

	it('a start past the end, an end before the start, several ranges, another unit or garbage: unsatisfiable (416, no bytes)', () => {
		for (const header of [
			'bytes=100-',
			'bytes=100-200',
			'bytes=9-3',
			'bytes=0-1,5-9',
			'items=0-9',
			'bytes=-0',
			'bytes=-',
			'bytes=abc',
		]) {
			assert.deepEqual(parseByteRange(header, 100), { kind: 'unsatisfiable' }, header);
		}
	});
});
