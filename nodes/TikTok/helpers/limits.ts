/** TikTok's documented limits (Content Posting API reference, media transfer guide). */
export const MIN_CHUNK_BYTES = 5 * 1024 * 1024; // 5,242,880: the safe reading of "5 MB"
export const MAX_CHUNK_BYTES = 64_000_000; // the safe reading of "64 MB"
export const MAX_FINAL_CHUNK_BYTES = 128_000_000;
export const MAX_CHUNKS = 1000;
/** Files up to this size may go in one request. */
export const MAX_SINGLE_CHUNK_BYTES = MAX_CHUNK_BYTES;
export const MAX_VIDEO_BYTES = 4 * 1024 * 1024 * 1024;
/**
 * The node's own default for a video download whose server declares no size: 256 MB. Such a body is first stored
 * in n8n's binary data to learn its size, and n8n 1.x keeps binary data in memory by default (its store copies the
 * stream into one buffer, about twice the size at the peak), so a 1 GB server running n8n survives it. Videos
 * TikTok takes at 1080p are rarely larger; the Request Options raise it up to 4 GB.
 */
export const DEFAULT_UNKNOWN_LENGTH_DOWNLOAD_BYTES = 256 * 1024 * 1024;
/** The chunk sizes a user may pick instead of Automatic (bytes): each bounds one upload's memory to about that much. */
/** Chunk Size choices below Automatic's 64 MB (which a "64 MB" choice would only repeat). */
export const CHUNK_SIZE_CHOICES_MB = [32, 16, 8] as const;

export const MAX_VIDEO_CAPTION_UTF16 = 2200;
export const MAX_PHOTO_TITLE_UTF16 = 90;
export const MAX_PHOTO_DESCRIPTION_UTF16 = 4000;
export const MAX_PHOTOS = 35;
/** "20 MB" per photo, read as 10^6 bytes (the stricter reading, as the emulator does). */
export const MAX_PHOTO_BYTES = 20_000_000;
/** Photos "maximum 1080p": a 1080p frame is 1920×1080, so a photo fits it either way round (1080×1920 portrait). */
export const MAX_PHOTO_LONG_SIDE = 1920;
export const MAX_PHOTO_SHORT_SIDE = 1080;

/** Video picture size: "minimum of 360 pixels for both height and width, maximum of 4096". */
export const MIN_VIDEO_SIDE = 360;
export const MAX_VIDEO_SIDE = 4096;
/** Video frame rate: "minimum of 23 FPS, maximum of 60 FPS". */
export const MIN_FRAME_RATE = 23;
export const MAX_FRAME_RATE = 60;

/**
 * Video codecs: "H.264 (recommended), H.265, VP8, VP9", as MP4/MOV sample entries and WebM CodecIDs name them.
 * A file is refused only for a codec known to be none of these (below); one n8n does not know gets a warning.
 */
export const ACCEPTED_VIDEO_CODECS: Readonly<Record<string, string>> = {
	avc1: 'H.264',
	avc3: 'H.264',
	hvc1: 'H.265',
	hev1: 'H.265',
	vp08: 'VP8',
	vp09: 'VP9',
	V_VP8: 'VP8',
	V_VP9: 'VP9',
	'V_MPEG4/ISO/AVC': 'H.264',
	'V_MPEGH/ISO/HEVC': 'H.265',
};
/** Codecs cameras and editors export that TikTok's list leaves out, by the name users know them by. */
export const REFUSED_VIDEO_CODECS: Readonly<Record<string, string>> = {
	av01: 'AV1',
	V_AV1: 'AV1',
	apch: 'Apple ProRes 422 HQ',
	apcn: 'Apple ProRes 422',
	apcs: 'Apple ProRes 422 LT',
	apco: 'Apple ProRes 422 Proxy',
	ap4h: 'Apple ProRes 4444',
	ap4x: 'Apple ProRes 4444 XQ',
	mp4v: 'MPEG-4 Part 2',
	jpeg: 'Motion JPEG',
	mjpa: 'Motion JPEG',
	mjpb: 'Motion JPEG',
	AVdn: 'Avid DNxHD',
	AVdh: 'Avid DNxHR',
	'raw ': 'uncompressed video',
	'2vuy': 'uncompressed video',
};

export const INIT_CALLS_PER_MINUTE = 6;
/** The upload URL dies one hour after init. */
export const UPLOAD_URL_LIFETIME_MS = 60 * 60 * 1000;

/** Display API (user/info, video/list, video/query): 600 calls per minute per endpoint, each its own budget. */
export const DISPLAY_CALLS_PER_MINUTE = 600;
/** video/list `max_count` and video/query ids per request. */
export const MAX_VIDEOS_PER_REQUEST = 20;
/** Return All stops after this many video/list pages (20,000 videos), whatever `has_more` says. */
export const MAX_LIST_PAGES = 1000;
/** A Display title or description holds at most this many characters (captions can be 2200). */
export const MAX_LISTED_TEXT = 150;
