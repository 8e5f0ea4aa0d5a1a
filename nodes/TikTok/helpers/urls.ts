/** Web addresses as users type them into the node: one URL, or a list of them. */
import { invalidInput } from './errors';
import { redactUrl } from './redact';

/** New lines, and commas where the next URL starts: commas inside a URL (CDN transformations `w_400,h_300`) stay. */
const URL_LIST_SEPARATOR = /\r?\n|,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i;

/** Accepts an array, or a string split by `separator` (new lines and commas by default), as n8n expressions produce. */
export function parseUrlList(input: unknown, separator: RegExp = URL_LIST_SEPARATOR): string[] {
	const parts = Array.isArray(input)
		? input
		: typeof input === 'string'
			? input.split(separator)
			: [];
	return parts.map((part) => String(part ?? '').trim()).filter((part) => part.length > 0);
}

/** Host names that can only be this machine: what tests and the demo point the credential at. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a URL may carry a secret (the client secret, a token, an authorization code): https, or http to this
 * machine only (a local emulator), where nothing crosses a network.
 */
export function isHttpsOrLoopback(url: string): boolean {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return false;
	}
	if (parsed.username || parsed.password) return false;
	return (
		parsed.protocol === 'https:' ||
		(parsed.protocol === 'http:' && LOOPBACK_HOST.test(parsed.hostname))
	);
}

export function assertHttpUrl(label: string, url: string): URL {
	let parsed: URL | undefined;
	try {
		parsed = new URL(url);
	} catch {
		parsed = undefined;
	}
	if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
		throw invalidInput(
			`The ${label} "${redactUrl(url)}" is not a web address`,
			'Use a full address starting with https:// (TikTok downloads media only over the web).',
		);
	}
	return parsed;
}

/**
 * The file name a URL ends in, percent-decoded ("my%20clip.mp4" → "my clip.mp4"); a malformed escape
 * ("clip%zz.mp4") keeps the name as written instead of failing; "video" when the path names no file.
 */
export function fileNameOfUrl(url: string): string {
	const raw = new URL(url).pathname.split('/').pop() || 'video';
	try {
		return decodeURIComponent(raw);
	} catch {
		return raw;
	}
}

/**
 * Whether `url` lies under the URL prefix `prefix`: same scheme and host (with port), and a path that is the
 * prefix's path or continues it after a "/". So "https://cdn.example.com" does not cover
 * "https://cdn.example.com.evil.net/x.jpg", nor "https://cdn.example.com/media" "https://cdn.example.com/media-evil/x".
 * Both are compared parsed, so "/media/../private/x" is not under "/media/".
 */
export function isUnderUrlPrefix(url: string, prefix: string): boolean {
	let target: URL;
	let base: URL;
	try {
		target = new URL(url);
		base = new URL(prefix);
	} catch {
		return false;
	}
	if (target.protocol !== base.protocol || target.host !== base.host) return false;
	const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
	return target.pathname === base.pathname || target.pathname.startsWith(path);
}
