/** Web addresses as users type them into the node: one URL, or a list of them. */
import { invalidInput } from './errors';

/** New lines, and commas where the next URL starts: commas inside a URL (CDN transformations `w_400,h_300`) stay. */
const URL_LIST_SEPARATOR = /\r?\n|,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i;

/** Accepts an array, or a string split by `separator` (new lines and commas by default), as n8n expressions produce. */
export function parseUrlList(input: unknown, separator: RegExp = URL_LIST_SEPARATOR): string[] {
	const parts = Array.isArray(input) ? input : typeof input === 'string' ? input.split(separator) : [];
	return parts.map((part) => String(part ?? '').trim()).filter((part) => part.length > 0);
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
			`The ${label} "${url}" is not a web address`,
			'Use a full address starting with https:// (TikTok downloads media only over the web).',
		);
	}
	return parsed;
}
