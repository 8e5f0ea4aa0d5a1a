import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** Node properties that video and photo publishing share, and the readers of their values. */
import {
	CHUNK_SIZE_CHOICES_MB,
	DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES,
	MAX_VIDEO_BYTES,
} from '../../helpers/limits';
import type { DirectPostSettings, PostKind } from '../../helpers/postSettings';

export const MUSIC_USAGE_NOTICE =
	'By posting, you agree to TikTok\'s <a href="https://www.tiktok.com/legal/page/global/music-usage-confirmation/en" target="_blank">Music Usage Confirmation</a>.';
export const BRANDED_CONTENT_NOTICE =
	'Branded content: by posting, you agree to TikTok\'s <a href="https://www.tiktok.com/legal/page/global/bc-policy/en" target="_blank">Branded Content Policy</a> and <a href="https://www.tiktok.com/legal/page/global/music-usage-confirmation/en" target="_blank">Music Usage Confirmation</a>. The post will be labeled "Paid partnership" and cannot be private.';

/**
 * The creator-facing settings TikTok's Content Sharing Guidelines require for a direct post: privacy with
 * no default (chosen from the creator's own options), interactions off unless chosen, commercial disclosure.
 * `kind` drops duet/stitch for photos.
 */
export function directPostProperties(kind: PostKind): INodeProperties[] {
	const direct = { show: { postMode: ['direct'] } };
	const properties: INodeProperties[] = [
		{
			displayName: 'Privacy Level Name or ID',
			name: 'privacyLevel',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getPrivacyLevels' },
			default: '',
			required: true,
			displayOptions: direct,
			description:
				'Who can see the post. The list shows only the levels the connected TikTok account offers right now. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Allow Comments',
			name: 'allowComment',
			type: 'boolean',
			default: false,
			displayOptions: direct,
			description: 'Whether viewers may comment. Refused when the account has comments turned off.',
		},
	];
	if (kind === 'video') {
		properties.push(
			{
				displayName: 'Allow Duet',
				name: 'allowDuet',
				type: 'boolean',
				default: false,
				displayOptions: direct,
				description:
					'Whether viewers may make duets with this video. Private accounts cannot allow duets.',
			},
			{
				displayName: 'Allow Stitch',
				name: 'allowStitch',
				type: 'boolean',
				default: false,
				displayOptions: direct,
				description:
					'Whether viewers may stitch this video. Private accounts cannot allow stitches.',
			},
		);
	}
	properties.push(
		{
			displayName: 'Disclose Commercial Content',
			name: 'discloseCommercialContent',
			type: 'boolean',
			default: false,
			displayOptions: direct,
			description: 'Whether this post promotes yourself, a brand, product or service',
		},
		{
			displayName: 'Your Brand',
			name: 'yourBrand',
			type: 'boolean',
			default: false,
			displayOptions: { show: { ...direct.show, discloseCommercialContent: [true] } },
			description:
				"Whether you promote your own business. The post is labeled 'Promotional content'.",
		},
		{
			displayName: 'Branded Content',
			name: 'brandedContent',
			type: 'boolean',
			default: false,
			displayOptions: { show: { ...direct.show, discloseCommercialContent: [true] } },
			description:
				"Whether you promote another brand or a third party. The post is labeled 'Paid partnership' and cannot be private (Only Me).",
		},
		{
			displayName: BRANDED_CONTENT_NOTICE,
			name: 'brandedContentNotice',
			type: 'notice',
			default: '',
			displayOptions: {
				show: { ...direct.show, discloseCommercialContent: [true], brandedContent: [true] },
			},
		},
		{
			displayName: MUSIC_USAGE_NOTICE,
			name: 'musicUsageNotice',
			type: 'notice',
			default: '',
			displayOptions: direct,
		},
	);
	return properties;
}

export function readDirectPostSettings(
	ctx: IExecuteFunctions,
	itemIndex: number,
	kind: PostKind,
): DirectPostSettings {
	const get = <T>(name: string, fallback: T) =>
		ctx.getNodeParameter(name, itemIndex, fallback) as T;
	const disclose = get('discloseCommercialContent', false);
	return {
		privacyLevel: get('privacyLevel', ''),
		allowComment: get('allowComment', false),
		allowDuet: kind === 'video' ? get('allowDuet', false) : false,
		allowStitch: kind === 'video' ? get('allowStitch', false) : false,
		discloseCommercialContent: disclose,
		yourBrand: disclose ? get('yourBrand', false) : false,
		brandedContent: disclose ? get('brandedContent', false) : false,
	};
}

