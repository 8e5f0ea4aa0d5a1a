/**
 * A video as the node handles it: its bytes as a stream of pieces (read once per open), and what TikTok checks
 * about it (container, size, duration, resolution, frame rate), learnt from the bytes while streaming, never from
 * the file name.
 */
import type { TikTokError } from './errors';
import { invalidInput, mediaRefused } from './errors';
import {
	ACCEPTED_VIDEO_CODECS,
	MAX_FRAME_RATE,
	MAX_VIDEO_SIDE,
	MIN_FRAME_RATE,
	MIN_VIDEO_SIDE,
	REFUSED_VIDEO_CODECS,
} from './limits';
import type { VideoContainer, VideoFacts } from './media';
import { VIDEO_MIME_TYPES, readMp4Facts, readVideoHead, sniffVideoContainer } from './media';

/**
 * A video's bytes, in pieces. A piece is only valid until the next one is requested (the source may free or
 * reuse its memory then): consumers copy whatever they keep longer.
 */
export type ByteSource = AsyncIterable<Uint8Array>;

/**
 * A video n8n holds (binary data) or streams from a URL, readable as many times as its source allows. Its facts
 * (VideoFacts: duration from MP4/MOV, size, frame rate) are missing when the file does not state them where n8n reads.
 */
export interface LocalVideo extends VideoFacts {
	size: number;
	container: VideoContainer;
	mimeType: string;
	open(): Promise<ByteSource>;
	fileName?: string;
	/** Lets go of what the video holds open (a download's connection) when it will not be read; safe to call twice. */
	discard?(): void;
}

type DetachableArrayBuffer = ArrayBuffer & {
	transfer?: (newLength: number) => ArrayBuffer;
	detached?: boolean;
};

/**
 * Yields the pieces of a stream whose buffers nobody else holds (n8n's binary-store streams), freeing each
 * piece's memory as soon as the next is requested. Left to the garbage collector, those buffers pile up as
 * external memory that makes V8 mark n8n's whole heap every ~40 MB read: for a large video that was most of
 * the upload's time and several chunks of extra memory (docs/benchmarks.md). Detaching an ArrayBuffer
 * (`transfer(0)`, Node 21+) releases its memory at once; older runtimes just leave it to the collector.
 */
export async function* releasingPieces(pieces: AsyncIterable<Uint8Array>): ByteSource {
	for await (const piece of pieces) {
		yield piece;
		release(piece);
	}
}

function release(piece: Uint8Array): void {
	const whole = piece.buffer as DetachableArrayBuffer;
	// Only a piece that spans its whole ArrayBuffer: a view may share memory with data that is still in use.
	if (piece.byteOffset !== 0 || piece.byteLength !== whole.byteLength || whole.byteLength === 0)
		return;
	if (typeof whole.transfer !== 'function' || whole.detached === true) return;
	whole.transfer(0);
}

/** How many leading bytes identify the container. */
const SNIFF_BYTES = 16;
/**
 * How far into a stream n8n looks for the facts at its start (an MP4 `moov` placed first, "fast start"; WebM's
 * Tracks). The bytes read are kept in memory until the stream is replayed.
 */
export const HEAD_LIMIT_BYTES = 4 * 1024 * 1024;

/** The first bytes of a video stream, kept so they can be replayed in front of the rest of it, and what they say. */
export interface StreamHead {
	pieces: Uint8Array[];
	container: VideoContainer;
	/** What the first HEAD_LIMIT_BYTES say; undefined when the facts are further in (an MP4 `moov` after its media). */
	facts: VideoFacts | undefined;
}

/**
 * Reads pieces until the first SNIFF_BYTES bytes are known and recognises the container from them (when it is
 * none TikTok accepts, closes the stream and throws `notAVideo`, given the bytes read), then on while the facts
 * could sit within HEAD_LIMIT_BYTES. The pieces are copied: a source may free a piece once the next is requested,
 * and these are replayed later.
 */
export async function readHead(
	iterator: AsyncIterator<Uint8Array>,
	notAVideo: (head: Uint8Array) => TikTokError,
): Promise<StreamHead> {
	const pieces: Uint8Array[] = [];
	let length = 0;
	let ended = false;
	const readUntil = async (wanted: number) => {
		while (length < wanted && !ended) {
			const next = await iterator.next();
			if (next.done) ended = true;
			else {
				pieces.push(new Uint8Array(next.value));
				length += next.value.length;
			}
		}
	};
	await readUntil(SNIFF_BYTES);
	const head = Buffer.concat(pieces).subarray(0, SNIFF_BYTES);
	const container = sniffVideoContainer(head);
	if (!container) {
		await iterator.return?.();
		throw notAVideo(head);
	}
	for (;;) {
		const reading = readVideoHead(container, Buffer.concat(pieces));
		if ('facts' in reading) return { pieces, container, facts: reading.facts };
		// Malformed bytes ask for no more than there is: nothing more to learn from them.
		if (reading.need <= length || reading.need > HEAD_LIMIT_BYTES || ended)
			return { pieces, container, facts: undefined };
		await readUntil(reading.need);
	}
}

