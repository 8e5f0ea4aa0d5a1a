import type { WebhookConfig, WebhookDelivery } from './webhooks.mts';

// Shared types of the TikTok API emulator. Field names mirror TikTok's docs
// (tiktok-api.md) where they are TikTok's; everything else is emulator-only.

export type PrivacyLevel =
	'PUBLIC_TO_EVERYONE' | 'MUTUAL_FOLLOW_FRIENDS' | 'FOLLOWER_OF_CREATOR' | 'SELF_ONLY';

export const PRIVACY_LEVELS: readonly PrivacyLevel[] = [
	'PUBLIC_TO_EVERYONE',
	'MUTUAL_FOLLOW_FRIENDS',
	'FOLLOWER_OF_CREATOR',
	'SELF_ONLY',
];

/** Every scope TikTok's v2 API knows (tiktok-api.md §2.6); others → invalid_scope. */
export const KNOWN_SCOPES: readonly string[] = [
	'user.info.basic',
	'user.info.profile',
	'user.info.stats',
	'video.list',
	'video.publish',
	'video.upload',
];

/** fail_reason values of status/fetch (§9). */
export type FailReason =
	| 'file_format_check_failed'
	| 'duration_check_failed'
	| 'frame_rate_check_failed'
	| 'picture_size_check_failed'
	| 'internal'
	| 'video_pull_failed'
	| 'photo_pull_failed'
	| 'publish_cancelled'
	| 'auth_removed'
	| 'spam_risk_too_many_posts'
	| 'spam_risk_user_banned_from_posting'
	| 'spam_risk_text'
	| 'spam_risk';

export type PublishStatus =
	| 'PROCESSING_UPLOAD'
	| 'PROCESSING_DOWNLOAD'
	| 'SEND_TO_USER_INBOX'
	| 'PUBLISH_COMPLETE'
	| 'FAILED';

export type PostingBlock = 'spam_risk_too_many_posts' | 'spam_risk_user_banned_from_posting';

export interface ClientConfig {
	clientKey: string;
	clientSecret: string;
	/** Shown on the consent page. */
	name: string;
	/** Exact-match list; `http://127.0.0.1:*` / `http://localhost:*` ports match any port (desktop rule). */
	redirectUris: string[];
	/** Unaudited clients: private accounts only, SELF_ONLY, 5 active users / 24 h (§11.3). */
	audited: boolean;
	/** Scopes the app is approved for; asking for others → invalid_scope. */
	scopes: string[];
	/** Distinct posting users per 24 h for an audited client (null = no cap). */
	activeUserCap: number | null;
}

export interface AccountFixture {
	openId: string;
	username: string;
	nickname: string;
	avatarUrl: string;
	/** Private accounts offer FOLLOWER_OF_CREATOR instead of PUBLIC_TO_EVERYONE and force duet/stitch off. */
	isPrivate: boolean;
	commentDisabled: boolean;
	duetDisabled: boolean;
	stitchDisabled: boolean;
	maxVideoPostDurationSec: number;
	/** creator_info answers HTTP 200 with this code; init answers 403 with it. */
	postingBlock: PostingBlock | null;
	/** MEDIA_UPLOAD photo init → app_version_check_failed (same as config.appVersionTooOld, per account). */
	appVersionTooOld: boolean;
	/** Overrides the options derived from isPrivate. */
	privacyLevelOptions?: PrivacyLevel[];
	/** Display API profile (user/info): needs user.info.profile. */
	bioDescription: string;
	isVerified: boolean;
	/** Display API counts (user/info, user.info.stats); followers grow by followerGrowthPerHour on the emulator clock. */
	followerCount: number;
	followerGrowthPerHour: number;
	followingCount: number;
	/** Likes received on videos that are not fixtures (the fixtures' like counts are added on top). */
	likesCount: number;
	/** Videos the account already has (video/list, video/query); published posts are added to them. */
	videos: VideoFixture[];
}

/** A video of an account's profile, as the Display API describes it. */
export interface VideoFixture {
	/** 19 decimal digits. */
	id: string;
	/** Unix seconds. */
	createTime: number;
	title: string;
	description: string;
	durationSec: number;
	width: number;
	height: number;
	/** Only PUBLIC_TO_EVERYONE videos are listed (integrators: SELF_ONLY posts never appear). */
	privacy: PrivacyLevel;
	/** Counts at createTime, and how much each grows per hour after it (emulator clock). */
	counts: VideoCounts;
	growthPerHour: VideoCounts;
}

