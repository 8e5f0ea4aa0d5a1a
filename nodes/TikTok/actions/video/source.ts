import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { BINARY_ENCODING } from 'n8n-workflow';

import type { VideoContainer } from '../../helpers/media';
import { VIDEO_MIME_TYPES, readMp4Duration, sniffVideoContainer } from '../../helpers/media';
import { settle } from '../../helpers/settle';
import { ValidationError } from '../../helpers/validation';
import type { ByteSource } from '../../transport/upload';
import { releasingPieces } from '../../transport/upload';

/** A video n8n holds (binary data) or streams from a URL, readable as many times as needed. */
export interface LocalVideo {
	size: number;
	container: VideoContainer;
	mimeType: string;
	/** From the MP4/MOV header; undefined for WebM or when the header has none. */
	durationSec?: number;
	open(): Promise<ByteSource>;
	fileName?: string;
}

/** A readable stream as n8n's helpers take it (the lint rules forbid importing node's stream types). */
type BinaryInput = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

/** Size of the pieces read from n8n's binary store. */
const STREAM_PIECE_BYTES = 1024 * 1024;

/**
 * Size and a reader for a file in n8n's binary data: streamed from the store when it has an id (filesystem,
 * database, S3 modes), else decoded from the inline base64 n8n keeps when no store is configured.
 */
async function storedBinary(ctx: IExecuteFunctions, binary: IBinaryData): Promise<{ size: number; open(): Promise<ByteSource> }> {
	if (binary.id) {
		const id = binary.id;
		return {
			size: (await ctx.helpers.getBinaryMetadata(id)).fileSize,
			open: async () => releasingPieces(await ctx.helpers.getBinaryStream(id, STREAM_PIECE_BYTES)),
		};
	}
	const buffer = Buffer.from(binary.data, BINARY_ENCODING);
	return { size: buffer.length, open: async () => (async function* () { yield buffer; })() };
}

export async function videoFromBinary(ctx: IExecuteFunctions, itemIndex: number, propertyName: string): Promise<LocalVideo> {
	const binary = ctx.helpers.assertBinaryData(itemIndex, propertyName);
	const { size, open } = await storedBinary(ctx, binary);
	if (!size) {
		throw new ValidationError({
			message: 'The video file is empty',
			description: `The binary field "${propertyName}" holds a file with no bytes. Check the node before this one.`,
		});
	}
	return await probe({ size, open, fileName: binary.fileName });
}

/** How many leading bytes identify the container. */
const SNIFF_BYTES = 16;

/** Reads the container signature and, for MP4/MOV, the duration, streaming once without keeping media data. */
export async function probe(video: { size: number; open(): Promise<ByteSource>; fileName?: string }): Promise<LocalVideo> {
	const iterator = (await video.open())[Symbol.asyncIterator]();
	const head = await readHead(iterator);
	const container = sniffVideoContainer(head.bytes);
	if (!container) {
		await iterator.return?.();
		throw new ValidationError({
			message: 'The file is not a video TikTok accepts',
			description: `TikTok accepts MP4, MOV and WebM videos. ${video.fileName ? `"${video.fileName}"` : 'This file'} is none of these (judged by its content, not its name).`,
		});
	}
	let durationSec: number | undefined;
	if (container !== 'webm') {
		durationSec = await readMp4Duration(replay(head.pieces, iterator));
	} else {
		await iterator.return?.();
	}
	return { ...video, container, mimeType: VIDEO_MIME_TYPES[container], durationSec };
}

/**
 * Reads pieces until the first SNIFF_BYTES bytes are known. The pieces are copied: a source may free a piece
 * once the next is requested, and these are replayed later.
 */
async function readHead(iterator: AsyncIterator<Uint8Array>): Promise<{ pieces: Uint8Array[]; bytes: Uint8Array }> {
	const pieces: Uint8Array[] = [];
	let length = 0;
	while (length < SNIFF_BYTES) {
		const next = await iterator.next();
		if (next.done) break;
		pieces.push(new Uint8Array(next.value));
		length += next.value.length;
	}
	return { pieces, bytes: Buffer.concat(pieces).subarray(0, SNIFF_BYTES) };
}

/** Replays bytes already read from the front of a stream, then the rest of it; closes the stream when stopped early. */
async function* replay(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
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

const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * A video n8n downloads itself, for TikTok's FILE_UPLOAD. With a Content-Length it is streamed straight into
 * the upload; without one it is first stored in n8n's binary data (filesystem in regular mode) to learn its size.
 */
export async function videoFromUrl(ctx: IExecuteFunctions, url: string, ignoreSslIssues = false): Promise<LocalVideo> {
	const download = await settleDownload(ctx, url, ignoreSslIssues);
	const length = Number(download.headers['content-length']);
	const fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'video');
	if (!Number.isFinite(length) || length <= 0) {
		const stored = await ctx.helpers.prepareBinaryData(download.body, fileName);
		return await probe({ ...(await storedBinary(ctx, stored)), fileName });
	}
	// Streamed once: read the first bytes to recognise the container, then hand the whole stream to the upload.
	const iterator = (download.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
	const head = await readHead(iterator);
	const container = sniffVideoContainer(head.bytes);
	if (!container) {
		await iterator.return?.();
		throw new ValidationError({
			message: 'The URL does not point to a video TikTok accepts',
			description: `TikTok accepts MP4, MOV and WebM videos; "${url}" returned something else (judged by its content).`,
		});
	}
	let opened = false;
	return {
		size: length,
		container,
		mimeType: VIDEO_MIME_TYPES[container],
		fileName,
		open: async () => {
			if (opened) throw new ValidationError({ message: 'The video download can only be read once', description: 'This is a bug in the node; please report it.' });
			opened = true;
			return replay(head.pieces, iterator);
		},
	};
}

async function settleDownload(ctx: IExecuteFunctions, url: string, ignoreSslIssues: boolean) {
	const response = await settle(
		ctx.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
			skipSslCertificateValidation: ignoreSslIssues,
			timeout: DOWNLOAD_TIMEOUT_MS,
			abortSignal: ctx.getExecutionCancelSignal(),
		}) as Promise<{ body: BinaryInput; headers: Record<string, string> }>,
	);
	if (!response.ok) {
		const error = response.error as { message?: string; response?: { status?: number }; httpCode?: string };
		const status = error?.response?.status ?? error?.httpCode;
		throw new ValidationError({
			message: `n8n could not download the video from "${url}"${status ? ` (HTTP ${status})` : ''}`,
			description: `Make sure the URL is public and points directly to the video file, then run the item again. (${error?.message ?? 'no response'})`,
		});
	}
	return response.value;
}
