// Init body validation (tiktok-api.md §5–§8, §15). Throws Rejection; the caller turns it into
// an envelope. 400 invalid_params unless stated.
import { interactionsOf } from './fixtures.mts';
import { isObject, type JsonObject } from './api.mts';
import { PRIVACY_LEVELS, type AccountFixture, type EmulatorConfig } from './types.mts';

export class Rejection extends Error {
	constructor(
		message: string,
		readonly code = 'invalid_params',
		readonly httpStatus = 400,
		/** Extra detail for the X-Emulator-Detail header when the message is TikTok's terse text. */
		readonly detail?: string,
	) {
		super(message);
	}
}

export const CHUNK_SIZE_INVALID = 'The chunk size is invalid';

const VIDEO_POST_INFO_FIELDS = [
	'privacy_level',
	'title',
	'disable_duet',
	'disable_stitch',
	'disable_comment',
	'video_cover_timestamp_ms',
	'brand_content_toggle',
	'brand_organic_toggle',
	'is_aigc',
];
const PHOTO_POST_INFO_FIELDS = ['title', 'description', 'privacy_level'];
const PHOTO_DIRECT_ONLY_FIELDS = [
	'disable_comment',
	'auto_add_music',
	'brand_content_toggle',
	'brand_organic_toggle',
];

function checkKnownFields(
	config: EmulatorConfig,
	obj: JsonObject,
	allowed: string[],
	where: string,
	hint?: (field: string) => string | undefined,
): void {
	if (!config.rejectUnknownFields) return;
	for (const key of Object.keys(obj)) {
		if (!allowed.includes(key)) {
			throw new Rejection(hint?.(key) ?? `Unknown field ${where}${key}`);
		}
	}
}

function optionalBool(obj: JsonObject, key: string, where: string): boolean | undefined {
	const v = obj[key];
	if (v === undefined) return undefined;
	if (typeof v !== 'boolean') throw new Rejection(`${where}${key} must be a boolean`);
	return v;
}

function optionalString(obj: JsonObject, key: string, where: string): string | undefined {
	const v = obj[key];
	if (v === undefined) return undefined;
	if (typeof v !== 'string') throw new Rejection(`${where}${key} must be a string`);
	return v;
}

function requiredInteger(obj: JsonObject, key: string, where: string): number {
	const v = obj[key];
	if (v === undefined) throw new Rejection(`${where}${key} is required`);
	if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
		throw new Rejection(`${where}${key} must be an integer`);
	}
	return v;
}

function fmt(n: number): string {
	return n.toLocaleString('en-US');
}

/** Why a FILE_UPLOAD chunk plan breaks §7.1, or null. */
export function chunkPlanProblem(
	config: EmulatorConfig,
	videoSize: number,
	chunkSize: number,
	total: number,
): string | null {
	const { minChunkSize, maxChunkSize, maxFinalChunkSize, maxChunkCount } = config.limits;
	if (chunkSize < 1) return 'chunk_size must be positive';
	if (total < 1 || total > maxChunkCount) {
		return `total_chunk_count must be between 1 and ${fmt(maxChunkCount)}`;
	}
	if (videoSize < minChunkSize) {
		// Small videos are uploaded whole.
		const chunkOk =
			config.chunkRules === 'strict' ? chunkSize === videoSize : chunkSize >= videoSize;
		if (!chunkOk) {
			return `a video under ${fmt(minChunkSize)} bytes is uploaded whole: chunk_size must equal video_size (${fmt(videoSize)})`;
		}
		if (total !== 1)
			return `a video under ${fmt(minChunkSize)} bytes is uploaded whole: total_chunk_count must be 1`;
		return null;
	}
	if (chunkSize < minChunkSize) return `chunk_size must be at least ${fmt(minChunkSize)} bytes`;
	if (chunkSize > maxChunkSize) return `chunk_size must be at most ${fmt(maxChunkSize)} bytes`;
	const floor = Math.floor(videoSize / chunkSize);
	const ceil = Math.ceil(videoSize / chunkSize);
	if (config.chunkRules === 'strict' && total !== floor) {
		return `total_chunk_count must be floor(video_size / chunk_size) = ${floor}; the remainder goes into the final chunk`;
	}
	if (config.chunkRules === 'lenient' && total !== floor && total !== ceil) {
		return `total_chunk_count must be floor(video_size / chunk_size) = ${floor} (or ${ceil})`;
	}
	if (videoSize > maxChunkSize && total < 2) {
		return `a video over ${fmt(maxChunkSize)} bytes must be split into at least 2 chunks`;
	}
	const finalChunk = videoSize - (total - 1) * chunkSize;
	if (finalChunk > maxFinalChunkSize) {
		return `the final chunk would be ${fmt(finalChunk)} bytes; at most ${fmt(maxFinalChunkSize)} allowed`;
	}
	return null;
}

