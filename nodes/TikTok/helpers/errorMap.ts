/**
 * Every error TikTok documents, turned into a one-line message and a fix a no-code user can act on.
 * The raw code stays with the error so workflows can branch on it.
 */
export interface ErrorAdvice {
	message: string;
	description: string;
}

const RECONNECT =
	'Open the TikTok credential in n8n and click "Reconnect" (or "Connect my account").';

/** The one-time step that keeps a connection alive through restarts and queue-mode workers (README → Staying connected). */
export const TOKEN_STORE_STEP =
	'To stay connected through n8n restarts and queue-mode workers, open the TikTok node once and, in its second "Credential" field (TikTok Token Store API), choose "Create new credential" → Save: there is nothing to fill in.';

/** Shown once per process when n8n's opt-in workflow engine v2 refuses to save into the Token Store. */
export const TOKEN_STORE_ENGINE_V2_HINT =
	"n8n's workflow engine v2 cannot save renewed tokens into a credential yet (\"does not support credentials with an expirable property\"), so the renewed TikTok tokens live only in this process's memory. Run this workflow on n8n's default engine to keep them across restarts.";

/** OAuth token/revoke endpoint errors (`error` field). */
export const OAUTH_ERRORS: Record<string, ErrorAdvice> = {
	access_denied: {
		message: 'The TikTok account owner did not approve the connection',
		description: `Connect again and click Authorize on TikTok's consent page. ${RECONNECT}`,
	},
	invalid_client: {
		message: 'TikTok did not accept the Client Key or Client Secret',
		description:
			'Copy the Client Key and Client Secret again from your app in the TikTok developer portal (Manage apps → your app), paste them into the credential, and reconnect.',
	},
	invalid_grant: {
		message: 'The TikTok connection has expired or was revoked',
		description: `The account removed this app, the refresh token expired, or it was already used. ${RECONNECT}`,
	},
	invalid_request: {
		message: 'TikTok rejected the sign-in request',
		description:
			'Check that the OAuth Redirect URL shown in the credential is registered exactly (same scheme, host, path) in the TikTok developer portal under Login Kit, then reconnect.',
	},
	invalid_scope: {
		message: 'TikTok rejected the requested permissions',
		description:
			'Add the products "Login Kit" and "Content Posting API" to your TikTok app and enable the scopes user.info.basic, video.publish and video.upload (with the credential\'s Analytics Scopes on, also user.info.profile, user.info.stats and video.list), then reconnect.',
	},
	unauthorized_client: {
		message: 'This TikTok app may not use this sign-in method',
		description:
			'In the TikTok developer portal, make sure the app is a Web app with Login Kit enabled. Sandbox apps only accept the target users you added.',
	},
	unsupported_grant_type: {
		message: 'TikTok does not support this sign-in method',
		description: 'This is a bug in the node. Please report it with the log_id shown below.',
	},
	unsupported_response_type: {
		message: 'TikTok does not support this sign-in response type',
		description: 'This is a bug in the node. Please report it with the log_id shown below.',
	},
	server_error: {
		message: "TikTok's sign-in service had an internal problem",
		description: 'Try again in a few minutes.',
	},
	temporarily_unavailable: {
		message: "TikTok's sign-in service is temporarily unavailable",
		description: 'Try again in a few minutes.',
	},
};

const INVALID_PARAMS: ErrorAdvice = {
	message: 'TikTok rejected the request parameters',
	description: "TikTok's own explanation is shown above. Check the post settings and try again.",
};