export const postModeProperty = (draftDescription: string): INodeProperties => ({
	displayName: 'Post Mode',
	name: 'postMode',
	type: 'options',
	noDataExpression: true,
	default: 'direct',
	options: [
		{
			name: 'Direct Post',
			value: 'direct',
			description: "Publish straight to the account's profile",
		},
		{ name: 'Upload as Draft', value: 'draft', description: draftDescription },
	],
});

export const draftNotice: INodeProperties = {
	displayName:
		'Drafts land in the TikTok inbox of the connected account. The account owner must open the notification in the TikTok app to add the caption and settings and post it. TikTok allows at most 5 pending drafts per 24 hours.',
	name: 'draftNotice',
	type: 'notice',
	default: '',
	displayOptions: { show: { postMode: ['draft'] } },
};

export const waitProperties: INodeProperties[] = [
	{
		displayName: 'Wait for Publish',
		name: 'waitForPublish',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait until TikTok has finished processing (published, delivered to the inbox, or failed). Turn off to return at once and check later with Post → Get Status.',
	},
	{
		displayName: 'Wait Options',
		name: 'waitOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { waitForPublish: [true] } },
		options: [
			{
				displayName: 'Check Every (Seconds)',
				name: 'intervalSeconds',
				type: 'number',
				typeOptions: { minValue: 3 },
				default: 5,
				description:
					'How often to ask TikTok for the status (TikTok allows 30 status checks per minute)',
			},
			{
				displayName: 'Give Up After (Minutes)',
				name: 'timeoutMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
				description:
					'How long to wait before returning the current status. The post may still appear later; check it with Post → Get Status.',
			},
		],
	},
];

export const requestOptionsProperty: INodeProperties = {
	displayName: 'Request Options',
	name: 'requestOptions',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Publish Request Timeout (Seconds)',
			name: 'initTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 120,
			description:
				'How long to wait for TikTok to answer the request that starts a publish. If no answer comes, the node reports that the post may or may not exist instead of trying again.',
		},
	],
};

/** Video only: how n8n splits a video it uploads itself, and what that costs in memory. */
export const chunkSizeOption: INodeProperties = {
	displayName: 'Chunk Size',
	name: 'chunkSize',
	type: 'options',
	default: 'auto',
	description:
		'How n8n splits the video when it uploads the file itself (not used when TikTok pulls a URL). Each running upload holds one piece in memory. Automatic sends videos up to 64 MB in one request and larger ones in as few pieces of at most 64 MB as possible: about 64 MB of memory per upload. A smaller size keeps memory to about that size per upload but needs more requests; TikTok has been reported to refuse uploads in several pieces since August 2026, so keep Automatic unless memory is tight.',
	options: [
		{
			name: 'Automatic',
			value: 'auto',
			description:
				'One request up to 64 MB, else the fewest pieces of at most 64 MB; about 64 MB of memory per upload',
		},
		...CHUNK_SIZE_CHOICES_MB.map((mb) => ({
			name: `${mb} MB`,
			value: String(mb),
			description: `Pieces of at most ${mb} MB: about ${mb} MB of memory per upload`,
		})),
	],
};

/** TikTok's 4 GB in the size limit option's megabytes (1 MB = 1,048,576 bytes). */
const MAX_DOWNLOAD_MB = MAX_VIDEO_BYTES / 1024 / 1024;
const DEFAULT_DOWNLOAD_MINUTES = 60;
const DEFAULT_UNKNOWN_LENGTH_MB = DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES / 1024 / 1024;
const WHEN_N8N_DOWNLOADS =
	'Used when n8n downloads the video from its URL itself (URL Handling "Uploaded by N8n", or "Automatic" when TikTok refuses the URL).';

/** Video only: the bounds of a download n8n makes itself. */
export const downloadLimitOptions: INodeProperties[] = [
	{
		displayName: 'Download Size Limit (MB)',
		name: 'downloadSizeLimitMb',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_DOWNLOAD_MB },
		default: MAX_DOWNLOAD_MB,
		description: `${WHEN_N8N_DOWNLOADS} The largest video n8n accepts, in MB of 1,048,576 bytes. Default and maximum: ${MAX_DOWNLOAD_MB}, TikTok's 4 GB limit. A server that announces more is refused before anything is read; one that announces no size is cut off one byte past the limit.`,
	},
	{
		displayName: 'Download Size Limit Without Length (MB)',
		name: 'unknownLengthSizeLimitMb',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_DOWNLOAD_MB },
		default: DEFAULT_UNKNOWN_LENGTH_MB,
		description: `${WHEN_N8N_DOWNLOADS} The largest video n8n accepts from a server that announces no size (no Content-Length): such a video is kept whole in n8n's binary data until its size is known, which n8n 1.x holds in memory by default. Default ${DEFAULT_UNKNOWN_LENGTH_MB} MB, which a small server survives; raise it (up to ${MAX_DOWNLOAD_MB}) when n8n stores binary data on disk or in S3. Never above Download Size Limit.`,
	},
	{
		displayName: 'Download Time Limit (Minutes)',
		name: 'downloadTimeLimitMinutes',
		type: 'number',
		typeOptions: { minValue: 0.05, numberPrecision: 2 },
		default: DEFAULT_DOWNLOAD_MINUTES,
		description: `${WHEN_N8N_DOWNLOADS} The longest the whole download may take, including the upload to TikTok it feeds as it goes; then the item fails. Default ${DEFAULT_DOWNLOAD_MINUTES} minutes (TikTok's upload link lasts one hour). Separately, a download that receives nothing for 10 minutes fails.`,
	},
];

