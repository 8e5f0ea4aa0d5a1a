import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { MAX_PHOTO_DESCRIPTION_UTF16, MAX_PHOTO_TITLE_UTF16 } from '../../helpers/limits';
import { invalidInput } from '../../helpers/errors';
import {
	URL_VERIFICATION_EXPLAINED,
	assertCoverIndex,
	assertPhotoCount,
	assertPhotoUrls,
	judgeImage,
} from '../../helpers/photo';
import { commonPostInfo } from '../../helpers/postSettings';
import { assertPhotoDescription, assertPhotoTitle } from '../../helpers/text';
import { parseUrlList } from '../../helpers/urls';
import { PATHS, startPublish } from '../../transport/publishApi';
import { IMAGE_MIME_TYPES, sniffImageFormat } from '../../helpers/image';
import type { CheckedImage } from '../../transport/preflight';
import { PREFIX_BYTES, preflightImages, settleVerdicts } from '../../transport/preflight';
import {
	n8nMediaUrlProperty,
	readMediaUrlPrefix,
	signedMediaUrls,
	storedFile,
	storedHead,
} from '../shared/servedMedia';
import {
	directPostProperties,
	draftNotice,
	ignoreSslIssuesProperty,
	postModeProperty,
	readDirectPostSettings,
	readInitTimeoutMs,
	readWaitOptions,
	requestOptionsProperty,
	waitProperties,
} from '../shared/properties';
import {
	creatorForDirectPost,
	mustWait,
	publishAfterInit,
	publishContext,
} from '../shared/publishFlow';

type ImagesInput = 'list' | 'field' | 'binary';

const show = { resource: ['photo'], operation: ['publish'] };

const README_PHOTO_POSTS =
	'https://github.com/n8n-nodes-tiktok-publisher/n8n-nodes-tiktok-publisher#photo-posts';
const SERVE_BINARY =
	'Images that are files in n8n: choose Images Input "Binary Files", and this n8n serves them to TikTok through the TikTok Media Server node.';

const properties: INodeProperties[] = [
	{
		displayName: `TikTok downloads photos itself, only from a domain or URL prefix verified for your TikTok app (developer portal → your app → URL properties): JPEG or WebP, at most 20 MB and 1080p each, 1 to 35 per post. Images that are files in n8n can be served by this n8n: <a href="${README_PHOTO_POSTS}" target="_blank">see how</a>.`,
		name: 'photoSourceNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Images Input',
		name: 'imagesInput',
		type: 'options',
		noDataExpression: true,
		default: 'list',
		options: [
			{
				name: 'Binary Files',
				value: 'binary',
				description:
					"Images from earlier nodes (this item's binary fields), downloaded by TikTok from this n8n through the TikTok Media Server node",
			},
			{ name: 'URL List', value: 'list', description: 'Enter each image URL in its own row' },
			{
				name: 'URLs From One Field',
				value: 'field',
				description:
					'An array of URLs, or URLs separated by new lines or commas, e.g. from an expression',
			},
		],
	},
	{
		displayName: 'Binary Fields',
		name: 'binaryFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. slide1, slide2, slide3',
		displayOptions: { show: { imagesInput: ['binary'] } },
		description:
			"The item's binary fields holding the images, in carousel order, separated by commas. Empty: every binary field of the item, in the order they come.",
	},
	n8nMediaUrlProperty(
		'The Production URL of the TikTok Media Server node (in an active workflow) without ":file" at its end. TikTok downloads the images from there, so it must be the URL prefix (or under the domain) verified for your TikTok app.',
		{ imagesInput: ['binary'] },
	),
	{
		displayName: 'Images',
		name: 'images',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Image',
		default: {},
		displayOptions: { show: { imagesInput: ['list'] } },
		description: 'The photos in carousel order; the first is index 0',
		options: [
			{
				displayName: 'Image',
				name: 'image',
				values: [
					{
						displayName: 'URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'e.g. https://cdn.example.com/tiktok/slide-1.jpg',
						description: 'Https address of a JPEG or WebP image on a verified domain or URL prefix',
					},
				],
			},
		],
	},
	{
		displayName: 'Image URLs',
		name: 'imageUrls',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. {{ $json.images }}',
		displayOptions: { show: { imagesInput: ['field'] } },
		description:
			'An array of URLs, or one text with a URL per line or URLs separated by commas, in carousel order (the first is index 0)',
	},
	{
		displayName: 'Cover Image Index',
		name: 'coverIndex',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Which image is the cover, counting from 0 (the first image)',
	},
	postModeProperty(
		'Send to the TikTok inbox; the account owner finishes and posts it in the TikTok app (app version 31.8 or newer)',
	),
	draftNotice,
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		description: `Title of the photo post, at most ${MAX_PHOTO_TITLE_UTF16} characters (emoji count as 2). For drafts it is prefilled in the TikTok app.`,
	},
	{
		displayName: 'Description',
		name: 'description',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		description: `Text shown with the photos; #hashtags and @mentions work. At most ${MAX_PHOTO_DESCRIPTION_UTF16} characters (emoji count as 2). For drafts it is prefilled in the TikTok app.`,
	},
	...directPostProperties('photo'),
	{
		displayName: 'Auto-Add Music',
		name: 'autoAddMusic',
		type: 'boolean',
		default: false,
		displayOptions: { show: { postMode: ['direct'] } },
		description: 'Whether TikTok adds recommended music to the photo post',
	},
	{
		displayName: 'Verified URL Prefixes',
		name: 'verifiedPrefixes',
		type: 'string',
		default: '',
		displayOptions: { show: { imagesInput: ['list', 'field'] } },
		placeholder: 'e.g. https://cdn.example.com/tiktok/',
		description:
			"Optional: your TikTok app's verified URL prefixes or domains, one per line or comma-separated. Image URLs outside them are refused before anything is sent to TikTok. A prefix matches URLs that start with it exactly; a domain (example.com) also covers its subdomains.",
	},
	ignoreSslIssuesProperty(
		"Whether n8n checks the images even if their server's certificate cannot be verified (e.g. a TLS-inspecting proxy in n8n's network). TikTok itself still needs a valid certificate.",
		{ imagesInput: ['list', 'field'] },
	),
	...waitProperties,
	requestOptionsProperty,
];

