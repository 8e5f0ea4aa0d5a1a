/**
 * TikTok's webhook signature: header `TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256>`, signed over
 * `t + "." + raw body` with the app's client secret.
 *
 * The HMAC runs on Web Crypto (the `crypto` global of Node 20+): a community node may load nothing at run time
 * but n8n-workflow. `crypto.subtle.verify` compares in constant time.
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

/** Splits `t=…,s=…[,s=…]`; undefined when there is no digit-only `t` or no `s`. */
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
	}
	if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return undefined;
	return { timestamp, signatures };
}

function hexToBytes(hex: string): Uint8Array | undefined {
	if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
	const bytes = new Uint8Array(32);
	for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

/** `t + "." + body` as bytes, the body exactly as received. */
function signedPayload(timestamp: string, rawBody: Uint8Array): Uint8Array {
	const prefix = new TextEncoder().encode(`${timestamp}.`);
	const payload = new Uint8Array(prefix.length + rawBody.length);
	payload.set(prefix, 0);
	payload.set(rawBody, prefix.length);
	return payload;
}

/** Lowercase hex HMAC-SHA256 of `t + "." + body`: what TikTok puts in `s` (used by tests and the emulator). */
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
 * Checks a delivery: the header is present and well formed, one `s` is the HMAC of the exact bytes received,
 * and `t` is within `toleranceSec` of `nowSec` (0 turns the time check off). The time is checked after the
 * HMAC, so a stale but authentic delivery is told apart from a forged one.
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
			message: 'the TikTok-Signature header is not "t=<seconds>,s=<hex>"',
		};
	if (!secret)
		return {
			ok: false,
			reason: 'mismatch',
			message: 'the credential has no Client Secret to check the signature with',
		};
	const key = await crypto.subtle.importKey(
		'raw',
		new TextEncoder().encode(secret),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['verify'],
	);
	const payload = signedPayload(parsed.timestamp, rawBody);
	let matched = false;
	for (const candidate of parsed.signatures) {
		const bytes = hexToBytes(candidate);
		// Every candidate is checked, so the time taken does not reveal which one matched.
		if (bytes && (await crypto.subtle.verify('HMAC', key, bytes, payload))) matched = true;
	}
	if (!matched)
		return {
			ok: false,
			reason: 'mismatch',
			message: 'the signature does not match the body and the Client Secret',
		};
	const timestamp = Number(parsed.timestamp);
	if (toleranceSec > 0 && Math.abs(nowSec - timestamp) > toleranceSec) {
		return {
			ok: false,
			reason: 'stale',
			message: `the signature is ${Math.abs(nowSec - timestamp)} s away from now (tolerance ${toleranceSec} s)`,
		};
	}
	return { ok: true, timestamp };
}
