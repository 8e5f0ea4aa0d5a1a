// Default app registration and account fixtures (tiktok-api.md §4, §11.3, §15 "creator_info").
import type { AccountFixture, ClientConfig, DeepPartial, PrivacyLevel } from './types.mts';

export const DEFAULT_CLIENT_KEY = 'emu_client_key';
export const DEFAULT_CLIENT_SECRET = 'emu_client_secret';

export function defaultClient(): ClientConfig {
	return {
		clientKey: DEFAULT_CLIENT_KEY,
		clientSecret: DEFAULT_CLIENT_SECRET,
		name: 'Emulated TikTok App',
		redirectUris: [],
		audited: true,
		scopes: ['user.info.basic', 'video.publish', 'video.upload'],
		activeUserCap: null,
	};
}

export function completeClient(partial: DeepPartial<ClientConfig>): ClientConfig {
	const base = defaultClient();
	return {
		...base,
		...(partial as Partial<ClientConfig>),
		redirectUris: [...(partial.redirectUris ?? base.redirectUris)],
		scopes: [...(partial.scopes ?? base.scopes)],
	};
}

/** Fills a (possibly partial) account with neutral defaults derived from its name. */
export function completeAccount(
	name: string,
	partial: DeepPartial<AccountFixture> = {},
): AccountFixture {
	return {
		openId: `emu_oid_${name}`,
		username: name,
		nickname: name
			.split('_')
			.map((w) => w.charAt(0).toUpperCase() + w.slice(1))
			.join(' '),
		avatarUrl: `https://p16-sign.tiktokcdn-us.com/emu-avatar/${name}.jpeg`,
		isPrivate: false,
		commentDisabled: false,
		duetDisabled: false,
		stitchDisabled: false,
		maxVideoPostDurationSec: 600,
		postingBlock: null,
		appVersionTooOld: false,
		...(partial as Partial<AccountFixture>),
	};
}

export function defaultAccounts(): Record<string, AccountFixture> {
	return {
		public_creator: completeAccount('public_creator', {
			nickname: 'Public Creator',
			maxVideoPostDurationSec: 600,
		}),
		private_creator: completeAccount('private_creator', {
			nickname: 'Private Creator',
			isPrivate: true,
			duetDisabled: true,
			stitchDisabled: true,
			maxVideoPostDurationSec: 180,
		}),
		restricted_creator: completeAccount('restricted_creator', {
			nickname: 'Restricted Creator',
			commentDisabled: true,
			duetDisabled: true,
			maxVideoPostDurationSec: 60,
		}),
		capped_creator: completeAccount('capped_creator', {
			nickname: 'Capped Creator',
			postingBlock: 'spam_risk_too_many_posts',
		}),
		banned_creator: completeAccount('banned_creator', {
			nickname: 'Banned Creator',
			postingBlock: 'spam_risk_user_banned_from_posting',
		}),
	};
}

/** privacy_level_options as TikTok derives them from the account's privacy (§4). */
export function privacyOptionsOf(account: AccountFixture): PrivacyLevel[] {
	if (account.privacyLevelOptions) return [...account.privacyLevelOptions];
	return account.isPrivate
		? ['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY']
		: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
}

/** The interaction flags creator_info reports: private accounts force duet and stitch off (§4). */
export function interactionsOf(account: AccountFixture): {
	comment_disabled: boolean;
	duet_disabled: boolean;
	stitch_disabled: boolean;
} {
	return {
		comment_disabled: account.commentDisabled,
		duet_disabled: account.duetDisabled || account.isPrivate,
		stitch_disabled: account.stitchDisabled || account.isPrivate,
	};
}