function parseUrl(config: EmulatorConfig, value: unknown, where: string): string {
	if (typeof value !== 'string' || value === '')
		throw new Rejection(`${where} must be a URL string`);
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new Rejection(`${where} is not a valid URL`);
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new Rejection(`${where} must be an https URL`);
	}
	if (config.pullRequiresHttps && url.protocol !== 'https:') {
		throw new Rejection(`${where} must use https (TikTok pulls media over https only)`);
	}
	return value;
}

export interface VideoSource {
	source: 'FILE_UPLOAD' | 'PULL_FROM_URL';
	videoUrl: string | null;
	videoSize: number | null;
	chunkSize: number | null;
	totalChunkCount: number | null;
}

export function validateVideoSource(config: EmulatorConfig, sourceInfo: unknown): VideoSource {
	if (sourceInfo === undefined) throw new Rejection('source_info is required');
	if (!isObject(sourceInfo)) throw new Rejection('source_info must be an object');
	const w = 'source_info.';
	const source = sourceInfo.source;
	if (source === undefined) throw new Rejection('source_info.source is required');
	if (source !== 'FILE_UPLOAD' && source !== 'PULL_FROM_URL') {
		throw new Rejection('source_info.source must be FILE_UPLOAD or PULL_FROM_URL');
	}
	if (source === 'PULL_FROM_URL') {
		checkKnownFields(config, sourceInfo, ['source', 'video_url'], w, (k) =>
			['video_size', 'chunk_size', 'total_chunk_count'].includes(k)
				? `source_info.${k} is only used with FILE_UPLOAD`
				: undefined,
		);
		if (sourceInfo.video_url === undefined) {
			throw new Rejection('source_info.video_url is required for PULL_FROM_URL');
		}
		const videoUrl = parseUrl(config, sourceInfo.video_url, 'source_info.video_url');
		return { source, videoUrl, videoSize: null, chunkSize: null, totalChunkCount: null };
	}
	checkKnownFields(
		config,
		sourceInfo,
		['source', 'video_size', 'chunk_size', 'total_chunk_count'],
		w,
		(k) =>
			k === 'video_url' ? 'source_info.video_url is only used with PULL_FROM_URL' : undefined,
	);
	const videoSize = requiredInteger(sourceInfo, 'video_size', w);
	const chunkSize = requiredInteger(sourceInfo, 'chunk_size', w);
	const total = requiredInteger(sourceInfo, 'total_chunk_count', w);
	if (videoSize < 1) throw new Rejection('source_info.video_size must be positive');
	if (videoSize > config.limits.maxVideoSize) {
		throw new Rejection(
			`source_info.video_size exceeds the ${fmt(config.limits.maxVideoSize)}-byte (4 GB) limit`,
		);
	}
	const problem = chunkPlanProblem(config, videoSize, chunkSize, total);
	if (problem) throw new Rejection(CHUNK_SIZE_INVALID, 'invalid_params', 400, problem);
	if (config.refuseMultiChunkUploads && total > 1) {
		throw new Rejection(
			CHUNK_SIZE_INVALID,
			'invalid_params',
			400,
			'multi-chunk uploads are refused (refuseMultiChunkUploads: the TikTok-side change reported since about 2026-08-09)',
		);
	}
	return { source, videoUrl: null, videoSize, chunkSize, totalChunkCount: total };
}

export interface DirectPostInfo {
	privacyLevel: string | undefined;
}

