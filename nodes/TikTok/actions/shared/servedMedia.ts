/**
 * Media TikTok pulls from this n8n (docs/decisions/media-endpoint.md): files of n8n's binary store, each behind a
 * signed, expiring link of the TikTok Media Server node. Signed links never go into output, logs or errors.
 */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { BINARY_ENCODING } from 'n8n-workflow';

import { invalidInput } from '../../helpers/errors';
import { MEDIA_URL_LIFETIME_SEC, mediaUrl, signMediaToken } from '../../helpers/mediaToken';
import { assertHttpUrl } from '../../helpers/urls';
import { CREDENTIAL_TYPE } from '../../transport/token';

const README_MEDIA =
	'https://github.com/n8n-nodes-tiktok-publisher/n8n-nodes-tiktok-publisher#photos-and-big-videos-from-n8n';

export const N8N_MEDIA_URL = 'n8nMediaUrl';

/** The field naming the TikTok Media Server's URL prefix. */
export function n8nMediaUrlProperty(
	description: string,
	show: Record<string, string[]>,
	required = true,
): INodeProperties {
	return {
		displayName: 'N8n Media URL',
		name: N8N_MEDIA_URL,
		type: 'string',
		default: '',
		required,
		placeholder: 'e.g. https://n8n.example.com/webhook/1b2c3d4e-…/',
		displayOptions: { show },
		description,
	};
}

/** A file of n8n's binary store that TikTok may pull. */
export interface StoredFile {
	field: string;
	binaryId: string;
	size: number;
	mimeType: string;
	fileName?: string;
}

/** The Media Server's URL prefix from the node's field: https, ending in `/`. */
export function readMediaUrlPrefix(ctx: IExecuteFunctions, itemIndex: number): string {
	const value = String(ctx.getNodeParameter(N8N_MEDIA_URL, itemIndex, '')).trim();
	if (!value) {
		throw invalidInput(
			'Set the n8n Media URL so TikTok can download the files from this n8n',
			`TikTok only downloads media from a URL, so this n8n serves the files through the TikTok Media Server node: add it to a workflow, activate that workflow and paste its Production URL without ":file" here. See ${README_MEDIA}`,
		);
	}
	const url = assertHttpUrl('n8n Media URL', value);
	if (url.protocol !== 'https:') {
		throw invalidInput(
			'The n8n Media URL does not use https',
			'TikTok downloads over https only: use the https address of this n8n (the one its Production URLs show), not http.',
		);
	}
	if (url.search || url.hash) {
		throw invalidInput(
			'The n8n Media URL must not have a query or a fragment',
			'Paste the TikTok Media Server\'s Production URL without ":file" at its end, e.g. https://n8n.example.com/webhook/1b2c…/',
		);
	}
	return value.replace(/:file$/, '').replace(/\/?$/, '/');
}

/**
 * A binary field's file in n8n's binary store. A file a node returned inline (base64, e.g. from a Code node) is
 * stored first, in whatever mode n8n runs. n8n 1.x keeps binary data in memory by default (no id even then): TikTok
 * could not download it from any URL, so that is refused before anything is sent to TikTok.
 */
export async function storedFile(
	ctx: IExecuteFunctions,
	itemIndex: number,
	field: string,
): Promise<StoredFile> {
	let binary = ctx.helpers.assertBinaryData(itemIndex, field);
	if (!binary.id && binary.data) {
		binary = await ctx.helpers.prepareBinaryData(
			Buffer.from(binary.data, BINARY_ENCODING),
			binary.fileName,
			binary.mimeType,
		);
	}
	if (!binary.id) {
		throw invalidInput(
			'n8n keeps this file in memory, so TikTok cannot download it from n8n',
			'n8n 1.x keeps binary data in memory unless told otherwise. Start n8n with N8N_DEFAULT_BINARY_DATA_MODE=filesystem (an environment variable; n8n 2.x does this by default), then run the workflow again.',
		);
	}
	const { fileSize } = await ctx.helpers.getBinaryMetadata(binary.id);
	return {
		field,
		binaryId: binary.id,
		size: fileSize,
		mimeType: binary.mimeType,
		fileName: binary.fileName,
	};
}

/** The first `maxBytes` of a stored file (a JPEG's or WebP's format and size in pixels are at its start). */
export async function storedHead(
	ctx: IExecuteFunctions,
	file: StoredFile,
	maxBytes: number,
): Promise<{ bytes: Uint8Array; complete: boolean }> {
	const stream = await ctx.helpers.getBinaryStream(file.binaryId, Math.min(maxBytes, 64 * 1024));
	const pieces: Buffer[] = [];
	let length = 0;
	let complete = true;
	try {
		for await (const piece of stream as AsyncIterable<Buffer>) {
			pieces.push(piece);
			length += piece.length;
			if (length > maxBytes) {
				complete = false;
				break;
			}
		}
	} finally {
		stream.destroy();
	}
	return { bytes: Buffer.concat(pieces).subarray(0, maxBytes), complete };
}

/** Signed links to `files`, in order, valid for MEDIA_URL_LIFETIME_SEC; signed with the credential's Client Secret. */
export async function signedMediaUrls(
	ctx: IExecuteFunctions,
	prefix: string,
	files: Array<Pick<StoredFile, 'binaryId' | 'size' | 'mimeType'>>,
): Promise<string[]> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const secret = String(credentials.clientSecret ?? '');
	if (!secret) {
		throw invalidInput(
			'The TikTok credential has no Client Secret',
			'Media links for the TikTok Media Server are signed with the Client Secret: add it to the credential (the same one the Media Server node uses).',
		);
	}
	const expiresAtSec = Math.floor(Date.now() / 1000) + MEDIA_URL_LIFETIME_SEC;
	return await Promise.all(
		files.map(async (file) =>
			mediaUrl(prefix, await signMediaToken(secret, { ...file, expiresAtSec })),
		),
	);
}