/** The Request Options of Video → Publish: the shared ones plus Chunk Size and the download limits. */
export const videoRequestOptionsProperty: INodeProperties = {
	...requestOptionsProperty,
	options: [...(requestOptionsProperty.options ?? []), chunkSizeOption, ...downloadLimitOptions],
};

/** The download limits in bytes and milliseconds; the size never above TikTok's maximum. */
export function readDownloadLimits(
	ctx: IExecuteFunctions,
	itemIndex: number,
): { maxBytes: number; maxUnknownLengthBytes: number; timeLimitMs: number } {
	const options = ctx.getNodeParameter('requestOptions', itemIndex, {}) as {
		downloadSizeLimitMb?: number;
		unknownLengthSizeLimitMb?: number;
		downloadTimeLimitMinutes?: number;
	};
	const mb = Number(options.downloadSizeLimitMb ?? MAX_DOWNLOAD_MB);
	const unknownMb = Number(options.unknownLengthSizeLimitMb ?? DEFAULT_UNKNOWN_LENGTH_MB);
	const minutes = Number(options.downloadTimeLimitMinutes ?? DEFAULT_DOWNLOAD_MINUTES);
	return {
		maxBytes: Math.min(
			MAX_VIDEO_BYTES,
			Math.floor((Number.isFinite(mb) && mb > 0 ? mb : MAX_DOWNLOAD_MB) * 1024 * 1024),
		),
		maxUnknownLengthBytes: Math.min(
			MAX_VIDEO_BYTES,
			Math.floor(
				(Number.isFinite(unknownMb) && unknownMb > 0 ? unknownMb : DEFAULT_UNKNOWN_LENGTH_MB) *
					1024 *
					1024,
			),
		),
		timeLimitMs: Math.round(
			(Number.isFinite(minutes) && minutes > 0 ? minutes : DEFAULT_DOWNLOAD_MINUTES) * 60_000,
		),
	};
}

/** The Chunk Size option in bytes, or undefined for Automatic. */
export function readMaxChunkBytes(ctx: IExecuteFunctions, itemIndex: number): number | undefined {
	const options = ctx.getNodeParameter('requestOptions', itemIndex, {}) as { chunkSize?: string };
	const mb = Number(options.chunkSize);
	return options.chunkSize && options.chunkSize !== 'auto' && Number.isFinite(mb) && mb > 0
		? mb * 1_000_000
		: undefined;
}

export function readInitTimeoutMs(ctx: IExecuteFunctions, itemIndex: number): number {
	const options = ctx.getNodeParameter('requestOptions', itemIndex, {}) as {
		initTimeoutSeconds?: number;
	};
	return Math.max(1, options.initTimeoutSeconds ?? 120) * 1000;
}

export function readWaitOptions(ctx: IExecuteFunctions, itemIndex: number) {
	const wait = ctx.getNodeParameter('waitForPublish', itemIndex, true) as boolean;
	const options = ctx.getNodeParameter('waitOptions', itemIndex, {}) as {
		intervalSeconds?: number;
		timeoutMinutes?: number;
	};
	return {
		wait,
		intervalMs: Math.max(3, options.intervalSeconds ?? 5) * 1000,
		timeoutMs: Math.max(1, options.timeoutMinutes ?? 10) * 60_000,
	};
}

/** For media servers with certificates n8n cannot verify: `description` says what n8n fetches, `show` when it does. */
export const ignoreSslIssuesProperty = (
	description: string,
	show?: Record<string, string[]>,
): INodeProperties => ({
	displayName: 'Ignore SSL Issues (Insecure)',
	name: 'ignoreSslIssues',
	type: 'boolean',
	default: false,
	...(show ? { displayOptions: { show } } : {}),
	description,
});
