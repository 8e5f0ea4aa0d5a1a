/**
 * TikTok's rules for photo URLs, decided from what a media server answers (no network here): TikTok pulls
 * each photo itself over https, follows no redirects, and takes JPEG or WebP of at most 20 MB (10^6 bytes).
 */
import { invalidInput } from './errors';
import { MAX_PHOTO_BYTES, MAX_PHOTOS } from './limits';
import { assertHttpUrl } from './urls';

export const PHOTO_CONTENT_TYPES = ['image/jpeg', 'image/webp'];

/** The headers and status of a HEAD or ranged GET, as n8n's request helper returns them. */
export interface ImageProbeResponse {
	statusCode: number;
	headers: Record<string, unknown>;
}

export type ImageVerdict =
	| { ok: true; contentType: string; bytes?: number }
	| { ok: false; problem: string; fix: string };

function header(headers: Record<string, unknown>, name: string): string | undefined {
	const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
	const value = key === undefined ? undefined : headers[key];
	const first = Array.isArray(value) ? value[0] : value;
	return first === undefined || first === null ? undefined : String(first);
}

/** `image/jpeg; charset=…` → `image/jpeg`. */
export function mediaType(contentType: string | undefined): string {
	return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * A HEAD that the server refused (405, 403 from URLs signed for GET only, 501, …) says nothing about the
 * image: ask again with a one-byte ranged GET. Redirects are an answer in their own right.
 */
export function needsRangedGet(headStatus: number): boolean {
	return headStatus < 200 || headStatus >= 400;
}

/** The whole file's size when the server states it: Content-Range's total on a 206, else Content-Length. */
export function reportedSize(response: ImageProbeResponse): number | undefined {
	if (response.statusCode === 206) {
		const total = /\/\s*(\d+)\s*$/.exec(header(response.headers, 'content-range') ?? '');
		return total ? Number(total[1]) : undefined;
	}
	const length = header(response.headers, 'content-length');
	if (length === undefined || !/^\d+$/.test(length.trim())) return undefined;
	return Number(length);
}

/** Judges one image URL from the answer to a HEAD (or the ranged GET that replaced it). */
export function judgeImageResponse(response: ImageProbeResponse): ImageVerdict {
	const status = response.statusCode;
	if (status >= 300 && status < 400) {
		const location = header(response.headers, 'location');
		return {
			ok: false,
			problem: `redirects${location ? ` to "${location}"` : ''} (HTTP ${status})`,
			fix: 'TikTok does not follow redirects. Use the final address of the image.',
		};
	}
	if (status < 200 || status >= 300) {
		return {
			ok: false,
			problem: `answered HTTP ${status}`,
			fix: 'Make sure the image exists and is public (no login, no expired signed link), then run the item again.',
		};
	}
	const contentType = mediaType(header(response.headers, 'content-type'));
	if (contentType === 'image/png') {
		return {
			ok: false,
			problem: 'is a PNG image, and TikTok does not accept PNG',
			fix: 'Convert it to JPEG or WebP (for example with the Edit Image node) and host the converted file.',
		};
	}
	if (!PHOTO_CONTENT_TYPES.includes(contentType)) {
		return {
			ok: false,
			problem: `is not a JPEG or WebP image (the server says Content-Type "${contentType || 'none'}")`,
			fix: 'TikTok takes JPEG or WebP photos only, served with Content-Type image/jpeg or image/webp. Link to the image file itself, not a web page.',
		};
	}
	const bytes = reportedSize(response);
	if (bytes !== undefined && bytes > MAX_PHOTO_BYTES) {
		return {
			ok: false,
			problem: `is ${bytes.toLocaleString('en-US')} bytes, over TikTok's limit of ${MAX_PHOTO_BYTES.toLocaleString('en-US')} bytes (20 MB)`,
			fix: 'Resize or compress the image (TikTok shows photos at most 1080p anyway).',
		};
	}
	return { ok: true, contentType, bytes };
}

/** An image whose server could not be reached at all (refused, reset, timed out, certificate refused). */
export function unreachableVerdict(errorMessage: string): ImageVerdict {
	const certificate = /certificate|ssl|tls/i.test(errorMessage);
	return {
		ok: false,
		problem: `could not be reached (${errorMessage})`,
		fix: certificate
			? "n8n could not verify the server's certificate. TikTok needs a valid certificate too; if only n8n's network intercepts TLS, turn on \"Ignore SSL Issues (Insecure)\"."
			: 'Check the address, and that the server is up and public: TikTok must be able to download the image for up to an hour after publishing starts.',
	};
}

/**
 * Whether a URL lies under one of the app's verified URL properties, matched as TikTok does: an entry with a
 * scheme (`https://cdn.example.com/tiktok/`) is an exact string prefix; a bare domain (`example.com`) covers
 * that host and its subdomains.
 */
export function isUnderVerifiedPrefix(url: string, verified: string[]): boolean {
	let host: string;
	try {
		host = new URL(url).hostname.toLowerCase();
	} catch {
		return false;
	}
	return verified.some((entry) => {
		if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return url.startsWith(entry);
		const domain = entry.toLowerCase().replace(/^\.+|\.+$/g, '');
		return domain.length > 0 && (host === domain || host.endsWith(`.${domain}`));
	});
}

/** How errors name an image: its 0-based index (as the cover index counts) and its URL. */
export function imageLabel(index: number, url: string): string {
	return `image at index ${index} ("${url}")`;
}

export const URL_VERIFICATION_EXPLAINED =
	'TikTok downloads photos itself, and only from a domain or URL prefix whose ownership your TikTok app has verified (TikTok developer portal → your app → URL properties); any other URL is refused with url_ownership_unverified.';

/**
 * The checks that need no network: each URL is an https address (TikTok pulls over https only) and, when the
 * user listed the app's verified URL properties, lies under one of them.
 */
export function assertPhotoUrls(urls: string[], verified: string[]): void {
	urls.forEach((url, index) => {
		const parsed = assertHttpUrl(`image at index ${index}`, url);
		const label = imageLabel(index, url);
		if (parsed.protocol !== 'https:') {
			throw invalidInput(`The ${label} does not use https`, 'TikTok pulls photos over https only. Use the https address of the image.');
		}
		if (verified.length > 0 && !isUnderVerifiedPrefix(url, verified)) {
			throw invalidInput(
				`The ${label} is not under your verified URL prefixes`,
				`${URL_VERIFICATION_EXPLAINED} Host the image under ${verified.map((entry) => `"${entry}"`).join(', ')}, or verify its location for your app and add it to "Verified URL Prefixes".`,
			);
		}
	});
}

export function assertPhotoCount(count: number): void {
	if (count < 1) throw invalidInput('Add at least one image', `A TikTok photo post needs 1 to ${MAX_PHOTOS} image URLs.`);
	if (count > MAX_PHOTOS) {
		throw invalidInput(`A TikTok photo post can have at most ${MAX_PHOTOS} images (got ${count})`, 'Split the images over several posts.');
	}
}

export function assertCoverIndex(index: number, count: number): void {
	if (!Number.isInteger(index) || index < 0 || index >= count) {
		throw invalidInput(
			`Cover image index ${index} is out of range`,
			`Use a number from 0 (the first image) to ${count - 1} (the last of the ${count} images).`,
		);
	}
}