/** Content Posting API envelope errors (`error.code`). */
export const API_ERRORS: Record<string, ErrorAdvice> = {
	access_token_invalid: {
		message: 'TikTok did not accept the access token',
		description: `The connection expired or the app was removed from the TikTok account. ${RECONNECT}`,
	},
	scope_not_authorized: {
		message: 'The TikTok connection lacks a permission this operation needs',
		description: `Direct posts and creator info need "video.publish"; drafts need "video.upload"; Get Stats needs "user.info.stats" (and "user.info.profile" for the profile fields), Video List and Get need "video.list" (turn on "Analytics Scopes" in the credential). Enable the scopes for your app in the TikTok developer portal, then reconnect and tick every permission on the consent page. ${RECONNECT}`,
	},
	scope_permission_missed: {
		message: 'Your TikTok app is not approved for a permission this operation needs',
		description:
			'In the TikTok developer portal, add the Content Posting API product and the scopes video.publish and video.upload to your app, then reconnect.',
	},
	internal_error: {
		message: 'TikTok had an internal problem',
		description: 'Nothing was changed by this request. Try again in a few minutes.',
	},
	invalid_file_upload: {
		message: 'TikTok rejected the uploaded file',
		description: 'Use an MP4, MOV or WebM video (H.264 recommended), at most 4 GB.',
	},
	invalid_params: INVALID_PARAMS,
	invalid_param: INVALID_PARAMS, // TikTok's docs spell it singular, the API plural
	rate_limit_exceeded: {
		message: 'Too many requests to TikTok in the last minute',
		description:
			'TikTok allows 6 publish calls, 20 creator-info calls and 30 status checks per minute per account, and 600 calls a minute to each analytics endpoint. Space your runs out or publish fewer items per minute.',
	},
	spam_risk_too_many_posts: {
		message: 'This TikTok account has reached its daily posting limit',
		description:
			'TikTok allows about 15 posts per account per day across all apps. Try again tomorrow.',
	},
	spam_risk_user_banned_from_posting: {
		message: 'TikTok has blocked this account from posting',
		description:
			'The account owner must resolve this in the TikTok app (check notifications and account status).',
	},
	reached_active_user_cap: {
		message: 'Your TikTok app has reached its daily limit of posting users',
		description:
			'Unaudited apps may post for at most 5 users per 24 hours; audited apps have the quota set at audit. Try again tomorrow or apply for a higher quota in the TikTok developer portal.',
	},
	unaudited_client_can_only_post_to_private_accounts: {
		message: 'Your TikTok app is not audited yet, so it can only post to private accounts',
		description:
			'Set the TikTok account to private (TikTok app → Settings → Privacy → Private account) and use privacy "Only Me" (SELF_ONLY), or submit your app for TikTok\'s audit to post publicly.',
	},
	url_ownership_unverified: {
		message: 'TikTok does not accept media from this URL because its domain is not verified',
		description:
			'Verify the domain or URL prefix in the TikTok developer portal (your app → URL properties). For videos you can instead set URL Handling to "Automatic" or "Uploaded by N8n", so n8n uploads the file itself.',
	},
	privacy_level_option_mismatch: {
		message: 'This privacy level is not available for this TikTok account',
		description:
			'Choose one of the privacy levels the account offers (the dropdown lists them). Private accounts cannot post "Everyone"; unaudited apps can only post "Only Me".',
	},
	spam_risk_too_many_pending_share: {
		message: 'This TikTok account has too many drafts waiting in its inbox',
		description:
			'TikTok allows at most 5 pending drafts per 24 hours. Ask the account owner to post or delete the drafts in the TikTok app, or try again tomorrow.',
	},
	app_version_check_failed: {
		message: "The TikTok app on the creator's phone is too old for photo drafts",
		description: 'The account owner must update the TikTok app to version 31.8 or newer.',
	},
	invalid_publish_id: {
		message: 'TikTok does not know this publish ID',
		description:
			'Use the publish_id returned by a Publish operation of this node (it looks like v_pub_file~v2-1.123…).',
	},
	token_not_authorized_for_specified_publish_id: {
		message: 'This publish ID belongs to another TikTok account',
		description: 'Use the same TikTok credential that published the post.',
	},
	publish_not_cancellable: {
		message: 'This publish can no longer be cancelled',
		description: 'Only URL downloads that are still in progress can be cancelled.',
	},
};

