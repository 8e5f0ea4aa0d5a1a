/**
 * TikTok's rules for photo URLs, decided from what a media server answers and the image's first bytes (no network
 * here): TikTok pulls each photo itself over https, follows no redirects, and takes JPEG or WebP (by content, served
 * as such) of at most 20 MB (10^6 bytes) and 1080p.
 */
import type { MediaCheckCode } from './errorMap';
import { invalidInput } from './errors';
import { IMAGE_FORMAT_NAMES, IMAGE_MIME_TYPES, imageDimensions, sniffImageFormat } from './image';
import { MAX_PHOTO_BYTES, MAX_PHOTO_LONG_SIDE, MAX_PHOTO_SHORT_SIDE, MAX_PHOTOS } from './limits';
import { redactUrl, redactUrlsIn } from './redact';
import { assertHttpUrl, isUnderUrlPrefix } from './urls';

/** The status and headers of the ranged GET that asked for an image's first bytes, as n8n's request helper returns them. */
export interface ImageProbeResponse {
	statusCode: number;
	headers: Record<string, unknown>;
}

/** An image's first bytes as n8n read them: the whole file (`complete`), a prefix, or what came before `error`. */
export interface ImageHead {
	bytes: Uint8Array;
	complete: boolean;
	error?: string;
}

/** What n8n learnt about an acceptable image. */
export interface ImageFacts {
	contentType: string;
	/** The whole file's size, when the server stated it (or sent it all). */
	bytes?: number;
	width?: number;
	height?: number;
}

/** Refused (with the media check's code, the problem after the image's name, and the fix), or accepted with notes on what could not be checked. */
export type ImageVerdict =
	| { ok: true; image: ImageFacts; notes: string[] }
	| { ok: false; code: MediaCheckCode; problem: string; fix: string };

const refused = (code: MediaCheckCode, problem: string, fix: string): ImageVerdict => ({
	ok: false,
	code,
	problem,
	fix,
});

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

/** A redirect or an error status says all there is to say (the body is not read); undefined for a 2xx. */
export function judgeImageStatus(response: ImageProbeResponse): ImageVerdict | undefined {
	const status = response.statusCode;
	if (status >= 300 && status < 400) {
		const location = header(response.headers, 'location');
		return refused(
			'photo_unreachable',
			`redirects${location ? ` to "${redactUrl(location)}"` : ''} (HTTP ${status})`,
			'TikTok does not follow redirects. Use the final address of the image.',
		);
	}
	if (status < 200 || status >= 300) {
		return refused(
			'photo_unreachable',
			`answered HTTP ${status}`,
			'Make sure the image exists and is public (no login, no expired signed link), then run the item again.',
		);
	}
	return undefined;
}

const article = (name: string) => (/^(AVIF|HEIC|SVG)/.test(name) ? 'an' : 'a');
const CONVERT =
	'TikTok takes JPEG or WebP photos only. Convert the image (for example with the Edit Image node, Options → Format) and host the converted file.';
const LINK_THE_FILE = 'Link to the image file itself, not a web page or a download page.';

/** Whether a photo is larger than 1080p: it must fit a 1920×1080 frame, either way round. */
export function exceeds1080p(width: number, height: number): boolean {
	return (
		Math.max(width, height) > MAX_PHOTO_LONG_SIDE || Math.min(width, height) > MAX_PHOTO_SHORT_SIDE
	);
}

/**
 * Judges one image from the answer to the ranged GET and its first bytes (`prefixBytes` at most): the format by
 * content, the Content-Type TikTok checks as well, the size in bytes and in pixels. What the answer did not say
 * is passed with a note instead of refused.
 */
