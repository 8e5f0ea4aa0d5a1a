/**
 * Signed media URLs for the TikTok Media Server (docs/decisions/media-endpoint.md): the last path segment of the
 * URL TikTok pulls is `v1.<base64url(JSON)>.<base64url(HMAC-SHA256)>`, bound to one file in n8n's binary store
 * (its id is inside the signed part) and to an expiry. The key is an HMAC of the app's client secret with a purpose
 * label, so the client secret itself never keys anything but TikTok's own checks.
 *
 * Web Crypto (the `crypto` global of Node 20+): a community node may load nothing at run time but n8n-workflow.
 */

/** Longest token accepted: anything longer is refused before any cryptography. */
export const MAX_MEDIA_TOKEN_CHARS = 2048;
/** How long a media URL stays valid: above TikTok's 1-hour download window plus the init's pacing. */
export const MEDIA_URL_LIFETIME_SEC = 2 * 3600;

const KEY_LABEL = 'n8n-nodes-tiktok-publisher media url v1';
const TOKEN_SHAPE = /^v1\.([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/;

/** What a media URL names: a file in n8n's binary store, how it is served, and until when. */
export interface MediaGrant {
	/** n8n's binary data id (e.g. `filesystem-v2:…`, `database:…`, `s3:…`). */
	binaryId: string;
	/** Exact size in bytes: the Content-Length served. */
	size: number;
	/** The Content-Type served. */
	mimeType: string;
	/** Unix seconds after which the URL is refused. */
	expiresAtSec: number;
}

export type MediaTokenCheck =
	{ ok: true; grant: MediaGrant } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

function toBase64Url(bytes: Uint8Array): string {
	return Buffer.from(bytes).toString('base64url');
}

async function signingKey(
	secret: string,
	usage: 'sign' | 'verify',
): ReturnType<typeof crypto.subtle.importKey> {
	const encoder = new TextEncoder();
	const master = await crypto.subtle.importKey(
		'raw',
		encoder.encode(secret),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign'],
	);
	const derived = await crypto.subtle.sign('HMAC', master, encoder.encode(KEY_LABEL));
	return await crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, [
		usage,
	]);
}

/** The token for `grant`, signed with a key derived from `secret`. */
export async function signMediaToken(secret: string, grant: MediaGrant): Promise<string> {
	const payload = toBase64Url(
		new TextEncoder().encode(
			JSON.stringify({
				i: grant.binaryId,
				s: grant.size,
				m: grant.mimeType,
				e: grant.expiresAtSec,
			}),
		),
	);
	const mac = await crypto.subtle.sign(
		'HMAC',
		await signingKey(secret, 'sign'),
		new TextEncoder().encode(`v1.${payload}`),
	);
	return `v1.${payload}.${toBase64Url(new Uint8Array(mac))}`;
}

/** Whether `token` has a media token's length and shape: the only check made before the credential is read. */
export function looksLikeMediaToken(token: string): boolean {
	return token.length <= MAX_MEDIA_TOKEN_CHARS && TOKEN_SHAPE.test(token);
}

/**
 * Checks a token: its length and shape first (no cryptography for anything else), then one constant-time HMAC
 * verify, then the expiry. Only a token that passes all three yields the binary id.
 */
export async function verifyMediaToken(
	secret: string,
	token: string,
	nowSec: number,
): Promise<MediaTokenCheck> {
	if (token.length > MAX_MEDIA_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
	const parts = TOKEN_SHAPE.exec(token);
	if (!parts) return { ok: false, reason: 'malformed' };
	const [, payload, mac] = parts;
	const valid = await crypto.subtle.verify(
		'HMAC',
		await signingKey(secret, 'verify'),
		Buffer.from(mac, 'base64url'),
		new TextEncoder().encode(`v1.${payload}`),
	);
	if (!valid) return { ok: false, reason: 'forged' };
	let grant: MediaGrant;
	try {
		const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
			string,
			unknown
		>;
		grant = {
			binaryId: String(fields.i),
			size: Number(fields.s),
			mimeType: String(fields.m),
			expiresAtSec: Number(fields.e),
		};
	} catch {
		return { ok: false, reason: 'malformed' };
	}
	if (!(grant.expiresAtSec > nowSec)) return { ok: false, reason: 'expired' };
	return { ok: true, grant };
}

/** The byte range a request asks for: the whole file, one satisfiable range (inclusive ends), or none that fits. */
export type ByteRange =
	{ kind: 'whole' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * Reads a `Range` header against a file of `size` bytes (RFC 9110 §14): `bytes=a-b`, `bytes=a-`, `bytes=-n`, one
 * range only. Anything else (another unit, several ranges, an end before the start, a start past the end) is
 * refused as unsatisfiable (416, no bytes) rather than answered with the whole file: a puller that asked for part
 * of a file and got all of it would store the wrong bytes.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange {
	if (header === undefined) return { kind: 'whole' };
	const match = /^\s*bytes=(\d{0,16})-(\d{0,16})\s*$/i.exec(header);
	if (!match || (match[1] === '' && match[2] === '') || size === 0)
		return { kind: 'unsatisfiable' };
	if (match[1] === '') {
		const suffix = Number(match[2]);
		if (suffix === 0) return { kind: 'unsatisfiable' };
		return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
	}
	const start = Number(match[1]);
	const last = match[2] === '' ? size - 1 : Number(match[2]);
	if (start >= size || last < start) return { kind: 'unsatisfiable' };
	return { kind: 'range', start, end: Math.min(last, size - 1) };
}

/** The URL TikTok pulls: the media server's URL prefix (ending in `/`) and the token. */
export function mediaUrl(prefix: string, token: string): string {
	return `${prefix.endsWith('/') ? prefix : `${prefix}/`}${token}`;
}