/** TikTok's words when it refuses a FILE_UPLOAD init's chunk plan (`invalid_params`). */
export const CHUNK_SIZE_INVALID_MESSAGE = 'The chunk size is invalid';

/**
 * `invalid_params` refusals whose fix depends on TikTok's own message (keyed by that message).
 * "The chunk size is invalid": the node's plans follow TikTok's documented rules, and since about 2026-08-09 TikTok
 * has been reported to refuse every multi-chunk init that way while one-chunk uploads still work
 * (DayMoonDevelopment/post-for-me#327; cause unknown).
 */
export const INVALID_PARAMS_BY_MESSAGE: Record<string, ErrorAdvice> = {
	[CHUNK_SIZE_INVALID_MESSAGE]: {
		message: 'TikTok refused to receive this video in several chunks ("The chunk size is invalid")',
		description:
			'The node splits videos over 64 MB into chunks exactly as TikTok documents it, but since about 9 August 2026 TikTok has been reported to refuse every upload in more than one chunk while one-chunk uploads still work (a change on TikTok\'s side, not announced). Ways out: set Video Source to "URL" with URL Handling "Pulled by TikTok", so TikTok downloads the file itself with no chunks (the domain or URL prefix must be verified in your TikTok app); or make the video smaller than 64 MB (64,000,000 bytes), which goes in one chunk. If you set Request Options → Chunk Size, set it back to Automatic.',
	},
};

/** `fail_reason` values of a FAILED publish (status/fetch). */
export const FAIL_REASONS: Record<string, ErrorAdvice> = {
	file_format_check_failed: {
		message: 'TikTok could not read the video or image format',
		description: 'Use MP4, MOV or WebM video (H.264 recommended) or JPEG/WebP images.',
	},
	duration_check_failed: {
		message: 'The video is longer or shorter than TikTok allows for this account',
		description: "Trim the video to the account's maximum duration (see Creator → Get Info).",
	},
	frame_rate_check_failed: {
		message: 'TikTok rejected the video frame rate',
		description: 'Re-encode the video at 23–60 frames per second.',
	},
	picture_size_check_failed: {
		message: 'TikTok rejected the picture size',
		description: 'Videos must be 360–4096 pixels wide and high; photos at most 1080p and 20 MB.',
	},
	internal: {
		message: 'TikTok failed to publish because of an internal problem',
		description:
			'TikTok says this can be retried: nothing was posted, so publishing it again is safe.',
	},
	video_pull_failed: {
		message: 'TikTok could not download the video from the URL',
		description:
			'Make sure the URL is public, answers without redirects, and stays reachable for up to an hour. Retry if the URL is good.',
	},
	photo_pull_failed: {
		message: 'TikTok could not download one of the photos',
		description:
			'Make sure every image URL is public, answers without redirects, and stays reachable. Retry if the URLs are good.',
	},
	publish_cancelled: {
		message: 'The publish was cancelled',
		description: 'Publish again if you still want the post.',
	},
	auth_removed: {
		message: 'The TikTok account removed access for this app while publishing',
		description: `Do not retry until the account reconnects. ${RECONNECT}`,
	},
	spam_risk_too_many_posts: API_ERRORS.spam_risk_too_many_posts,
	spam_risk_user_banned_from_posting: API_ERRORS.spam_risk_user_banned_from_posting,
	spam_risk_text: {
		message: 'TikTok flagged the caption as risky',
		description:
			'Change the caption (links, repeated hashtags or mentions are common triggers). Do not retry it unchanged.',
	},
	spam_risk: {
		message: 'TikTok flagged the post as risky',
		description: 'Do not retry the same post. Change the content or caption.',
	},
};