export interface VideoCounts {
	view: number;
	like: number;
	comment: number;
	share: number;
}

export type FaultEndpoint =
	'init' | 'status' | 'creatorInfo' | 'cancel' | 'token' | 'userInfo' | 'videoList' | 'videoQuery';

/** Faults that name an account fire only for that account's calls and uploads, so concurrent cases stay apart. */
interface ForAccount {
	account?: string;
}

export interface ChunkArrival {
	connectionOpenedAt: number;
	requestAt: number;
	firstByteAt: number;
	lastByteAt: number;
	answeredAt: number;
}

export type Fault =
	| ({
			type: 'chunk5xx';
			chunkIndex: number;
			status?: 500 | 502 | 503;
			publishId?: string;
	  } & ForAccount)
	| ({ type: 'chunkDrop'; chunkIndex: number; publishId?: string } & ForAccount)
	/** The chunk arrives whole and counts (the final one completes the upload); then the socket is destroyed before the answer. */
	| ({ type: 'chunkDropAfterReceive'; chunkIndex: number; publishId?: string } & ForAccount)
	/** The chunk arrives whole and counts; its answer leaves `ms` later (a far or busy upload host). */
	| ({ type: 'chunkAnswerDelay'; chunkIndex: number; ms: number; publishId?: string } & ForAccount)
	/** The upload_url expires just before this chunk: it and every later PUT of the upload get TikTok's 403. */
	| ({ type: 'chunkExpired'; chunkIndex: number; publishId?: string } & ForAccount)
	| ({ type: 'http429'; endpoint: FaultEndpoint; count?: number } & ForAccount)
	| ({
			type: 'http5xx';
			endpoint: FaultEndpoint;
			count?: number;
			status?: 500 | 502 | 503 | 504;
	  } & ForAccount)
	/** The request is read, then the socket is destroyed without an answer (a reset connection). */
	| ({ type: 'httpDrop'; endpoint: FaultEndpoint; count?: number } & ForAccount)
	| ({ type: 'statusStuck'; polls: number; publishId?: string } & ForAccount)
	| { type: 'initHang'; afterCreate?: true }
	| { type: 'initReset' }
	| { type: 'refreshAnswerDelay'; ms: number }
	| {
			type: 'redirect';
			endpoint: FaultEndpoint | 'upload';
			location: string;
			status?: 301 | 302 | 303 | 307 | 308;
	  };

/** What happens to a publish once processing ends. No failReason = success. */
export interface Outcome {
	failReason?: FailReason;
	/** Public posts get ids only when moderated (default true). */
	moderated?: boolean;
	/** How many post ids a successful public post yields (default 1; one draft can become several posts). */
	postIdCount?: number;
	/** The post is public (listed by video/list) but status/fetch never shows its id (integrators report it). */
	statusOmitsPostId?: boolean;
}

export type RedirectUriScheme = 'https' | 'http-loopback' | 'http';

export interface EmulatorConfig {
	host: string;
	/** 0 = any free port. */
	port: number;
	uploadPort: number;

	clients: ClientConfig[];
	accounts: Record<string, AccountFixture>;
	/** Account preselected on the consent page. */
	defaultAccount: string;

	// OAuth
	accessTokenTtlSec: number;
	refreshTokenTtlSec: number;
	codeTtlSec: number;
	rotateRefreshTokens: boolean;
	/** 'fixed': a rotated refresh token keeps the grant's original expiry; 'sliding': full TTL again. */
	refreshTokenExpiry: 'fixed' | 'sliding';
	refreshInvalidatesOldAccessToken: boolean;
	clientKeyIn: 'body' | 'body-or-query';
	rejectClientIdParam: boolean;
	authorizeRejectClientIdParam: boolean;
	redirectUriSchemes: RedirectUriScheme[];
	oauthErrorHttpStatus: number;

