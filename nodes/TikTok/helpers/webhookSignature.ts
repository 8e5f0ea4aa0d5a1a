/**
 * TikTok's webhook signature: header `TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256>`, signed over
 * `t + "." + raw body` with the app's client secret.
 *
 * The HMAC runs on Web Crypto (the `crypto` global of Node 20+): a community node may load nothing at run time
 * but n8n-workflow. It is computed once per delivery and compared with each `s` in constant time.
 */

/** Default accepted distance between TikTok's `t` and our clock, in seconds (either direction). */
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

export interface SignatureHeader {
	/** The `t` element, digits only. */
	timestamp: string;
	/** Every `s` element (TikTok's docs say "signatures", plural: any one may match). */
	signatures: string[];
}

export type SignatureCheck =
	| { ok: true; timestamp: number }
	| { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'stale'; message: string };

/**
 * At most this many `s` elements are compared. TikTok's docs say "signatures" (plural: during a secret rotation
 * there could be two); a header with more is refused as malformed, so a request cannot make the node compare
 * hundreds of candidates.
 */
export const MAX_SIGNATURE_CANDIDATES = 8;

/** Splits `t=…,s=…[,s=…]`; undefined when there is no digit-only `t`, no `s`, or more `s` than are compared. */
export function parseSignatureHeader(
	header: string | string[] | undefined,
): SignatureHeader | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (!value) return undefined;
	let timestamp: string | undefined;
	const signatures: string[] = [];
	for (const part of value.split(',')) {
		const at = part.indexOf('=');
		if (at < 0) continue;
		const key = part.slice(0, at).trim();
		const element = part.slice(at + 1).trim();
		if (key === 't') timestamp = element;
		else if (key === 's') signatures.push(element.toLowerCase());
		if (signatures.length > MAX_SIGNATURE_CANDIDATES) return undefined;
	}
	if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return undefined;
	return { timestamp, signatures };
}

/** `t + "." + body` as bytes, the body exactly as received. */
function signedPayload(timestamp: string, rawBody: Uint8Array): Uint8Array {
	const prefix = new TextEncoder().encode(`${timestamp}.`);
	const payload = new Uint8Array(prefix.length + rawBody.length);
	payload.set(prefix, 0);
	payload.set(rawBody, prefix.length);
	return payload;
}

/** Lowercase hex HMAC-SHA256 of `t + "." + body`: what TikTok puts in `s` (the node computes it once per delivery). */
export async function webhookSignature(
	secret: string,
	timestamp: string,
	rawBody: Uint8Array,
): Promise<string> {
	const key = await crypto.subtle.importKey(
		'raw',
		new TextEncoder().encode(secret),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign'],
	);
	const mac = new Uint8Array(
		await crypto.subtle.sign('HMAC', key, signedPayload(timestamp, rawBody)),
	);
	return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Whether `candidate` is `expected` (64 lowercase hex characters), in a time that depends only on their lengths:
 * every character is compared, none stops the loop early.
 */
export function sameSignature(expected: string, candidate: string): boolean {
	let difference = expected.length ^ candidate.length;
	for (let i = 0; i < expected.length; i++)
		difference |= expected.charCodeAt(i) ^ (candidate.charCodeAt(i) || 0);
	return difference === 0;
}

/**
 * Checks a delivery, cheapest test first, so a forged request costs at most one HMAC: the header is present and
 * well formed (at most MAX_SIGNATURE_CANDIDATES `s`), `t` is within `toleranceSec` of `nowSec` (0 turns the time
 * check off), then one HMAC of the exact bytes received, compared with every `s` in constant time. A stale `t`
 * is refused before any HMAC, so an old header replayed with a large body costs nothing.
 */
export async function verifyWebhookSignature(options: {
	rawBody: Uint8Array;
	header: string | string[] | undefined;
	secret: string;
	nowSec: number;
	toleranceSec?: number;
}): Promise<SignatureCheck> {
	const { rawBody, header, secret, nowSec } = options;
	const toleranceSec = options.toleranceSec ?? DEFAULT_SIGNATURE_TOLERANCE_SEC;
	if (header === undefined || header === '')
		return { ok: false, reason: 'missing', message: 'no TikTok-Signature header' };
	const parsed = parseSignatureHeader(header);
	if (!parsed)
		return {
			ok: false,
			reason: 'malformed',
			message: `the TikTok-Signature header is not "t=<seconds>,s=<hex>" (with at most ${MAX_SIGNATURE_CANDIDATES} s= elements)`,
		};
	const timestamp = Number(parsed.timestamp);
	if (toleranceSec > 0 && Math.abs(nowSec - timestamp) > toleranceSec) {
		return {
			ok: false,
			reason: 'stale',
			message: `the signature time is ${Math.abs(nowSec - timestamp)} s away from now (tolerance ${toleranceSec} s)`,
		};
	}
	if (!secret)
		return {
			ok: false,
			reason: 'mismatch',
			message: 'the credential has no Client Secret to check the signature with',
		};
	const expected = await webhookSignature(secret, parsed.timestamp, rawBody);
	let matched = false;
	// Every candidate is compared, so the time taken does not reveal which one matched.
	for (const candidate of parsed.signatures) if (sameSignature(expected, candidate)) matched = true;
	if (!matched)
		return {
			ok: false,
			reason: 'mismatch',
			message: 'the signature does not match the body and the Client Secret',
		};
	return { ok: true, timestamp };
}