function checkPrivacyEnum(obj: JsonObject): string | undefined {
	const v = obj.privacy_level;
	if (v === undefined) return undefined; // missing → 403 privacy_level_option_mismatch later
	if (typeof v !== 'string' || !(PRIVACY_LEVELS as readonly string[]).includes(v)) {
		throw new Rejection(`post_info.privacy_level must be one of ${PRIVACY_LEVELS.join(', ')}`);
	}
	return v;
}

function checkBrandToggles(config: EmulatorConfig, postInfo: JsonObject, required: string[]): void {
	const w = 'post_info.';
	const branded = optionalBool(postInfo, 'brand_content_toggle', w);
	optionalBool(postInfo, 'brand_organic_toggle', w);
	if (config.requireBrandToggles) {
		for (const key of required) {
			if (postInfo[key] === undefined) {
				throw new Rejection(`post_info.${key} is required (send false when it does not apply)`);
			}
		}
	}
	if (config.rejectBrandedSelfOnly && branded === true && postInfo.privacy_level === 'SELF_ONLY') {
		throw new Rejection(
			'Branded content visibility cannot be set to private: brand_content_toggle=true needs a privacy_level other than SELF_ONLY',
		);
	}
}

/** A caller that explicitly enables an interaction the creator turned off. */
function checkInteractions(
	config: EmulatorConfig,
	postInfo: JsonObject,
	account: AccountFixture,
	fields: Array<'comment' | 'duet' | 'stitch'>,
): void {
	if (!config.rejectInteractionOverride) return;
	const flags = interactionsOf(account);
	for (const f of fields) {
		if (postInfo[`disable_${f}`] === false && flags[`${f}_disabled`]) {
			throw new Rejection(
				`post_info.disable_${f} is false but the creator has ${f}s disabled (creator_info ${f}_disabled=true)`,
			);
		}
	}
}

export function validateVideoPostInfo(
	config: EmulatorConfig,
	postInfo: unknown,
	account: AccountFixture,
): DirectPostInfo {
	if (postInfo === undefined) throw new Rejection('post_info is required');
	if (!isObject(postInfo)) throw new Rejection('post_info must be an object');
	const w = 'post_info.';
	checkKnownFields(config, postInfo, VIDEO_POST_INFO_FIELDS, w);
	const privacyLevel = checkPrivacyEnum(postInfo);
	const title = optionalString(postInfo, 'title', w);
	if (title !== undefined && title.length > config.limits.maxVideoTitleLength) {
		throw new Rejection(
			`post_info.title is ${title.length} UTF-16 units long; at most ${config.limits.maxVideoTitleLength} allowed`,
		);
	}
	for (const key of ['disable_duet', 'disable_stitch', 'disable_comment', 'is_aigc']) {
		optionalBool(postInfo, key, w);
	}
	const cover = postInfo.video_cover_timestamp_ms;
	if (
		cover !== undefined &&
		(typeof cover !== 'number' ||
			!Number.isInteger(cover) ||
			cover < -2147483648 ||
			cover > 2147483647)
	) {
		throw new Rejection('post_info.video_cover_timestamp_ms must be a 32-bit integer');
	}
	checkBrandToggles(config, postInfo, ['brand_content_toggle']);
	checkInteractions(config, postInfo, account, ['comment', 'duet', 'stitch']);
	return { privacyLevel };
}

export interface PhotoRequest {
	postMode: 'DIRECT_POST' | 'MEDIA_UPLOAD';
	privacyLevel: string | undefined;
	photoImages: string[];
	coverIndex: number;
}

