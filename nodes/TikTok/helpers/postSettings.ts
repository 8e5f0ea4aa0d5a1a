/**
 * A direct post's settings under TikTok's Content Sharing Guidelines: the creator's current options
 * (creator_info), the privacy level names, the checks made before anything is sent, and the `post_info`
 * body TikTok receives.
 */
import { invalidInput } from './errors';

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

export const PRIVACY_LEVEL_LABELS: Readonly<Record<string, string>> = {
	PUBLIC_TO_EVERYONE: 'Everyone',
	MUTUAL_FOLLOW_FRIENDS: 'Friends (Mutual Followers)',
	FOLLOWER_OF_CREATOR: 'Followers',
	SELF_ONLY: 'Only Me',
};

export function privacyLabel(level: string): string {
	return PRIVACY_LEVEL_LABELS[level] ?? level;
}

/** Checks a direct post's settings against the creator's current options, before anything is sent. */
export function assertDirectPostSettings(
	settings: DirectPostSettings,
	creator: CreatorInfo,
	kind: PostKind,
): void {
	const offered = creator.privacy_level_options ?? [];
	const offeredText = offered.map((level) => `"${privacyLabel(level)}" (${level})`).join(', ');
	if (!settings.privacyLevel) {
		throw invalidInput(
			'Choose who can see the post',
			`TikTok requires an explicit privacy level with no default. This account offers: ${offeredText}.`,
		);
	}
	if (!offered.includes(settings.privacyLevel)) {
		throw invalidInput(
			`Privacy level "${privacyLabel(settings.privacyLevel)}" is not available for this TikTok account`,
			`This account currently offers: ${offeredText}. Private accounts cannot post to "Everyone", and apps TikTok has not audited yet can only post "Only Me".`,
		);
	}
	if (settings.discloseCommercialContent && !settings.yourBrand && !settings.brandedContent) {
		throw invalidInput(
			'You need to indicate if your content promotes yourself, a third party, or both',
			'With "Disclose Commercial Content" on, turn on "Your Brand", "Branded Content", or both.',
		);
	}
	if (
		settings.discloseCommercialContent &&
		settings.brandedContent &&
		settings.privacyLevel === 'SELF_ONLY'
	) {
		throw invalidInput(
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
			throw invalidInput(
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
		throw invalidInput(
			`The video is ${Math.round(durationSec)} seconds long, but this TikTok account can post at most ${max} seconds`,
			'Trim the video before publishing. The maximum depends on the account (see Creator → Get Info).',
		);
	}
}
