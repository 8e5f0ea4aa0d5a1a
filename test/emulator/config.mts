// Emulator configuration. Every default is the strictest reasonable reading of TikTok's docs;
// the README in this folder lists each ambiguity and the option that relaxes it.
import { completeAccount, completeClient, defaultAccounts, defaultClient } from './fixtures.mts';
import type { DeepPartial, EmulatorConfig } from './types.mts';
import { defaultWebhookConfig } from './webhooks.mts';

export function defaultConfig(): EmulatorConfig {
	return {
		host: '127.0.0.1',
		port: 0,
		uploadPort: 0,

		clients: [defaultClient()],
		accounts: defaultAccounts(),
		defaultAccount: 'public_creator',

		accessTokenTtlSec: 86400,
		refreshTokenTtlSec: 31536000,
		codeTtlSec: 600,
		rotateRefreshTokens: true,
		refreshTokenExpiry: 'fixed',
		refreshInvalidatesOldAccessToken: false,
		clientKeyIn: 'body',
		rejectClientIdParam: true,
		authorizeRejectClientIdParam: false,
		redirectUriSchemes: ['https', 'http-loopback'],
		oauthErrorHttpStatus: 400,

		requireJsonContentType: true,
		rejectUnknownFields: true,
		requireBrandToggles: true,
		rejectBrandedSelfOnly: true,
		rejectInteractionOverride: true,
		chunkRules: 'strict',
		refuseMultiChunkUploads: false,
		limits: {
			minChunkSize: 5_242_880,
			maxChunkSize: 64_000_000,
			maxFinalChunkSize: 128_000_000,
			maxChunkCount: 1000,
			maxVideoSize: 4_294_967_296,
			maxVideoTitleLength: 2200,
			maxPhotoTitleLength: 90,
			maxPhotoDescriptionLength: 4000,
			maxPhotoCount: 35,
			maxPhotoBytes: 20_000_000,
			minVideoSide: 360,
			maxVideoSide: 4096,
			minFrameRate: 23,
			maxFrameRate: 60,
			videoCodecs: [
				'avc1',
				'avc3',
				'hvc1',
				'hev1',
				'vp08',
				'vp09',
				'V_VP8',
				'V_VP9',
				'V_MPEG4/ISO/AVC',
				'V_MPEGH/ISO/HEVC',
			],
			maxPhotoLongSide: 1920,
			maxPhotoShortSide: 1080,
		},
		uploadUrlTtlSec: 3600,
		appVersionTooOld: false,

		rateLimits: {
			init: 6,
			creatorInfo: 20,
			status: 30,
			windowSec: 60,
			initSharedAcrossEndpoints: true,
			userInfo: 600,
			videoList: 600,
			videoQuery: 600,
			displayKey: 'token',
		},
		display: {
			scopeErrorCode: 'scope_not_authorized',
			shortPages: false,
			queryReturnsNonPublic: false,
			queryAddsPaging: false,
			countsLagSec: 0,
			maxTextLength: 150,
		},

		directPostsPerDay: 15,
		pendingDraftsPerDay: 5,
		unauditedActiveUsersPerDay: 5,
		unauditedOffersOnlySelfOnly: true,
		unauditedCapCountsDrafts: true,

		verifiedDomains: [],
		verifiedPrefixes: [],
		pullRequiresHttps: true,
		pullTrustedCaPem: undefined,
		pullTimeoutMs: 30_000,
		pullDeadlineSec: 3600,
		pullReads: 'whole',
		pullRangeBytes: 8 * 1024 * 1024,

		statusPolls: { processing: 2, moderation: 0 },
		inboxUserPostsAfterPolls: null,
		inboxUserPrivacy: 'SELF_ONLY',
		outcomes: [],
		faults: [],
		postIdBase: '7300000000000000000',
		webhooks: defaultWebhookConfig(),
	};
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
	for (const [key, value] of Object.entries(patch)) {
		if (value === undefined) continue;
		const current = target[key];
		if (isPlainObject(value) && isPlainObject(current)) deepMerge(current, value);
		else if (Array.isArray(value)) target[key] = [...value];
		else target[key] = value;
	}
}

/**
 * Defaults + patch. Objects merge, arrays replace. Clients are completed from the default
 * client template; accounts merge into the fixtures (new names get neutral defaults).
 */
export function buildConfig(patch: DeepPartial<EmulatorConfig> = {}): EmulatorConfig {
	const config = defaultConfig();
	const { clients, accounts, ...rest } = patch;
	deepMerge(config as unknown as Record<string, unknown>, rest as Record<string, unknown>);
	if (clients) config.clients = clients.map((c) => completeClient(c ?? {}));
	if (accounts) {
		for (const [name, partial] of Object.entries(accounts)) {
			const existing = config.accounts[name];
			config.accounts[name] = existing
				? { ...existing, ...(partial as object) }
				: completeAccount(name, partial ?? {});
		}
	}
	return config;
}
