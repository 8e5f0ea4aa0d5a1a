/** Where a video's bytes come from: a binary field of the input item (n8n's binary store) or a URL n8n downloads. */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { BINARY_ENCODING } from 'n8n-workflow';

import { invalidInput } from '../../helpers/errors';
import { VIDEO_MIME_TYPES } from '../../helpers/media';
import { fileNameOfUrl } from '../../helpers/urls';
import type { ByteSource, LocalVideo } from '../../helpers/video';
import { probe, readHead, releasingPieces, replay } from '../../helpers/video';
import { download } from '../../transport/download';

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
		throw invalidInput(
			'The video file is empty',
			`The binary field "${propertyName}" holds a file with no bytes. Check the node before this one.`,
		);
	}
	return await probe({ size, open, fileName: binary.fileName });
}

/**
 * A video n8n downloads itself, for TikTok's FILE_UPLOAD. With a Content-Length it is streamed straight into
 * the upload; without one it is first stored in n8n's binary data (filesystem in regular mode) to learn its size.
 */
export async function videoFromUrl(ctx: IExecuteFunctions, url: string, ignoreSslIssues = false): Promise<LocalVideo> {
	const response = await download(ctx, url, ignoreSslIssues);
	const length = Number(response.headers['content-length']);
	const fileName = fileNameOfUrl(url);
	if (!Number.isFinite(length) || length <= 0) {
		const stored = await ctx.helpers.prepareBinaryData(response.body, fileName);
		return await probe({ ...(await storedBinary(ctx, stored)), fileName });
	}
	// Streamed once: read the first bytes to recognise the container, then hand the whole stream to the upload.
	const iterator = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
	const head = await readHead(iterator, () =>
		invalidInput(
			'The URL does not point to a video TikTok accepts',
			`TikTok accepts MP4, MOV and WebM videos; "${url}" returned something else (judged by its content).`,
		),
	);
	const container = head.container;
	let opened = false;
	return {
		...head.facts,
		size: length,
		container,
		mimeType: VIDEO_MIME_TYPES[container],
		fileName,
		open: async () => {
			if (opened) throw invalidInput('The video download can only be read once', 'This is a bug in the node; please report it.');
			opened = true;
			return replay(head.pieces, iterator);
		},
	};
}
