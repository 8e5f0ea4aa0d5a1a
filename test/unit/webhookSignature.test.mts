/**
 * The trigger's signature rule against the reference's worked vectors (tiktok-display-and-webhooks.md §12):
 * HMAC-SHA256 over `t + "." + raw body`, keyed by the client secret, with a ±300 s tolerance.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it, mock } from 'node:test';

import {
	MAX_SIGNATURE_CANDIDATES,
	parseSignatureHeader,
	sameSignature,
	verifyWebhookSignature,
	webhookSignature,
} from '../../nodes/TikTok/helpers/webhookSignature.ts';
import {
	VECTOR_A,
	VECTOR_B,
	VECTOR_C_SIGNATURE,
	VECTOR_SECRET,
} from '../fixtures/webhookVectors.mts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

async function check(
	body: string,
	header: string | undefined,
	nowSec: number,
	toleranceSec?: number,
) {
	return await verifyWebhookSignature({
		rawBody: bytes(body),
		header,
		secret: VECTOR_SECRET,
		nowSec,
		toleranceSec,
	});
}

describe('webhook signature (TikTok-Signature)', () => {
	it('computes the reference vectors A, B and C, and agrees with node:crypto', async () => {
		assert.equal(VECTOR_A.body.length, 235);
		assert.equal(VECTOR_B.body.length, 170);
		assert.equal(
			await webhookSignature(VECTOR_SECRET, VECTOR_A.t, bytes(VECTOR_A.body)),
			VECTOR_A.signature,
		);
		assert.equal(
			await webhookSignature(VECTOR_SECRET, VECTOR_B.t, bytes(VECTOR_B.body)),
			VECTOR_B.signature,
		);
		const spaced = VECTOR_A.body.replace('"client_key":', '"client_key": ');
		assert.equal(
			await webhookSignature(VECTOR_SECRET, VECTOR_A.t, bytes(spaced)),
			VECTOR_C_SIGNATURE,
		);
		const body = '{"é":"✓ 🎬"}';
		assert.equal(
			await webhookSignature('s', '1', bytes(body)),
			createHmac('sha256', 's').update(`1.${body}`).digest('hex'),
		);
	});

	it('accepts vector A 100 s later and refuses it 400 s later as stale (default tolerance 300 s)', async () => {
		const header = `t=${VECTOR_A.t},s=${VECTOR_A.signature}`;
		assert.deepEqual(await check(VECTOR_A.body, header, 1715000100), {
			ok: true,
			timestamp: 1715000000,
		});
		const late = await check(VECTOR_A.body, header, 1715000400);
		assert.equal(late.ok, false);
		assert.equal(!late.ok && late.reason, 'stale');
		assert.equal(
			(await check(VECTOR_A.body, header, 1714999800)).ok,
			true,
			'200 s early is within the tolerance too',
		);
		assert.equal(
			(await check(VECTOR_A.body, header, 1715000400, 0)).ok,
			true,
			'tolerance 0 turns the time check off',
		);
		assert.equal((await check(VECTOR_A.body, header, 1715000400, 600)).ok, true);
	});

	it('verifies against the exact bytes: re-serialised JSON (vector C) fails', async () => {
		const reserialised = JSON.stringify(JSON.parse(VECTOR_A.body), null, 1);
		const result = await check(reserialised, `t=${VECTOR_A.t},s=${VECTOR_A.signature}`, 1715000000);
		assert.equal(!result.ok && result.reason, 'mismatch');
		const spaced = VECTOR_A.body.replace('"client_key":', '"client_key": ');
		assert.equal(
			(await check(spaced, `t=${VECTOR_A.t},s=${VECTOR_C_SIGNATURE}`, 1715000000)).ok,
			true,
		);
	});

	it('refuses a missing header, a malformed one, a wrong secret, a changed t, and a signature of another body', async () => {
		assert.equal(
			((await check(VECTOR_B.body, undefined, 1615338610)) as { reason: string }).reason,
			'missing',
		);
		for (const header of [
			'garbage',
			`s=${VECTOR_B.signature}`,
			`t=abc,s=${VECTOR_B.signature}`,
			`t=${VECTOR_B.t}`,
		]) {
			assert.equal(
				((await check(VECTOR_B.body, header, 1615338610)) as { reason: string }).reason,
				'malformed',
				header,
			);
		}
		const wrongSecret = await verifyWebhookSignature({
			rawBody: bytes(VECTOR_B.body),
			header: `t=${VECTOR_B.t},s=${VECTOR_B.signature}`,
			secret: 'another_secret',
			nowSec: 1615338610,
		});
		assert.equal(!wrongSecret.ok && wrongSecret.reason, 'mismatch');
		assert.equal(
			(
				(await check(VECTOR_B.body, `t=1615338611,s=${VECTOR_B.signature}`, 1615338610)) as {
					reason: string;
				}
			).reason,
			'mismatch',
		);
		assert.equal(
			(
				(await check(VECTOR_A.body, `t=${VECTOR_A.t},s=${VECTOR_B.signature}`, 1715000000)) as {
					reason: string;
				}
			).reason,
			'mismatch',
		);
		assert.equal(
			(
				(await check(
					VECTOR_B.body,
					`t=${VECTOR_B.t},s=${VECTOR_B.signature.slice(0, 63)}`,
					1615338610,
				)) as { reason: string }
			).reason,
			'mismatch',
		);
	});

	it('reads TikTok header variants: spaces, upper-case hex, several s= entries (any may match), an array value', async () => {
		assert.deepEqual(parseSignatureHeader(` t=1 , s=AB `), { timestamp: '1', signatures: ['ab'] });
		const several = `t=${VECTOR_B.t},s=${'0'.repeat(64)},s=${VECTOR_B.signature.toUpperCase()}`;
		assert.equal((await check(VECTOR_B.body, several, 1615338610)).ok, true);
		assert.equal(
			(
				await verifyWebhookSignature({
					rawBody: bytes(VECTOR_B.body),
					header: [`t=${VECTOR_B.t},s=${VECTOR_B.signature}`],
					secret: VECTOR_SECRET,
					nowSec: 1615338610,
				})
			).ok,
			true,
		);
	});

	it(`compares at most ${MAX_SIGNATURE_CANDIDATES} s= elements: more is a malformed header, refused before any HMAC`, async () => {
		const sign = mock.method(crypto.subtle, 'sign');
		try {
			const many = (count: number) =>
				`t=${VECTOR_B.t},${Array.from({ length: count - 1 }, () => `s=${'0'.repeat(64)}`).join(',')},s=${VECTOR_B.signature}`;
			assert.equal(
				(await check(VECTOR_B.body, many(MAX_SIGNATURE_CANDIDATES), 1615338610)).ok,
				true,
			);
			assert.equal(sign.mock.callCount(), 1, 'one HMAC for all the candidates');
			const refused = await check(VECTOR_B.body, many(MAX_SIGNATURE_CANDIDATES + 1), 1615338610);
			assert.equal(!refused.ok && refused.reason, 'malformed');
			assert.equal(sign.mock.callCount(), 1, 'no HMAC for a header with too many candidates');
		} finally {
			sign.mock.restore();
		}
	});

	it('a stale t is refused before any HMAC, whatever the body and the signatures', async () => {
		const sign = mock.method(crypto.subtle, 'sign');
		const importKey = mock.method(crypto.subtle, 'importKey');
		try {
			const stale = await check(
				VECTOR_A.body,
				`t=${VECTOR_A.t},s=${VECTOR_A.signature}`,
				Number(VECTOR_A.t) + 3 * 3600,
			);
			assert.equal(!stale.ok && stale.reason, 'stale');
			assert.match(!stale.ok ? stale.message : '', /10800 s away from now \(tolerance 300 s\)/);
			assert.equal(sign.mock.callCount() + importKey.mock.callCount(), 0);
		} finally {
			sign.mock.restore();
			importKey.mock.restore();
		}
	});

	it('sameSignature compares every character (equal, one digit off, shorter, longer)', () => {
		const mac = VECTOR_B.signature;
		assert.equal(sameSignature(mac, mac), true);
		assert.equal(sameSignature(mac, `${mac.slice(0, 63)}${mac[63] === '0' ? '1' : '0'}`), false);
		assert.equal(sameSignature(mac, mac.slice(0, 63)), false);
		assert.equal(sameSignature(mac, `${mac}0`), false);
		assert.equal(sameSignature(mac, ''), false);
	});
});
