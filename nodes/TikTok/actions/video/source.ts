import type { IExecuteFunctions } from 'n8n-workflow';
import { BINARY_ENCODING } from 'n8n-workflow';

import type { VideoContainer } from '../../helpers/media';
import { VIDEO_MIME_TYPES, readMp4Duration, sniffVideoContainer } from '../../helpers/media';
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

/** Size of the pieces read from n8n's binary store. */
const STREAM_PIECE_BYTES = 1024 * 1024;

export async function videoFromBinary(ctx: IExecuteFunctions, itemIndex: number, propertyName: string): Promise<LocalVideo> {
	const binary = ctx.helpers.assertBinaryData(itemIndex, propertyName);
	let size: number;
	let open: () => Promise<ByteSource>;
	if (binary.id) {
		const id = binary.id;
		size = (await ctx.helpers.getBinaryMetadata(id)).fileSize;
		open = async () => await ctx.helpers.getBinaryStream(id, STREAM_PIECE_BYTES);
	} else {
		const buffer = Buffer.from(binary.data, BINARY_ENCODING);
		size = buffer.length;
		open = async () => (async function* () { yield buffer; })();
	}
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
