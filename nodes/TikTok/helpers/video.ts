/**
 * A video as the node handles it: its bytes as a stream of pieces (read once per open), and what TikTok checks
 * about it (container, size, duration), learnt from the bytes while streaming, never from the file name.
 */
import type { TikTokError } from './errors';
import { invalidInput } from './errors';
import type { VideoContainer } from './media';
import { VIDEO_MIME_TYPES, readMp4Duration, sniffVideoContainer } from './media';

/**
 * A video's bytes, in pieces. A piece is only valid until the next one is requested (the source may free or
 * reuse its memory then): consumers copy whatever they keep longer.
 */
export type ByteSource = AsyncIterable<Uint8Array>;

/** A video n8n holds (binary data) or streams from a URL, readable as many times as its source allows. */
export interface LocalVideo {
	size: number;
	container: VideoContainer;
	mimeType: string;
	/** From the MP4/MOV header; undefined for WebM or when the header has none. */
	durationSec?: number;
	open(): Promise<ByteSource>;
	fileName?: string;
	/** Lets go of what the video holds open (a download's connection) when it will not be read; safe to call twice. */
	discard?(): void;
}

type DetachableArrayBuffer = ArrayBuffer & { transfer?: (newLength: number) => ArrayBuffer; detached?: boolean };

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
	if (piece.byteOffset !== 0 || piece.byteLength !== whole.byteLength || whole.byteLength === 0) return;
	if (typeof whole.transfer !== 'function' || whole.detached === true) return;
	whole.transfer(0);
}

/** How many leading bytes identify the container. */
const SNIFF_BYTES = 16;

/** The first bytes of a video stream, kept so they can be replayed in front of the rest of it, and its container. */
export interface StreamHead {
	pieces: Uint8Array[];
	container: VideoContainer;
}

/**
 * Reads pieces until the first SNIFF_BYTES bytes are known and recognises the container from them; when it is
 * none TikTok accepts, closes the stream and throws `notAVideo` (given the bytes read). The pieces are copied: a
 * source may free a piece once the next is requested, and these are replayed later.
 */
export async function readHead(iterator: AsyncIterator<Uint8Array>, notAVideo: (head: Uint8Array) => TikTokError): Promise<StreamHead> {
	const pieces: Uint8Array[] = [];
	let length = 0;
	while (length < SNIFF_BYTES) {
		const next = await iterator.next();
		if (next.done) break;
		pieces.push(new Uint8Array(next.value));
		length += next.value.length;
	}
	const head = Buffer.concat(pieces).subarray(0, SNIFF_BYTES);
	const container = sniffVideoContainer(head);
	if (!container) {
		await iterator.return?.();
		throw notAVideo(head);
	}
	return { pieces, container };
}

/** Replays bytes already read from the front of a stream, then the rest of it; closes the stream when stopped early. */
export async function* replay(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
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

/** Reads the container signature and, for MP4/MOV, the duration, streaming once without keeping media data. */
export async function probe(video: { size: number; open(): Promise<ByteSource>; fileName?: string }): Promise<LocalVideo> {
	const iterator = (await video.open())[Symbol.asyncIterator]();
	const head = await readHead(iterator, () =>
		invalidInput(
			'The file is not a video TikTok accepts',
			`TikTok accepts MP4, MOV and WebM videos. ${video.fileName ? `"${video.fileName}"` : 'This file'} is none of these (judged by its content, not its name).`,
		),
	);
	const container = head.container;
	let durationSec: number | undefined;
	if (container !== 'webm') {
		durationSec = await readMp4Duration(replay(head.pieces, iterator));
	} else {
		await iterator.return?.();
	}
	return { ...video, container, mimeType: VIDEO_MIME_TYPES[container], durationSec };
}