export const description = updateDisplayOptions({ show }, properties);

function readImageUrls(ctx: IExecuteFunctions, itemIndex: number, input: ImagesInput): string[] {
	const urls =
		input === 'list'
			? parseUrlList(
					(
						(ctx.getNodeParameter('images', itemIndex, {}) as { image?: Array<{ url?: string }> })
							.image ?? []
					).map((image) => image.url),
				)
			: parseUrlList(ctx.getNodeParameter('imageUrls', itemIndex, ''));
	const hasBinary = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {}).length > 0;
	if (urls.length === 0 && hasBinary) {
		throw invalidInput(
			'No image URLs, but the item has files: choose Images Input "Binary Files"',
			`${URL_VERIFICATION_EXPLAINED} ${SERVE_BINARY} See "Photo posts" in the README: ${README_PHOTO_POSTS}`,
		);
	}
	return urls;
}

/** The binary fields holding the images, in carousel order: the ones named, else every binary field of the item. */
function readImageFields(ctx: IExecuteFunctions, itemIndex: number): string[] {
	const named = String(ctx.getNodeParameter('binaryFields', itemIndex, ''))
		.split(/[\s,]+/)
		.filter(Boolean);
	const fields =
		named.length > 0 ? named : Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {});
	if (fields.length === 0) {
		throw invalidInput(
			'The item has no binary fields with images',
			'Images Input "Binary Files" posts the files of the item coming in (e.g. from an HTTP Request, Read File or image node). Check the node before this one, or name the fields in Binary Fields.',
		);
	}
	return fields;
}

/** Where TikTok pulls the photos from, with what n8n checked about each. */
interface PhotoSource {
	urls: string[];
	images: CheckedImage[];
	warnings: string[];
	/** Whether TikTok pulls from this n8n (then the node waits until TikTok has the files). */
	servedByN8n: boolean;
}

async function photosFromUrls(
	ctx: IExecuteFunctions,
	itemIndex: number,
	input: ImagesInput,
): Promise<PhotoSource> {
	const urls = readImageUrls(ctx, itemIndex, input);
	assertPhotoCount(urls.length);
	assertPhotoUrls(
		urls,
		parseUrlList(ctx.getNodeParameter('verifiedPrefixes', itemIndex, ''), /[\s,]+/),
	);
	const checked = await preflightImages(
		ctx,
		urls,
		ctx.getNodeParameter('ignoreSslIssues', itemIndex, false) as boolean,
	);
	return { urls, ...checked, servedByN8n: false };
}

