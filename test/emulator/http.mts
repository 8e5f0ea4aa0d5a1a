// HTTP helpers: TikTok's v2 envelope, flat OAuth errors, body reading, exact big-number JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newLogId, type Ctx } from './context.mts';

/** A JSON number written verbatim (post ids exceed 2^53, so they cannot pass through a JS number). */
export class RawJsonNumber {
	constructor(readonly digits: string) {
		if (!/^-?\d+$/.test(digits)) throw new Error(`not an integer: ${digits}`);
	}
}

const RAW_MARKER = '\u0001RAWNUM:';

/** JSON.stringify, except RawJsonNumber values are emitted as unquoted digits. */
export function stringifyWithRawNumbers(value: unknown): string {
	const text = JSON.stringify(value, (_key, v: unknown) =>
		v instanceof RawJsonNumber ? RAW_MARKER + v.digits : v,
	);
	return text.replace(/"\\u0001RAWNUM:(-?\d+)"/g, '$1');
}

export const MESSAGES: Record<string, string> = {
	ok: '',
	access_token_invalid: 'The access token is invalid or not found in the request.',
	scope_not_authorized:
		'The user did not authorize the scope required for completing this request.',
	rate_limit_exceeded: 'The API rate limit was exceeded. Please try again later.',
	internal_error: 'Something went wrong. Please try again later.',
	privacy_level_option_mismatch:
		'privacy_level must be one of the privacy_level_options returned by creator_info.',
	spam_risk_too_many_posts: 'The daily post cap for this user has been reached.',
	spam_risk_user_banned_from_posting: 'This user is banned from making new posts.',
	spam_risk_too_many_pending_share:
		'This user has too many pending shares (at most 5 within any 24-hour period).',
	reached_active_user_cap:
		'The daily quota of active publishing users for this client was reached.',
	unaudited_client_can_only_post_to_private_accounts:
		'Unaudited clients can only post to a private account.',
	url_ownership_unverified: 'The URL is not on a domain or URL prefix verified for this client.',
	app_version_check_failed: "The user's TikTok app version does not support this feature.",
	invalid_publish_id: 'The publish_id does not exist.',
	token_not_authorized_for_specified_publish_id:
		'The access token is not authorized for the specified publish_id.',
	publish_not_cancellable: 'The publish task cannot be cancelled.',
};

function headerSafe(text: string): string {
	return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 500);
}

/** `{data, error:{code,message,log_id}}` — the Content Posting API envelope (§3). */
export function sendEnvelope(
	ctx: Ctx,
	res: ServerResponse,
	httpStatus: number,
	code: string,
	data: Record<string, unknown> = {},
	message?: string,
): void {
	const body = stringifyWithRawNumbers({
		data,
		error: { code, message: message ?? MESSAGES[code] ?? '', log_id: newLogId(ctx) },
	});
	res.writeHead(httpStatus, {
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(body),
	});
	res.end(body);
}

/** Gateway-style failure without a JSON body (502/503/504 from a proxy look like this). */
export function sendGatewayError(res: ServerResponse, status: number): void {
	const text =
		status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Gateway Timeout';
	const body = `<html><body><h1>${status} ${text}</h1></body></html>`;
	res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

/** Flat OAuth error `{error, error_description, log_id}` (§2.5). */
export function sendOAuthError(
	ctx: Ctx,
	res: ServerResponse,
	error: string,
	description: string,
	httpStatus = ctx.config.oauthErrorHttpStatus,
): void {
	setDetail(res, description);
	sendJson(res, httpStatus, { error, error_description: description, log_id: newLogId(ctx) });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
	const body = JSON.stringify(value);
	res.writeHead(status, {
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(body),
		'Cache-Control': 'no-store',
	});
	res.end(body);
}

export function sendText(
	res: ServerResponse,
	status: number,
	text: string,
	headers: Record<string, string> = {},
): void {
	res.writeHead(status, {
		'Content-Type': 'text/plain; charset=utf-8',
		'Content-Length': Buffer.byteLength(text),
		...headers,
	});
	res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
	res.writeHead(status, {
		'Content-Type': 'text/html; charset=utf-8',
		'Content-Length': Buffer.byteLength(html),
	});
	res.end(html);
}

export class BodyTooLargeError extends Error {}

/** Reads a whole body; an oversized one is read to its end (so the error can be answered) but not kept. */
export function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const parts: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= limit) parts.push(chunk);
			else parts.length = 0;
		});
		req.on('end', () => {
			if (size > limit) reject(new BodyTooLargeError(`body larger than ${limit} bytes`));
			else resolve(Buffer.concat(parts));
		});
		req.on('error', reject);
		req.on('aborted', () => reject(new Error('request aborted')));
	});
}

/** Reads and discards a request body, so an early error answer does not reset the client. */
export function drain(req: IncomingMessage): Promise<void> {
	return new Promise((resolve) => {
		if (req.complete) return resolve();
		req.on('end', () => resolve());
		req.on('close', () => resolve());
		req.on('error', () => resolve());
		req.resume();
	});
}

/** Media type without parameters, lower-cased ('' when absent). */
export function mediaType(header: string | undefined): string {
	return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** Parses application/x-www-form-urlencoded into ordered pairs (duplicates kept). */
export function parseForm(text: string): Array<[string, string]> {
	return [...new URLSearchParams(text).entries()];
}

export function bearerToken(req: IncomingMessage): string | null {
	const header = req.headers.authorization;
	if (!header) return null;
	// The auth scheme is case-insensitive (RFC 7235); the token itself is exact.
	const m = /^bearer ([^\s]+)$/i.exec(header.trim());
	return m ? m[1] : null;
}

export function setDetail(res: ServerResponse, detail: string): void {
	if (!res.headersSent) res.setHeader('X-Emulator-Detail', headerSafe(detail));
}
