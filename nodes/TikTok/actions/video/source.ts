/** Where a video's bytes come from: a binary field of the input item (n8n's binary store) or a URL n8n downloads. */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { BINARY_ENCODING } from 'n8n-workflow';

import { invalidInput } from '../../helpers/errors';
import { VIDEO_MIME_TYPES } from '../../helpers/media';
import { fileNameOfUrl } from '../../helpers/urls';
import type { ByteSource, LocalVideo } from '../../helpers/video';
import { probe, readHead, releasingPieces, replay } from '../../helpers/video';
import { notAVideo, wholeMp4 } from '../../helpers/videoDownload';
import type { DownloadLimits } from '../../transport/download';
import { download } from '../../transport/download';

/** Size of the pieces read from n8n's binary store. */
const STREAM_PIECE_BYTES = 1024 * 1024;

/**
 * Size and a reader for a file in n8n's binary data: streamed from the store when it has an id (filesystem,
 * database, S3 modes), else decoded from the inline base64 n8n keeps when no store is configured.
 */
async function storedBinary(
	ctx: IExecuteFunctions,
	binary: IBinaryData,
): Promise<{ size: number; open(): Promise<ByteSource> }> {
	if (binary.id) {
		const id = binary.id;
		return {
			size: (await ctx.helpers.getBinaryMetadata(id)).fileSize,
			open: async () => releasingPieces(await ctx.helpers.getBinaryStream(id, STREAM_PIECE_BYTES)),
		};
	}
	const buffer = Buffer.from(binary.data, BINARY_ENCODING);
	return {
		size: buffer.length,
		open: async () =>
			(async function* () {
				yield buffer;
			})(),
	};
}

export async function videoFromBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
): Promise<LocalVideo> {
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
 * A video n8n downloads itself, for TikTok's FILE_UPLOAD. Its first bytes must be a video. With a Content-Length
 * it is streamed straight into the upload (`discard()` closes the download if the upload never reads it);
 * without one it is first stored in n8n's binary data, at most `limits.maxBytes` of it, to learn its size.
 */
export async function videoFromUrl(
	ctx: IExecuteFunctions,
	url: string,
	limits: DownloadLimits,
): Promise<LocalVideo> {
	const opened = await download(ctx, url, limits);
	const fileName = fileNameOfUrl(url);
	const iterator = opened.pieces()[Symbol.asyncIterator]();
	const head = await readHead(iterator, (bytes) => notAVideo(url, opened.contentType, bytes));
	const { container } = head;
	const mimeType = VIDEO_MIME_TYPES[container];
	if (opened.length === undefined) {
		const staged = await ctx.helpers
			.prepareBinaryData(opened.streamOf(replay(head.pieces, iterator)), fileName, mimeType)
			.then(
				(binary) => ({ binary }),
				(failure: unknown) => ({ failure }),
			);
		opened.close();
		// n8n 2's filesystem store removes its partial file when the stream fails; n8n 1's keeps it with the execution's
		// data (at most the limit), and n8n gives nodes no way to delete binary data.
		if ('failure' in staged) throw opened.explain(staged.failure);
		return await probe({ ...(await storedBinary(ctx, staged.binary)), fileName });
	}
	const length = opened.length;
	let opens = 0;
	return {
		...head.facts,
		size: length,
		container,
		mimeType,
		fileName,
		open: async () => {
			if (opens++ > 0)
				throw invalidInput(
					'The video download can only be read once',
					'This is a bug in the node; please report it.',
				);
			const pieces = replay(head.pieces, iterator);
			return container === 'webm' ? pieces : wholeMp4(pieces, length);
		},
		discard: () => opened.close(),
	};
}