	// JSON API strictness
	requireJsonContentType: boolean;
	rejectUnknownFields: boolean;
	requireBrandToggles: boolean;
	rejectBrandedSelfOnly: boolean;
	rejectInteractionOverride: boolean;
	chunkRules: 'strict' | 'lenient';
	/**
	 * Reproduces the refusal reported since about 2026-08-09 (DayMoonDevelopment/post-for-me#327): every
	 * FILE_UPLOAD init with total_chunk_count > 1 → 400 invalid_params "The chunk size is invalid"; one chunk works.
	 */
	refuseMultiChunkUploads: boolean;
	limits: {
		minChunkSize: number;
		maxChunkSize: number;
		maxFinalChunkSize: number;
		maxChunkCount: number;
		maxVideoSize: number;
		maxVideoTitleLength: number;
		maxPhotoTitleLength: number;
		maxPhotoDescriptionLength: number;
		maxPhotoCount: number;
		maxPhotoBytes: number;
		/**
		 * Media checks after the transfer (media transfer guide §7.3): video sides 360–4096 px
		 * (`picture_size_check_failed`, the reason TikTok's own example gives for a FILE_UPLOAD), 23–60 FPS
		 * (`frame_rate_check_failed`); photos "maximum 1080p", read as fitting 1920×1080 either way round.
		 */
		minVideoSide: number;
		maxVideoSide: number;
		minFrameRate: number;
		maxFrameRate: number;
		/**
		 * Video codecs that pass (§7.3: "H.264, H.265, VP8, VP9"), as MP4/MOV sample entries and WebM CodecIDs;
		 * any other codec the file names fails after the transfer with `file_format_check_failed` (the strict reading).
		 */
		videoCodecs: string[];
		maxPhotoLongSide: number;
		maxPhotoShortSide: number;
	};
	uploadUrlTtlSec: number;
	appVersionTooOld: boolean;

	rateLimits: {
		init: number;
		creatorInfo: number;
		status: number;
		windowSec: number;
		initSharedAcrossEndpoints: boolean;
		/** Display API: 600 each, separate budgets (tiktok-display-and-webhooks.md §1). */
		userInfo: number;
		videoList: number;
		videoQuery: number;
		/** Whether the Display budgets count per access token or per client (UNCONFIRMED which). */
		displayKey: 'token' | 'client';
	};

	/** Display API strictness and quirks (user/info, video/list, video/query). */
	display: {
		/** The error for a field whose scope was not granted (which one TikTok sends is UNCONFIRMED). */
		scopeErrorCode: 'scope_not_authorized' | 'scope_permission_missed';
		/** Every video/list page at most half of max_count (has_more stays true while more exist). */
		shortPages: boolean;
		/** video/query also returns the owner's non-public videos (UNCONFIRMED; off = dropped like others). */
		queryReturnsNonPublic: boolean;
		/** video/query adds `"cursor":0,"has_more":false` as one doc example shows. */
		queryAddsPaging: boolean;
		/** Counts lag the clock by this many seconds ("stale" mode; 0 = live). */
		countsLagSec: number;
		/** Titles and descriptions are listed cut to this many characters (TikTok's "Max length: 150"). */
		maxTextLength: number;
	};

	// Caps
	directPostsPerDay: number;
	pendingDraftsPerDay: number;
	unauditedActiveUsersPerDay: number;
	unauditedOffersOnlySelfOnly: boolean;
	unauditedCapCountsDrafts: boolean;

	// PULL_FROM_URL
	verifiedDomains: string[];
	verifiedPrefixes: string[];
	pullRequiresHttps: boolean;
	pullTrustedCaPem?: string;
	/** Real milliseconds of socket inactivity before a pull fails. */
	pullTimeoutMs: number;
	/** Emulator-clock seconds a pull may take in total (TikTok: 1 h). */
	pullDeadlineSec: number;
	/**
	 * How the puller reads a file (TikTok does not document it): `whole` = one GET; `ranges` = consecutive GETs of
	 * `pullRangeBytes` each, every answer a 206 with the exact Content-Range, or the pull fails.
	 */
	pullReads: 'whole' | 'ranges';
	pullRangeBytes: number;

	// Status machine
	statusPolls: { processing: number; moderation: number };
	inboxUserPostsAfterPolls: number | null;
	inboxUserPrivacy: PrivacyLevel;
	outcomes: Outcome[];
	faults: Fault[];
	/** Post ids are postIdBase + n, n = 1, 2, … */
	postIdBase: string;

	/** The webhook sender (webhooks.mts). */
	webhooks: WebhookConfig;
	/** Serve the upload host over TLS with this certificate (e.g. `loopbackCert()`); uploadBaseUrl is then https. */
	uploadTls?: { certPem: string; keyPem: string };
	/**
	 * The origin put into `upload_url` values instead of uploadBaseUrl, e.g. an emulated network link that forwards
	 * to the upload host (`npm run bench:link`). Read at every init.
	 */
	uploadPublicBaseUrl?: string;
}

export type DeepPartial<T> = T extends (infer U)[]
	? DeepPartial<U>[]
	: T extends object
		? { [K in keyof T]?: DeepPartial<T[K]> }
		: T;

