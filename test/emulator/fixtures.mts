// Default app registration and account fixtures (tiktok-api.md §4, §11.3, §15 "creator_info").
import type {
	AccountFixture,
	ClientConfig,
	DeepPartial,
	PrivacyLevel,
	VideoFixture,
} from './types.mts';

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
		bioDescription: '',
		isVerified: false,
		followerCount: 0,
		followerGrowthPerHour: 0,
		followingCount: 0,
		likesCount: 0,
		videos: [],
		...(partial as Partial<AccountFixture>),
	};
}

/** Deterministic 32-bit values from a seed (mulberry32). */
function randoms(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return (t ^ (t >>> 14)) >>> 0;
	};
}

/** A video id as TikTok makes them (inferred): create_time in the high bits, 32 random bits below. */
export function videoIdAt(createTimeSec: number, low32: number): string {
	return ((BigInt(createTimeSec) << 32n) | BigInt(low32 >>> 0)).toString();
}

/**
 * `count` videos, one every `spacingSec` going back from `newestSec`, newest first. Every 7th is Only Me (never
 * listed). Videos 3 and 4 share a create_time second and their ids differ only in the last digit (both above 2^53),
 * so rounding and equal-second bugs show.
 */
export function sampleVideos(
	seed: number,
	count: number,
	newestSec: number,
	spacingSec = 6 * 3600,
): VideoFixture[] {
	const next = randoms(seed);
	const videos: VideoFixture[] = [];
	for (let i = 0; i < count; i++) {
		const createTime = newestSec - (i === 4 ? 3 : i) * spacingSec;
		// Even low bits, so video 4's id (video 3's + 1) stays within video 3's second.
		const id =
			i === 4 ? (BigInt(videos[3].id) + 1n).toString() : videoIdAt(createTime, next() & ~1);
		videos.push({
			id,
			createTime,
			title: `Sample video ${i + 1} #emulator`,
			description: `Sample video ${i + 1} #emulator`,
			durationSec: 5 + (next() % 55),
			width: 1080,
			height: 1920,
			privacy: i % 7 === 6 ? 'SELF_ONLY' : 'PUBLIC_TO_EVERYONE',
			counts: {
				view: 1000 + (next() % 100_000),
				like: 50 + (next() % 5000),
				comment: next() % 300,
				share: next() % 200,
			},
			growthPerHour: { view: 60, like: 6, comment: 1, share: 1 },
		});
	}
	return videos;
}

export function defaultAccounts(): Record<string, AccountFixture> {
	return {
		public_creator: completeAccount('public_creator', {
			nickname: 'Public Creator',
			maxVideoPostDurationSec: 600,
			bioDescription: 'Posting from n8n',
			isVerified: true,
			followerCount: 12_345,
			followerGrowthPerHour: 10,
			followingCount: 67,
			likesCount: 800,
			// 25 videos before the emulator starts: two full pages of public ones and a short third.
			videos: sampleVideos(16, 25, Math.floor(Date.now() / 1000) - 3600),
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