/**
 * Media the node refuses before anything is sent to TikTok, because TikTok's documented limits (media transfer
 * guide) would fail the post after the upload or download. The error names the file (a photo by its position and
 * URL) and the number found; these are the codes a workflow branches on.
 */
export const MEDIA_CHECKS = {
	video_resolution_out_of_range: {
		message: 'The video is smaller or larger than TikTok allows',
		description:
			"TikTok accepts videos 360 to 4096 pixels wide and high. Export the video at a size within that (TikTok's own format is 1080×1920), then run the item again.",
	},
	video_frame_rate_out_of_range: {
		message: "The video's frame rate is outside TikTok's 23–60 frames per second",
		description:
			'Export the video at 24, 25, 30, 50 or 60 frames per second, then run the item again.',
	},
	video_codec_unsupported: {
		message: "The video's codec is not one TikTok accepts",
		description:
			'TikTok accepts H.264 (recommended), H.265, VP8 and VP9 video. Export or convert the video as an H.264 MP4 (in most editors "MP4 (H.264)"), then run the item again.',
	},
	photo_unreachable: {
		message: 'An image could not be fetched the way TikTok fetches it',
		description:
			'The error names the image (its position in the carousel and its URL). Make sure it exists, is public, answers without redirects and stays reachable, then run the item again.',
	},
	photo_format_unsupported: {
		message: 'An image is not a JPEG or WebP file served as one',
		description:
			"TikTok takes JPEG and WebP photos only (no PNG, GIF or HEIC), judged by the file's content, and served with Content-Type image/jpeg or image/webp. Convert the image (for example with the Edit Image node) or fix the server's Content-Type, then run the item again.",
	},
	photo_too_large: {
		message: 'An image is over 20 MB',
		description:
			'TikTok takes photos of at most 20 MB (20,000,000 bytes) each. Compress or resize the image and host the smaller file.',
	},
	photo_resolution_too_high: {
		message: 'An image is larger than 1080p',
		description:
			'TikTok takes photos up to 1080p: at most 1920 pixels on the long side and 1080 on the short side (1080×1920 portrait, 1920×1080 landscape). Resize the image (Edit Image node → Resize) and host the smaller file.',
	},
} satisfies Record<string, ErrorAdvice>;

export type MediaCheckCode = keyof typeof MEDIA_CHECKS;

/**
 * Raw HTTP statuses of the chunk upload URL (no JSON envelope there). An upload only exists once TikTok accepted a
 * publish, so these say what went wrong; the next step (`afterInitNextStep`) is added where the failure is known.
 */
export const UPLOAD_STATUS_ERRORS: Record<number, ErrorAdvice> = {
	400: {
		message: 'TikTok rejected an upload chunk as malformed',
		description: 'This is a bug in the node. Please report it with the details below.',
	},
	403: {
		message: 'The TikTok upload link expired',
		description:
			'TikTok gives one hour to upload a video. For very large files use a faster connection, or Video Source "URL" with URL Handling "Pulled by TikTok" from a verified domain.',
	},
	404: {
		message: 'TikTok no longer has an upload waiting for this link',
		description: "The upload was finished, cancelled or expired on TikTok's side.",
	},
	416: {
		message: "TikTok's upload progress did not match the chunk sent",
		description: "TikTok's count of the bytes it received differs from what n8n sent.",
	},
};

export function adviceForUploadStatus(status: number): ErrorAdvice {
	return (
		UPLOAD_STATUS_ERRORS[status] ?? {
			message: `TikTok's upload server answered HTTP ${status}`,
			description: 'TikTok had a problem receiving the video.',
		}
	);
}

/**
 * The next step after a failure once TikTok accepted a publish (`publishId`). `mayPost`: TikTok may have the whole
 * media, so the post may still appear; otherwise the video provably never reached TikTok whole. Never "run the
 * item again" while a post may come: TikTok offers no way to make a second publish safe.
 */