/** Photos in the item's binary fields, checked like URLs are (format by content, 20 MB, 1080p), served by this n8n. */
async function photosFromBinary(ctx: IExecuteFunctions, itemIndex: number): Promise<PhotoSource> {
	const fields = readImageFields(ctx, itemIndex);
	assertPhotoCount(fields.length);
	const prefix = readMediaUrlPrefix(ctx, itemIndex);
	const files = await Promise.all(
		fields.map(async (field) => await storedFile(ctx, itemIndex, field)),
	);
	const verdicts = await Promise.all(
		files.map(async (file) => {
			const head = await storedHead(ctx, file, PREFIX_BYTES);
			const format = sniffImageFormat(head.bytes);
			// Served with the type its bytes are, whatever the field's mimeType says.
			const contentType = (format && IMAGE_MIME_TYPES[format]) || file.mimeType;
			file.mimeType = contentType;
			return judgeImage(
				{
					statusCode: 200,
					headers: { 'content-type': contentType, 'content-length': String(file.size) },
				},
				head,
				PREFIX_BYTES,
			);
		}),
	);
	const { images, warnings } = settleVerdicts(
		verdicts,
		(index) => `image ${index + 1} of ${files.length} (binary field "${files[index].field}")`,
		(index) => ({ binary_field: files[index].field }),
		(index) => ({ binary_field: files[index].field }),
	);
	return {
		urls: await signedMediaUrls(ctx, prefix, files),
		images,
		warnings,
		servedByN8n: true,
	};
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const draft = (this.getNodeParameter('postMode', itemIndex) as 'direct' | 'draft') === 'draft';
	const input = this.getNodeParameter('imagesInput', itemIndex, 'list') as ImagesInput;
	const title = String(this.getNodeParameter('title', itemIndex, ''));
	assertPhotoTitle(title);
	const text = String(this.getNodeParameter('description', itemIndex, ''));
	assertPhotoDescription(text);
	const settings = draft ? undefined : readDirectPostSettings(this, itemIndex, 'photo');
	const timeoutMs = readInitTimeoutMs(this, itemIndex);

	const started = Date.now();
	const { urls, images, warnings, servedByN8n } =
		input === 'binary'
			? await photosFromBinary(this, itemIndex)
			: await photosFromUrls(this, itemIndex, input);
	const coverIndex = Number(this.getNodeParameter('coverIndex', itemIndex, 0));
	assertCoverIndex(coverIndex, urls.length);
	// Files served by this n8n must stay readable until TikTok has them: the node waits for the final status.
	const wait = servedByN8n
		? mustWait(readWaitOptions(this, itemIndex))
		: readWaitOptions(this, itemIndex);
	const checkedAt = Date.now();
	const creator = await creatorForDirectPost(this, settings, 'photo');

	const postInfo: IDataObject = settings
		? {
				...commonPostInfo(settings),
				auto_add_music: this.getNodeParameter('autoAddMusic', itemIndex, false) as boolean,
			}
		: {};
	if (title) postInfo.title = title;
	if (text) postInfo.description = text;
	const init = await startPublish(
		this,
		PATHS.contentInit,
		{
			media_type: 'PHOTO',
			post_mode: draft ? 'MEDIA_UPLOAD' : 'DIRECT_POST',
			post_info: postInfo,
			source_info: { source: 'PULL_FROM_URL', photo_images: urls, photo_cover_index: coverIndex },
		},
		{ timeoutMs },
	);
	const { output } = await publishAfterInit(this, init, { wait, draft, creator, kind: 'photo' });
	return [
		{
			json: {
				...output,
				...publishContext(draft, creator, output),
				source: 'PULL_FROM_URL',
				...(servedByN8n ? { served_by: 'n8n' } : {}),
				photos: { count: urls.length, cover_index: coverIndex, images },
				...(warnings.length > 0 ? { warnings } : {}),
				timing: {
					check_ms: checkedAt - started,
					paced_ms: init.pacedMs,
					total_ms: Date.now() - started,
				},
			},
			pairedItem: { item: itemIndex },
		},
	];
}
