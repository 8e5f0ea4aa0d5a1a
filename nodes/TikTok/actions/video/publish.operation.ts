import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { ChunkPlan } from '../../helpers/chunkPlan';
import { planChunks } from '../../helpers/chunkPlan';
import { isTikTokError } from '../../helpers/errors';
import { assertVideoDuration, commonPostInfo } from '../../helpers/postSettings';
import { assertVideoCaption } from '../../helpers/text';
import { assertHttpUrl } from '../../helpers/urls';
import { checkVideoPicture } from '../../helpers/video';
import type { LocalVideo } from '../../helpers/video';
import type { InitResult } from '../../transport/publishApi';
import { PATHS, startPublish } from '../../transport/publishApi';
import { uploadVideoChunks } from '../../transport/upload';
import {
	directPostProperties,
	draftNotice,
	ignoreSslIssuesProperty,
	postModeProperty,
	readDirectPostSettings,
	readInitTimeoutMs,
	readDownloadLimits,
	readMaxChunkBytes,
	readWaitOptions,
	videoRequestOptionsProperty,
	waitProperties,
} from '../shared/properties';
import { derivePostUrl, needsPostLookup } from '../shared/analytics';
import type { VideoUpload } from '../shared/publishFlow';
import { creatorForDirectPost, publishAfterInit, publishContext } from '../shared/publishFlow';
import { videoFromBinary, videoFromUrl } from './source';

type UrlHandling = 'auto' | 'pull' | 'upload';

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

	const sourceType = this.getNodeParameter('source', itemIndex) as 'binary' | 'url';
	const videoUrl =
		sourceType === 'url' ? String(this.getNodeParameter('videoUrl', itemIndex)).trim() : '';
	if (sourceType === 'url') assertHttpUrl('video URL', videoUrl);
	const urlHandling =
		sourceType === 'url'
			? (this.getNodeParameter('urlHandling', itemIndex, 'auto') as UrlHandling)
			: undefined;

	let video =
		sourceType === 'binary'
			? await videoFromBinary(
					this,
					itemIndex,
					this.getNodeParameter('binaryPropertyName', itemIndex) as string,
				)
			: undefined;
	let plan = video ? planChunks(video.size, maxChunkBytes) : undefined;
	let warnings = video ? checkVideoPicture(video) : [];

	const creator = await creatorForDirectPost(this, settings, 'video');
	if (creator) assertVideoDuration(video?.durationSec, creator);

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
	const initPath = draft ? PATHS.inboxVideoInit : PATHS.videoInit;
	const withPostInfo = (sourceInfo: IDataObject): IDataObject =>
		postInfo ? { post_info: postInfo, source_info: sourceInfo } : { source_info: sourceInfo };

	const started = Date.now();
	let fallbackReason: string | undefined;
	let init: InitResult | undefined;
	if (urlHandling === 'pull' || urlHandling === 'auto') {
		init = await startPublish(
			this,
			initPath,
			withPostInfo({ source: 'PULL_FROM_URL', video_url: videoUrl }),
			{ timeoutMs },
		).catch((error: unknown) => {
			// TikTok refused before creating anything, so a second init cannot post twice.
			if (urlHandling !== 'auto' || !isTikTokError(error, 'url_ownership_unverified')) throw error;
			fallbackReason = 'url_ownership_unverified';
			return undefined;
		});
	}
	let sending: VideoUpload | undefined;
	if (!init) {
		video ??= await videoFromUrl(this, videoUrl, {
			...readDownloadLimits(this, itemIndex),
			ignoreSslIssues: this.getNodeParameter('ignoreSslIssues', itemIndex, false) as boolean,
		});
		// A download streamed into the upload stays open until read: every way out before the upload closes it, and
		// the upload closes it when it ends (uploadTo).
		let handedToUpload = false;
		try {
			// A picture outside TikTok's limits is refused here too, and the download closed like on any failure.
			if (sourceType === 'url') warnings = checkVideoPicture(video);
			if (creator) assertVideoDuration(video.durationSec, creator);
			plan ??= planChunks(video.size, maxChunkBytes);
			init = await startPublish(
				this,
				initPath,
				withPostInfo({
					source: 'FILE_UPLOAD',
					video_size: plan.videoSize,
					chunk_size: plan.chunkSize,
					total_chunk_count: plan.totalChunkCount,
				}),
				{ timeoutMs },
			);
			sending = uploadTo(this, init, plan, video);
			handedToUpload = true;
		} finally {
			if (!handedToUpload) video.discard?.();
		}
	}
	const source = sending ? 'FILE_UPLOAD' : 'PULL_FROM_URL';

	const { output, upload, transferredAt } = await publishAfterInit(this, init, {
		wait,
		draft,
		creator,
		kind: 'video',
		upload: sending,
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
				source,
				...(fallbackReason
					? { fallback: `TikTok refused to pull the URL (${fallbackReason}), so n8n uploaded it` }
					: {}),
				...(video && upload && plan
					? {
							video: {
								bytes: video.size,
								container: video.container,
								duration_sec: video.durationSec,
								width: video.width,
								height: video.height,
								frame_rate: video.frameRate,
								codec: video.codec,
								chunks: upload.chunks,
								chunk_size: plan.chunkSize,
								chunk_retries: upload.retries,
							},
						}
					: {}),
				...(warnings.length > 0 ? { warnings } : {}),
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

/** The upload of `video` to the link `init` returned, for publishAfterInit to run. */
function uploadTo(
	ctx: IExecuteFunctions,
	init: InitResult,
	plan: ChunkPlan,
	video: LocalVideo,
): VideoUpload {
	return {
		plan,
		send: async (delivery) => {
			try {
				return await uploadVideoChunks(
					ctx,
					init.upload_url as string,
					plan,
					await video.open(),
					video.mimeType,
					init.issuedAt,
					delivery,
				);
			} finally {
				video.discard?.();
			}
		},
	};
}