export function afterInitNextStep(
	publishId: string,
	mayPost: boolean,
	lastStatus?: string,
): string {
	if (!mayPost) {
		return `Nothing will be posted from this publish (publish_id ${publishId}): TikTok never received the whole video, so publishing it again is safe.`;
	}
	const known = lastStatus && lastStatus !== 'UNKNOWN' ? ` (its last status: ${lastStatus})` : '';
	return `TikTok accepted this publish (publish_id ${publishId}) and may still post it${known}. Before publishing the same media again, check Post → Get Status with that publish_id, or the TikTok profile (the inbox, for drafts): publishing again could post it twice.`;
}

/** Failures after TikTok accepted a publish; the item's details carry its `publish_id` and last `status`. */
export const AFTER_INIT_ERRORS: Record<string, ErrorAdvice> = {
	publish_outcome_unknown: {
		message: 'TikTok accepted the publish, but its outcome is unknown',
		description: afterInitNextStep('<publish_id>', true),
	},
};

/** A publish whose init never left n8n: the connection to TikTok was never made, so running it again is safe. */
export const NOT_SENT_ERRORS: Record<string, ErrorAdvice> = {
	publish_not_sent: {
		message: 'TikTok did not receive this publish: {cause}',
		description:
			'{fix} n8n never connected to TikTok, so nothing was posted: running this item again is safe.',
	},
};

/**
 * A credential address that would carry the client secret or a token in clear (`insecure_url`). Only an address
 * on the n8n machine itself (127.0.0.1, localhost, [::1]: a local emulator) may use http.
 */
export const CREDENTIAL_ERRORS: Record<string, ErrorAdvice> = {
	insecure_url: {
		message: 'The {field} "{url}" does not use https',
		description:
			"n8n sends your app's client secret and the account's tokens to this address, so it must start with https:// (plain http is allowed only for 127.0.0.1 or localhost, for a local TikTok emulator). Open the TikTok credential and set {field} back to its default ({default}). Nothing was sent.",
	},
};

/** What a successful item says when the wait ended before TikTok finished. */
export const WAIT_TIMED_OUT_STEP =
	'TikTok had not finished when the wait ended. Check Post → Get Status with this publish_id later; do not publish the same media again meanwhile: it may still be posted.';

export function adviceForApiError(code: string, tiktokMessage?: string): ErrorAdvice {
	const byMessage =
		code === 'invalid_params' || code === 'invalid_param'
			? INVALID_PARAMS_BY_MESSAGE[tiktokMessage?.trim() ?? '']
			: undefined;
	if (byMessage) return byMessage;
	const known = API_ERRORS[code] ?? OAUTH_ERRORS[code];
	if (known) return known;
	return {
		message: `TikTok answered "${code}"${tiktokMessage ? `: ${tiktokMessage}` : ''}`,
		description: 'Check the TikTok developer documentation for this code, or try again later.',
	};
}

export function adviceForFailReason(reason: string): ErrorAdvice {
	return (
		FAIL_REASONS[reason] ?? {
			message: `TikTok could not publish the post (${reason})`,
			description: 'Check the media and caption, then try again.',
		}
	);
}

/**
 * The node's own codes for a video n8n downloads from a URL itself (URL Handling "Uploaded by N8n", or Automatic
 * when TikTok refuses the URL). Found before `video/init` unless said otherwise.
 */
