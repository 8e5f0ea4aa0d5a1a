import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { assertVideoDuration, commonPostInfo } from '../../helpers/postSettings';
import { assertVideoCaption } from '../../helpers/text';
import { assertHttpUrl } from '../../helpers/urls';
import { PATHS } from '../../transport/publishApi';
import type { UploadReport } from '../../transport/upload';
import {
	directPostProperties,
	draftNotice,
	ignoreSslIssuesProperty,
	postModeProperty,
	readDirectPostSettings,
	readInitTimeoutMs,
	readMaxChunkBytes,
	readWaitOptions,
	videoRequestOptionsProperty,
	waitProperties,
} from '../shared/properties';
import { derivePostUrl, needsPostLookup } from '../shared/analytics';
import {
	creatorForDirectPost,
	mustWait,
	publishAfterInit,
	publishContext,
} from '../shared/publishFlow';
import { n8nMediaUrlProperty } from '../shared/servedMedia';
import type { StartedVideo, UrlHandling, VideoSource } from './start';
import { binaryVideoSource, startVideoPublish } from './start';

const show = { resource: ['video'], operation: ['publish'] };

const properties: INodeProperties[] = [
	{
		displayName: 'Video Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		default: 'binary',
		options: [
			{
				name: 'Binary File',
				value: 'binary',
				description: 'A video from a previous node (e.g. Google Drive, HTTP Request)',
			},
			{ name: 'URL', value: 'url', description: 'A web address of the video file' },
		],
	},
	{
		displayName: 'Video URL',
		name: 'videoUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. https://cdn.example.com/videos/clip.mp4',
		displayOptions: { show: { source: ['url'] } },
		description: 'Direct link to the MP4, MOV or WebM file',
	},
	{
		displayName: 'URL Handling',
		name: 'urlHandling',
		type: 'options',
		default: 'auto',
		displayOptions: { show: { source: ['url'] } },
		options: [
			{
				name: 'Automatic',
				value: 'auto',
				description:
					'Let TikTok pull the URL; if TikTok refuses because the domain is not verified, n8n uploads it instead',
			},
			{
				name: 'Pulled by TikTok',
				value: 'pull',
				description:
					'TikTok downloads the URL itself. The domain or URL prefix must be verified in your TikTok app.',
			},
			{
				name: 'Uploaded by N8n',
				value: 'upload',
				description:
					'The n8n server downloads the URL and uploads the video to TikTok. Works with any host.',
			},
		],
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { source: ['binary'] } },
		hint: 'The name of the binary field that holds the video (MP4, MOV or WebM, up to 4 GB)',
	},
	{
		displayName: 'Binary Delivery',
		name: 'binaryDelivery',
		type: 'options',
		default: 'auto',
		displayOptions: { show: { source: ['binary'] } },
		options: [
			{
				name: 'Automatic',
				value: 'auto',
				description:
					'Pulled by TikTok from this n8n when the n8n Media URL is set and the video is over one chunk (64 MB by default); otherwise uploaded by n8n',
			},
			{
				name: 'Pulled by TikTok From This N8n',
				value: 'pull',
				description:
					'TikTok downloads the video from this n8n through the TikTok Media Server node (any size up to 4 GB, no chunks)',
			},
			{
				name: 'Uploaded by N8n',
				value: 'upload',
				description: 'N8n sends the video to TikTok in chunks',
			},
		],
	},
	n8nMediaUrlProperty(
		'The Production URL of the TikTok Media Server node (in an active workflow) without ":file" at its end; it must be the URL prefix (or under the domain) verified for your TikTok app. Leave empty to always upload.',
		{ source: ['binary'], binaryDelivery: ['auto', 'pull'] },
		false,
	),
	ignoreSslIssuesProperty(
		"Whether n8n downloads the video even if the server's certificate cannot be verified (for self-hosted media servers)",
		{ source: ['url'], urlHandling: ['auto', 'upload'] },
	),
	postModeProperty(
		'Send to the TikTok inbox; the account owner finishes and posts it in the TikTok app',
	),
	draftNotice,
	{
		displayName: 'Caption',
		name: 'caption',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		displayOptions: { show: { postMode: ['direct'] } },
		description:
			'Text shown with the video; #hashtags and @mentions work. At most 2200 characters (emoji count as 2).',
	},
	...directPostProperties('video'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { postMode: ['direct'] } },
		options: [
			{
				displayName: 'AI-Generated Content',
				name: 'isAigc',
				type: 'boolean',
				default: false,
				description: 'Whether to label the video "Creator labeled as AI-generated"',
			},
			{
				displayName: 'Cover Frame (Milliseconds)',
				name: 'coverTimestampMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'Which moment of the video to use as its cover, in milliseconds from the start',
			},
			{
				displayName: 'Find Post URL If TikTok Gives No ID',
				name: 'findPostUrl',
				type: 'boolean',
				default: false,
				description:
					"Whether to look for a finished public post in the account's public videos when TikTok's status gives no post ID (needs the video.list scope): the one video created after the publish started whose title or description matches the caption. Its URL is returned marked post_url_derived.",
			},
		],
	},
	...waitProperties,
	videoRequestOptionsProperty,
];

