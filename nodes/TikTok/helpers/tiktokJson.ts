/**
 * Parses TikTok's JSON without losing digits.
 *
 * TikTok sends post ids as raw 19-digit numbers (e.g. `publicaly_available_post_id: [7300000000000000001]`),
 * which JSON.parse rounds because they exceed 2^53. Every integer literal too long to be exact is quoted
 * before parsing, so such ids arrive as strings.
 */
export function parseTikTokJson(text: string): unknown {
	return JSON.parse(quoteUnsafeIntegers(text));
}

const MAX_SAFE_DIGITS = 15;

export function quoteUnsafeIntegers(text: string): string {
	let out = '';
	let i = 0;
	while (i < text.length) {
		const ch = text[i];
		if (ch === '"') {
			const end = endOfString(text, i);
			out += text.slice(i, end);
			i = end;
			continue;
		}
		if (ch === '-' || (ch >= '0' && ch <= '9')) {
			let j = i + 1;
			while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
			const literal = text.slice(i, j);
			const isLongInteger =
				/^-?\d+$/.test(literal) && literal.replace('-', '').length > MAX_SAFE_DIGITS;
			out += isLongInteger ? `"${literal}"` : literal;
			i = j;
			continue;
		}
		out += ch;
		i++;
	}
	return out;
}

/** Index just past the closing quote of the string literal starting at `start`. */
function endOfString(text: string, start: number): number {
	let i = start + 1;
	while (i < text.length) {
		if (text[i] === '\\') i += 2;
		else if (text[i] === '"') return i + 1;
		else i++;
	}
	return text.length;
}
