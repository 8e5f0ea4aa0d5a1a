/**
 * What a request to the TikTok Trigger's URL must pass before its body is parsed, cheapest test first, so that a
 * request from anyone who knows the URL costs at most one HMAC over a bounded body and no parsing:
 * 1. size: more than MAX_WEBHOOK_BODY_BYTES → 413;
 * 2. no TikTok-Signature header: the portal's "Test URL" request (not a documented event) → 200, anything naming a
 *    documented event → 401 (found by a bounded look at its `"event"` value, not by parsing);
 * 3. the header's syntax, `t` within the tolerance, one HMAC, at most MAX_SIGNATURE_CANDIDATES compared in
 *    constant time (helpers/webhookSignature.ts) → 401 when any fails;
 * 4. authentic: only now may the body be parsed.
 */
import { isKnownEvent } from './webhookEvents';
import { verifyWebhookSignature } from './webhookSignature';

/**
 * The largest body the trigger reads. TikTok's events are a few hundred bytes (an envelope with a `content`
 * string of ids, a reason or a URL; TikTok's own examples are 170–400 bytes); 64 KiB is over a hundred times the
 * largest, and an HMAC over it takes well under a millisecond. n8n itself accepts up to 16 MB after inflating gzip.
 */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

export type DeliveryVerdict =
	/** Refused with 413 before anything else is looked at. */
	| { verdict: 'too_large'; message: string }
	/** Refused with 401 (missing, malformed, stale or wrong signature). */
	| { verdict: 'refused'; message: string }
	/** Acknowledged with 200, nothing started (the portal's unsigned test request). */
	| { verdict: 'ignored'; why: string }
	/** Signed with the client secret: the body may be parsed. */
	| { verdict: 'authentic' };

/** The `"event"` value of a body that has not been parsed: the first `"event":"…"` pair in it, if any. */
export function eventNameOf(rawBody: Uint8Array): string | undefined {
	const text = new TextDecoder().decode(rawBody);
	return /"event"\s*:\s*"([^"\\]{1,100})"/.exec(text)?.[1];
}

export async function checkDelivery(options: {
	rawBody: Uint8Array;
	header: string | string[] | undefined;
	secret: string;
	nowSec: number;
	toleranceSec?: number;
}): Promise<DeliveryVerdict> {
	const { rawBody, header } = options;
	if (rawBody.length > MAX_WEBHOOK_BODY_BYTES) {
		return {
			verdict: 'too_large',
			message: `the body is ${rawBody.length} bytes, more than the ${MAX_WEBHOOK_BODY_BYTES} bytes a TikTok event can be`,
		};
	}
	if (header === undefined) {
		const event = eventNameOf(rawBody);
		if (event === undefined || !isKnownEvent(event)) {
			return {
				verdict: 'ignored',
				why: "an unsigned request that is not a TikTok event (the developer portal's Test URL): acknowledged, nothing started",
			};
		}
	}
	const check = await verifyWebhookSignature(options);
	return check.ok ? { verdict: 'authentic' } : { verdict: 'refused', message: check.message };
}