export const SOURCE_ERRORS: Record<string, ErrorAdvice> = {
	download_http_error: {
		message: 'The video URL answered with an HTTP error',
		description:
			'404 means the file is not at that address, 401/403 that it is not public, 5xx that the media server has a problem; too many redirects mean the server sends n8n around in a loop. Open the URL in a private browser window: it must download or play the video file itself. Fix the URL or the server, then run the item again.',
	},
	download_not_video: {
		message: 'The video URL did not return a video',
		description:
			'Use a direct link to the MP4, MOV or WebM file, not to a page that shows or shares it (sharing links of cloud drives open a web page; use their direct-download link). The file is judged by its first bytes, not its name.',
	},
	download_encoded: {
		message: 'The media server sent the video compressed',
		description:
			'n8n asks for the file as it is (Accept-Encoding: identity), but the server compressed it anyway, so the size it announced is not the size of the video. Turn off compression (gzip, brotli) for video files on the server or CDN, or use another URL.',
	},
	download_too_large: {
		message: 'The video at the URL is larger than n8n may download',
		description:
			'TikTok accepts videos up to 4 GB, and Request Options → Download Size Limit (MB) may set a lower limit (at most 4096 MB). A server that sends no size (no Content-Length) is held to Download Size Limit Without Length (MB), 256 by default, since n8n keeps such a video in its binary data (memory, by default on n8n 1.x) until it knows the size. Use a smaller file, a server that sends the size, or raise the limit.',
	},
	download_timed_out: {
		message: 'The video download took longer than its time limit',
		description:
			'The media server is too slow or stopped sending. Use a faster server, or raise Request Options → Download Time Limit (Minutes) (default 60). A download that receives nothing for 10 minutes also stops.',
	},
	source_too_long: {
		message: 'The media server sent more bytes than its Content-Length said',
		description:
			'The file changed while n8n was downloading it, or the server is broken, so the upload stopped before TikTok could publish a cut-off video. Fix the source, then check Post → Get Status with this publish_id before publishing again.',
	},
	source_too_short: {
		message: 'The media server sent fewer bytes than its Content-Length said',
		description:
			'The file changed while n8n was downloading it, the server is broken, or the connection dropped, so the upload stopped before TikTok could publish a cut-off video. Fix the source, then check Post → Get Status with this publish_id before publishing again.',
	},
};

// ---------------------------------------------------------------------------------------------------------------
// Requests that got no usable answer: the network failed, or TikTok's side answered with a redirect.

/** Where a request went: TikTok's JSON API, its token endpoint, its upload host, or a video's own server. */
export type RequestTarget = 'api' | 'token' | 'upload' | 'download';

/** How messages name each target (`{server}`). */
export const REQUEST_TARGETS: Record<RequestTarget, string> = {
	api: "TikTok's API",
	token: "TikTok's token service",
	upload: "TikTok's upload server",
	download: "the video's server",
};

/** What went wrong on the way, as helpers/networkErrors.ts tells it from the failure's code. */
export type NetworkErrorCode =
	| 'dns_lookup_failed'
	| 'connection_refused'
	| 'certificate_rejected'
	| 'timed_out'
	| 'network_error';

const CHECK_API_URL =
	'Check the TikTok API URL in the TikTok credential (normally https://open.tiktokapis.com)';
const EXTRA_CA =
	'set the environment variable NODE_EXTRA_CA_CERTS to the PEM file of its certificate authority and restart n8n';

/**
 * A message per failure and a fix per target (the token service shares the API's: both live at the credential's
 * TikTok API URL); `{server}`, `{host}` (never a path or query: an upload URL's query is its signature) and
 * `{reason}` are filled in by `adviceForNetworkFailure`.
 */
export const NETWORK_ERRORS: Record<
	NetworkErrorCode,
	{ message: string; fixes: Record<Exclude<RequestTarget, 'token'>, string> }