export const description = updateDisplayOptions({ show }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const mode = this.getNodeParameter('postMode', itemIndex) as 'direct' | 'draft';
	const draft = mode === 'draft';
	const caption = draft ? '' : (this.getNodeParameter('caption', itemIndex, '') as string);
	assertVideoCaption(caption);
	const settings = draft ? undefined : readDirectPostSettings(this, itemIndex, 'video');
	const options = draft ? {} : (this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	const wait = readWaitOptions(this, itemIndex);
	const timeoutMs = readInitTimeoutMs(this, itemIndex);
	const maxChunkBytes = readMaxChunkBytes(this, itemIndex);
	const source = await readVideoSource(this, itemIndex, maxChunkBytes);

	const creator = await creatorForDirectPost(this, settings, 'video');
	if (creator && source.kind !== 'url') assertVideoDuration(source.video.durationSec, creator);

	let postInfo: IDataObject | undefined;
	if (settings) {
		postInfo = {
			...commonPostInfo(settings),
			disable_duet: !settings.allowDuet,
			disable_stitch: !settings.allowStitch,
		};
		if (caption) postInfo.title = caption;
		if (options.isAigc) postInfo.is_aigc = true;
		if (options.coverTimestampMs) postInfo.video_cover_timestamp_ms = options.coverTimestampMs;
	}

	const started = Date.now();
	const begun = await startVideoPublish(
		{
			ctx: this,
			itemIndex,
			initPath: draft ? PATHS.inboxVideoInit : PATHS.videoInit,
			withPostInfo: (sourceInfo) =>
				postInfo ? { post_info: postInfo, source_info: sourceInfo } : { source_info: sourceInfo },
			timeoutMs,
			maxChunkBytes,
			creator,
		},
		source,
	);
	const { init } = begun;
	const { output, upload, transferredAt } = await publishAfterInit(this, init, {
		// A video served by this n8n must stay readable until TikTok has it: the node waits for the final status.
		wait: begun.servedByN8n ? mustWait(wait) : wait,
		draft,
		creator,
		kind: 'video',
		upload: begun.sending,
	});
	// Only public posts are in TikTok's video list, so only they can be found there.
	if (
		options.findPostUrl &&
		settings?.privacyLevel === 'PUBLIC_TO_EVERYONE' &&
		needsPostLookup(output)
	) {
		Object.assign(
			output,
			await derivePostUrl(
				this,
				{ caption, startedAtSec: Math.floor(started / 1000) },
				creator?.creator_username,
			),
		);
	}
	return [
		{
			json: {
				...output,
				...publishContext(draft, creator, output),
				source: begun.source,
				...(begun.servedByN8n ? { served_by: 'n8n' } : {}),
				...(begun.fallbackReason
					? {
							fallback: `TikTok refused to pull the URL (${begun.fallbackReason}), so n8n uploaded it`,
						}
					: {}),
				...videoFacts(begun, upload),
				...(begun.warnings.length > 0 ? { warnings: begun.warnings } : {}),
				timing: {
					paced_ms: init.pacedMs,
					transfer_ms: transferredAt - init.issuedAt,
					total_ms: Date.now() - started,
				},
			},
			pairedItem: { item: itemIndex },
		},
	];
}

/** The video source the node's fields describe, checked before anything is sent to TikTok. */
async function readVideoSource(
	ctx: IExecuteFunctions,
	itemIndex: number,
	maxChunkBytes: number | undefined,
): Promise<VideoSource> {
	if ((ctx.getNodeParameter('source', itemIndex) as 'binary' | 'url') === 'binary')
		return await binaryVideoSource(ctx, itemIndex, maxChunkBytes);
	const url = String(ctx.getNodeParameter('videoUrl', itemIndex)).trim();
	assertHttpUrl('video URL', url);
	return {
		kind: 'url',
		url,
		handling: ctx.getNodeParameter('urlHandling', itemIndex, 'auto') as UrlHandling,
	};
}

/** What the output says about the video n8n read: with the chunks when n8n uploaded it. */
function videoFacts(begun: StartedVideo, upload: UploadReport | undefined): IDataObject {
	const { video, plan } = begun;
	if (!video || (begun.source === 'FILE_UPLOAD' && !(upload && plan))) return {};
	return {
		video: {
			bytes: video.size,
			container: video.container,
			duration_sec: video.durationSec,
			width: video.width,
			height: video.height,
			frame_rate: video.frameRate,
			codec: video.codec,
			...(upload && plan
				? { chunks: upload.chunks, chunk_size: plan.chunkSize, chunk_retries: upload.retries }
				: {}),
		},
	};
}