export interface TokenResponse {
	access_token: string;
	expires_in: number;
	open_id: string;
	refresh_expires_in: number;
	refresh_token: string;
	scope: string;
	token_type: 'Bearer';
}

export type InitEndpoint = 'video/init' | 'inbox/video/init' | 'content/init';

export interface InitRecord {
	time: number;
	endpoint: InitEndpoint;
	openId: string | null;
	clientKey: string | null;
	body: unknown;
	httpStatus: number;
	code: string;
	message: string;
	publishId: string | null;
}

export interface PhotoDownload {
	url: string;
	status: 'pending' | 'downloading' | 'done' | 'failed';
	httpStatus: number | null;
	contentType: string | null;
	bytes: number;
	sha256: string | null;
	detectedFormat: 'jpeg' | 'webp' | null;
	/** From the first SOF (JPEG) or VP8/VP8L/VP8X chunk (WebP); null when not found. */
	width: number | null;
	height: number | null;
	error: string | null;
}

export interface PublishRecord {
	publishId: string;
	kind: 'video' | 'photo';
	mode: 'DIRECT_POST' | 'INBOX' | 'MEDIA_UPLOAD';
	source: 'FILE_UPLOAD' | 'PULL_FROM_URL';
	endpoint: InitEndpoint;
	postInfo: Record<string, unknown> | null;
	sourceInfo: Record<string, unknown>;
	openId: string;
	accountName: string;
	clientKey: string;
	createdAt: number;
	uploadUrl: string | null;
	uploadExpiresAt: number | null;
	videoSize: number | null;
	chunkSize: number | null;
	totalChunkCount: number | null;
	uploadedBytes: number;
	chunksReceived: number;
	/** Set when an Authorization header reached the upload host (it must be ignored; clients should not leak it). */
	uploadAuthorizationHeaderSeen: boolean;
	/**
	 * Wall-clock times (ms, `performance.timeOrigin + performance.now()`) of each chunk that arrived whole, in order:
	 * when its connection was opened (TLS: handshake done), its request's headers arrived, its first and last body
	 * byte arrived, and its answer was sent. Observation only (benchmarks, connection-use tests); never affects answers.
	 */
	chunkArrivals: ChunkArrival[];
	/** Hex sha256 of the whole upload/pulled video, computed while streaming; null until complete. */
	sha256: string | null;
	downloadedBytes: number;
	photoDownloads: PhotoDownload[];
	detectedFormat: 'mp4' | 'webm' | null;
	detectedDurationSec: number | null;
	/** The video track's size and frame rate as read after the transfer; null when unknown or there is no video track. */
	detectedPicture: {
		width: number | null;
		height: number | null;
		frameRate: number | null;
		codec: string | null;
	} | null;
	status: PublishStatus;
	failReason: FailReason | null;
	/** Post ids as decimal strings (they exceed 2^53). */
	postIds: string[];
	statusPolls: number;
}

export type TokenRecordOutcome =
	'valid' | 'expired' | 'rotated' | 'revoked' | 'unknown' | 'wrong_client';

export interface TokenRequestRecord {
	time: number;
	endpoint: 'token' | 'revoke';
	grantType: string | null;
	contentType: string | null;
	/** Names only; values may be secrets. */
	params: string[];
	queryParams: string[];
	authorizationHeader: boolean;
	clientKey: string | null;
	outcome: string;
	refreshToken?: TokenRecordOutcome;
	openId?: string;
}

export interface AuthorizeRecord {
	time: number;
	method: 'GET' | 'POST';
	/** GET: the query parameters (no secrets in them); POST: the consent form minus nothing secret. */
	params: Record<string, string>;
	outcome: string;
	grantedScopes?: string[];
	account?: string;
}

export interface RequestRecord {
	time: number;
	server: 'api' | 'upload';
	method: string;
	path: string;
	/** 0 = no response (hang, reset, dropped). */
	status: number;
}

export interface FaultRecord {
	time: number;
	type: Fault['type'];
	endpoint?: string;
	publishId?: string;
	chunkIndex?: number;
	status?: number;
}

export interface EmulatorState {
	/** Every webhook delivery (webhooks.mts), in the order it was queued. */
	webhooks: WebhookDelivery[];
	inits: InitRecord[];
	publishes: Map<string, PublishRecord>;
	tokenRequests: TokenRequestRecord[];
	authorizations: AuthorizeRecord[];
	requests: RequestRecord[];
	rateLimited: Record<string, number>;
	faults: FaultRecord[];
}
