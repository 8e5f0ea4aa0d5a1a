/** TikTok's text limits for captions, titles and descriptions, counted as TikTok counts them. */
import { invalidInput } from './errors';
import {
	MAX_PHOTO_DESCRIPTION_UTF16,
	MAX_PHOTO_TITLE_UTF16,
	MAX_VIDEO_CAPTION_UTF16,
} from './limits';

/** TikTok counts text in UTF-16 code units (JavaScript's string length): an emoji counts as 2. */
export function utf16Length(text: string): number {
	return text.length;
}

export function assertTextLength(label: string, text: string, max: number): void {
	const length = utf16Length(text);
	if (length > max) {
		throw invalidInput(
			`The ${label} is too long for TikTok (${length} of ${max} characters)`,
			`Shorten the ${label} to at most ${max} characters. TikTok counts most emoji as 2 characters.`,
		);
	}
}

export const assertVideoCaption = (caption: string) =>
	assertTextLength('caption', caption, MAX_VIDEO_CAPTION_UTF16);
export const assertPhotoTitle = (title: string) =>
	assertTextLength('title', title, MAX_PHOTO_TITLE_UTF16);
export const assertPhotoDescription = (description: string) =>
	assertTextLength('description', description, MAX_PHOTO_DESCRIPTION_UTF16);