export function judgeImage(
	response: ImageProbeResponse,
	head: ImageHead,
	prefixBytes: number,
): ImageVerdict {
	const byStatus = judgeImageStatus(response);
	if (byStatus) return byStatus;
	const declared = mediaType(header(response.headers, 'content-type'));
	const calledBy = declared
		? `the server calls it "${declared}"`
		: 'the server sends no Content-Type';
	const format = sniffImageFormat(head.bytes);
	if (!format) {
		if (head.error !== undefined && head.bytes.length < 16) {
			return refused(
				'photo_unreachable',
				`could not be read (${redactUrlsIn(head.error)})`,
				'Make sure the server is up and serves the image in full, then run the item again.',
			);
		}
		if (head.bytes.length === 0)
			return refused('photo_format_unsupported', 'is an empty file', LINK_THE_FILE);
		return refused(
			'photo_format_unsupported',
			`is not a JPEG or WebP image (its first bytes match no image format; ${calledBy})`,
			LINK_THE_FILE,
		);
	}
	const name = IMAGE_FORMAT_NAMES[format];
	const mime = IMAGE_MIME_TYPES[format];
	if (!mime) {
		const claimed = declared === `image/${format}` ? '' : ` (judged by its content; ${calledBy})`;
		return format === 'html'
			? refused(
					'photo_format_unsupported',
					`is a web page (HTML), not an image${claimed}`,
					LINK_THE_FILE,
				)
			: refused(
					'photo_format_unsupported',
					`is ${article(name)} ${name} image${claimed}, and TikTok does not accept ${name}`,
					CONVERT,
				);
	}
	if (declared !== mime) {
		return refused(
			'photo_format_unsupported',
			`is a ${name} image, but ${calledBy}`,
			`TikTok checks the Content-Type too: make the server send "${mime}" for it (on S3 or R2 the object's Content-Type metadata, on a web server the file extension).`,
		);
	}
	const bytes = reportedSize(response) ?? (head.complete ? head.bytes.length : undefined);
	if (bytes !== undefined && bytes > MAX_PHOTO_BYTES) {
		return refused(
			'photo_too_large',
			`is ${bytes.toLocaleString('en-US')} bytes, over TikTok's limit of ${MAX_PHOTO_BYTES.toLocaleString('en-US')} bytes (20 MB)`,
			'Resize or compress the image (TikTok shows photos at most 1080p anyway).',
		);
	}
	const size = imageDimensions(head.bytes);
	const image: ImageFacts = {
		contentType: mime,
		...(bytes === undefined ? {} : { bytes }),
		...(typeof size === 'object' ? size : {}),
	};
	if (typeof size === 'object' && exceeds1080p(size.width, size.height)) {
		return refused(
			'photo_resolution_too_high',
			`is ${size.width}×${size.height} pixels, larger than TikTok's 1080p (at most ${MAX_PHOTO_LONG_SIDE} pixels on the long side and ${MAX_PHOTO_SHORT_SIDE} on the short side)`,
			`Resize it to fit ${MAX_PHOTO_SHORT_SIDE}×${MAX_PHOTO_LONG_SIDE} (portrait) or ${MAX_PHOTO_LONG_SIDE}×${MAX_PHOTO_SHORT_SIDE} (landscape), for example with the Edit Image node (Resize), and host the smaller file.`,
		);
	}
	const notes: string[] = [];
	if (bytes === undefined)
		notes.push(`did not state its size, so TikTok's limit of 20 MB was not checked`);
	if (typeof size !== 'object') {
		notes.push(
			`has no size in pixels n8n could read in its first ${Math.round(prefixBytes / 1024)} KB, so TikTok's 1080p limit was not checked`,
		);
	}
	return { ok: true, image, notes };
}

/** An image whose server could not be reached at all (refused, reset, timed out, certificate refused). */
export function unreachableVerdict(errorMessage: string): ImageVerdict {
	const certificate = /certificate|ssl|tls/i.test(errorMessage);
	return refused(
		'photo_unreachable',
		`could not be reached (${redactUrlsIn(errorMessage)})`,
		certificate
			? 'n8n could not verify the server\'s certificate. TikTok needs a valid certificate too; if only n8n\'s network intercepts TLS, turn on "Ignore SSL Issues (Insecure)".'
			: 'Check the address, and that the server is up and public: TikTok must be able to download the image for up to an hour after publishing starts.',
	);
}

/**
 * Whether a URL lies under one of the app's verified URL properties, matched as TikTok does: an entry with a
 * scheme (`https://cdn.example.com/tiktok/`) is a prefix ending on a path boundary; a bare domain (`example.com`) covers
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
		if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return isUnderUrlPrefix(url, entry);
		const domain = entry.toLowerCase().replace(/^\.+|\.+$/g, '');
		return domain.length > 0 && (host === domain || host.endsWith(`.${domain}`));
	});
}

/** How errors name an image: its position in the carousel (from 1, "image 3 of 7") and its URL, redacted. */
export function imageLabel(index: number, count: number, url: string): string {
	return `image ${index + 1} of ${count} ("${redactUrl(url)}")`;
}

export const URL_VERIFICATION_EXPLAINED =
	'TikTok downloads photos itself, and only from a domain or URL prefix whose ownership your TikTok app has verified (TikTok developer portal → your app → URL properties); any other URL is refused with url_ownership_unverified.';

/**
 * The checks that need no network: each URL is an https address (TikTok pulls over https only) and, when the
 * user listed the app's verified URL properties, lies under one of them.
 */
export function assertPhotoUrls(urls: string[], verified: string[]): void {
	urls.forEach((url, index) => {
		const parsed = assertHttpUrl(`image ${index + 1} of ${urls.length}`, url);
		const label = imageLabel(index, urls.length, url);
		if (parsed.protocol !== 'https:') {
			throw invalidInput(
				`The ${label} does not use https`,
				'TikTok pulls photos over https only. Use the https address of the image.',
			);
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
	if (count < 1)
		throw invalidInput(
			'Add at least one image',
			`A TikTok photo post needs 1 to ${MAX_PHOTOS} image URLs.`,
		);
	if (count > MAX_PHOTOS) {
		throw invalidInput(
			`A TikTok photo post can have at most ${MAX_PHOTOS} images (got ${count})`,
			'Split the images over several posts.',
		);
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