> = {
	dns_lookup_failed: {
		message: 'n8n could not find {server} at "{host}" ({reason})',
		fixes: {
			api: `${CHECK_API_URL}. If it is right, the n8n server cannot look up internet names right now: check its DNS settings and internet connection, then try again.`,
			upload:
				'TikTok chose this address, so the n8n server cannot look up internet names right now: check its DNS settings, proxy and internet connection.',
			download:
				'Check the video URL for typos. If it is right, the n8n server cannot look up internet names right now: check its DNS settings and internet connection.',
		},
	},
	connection_refused: {
		message: 'n8n could not connect to {server} at "{host}" ({reason})',
		fixes: {
			api: `Nothing answers at that address. ${CHECK_API_URL}, with no port number. Also check any proxy or firewall between n8n and the internet.`,
			upload:
				'Check any proxy or firewall between n8n and TikTok. TikTok chose this address, so if the network is fine, try again in a few minutes.',
			download:
				"Check the video URL's host and port, and that its server is running and reachable from the n8n server.",
		},
	},
	certificate_rejected: {
		message: 'n8n does not trust the security certificate of {server} at "{host}" ({reason})',
		fixes: {
			api: `${CHECK_API_URL}. If it points to your own server, or a company proxy inspects n8n's HTTPS traffic, ${EXTRA_CA}. A wrong clock on the n8n server causes this too.`,
			upload: `If a company proxy inspects n8n's HTTPS traffic, ${EXTRA_CA}. Otherwise check the n8n server's clock.`,
			download: `Fix the certificate on the video's server, or, if you trust this server, turn on "Ignore SSL Issues (Insecure)" in the node's options. If the certificate comes from your own certificate authority, ${EXTRA_CA}.`,
		},
	},
	timed_out: {
		message: 'No answer in time from {server} at "{host}" ({reason})',
		fixes: {
			api: "Check the n8n server's internet connection, proxy and firewall. If they work, TikTok is slow right now: try again in a few minutes.",
			upload: "Check the n8n server's internet connection and upload speed, proxy and firewall.",
			download:
				"The video's server is slow or unreachable from the n8n server: check the URL, or host the file where it downloads quickly.",
		},
	},
	network_error: {
		message: 'The connection to {server} at "{host}" failed ({reason})',
		fixes: {
			api: 'Check the network connection between n8n and TikTok, then try again.',
			upload: 'Check the network connection between n8n and TikTok.',
			download: 'Check that the video URL is public and its server is up, then try again.',
		},
	},
};

function fill(template: string, values: Record<string, string>): string {
	return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

export function adviceForNetworkFailure(
	code: NetworkErrorCode,
	target: RequestTarget,
	host: string,
	reason: string,
): ErrorAdvice {
	const entry = NETWORK_ERRORS[code];
	const values = { server: REQUEST_TARGETS[target], host, reason };
	return {
		message: fill(entry.message, values),
		description: fill(entry.fixes[target === 'token' ? 'api' : target], values),
	};
}

/** The redirect answers the node refuses to follow (`unexpected_redirect`): from TikTok's API, token and upload hosts. */
export const REDIRECT_ERRORS: Record<Exclude<RequestTarget, 'download'>, ErrorAdvice> = {
	api: {
		message: '{server} answered with a redirect to {location}; n8n did not follow it',
		description: `n8n does not follow redirects from TikTok, so your access token stayed with TikTok. ${CHECK_API_URL}: a proxy or an outdated address can answer with redirects. If it is right, try again later.`,
	},
	token: {
		message: '{server} answered with a redirect to {location}; n8n did not follow it',
		description: `n8n does not follow redirects from TikTok, so the refresh token and your app's client secret stayed with TikTok. ${CHECK_API_URL}: a proxy or an outdated address can answer with redirects. If it is right, try again later.`,
	},
	upload: {
		message: '{server} answered with a redirect to {location}; n8n did not follow it',
		description:
			'n8n does not follow redirects from TikTok, so the video was not sent anywhere else. TikTok chose the upload address; a proxy between n8n and TikTok can also answer with redirects. Try again later.',
	},
};

/** `location` is how the message names where the redirect pointed: a host, never its path or query. */
export function adviceForRedirect(
	target: Exclude<RequestTarget, 'download'>,
	location: string,
): ErrorAdvice {
	const values = { server: REQUEST_TARGETS[target], location };
	const entry = REDIRECT_ERRORS[target];
	return { message: fill(entry.message, values), description: fill(entry.description, values) };
}
