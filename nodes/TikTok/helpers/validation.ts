import type { ErrorAdvice } from './errorMap';
import {
	MAX_PHOTO_DESCRIPTION_UTF16,
	MAX_PHOTO_TITLE_UTF16,
	MAX_PHOTOS,
	MAX_VIDEO_CAPTION_UTF16,
} from './limits';

/** creator_info/query `data`, as TikTok documents it. */
export interface CreatorInfo {
	creator_avatar_url?: string;
	creator_username?: string;
	creator_nickname?: string;
	privacy_level_options: string[];
	comment_disabled?: boolean;
	duet_disabled?: boolean;
	stitch_disabled?: boolean;
	max_video_post_duration_sec?: number;
}

export type PostKind = 'video' | 'photo';

/** What the user chose for a direct post; every interaction is off unless chosen (TikTok's guidelines). */
export interface DirectPostSettings {
	privacyLevel: string;
	allowComment: boolean;
	allowDuet: boolean;
	allowStitch: boolean;
	discloseCommercialContent: boolean;
	yourBrand: boolean;
	brandedContent: boolean;
}

export class ValidationError extends Error {
	constructor(readonly advice: ErrorAdvice) {
		super(advice.message);
	}
}

function fail(message: string, description: string): never {
	throw new ValidationError({ message, description });
}

/** TikTok counts text in UTF-16 code units (JavaScript's string length): an emoji counts as 2. */
export function utf16Length(text: string): number {
	return text.length;
}

export function assertTextLength(label: string, text: string, max: number): void {
	const length = utf16Length(text);
	if (length > max) {
		fail(
			`The ${label} is too long for TikTok (${length} of ${max} characters)`,
			`Shorten the ${label} to at most ${max} characters. TikTok counts most emoji as 2 characters.`,
		);
	}
}

export const assertVideoCaption = (caption: string) =>
	assertTextLength('caption', caption, MAX_VIDEO_CAPTION_UTF16);
export const assertPhotoTitle = (title: string) => assertTextLength('title', title, MAX_PHOTO_TITLE_UTF16);
export const assertPhotoDescription = (description: string) =>
	assertTextLength('description', description, MAX_PHOTO_DESCRIPTION_UTF16);

export const PRIVACY_LEVEL_LABELS: Record<string, string> = {
	PUBLIC_TO_EVERYONE: 'Everyone',
	MUTUAL_FOLLOW_FRIENDS: 'Friends (Mutual Followers)',
	FOLLOWER_OF_CREATOR: 'Followers',
	SELF_ONLY: 'Only Me',
};

export function privacyLabel(level: string): string {
	return PRIVACY_LEVEL_LABELS[level] ?? level;
}

/** Checks a direct post's settings against the creator's current options, before anything is sent. */
export function assertDirectPostSettings(settings: DirectPostSettings, creator: CreatorInfo, kind: PostKind): void {
	const offered = creator.privacy_level_options ?? [];
	const offeredText = offered.map((level) => `"${privacyLabel(level)}" (${level})`).join(', ');
	if (!settings.privacyLevel) {
		fail(
			'Choose who can see the post',
			`TikTok requires an explicit privacy level with no default. This account offers: ${offeredText}.`,
		);
	}
	if (!offered.includes(settings.privacyLevel)) {
		fail(
			`Privacy level "${privacyLabel(settings.privacyLevel)}" is not available for this TikTok account`,
			`This account currently offers: ${offeredText}. Private accounts cannot post to "Everyone", and apps TikTok has not audited yet can only post "Only Me".`,
		);
	}
	if (settings.discloseCommercialContent && !settings.yourBrand && !settings.brandedContent) {
		fail(
			'You need to indicate if your content promotes yourself, a third party, or both',
			'With "Disclose Commercial Content" on, turn on "Your Brand", "Branded Content", or both.',
		);
	}
	if (settings.discloseCommercialContent && settings.brandedContent && settings.privacyLevel === 'SELF_ONLY') {
		fail(
			'Branded content visibility cannot be set to private',
			'TikTok does not allow "Only Me" for branded content (paid partnerships). Choose another privacy level or turn off "Branded Content".',
		);
	}
	const interactions: Array<[boolean, boolean | undefined, string]> = [
		[settings.allowComment, creator.comment_disabled, 'comments'],
	];
	if (kind === 'video') {
		interactions.push([settings.allowDuet, creator.duet_disabled, 'duets']);
		interactions.push([settings.allowStitch, creator.stitch_disabled, 'stitches']);
	}
	for (const [allowed, disabledByCreator, name] of interactions) {
		if (allowed && disabledByCreator) {
			fail(
				`This TikTok account has ${name} turned off`,
				`Turn off "Allow ${name[0].toUpperCase()}${name.slice(1)}" in the node, or let the account owner enable ${name} in the TikTok app (private accounts cannot allow duets or stitches).`,
			);
		}
	}
}

/** TikTok's `post_info` for a direct post, shared by video and photo. */
export function commonPostInfo(settings: DirectPostSettings): Record<string, unknown> {
	const commercial = settings.discloseCommercialContent;
	return {
		privacy_level: settings.privacyLevel,
		disable_comment: !settings.allowComment,
		brand_content_toggle: commercial && settings.brandedContent,
		brand_organic_toggle: commercial && settings.yourBrand,
	};
}

export function assertVideoDuration(durationSec: number | undefined, creator: CreatorInfo): void {
	const max = creator.max_video_post_duration_sec;
	if (durationSec === undefined || max === undefined || max <= 0) return;
	if (durationSec > max) {
		fail(
			`The video is ${Math.round(durationSec)} seconds long, but this TikTok account can post at most ${max} seconds`,
			'Trim the video before publishing. The maximum depends on the account (see Creator → Get Info).',
		);
	}
}

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
		fail(
			`The ${label} "${url}" is not a web address`,
			'Use a full address starting with https:// (TikTok downloads media only over the web).',
		);
	}
	return parsed;
}

export function assertPhotoCount(count: number): void {
	if (count < 1) fail('Add at least one image', `A TikTok photo post needs 1 to ${MAX_PHOTOS} image URLs.`);
	if (count > MAX_PHOTOS) {
		fail(`A TikTok photo post can have at most ${MAX_PHOTOS} images (got ${count})`, 'Split the images over several posts.');
	}
}

export function assertCoverIndex(index: number, count: number): void {
	if (!Number.isInteger(index) || index < 0 || index >= count) {
		fail(
			`Cover image index ${index} is out of range`,
			`Use a number from 0 (the first image) to ${count - 1} (the last of the ${count} images).`,
		);
	}
}

/** Publish ids look like `v_pub_file~v2-1.123456789`, `v_inbox_url~v2.123`, `p_pub_url~v2.123`. */
const PUBLISH_ID = /^[vp]_(pub|inbox)_(file|url)~[A-Za-z0-9._~-]{1,60}$/;

export function assertPublishId(publishId: string): void {
	if (!PUBLISH_ID.test(publishId) || publishId.length > 64) {
		fail(
			`"${publishId}" is not a TikTok publish ID`,
			'Use the publish_id returned by this node\'s Publish operation, e.g. v_pub_file~v2-1.123456789.',
		);
	}
}