export function validatePhotoBody(
	config: EmulatorConfig,
	body: JsonObject,
	account: AccountFixture,
): PhotoRequest {
	checkKnownFields(config, body, ['media_type', 'post_mode', 'post_info', 'source_info'], '');
	if (body.media_type === undefined) throw new Rejection('media_type is required');
	if (body.media_type !== 'PHOTO') throw new Rejection('media_type must be PHOTO');
	const postMode = body.post_mode;
	if (postMode === undefined) throw new Rejection('post_mode is required');
	if (postMode !== 'DIRECT_POST' && postMode !== 'MEDIA_UPLOAD') {
		throw new Rejection('post_mode must be DIRECT_POST or MEDIA_UPLOAD');
	}
	const postInfo = body.post_info;
	if (postInfo === undefined) throw new Rejection('post_info is required');
	if (!isObject(postInfo)) throw new Rejection('post_info must be an object');
	const w = 'post_info.';
	if (postMode === 'DIRECT_POST') {
		checkKnownFields(config, postInfo, [...PHOTO_POST_INFO_FIELDS, ...PHOTO_DIRECT_ONLY_FIELDS], w);
	} else {
		checkKnownFields(config, postInfo, PHOTO_POST_INFO_FIELDS, w, (k) =>
			PHOTO_DIRECT_ONLY_FIELDS.includes(k)
				? `post_info.${k} is only allowed with post_mode DIRECT_POST`
				: undefined,
		);
	}
	const title = optionalString(postInfo, 'title', w);
	if (title !== undefined && title.length > config.limits.maxPhotoTitleLength) {
		throw new Rejection(
			`post_info.title is ${title.length} UTF-16 units long; at most ${config.limits.maxPhotoTitleLength} allowed for photos`,
		);
	}
	const description = optionalString(postInfo, 'description', w);
	if (description !== undefined && description.length > config.limits.maxPhotoDescriptionLength) {
		throw new Rejection(
			`post_info.description is ${description.length} UTF-16 units long; at most ${config.limits.maxPhotoDescriptionLength} allowed`,
		);
	}
	const privacyLevel = checkPrivacyEnum(postInfo);
	optionalBool(postInfo, 'disable_comment', w);
	optionalBool(postInfo, 'auto_add_music', w);
	if (postMode === 'DIRECT_POST') {
		checkBrandToggles(config, postInfo, ['brand_content_toggle', 'brand_organic_toggle']);
		checkInteractions(config, postInfo, account, ['comment']);
	}

	const sourceInfo = body.source_info;
	if (sourceInfo === undefined) throw new Rejection('source_info is required');
	if (!isObject(sourceInfo)) throw new Rejection('source_info must be an object');
	checkKnownFields(
		config,
		sourceInfo,
		['source', 'photo_images', 'photo_cover_index'],
		'source_info.',
	);
	if (sourceInfo.source === undefined) throw new Rejection('source_info.source is required');
	if (sourceInfo.source !== 'PULL_FROM_URL') {
		throw new Rejection(
			'source_info.source must be PULL_FROM_URL: photos cannot be uploaded as files',
		);
	}
	const images = sourceInfo.photo_images;
	if (images === undefined) throw new Rejection('source_info.photo_images is required');
	if (!Array.isArray(images))
		throw new Rejection('source_info.photo_images must be an array of URLs');
	if (images.length < 1 || images.length > config.limits.maxPhotoCount) {
		throw new Rejection(
			`source_info.photo_images must hold 1 to ${config.limits.maxPhotoCount} URLs (got ${images.length})`,
		);
	}
	const photoImages = images.map((u, i) => parseUrl(config, u, `source_info.photo_images[${i}]`));
	const cover = sourceInfo.photo_cover_index;
	if (cover === undefined) throw new Rejection('source_info.photo_cover_index is required');
	if (typeof cover !== 'number' || !Number.isInteger(cover)) {
		throw new Rejection('source_info.photo_cover_index must be an integer');
	}
	if (cover < 0 || cover >= photoImages.length) {
		throw new Rejection(
			`source_info.photo_cover_index must be between 0 and ${photoImages.length - 1} (0-based)`,
		);
	}
	return { postMode, privacyLevel, photoImages, coverIndex: cover };
}

/** Domain verification covers subdomains; prefix verification is an exact string prefix (§11.4). */
export function isVerifiedUrl(config: EmulatorConfig, value: string): boolean {
	let host: string;
	try {
		host = new URL(value).hostname.toLowerCase();
	} catch {
		return false;
	}
	const domainOk = config.verifiedDomains.some((d) => {
		const domain = d.toLowerCase().replace(/^\.+|\.+$/g, '');
		return host === domain || host.endsWith(`.${domain}`);
	});
	return domainOk || config.verifiedPrefixes.some((p) => value.startsWith(p));
}
