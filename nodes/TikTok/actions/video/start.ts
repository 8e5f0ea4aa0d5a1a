/**
 * How a video publish starts, one strategy per source (the operation picks one, then runs what all share):
 * - `binary-upload`: a binary field, uploaded by n8n in chunks (FILE_UPLOAD);
 * - `binary-pull`: a binary field TikTok downloads from this n8n through the TikTok Media Server (PULL_FROM_URL);
 * - `url`: a URL TikTok pulls, or n8n downloads and uploads, or pulled with the upload as the fallback when TikTok
 *   refuses an unverified URL.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ChunkPlan } from '../../helpers/chunkPlan';
import { planChunks } from '../../helpers/chunkPlan';
import { isTikTokError } from '../../helpers/errors';
import type { CreatorInfo } from '../../helpers/postSettings';
import { assertVideoDuration } from '../../helpers/postSettings';
import { checkVideoPicture } from '../../helpers/video';
import type { LocalVideo } from '../../helpers/video';
import type { InitPath, InitResult } from '../../transport/publishApi';
import { startPublish } from '../../transport/publishApi';
import { uploadVideoChunks } from '../../transport/upload';
import { readDownloadLimits } from '../shared/properties';
import type { VideoUpload } from '../shared/publishFlow';
import type { StoredFile } from '../shared/servedMedia';
import { readMediaUrlPrefix, signedMediaUrls, storedFile } from '../shared/servedMedia';
import { videoFromBinary, videoFromUrl } from './source';

export type UrlHandling = 'auto' | 'pull' | 'upload';
export type BinaryDelivery = 'auto' | 'upload' | 'pull';

/** Where the video comes from, as read from the node's fields before anything is sent to TikTok. */
export type VideoSource =
	| { kind: 'binary-upload'; video: LocalVideo; plan: ChunkPlan; warnings: string[] }
	| {
			kind: 'binary-pull';
			video: LocalVideo;
			file: StoredFile;
			mediaUrlPrefix: string;
			warnings: string[];
	  }
	| { kind: 'url'; url: string; handling: UrlHandling };

/** What every strategy needs to start a publish. */
export interface Publishing {
	ctx: IExecuteFunctions;
	itemIndex: number;
	initPath: InitPath;
	/** The init body's `post_info` (direct posts) around a `source_info`. */
	withPostInfo: (sourceInfo: IDataObject) => IDataObject;
	timeoutMs: number;
	maxChunkBytes: number | undefined;
	creator?: CreatorInfo;
}

/** A started publish: TikTok's init answer and what comes after it. */
export interface StartedVideo {
	init: InitResult;
	source: 'FILE_UPLOAD' | 'PULL_FROM_URL';
	/** The upload publishAfterInit runs (FILE_UPLOAD only). */
	sending?: VideoUpload;
	/** Whether TikTok downloads from this n8n: the node then waits until it has. */
	servedByN8n: boolean;
	video?: LocalVideo;
	plan?: ChunkPlan;
	warnings: string[];
	fallbackReason?: string;
}

/**
 * A binary video, probed, and how it travels: `pull` always from this n8n; `auto` from this n8n when the n8n
 * Media URL is set and the video needs more than one chunk (TikTok is reported to refuse multi-chunk uploads,
 * issue #26), else uploaded.
 */
export async function binaryVideoSource(
	ctx: IExecuteFunctions,
	itemIndex: number,
	maxChunkBytes: number | undefined,
): Promise<VideoSource> {
	const field = ctx.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const delivery = ctx.getNodeParameter('binaryDelivery', itemIndex, 'upload') as BinaryDelivery;
	const hasMediaUrl = String(ctx.getNodeParameter('n8nMediaUrl', itemIndex, '')).trim() !== '';
	const video = await videoFromBinary(ctx, itemIndex, field);
	const plan = planChunks(video.size, maxChunkBytes);
	const warnings = checkVideoPicture(video);
	const pull =
		delivery === 'pull' || (delivery === 'auto' && hasMediaUrl && plan.totalChunkCount > 1);
	if (!pull) return { kind: 'binary-upload', video, plan, warnings };
	return {
		kind: 'binary-pull',
		video,
		file: { ...(await storedFile(ctx, itemIndex, field)), mimeType: video.mimeType },
		mediaUrlPrefix: readMediaUrlPrefix(ctx, itemIndex),
		warnings,
	};
}

