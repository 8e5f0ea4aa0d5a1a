import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { BINARY_ENCODING } from 'n8n-workflow';

import type { VideoContainer } from '../../helpers/media';
import { VIDEO_MIME_TYPES, readMp4Duration, sniffVideoContainer } from '../../helpers/media';
import { settle } from '../../helpers/settle';
import { ValidationError } from '../../helpers/validation';
import type { ByteSource } from '../../transport/upload';

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
			open: async () => await ctx.helpers.getBinaryStream(id, STREAM_PIECE_BYTES),
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

/** Reads the container signature and, for MP4/MOV, the duration, streaming once without keeping media data. */
export async function probe(video: { size: number; open(): Promise<ByteSource>; fileName?: string }): Promise<LocalVideo> {
	let head: Uint8Array | undefined;
	const source = await video.open();
	async function* teeHead() {
		for await (const piece of source) {
			if (!head) head = piece.subarray(0, 16);
			yield piece;
		}
	}
	const stream = teeHead();
	const first = await stream.next();
	const container = head ? sniffVideoContainer(head) : undefined;
	if (!container) {
		await stream.return(undefined);
		throw new ValidationError({
			message: 'The file is not a video TikTok accepts',
			description: `TikTok accepts MP4, MOV and WebM videos. ${video.fileName ? `"${video.fileName}"` : 'This file'} is none of these (judged by its content, not its name).`,
		});
	}
	let durationSec: number | undefined;
	if (container !== 'webm') {
		durationSec = await readMp4Duration(
			(async function* () {
				if (!first.done) yield first.value;
				yield* stream;
			})(),
		);
	} else {
		await stream.return(undefined);
	}
	return { ...video, container, mimeType: VIDEO_MIME_TYPES[container], durationSec };
}

/** Replays bytes already read from the front of a stream, then the rest of it. */
async function* replay(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
	yield* head;
	for (;;) {
		const next = await rest.next();
		if (next.done) return;
		yield next.value;
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
	const head: Uint8Array[] = [];
	let headBytes = 0;
	while (headBytes < 16) {
		const next = await iterator.next();
		if (next.done) break;
		head.push(next.value);
		headBytes += next.value.length;
	}
	const container = sniffVideoContainer(Buffer.concat(head).subarray(0, 16));
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
			return replay(head, iterator);
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