/** Replays bytes already read from the front of a stream, then the rest of it; closes the stream when stopped early. */
export async function* replay(
	head: Uint8Array[],
	rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
	try {
		yield* head;
		for (;;) {
			const next = await rest.next();
			if (next.done) return;
			yield next.value;
		}
	} finally {
		await rest.return?.();
	}
}

/**
 * Reads the container signature and what the file says about its picture and length, streaming once without
 * keeping media data: from the first bytes, or for an MP4/MOV whose `moov` comes after its media, from the walk to it.
 */
export async function probe(video: {
	size: number;
	open(): Promise<ByteSource>;
	fileName?: string;
}): Promise<LocalVideo> {
	const iterator = (await video.open())[Symbol.asyncIterator]();
	const head = await readHead(iterator, () =>
		invalidInput(
			'The file is not a video TikTok accepts',
			`TikTok accepts MP4, MOV and WebM videos. ${video.fileName ? `"${video.fileName}"` : 'This file'} is none of these (judged by its content, not its name).`,
		),
	);
	const container = head.container;
	let facts = head.facts;
	if (!facts && container !== 'webm') {
		facts = await readMp4Facts(replay(head.pieces, iterator));
	} else {
		await iterator.return?.();
	}
	return { ...video, container, mimeType: VIDEO_MIME_TYPES[container], ...facts };
}

const SIDES = `${MIN_VIDEO_SIDE}–${MAX_VIDEO_SIDE} pixels wide and high`;
const RATES = `${MIN_FRAME_RATE}–${MAX_FRAME_RATE} frames per second`;
const CODECS = 'H.264, H.265, VP8 and VP9 video';

/** The codec's common name in `table`; own keys only, since the name comes from the file ("constructor" is no codec). */
function codecIn(
	table: Readonly<Record<string, string>>,
	codec: string | undefined,
): string | undefined {
	return codec !== undefined && Object.prototype.hasOwnProperty.call(table, codec)
		? table[codec]
		: undefined;
}

/**
 * TikTok's documented picture limits (media transfer guide: each side 360–4096 px, 23–60 FPS), checked before
 * anything is sent: a video outside them is refused here rather than failing at TikTok after the upload. Returns
 * a warning for each limit the file gave n8n no number to check.
 */
export function checkVideoPicture(video: LocalVideo): string[] {
	const { width, height, frameRate, codec } = video;
	const named = video.fileName ? `The video "${video.fileName}"` : 'The video';
	const refusedCodec = codecIn(REFUSED_VIDEO_CODECS, codec);
	if (refusedCodec !== undefined) {
		throw mediaRefused(
			'video_codec_unsupported',
			`${named} is ${refusedCodec} video (codec "${codec}"); TikTok accepts ${CODECS}`,
			`TikTok would fail this post after the upload (file_format_check_failed). Export or convert the video as an H.264 MP4 (in most editors "MP4 (H.264)"), then run the item again.`,
			{ codec },
		);
	}
	if (
		width !== undefined &&
		height !== undefined &&
		(Math.min(width, height) < MIN_VIDEO_SIDE || Math.max(width, height) > MAX_VIDEO_SIDE)
	) {
		throw mediaRefused(
			'video_resolution_out_of_range',
			`${named} is ${width}×${height} pixels; TikTok accepts videos ${SIDES}`,
			`TikTok would fail this post after the upload (picture_size_check_failed). Export the video at a size within ${MIN_VIDEO_SIDE} and ${MAX_VIDEO_SIDE} pixels per side (TikTok's own format is 1080×1920), then run the item again.`,
			{ width, height },
		);
	}
	if (frameRate !== undefined && (frameRate < MIN_FRAME_RATE || frameRate > MAX_FRAME_RATE)) {
		throw mediaRefused(
			'video_frame_rate_out_of_range',
			`${named} plays at ${frameRate} frames per second; TikTok accepts ${RATES}`,
			`TikTok would fail this post after the upload (frame_rate_check_failed). Export the video at 24, 25, 30, 50 or 60 frames per second, then run the item again.`,
			{ frame_rate: frameRate },
		);
	}
	const where =
		video.container === 'webm'
			? 'WebM files need not state it'
			: video.durationSec === undefined
				? `its index, the moov box, was not where n8n read: of a video streamed from a URL into the upload, the first ${HEAD_LIMIT_BYTES / 1024 / 1024} MB; an export with "fast start" (web optimized) puts it there`
				: 'the file does not state it';
	const warnings: string[] = [];
	if (codec !== undefined && codecIn(ACCEPTED_VIDEO_CODECS, codec) === undefined) {
		warnings.push(
			`n8n does not know the video's codec "${codec}", so it could not check it against TikTok's ${CODECS}; if TikTok fails the post with file_format_check_failed, export the video as an H.264 MP4.`,
		);
	}
	if (width === undefined || height === undefined)
		warnings.push(
			`n8n could not read the video's size in pixels (${where}), so TikTok's limit of ${SIDES} was not checked.`,
		);
	if (frameRate === undefined)
		warnings.push(
			`n8n could not read the video's frame rate (${where}), so TikTok's range of ${RATES} was not checked.`,
		);
	return warnings;
}