async function pullFromUrl(publishing: Publishing, url: string): Promise<InitResult> {
	return await startPublish(
		publishing.ctx,
		publishing.initPath,
		publishing.withPostInfo({ source: 'PULL_FROM_URL', video_url: url }),
		{ timeoutMs: publishing.timeoutMs },
	);
}

/** FILE_UPLOAD of `video`: the init, then the upload handed to publishAfterInit. */
async function uploadVideo(
	publishing: Publishing,
	video: LocalVideo,
	plan: ChunkPlan,
): Promise<{ init: InitResult; sending: VideoUpload }> {
	const init = await startPublish(
		publishing.ctx,
		publishing.initPath,
		publishing.withPostInfo({
			source: 'FILE_UPLOAD',
			video_size: plan.videoSize,
			chunk_size: plan.chunkSize,
			total_chunk_count: plan.totalChunkCount,
		}),
		{ timeoutMs: publishing.timeoutMs },
	);
	return { init, sending: uploadTo(publishing.ctx, init, plan, video) };
}

/** The URL strategies: pulled by TikTok, uploaded by n8n, or pulled with the upload as the fallback. */
async function startFromUrl(
	publishing: Publishing,
	source: Extract<VideoSource, { kind: 'url' }>,
): Promise<StartedVideo> {
	const { ctx, itemIndex, creator } = publishing;
	let fallbackReason: string | undefined;
	if (source.handling !== 'upload') {
		const init = await pullFromUrl(publishing, source.url).catch((error: unknown) => {
			// TikTok refused before creating anything, so a second init cannot post twice.
			if (source.handling !== 'auto' || !isTikTokError(error, 'url_ownership_unverified'))
				throw error;
			fallbackReason = 'url_ownership_unverified';
			return undefined;
		});
		if (init) return { init, source: 'PULL_FROM_URL', servedByN8n: false, warnings: [] };
	}
	const video = await videoFromUrl(ctx, source.url, {
		...readDownloadLimits(ctx, itemIndex),
		ignoreSslIssues: ctx.getNodeParameter('ignoreSslIssues', itemIndex, false) as boolean,
	});
	// A download streamed into the upload stays open until read: every way out before the upload closes it, and
	// the upload closes it when it ends (uploadTo).
	let handedToUpload = false;
	try {
		// A picture outside TikTok's limits is refused here too, and the download closed like on any failure.
		const warnings = checkVideoPicture(video);
		if (creator) assertVideoDuration(video.durationSec, creator);
		const plan = planChunks(video.size, publishing.maxChunkBytes);
		const { init, sending } = await uploadVideo(publishing, video, plan);
		handedToUpload = true;
		return {
			init,
			source: 'FILE_UPLOAD',
			sending,
			servedByN8n: false,
			video,
			plan,
			warnings,
			fallbackReason,
		};
	} finally {
		if (!handedToUpload) video.discard?.();
	}
}

/** Starts the publish the way `source` says. */
export async function startVideoPublish(
	publishing: Publishing,
	source: VideoSource,
): Promise<StartedVideo> {
	switch (source.kind) {
		case 'url':
			return await startFromUrl(publishing, source);
		case 'binary-upload': {
			const { video, plan, warnings } = source;
			const { init, sending } = await uploadVideo(publishing, video, plan);
			return { init, source: 'FILE_UPLOAD', sending, servedByN8n: false, video, plan, warnings };
		}
		case 'binary-pull': {
			const [url] = await signedMediaUrls(publishing.ctx, source.mediaUrlPrefix, [source.file]);
			const init = await pullFromUrl(publishing, url);
			return {
				init,
				source: 'PULL_FROM_URL',
				servedByN8n: true,
				video: source.video,
				warnings: source.warnings,
			};
		}
	}
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
