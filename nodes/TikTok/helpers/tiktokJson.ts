/**
 * Parses TikTok's JSON without losing digits, and with each field keeping one type whatever its size.
 *
 * TikTok sends post ids as raw 19-digit numbers (e.g. `publicaly_available_post_id: [7300000000000000001]`),
 * which JSON.parse rounds because they exceed 2^53. Before parsing, an integer literal becomes a string when it is
 * an id (its key is `id` or ends in `_id`/`_ids`, or it is in an array under such a key), at any size, so an id
 * is always a string; or when it is beyond Number.MAX_SAFE_INTEGER (2^53 − 1) and so could not be exact. Every
 * other number (counts: TikTok documents them as int64, and real ones stay within 2^53) stays a number.
 */
export function parseTikTokJson(text: string): unknown {
	return JSON.parse(quoteUnsafeIntegers(text));
}

/** `id`, `post_id`, `publicaly_available_post_id`, `video_ids`… */
const ID_KEY = /(^|_)ids?$/;

const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);

/** Whether the digits of an integer literal (sign removed) name a number beyond 2^53 − 1. */
function isBeyondSafe(digits: string): boolean {
	const significant = digits.replace(/^0+(?=\d)/, '');
	return (
		significant.length > MAX_SAFE.length ||
		(significant.length === MAX_SAFE.length && significant > MAX_SAFE)
	);
}

interface Container {
	isObject: boolean;
	/** The key of the value being read (an array's: the key it is under). */
	key: string | undefined;
	/** In an object: the next string is a key. */
	expectKey: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isNumberStart(code: number): boolean {
	return code === 0x2d || (code >= 0x30 && code <= 0x39);
}

function isNumberPart(code: number): boolean {
	// digits . e E + -
	return (
		(code >= 0x30 && code <= 0x39) ||
		code === 0x2e ||
		code === 0x65 ||
		code === 0x45 ||
		code === 0x2b ||
		code === 0x2d
	);
}

/** The JSON text with ids and unsafe integers quoted; everything else copied as it is. One pass, no copies when nothing changes. */
export function quoteUnsafeIntegers(text: string): string {
	const parts: string[] = [];
	let copiedUpTo = 0;
	const stack: Container[] = [];
	let i = 0;
	while (i < text.length) {
		const code = text.charCodeAt(i);
		const top = stack[stack.length - 1];
		if (code === QUOTE) {
			const end = endOfString(text, i);
			if (top?.isObject && top.expectKey) {
				top.key = text.slice(i + 1, end - 1);
				top.expectKey = false;
			}
			i = end;
			continue;
		}
		if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
			const isObject = code === 0x7b;
			stack.push({ isObject, key: isObject ? undefined : top?.key, expectKey: isObject });
		} else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
			stack.pop();
		} else if (code === 0x2c /* , */) {
			if (top?.isObject) top.expectKey = true;
		} else if (isNumberStart(code)) {
			let j = i + 1;
			while (j < text.length && isNumberPart(text.charCodeAt(j))) j++;
			const literal = text.slice(i, j);
			if (/^-?\d+$/.test(literal)) {
				const isId = top?.key !== undefined && ID_KEY.test(top.key);
				if (isId || isBeyondSafe(literal.replace('-', ''))) {
					parts.push(text.slice(copiedUpTo, i), `"${literal}"`);
					copiedUpTo = j;
				}
			}
			i = j;
			continue;
		}
		i++;
	}
	if (copiedUpTo === 0) return text;
	parts.push(text.slice(copiedUpTo));
	return parts.join('');
}

/** Index just past the closing quote of the string literal starting at `start`. */
function endOfString(text: string, start: number): number {
	let i = start + 1;
	while (i < text.length) {
		const code = text.charCodeAt(i);
		if (code === BACKSLASH) i += 2;
		else if (code === QUOTE) return i + 1;
		else i++;
	}
	return text.length;
}
