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
} from '../../helpers/photo';
import { commonPostInfo } from '../../helpers/postSettings';
import { assertPhotoDescription, assertPhotoTitle } from '../../helpers/text';
import { parseUrlList } from '../../helpers/urls';
import { PATHS, startPublish } from '../../transport/publishApi';
import { preflightImages } from '../../transport/preflight';
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
import { creatorForDirectPost, publishAfterInit, publishContext } from '../shared/publishFlow';

type ImagesInput = 'list' | 'field' | 'binary';

const show = { resource: ['photo'], operation: ['publish'] };

const README_PHOTO_POSTS =
	'https://github.com/n8n-nodes-tiktok-publisher/n8n-nodes-tiktok-publisher#photo-posts';
const HOST_BINARY_FIRST =
	'Upload the images to such a host first (for example with an S3, Cloudflare R2 or FTP node before this one) and pass their public URLs.';

const properties: INodeProperties[] = [
	{
		displayName: `TikTok downloads photos itself, only from a domain or URL prefix verified for your TikTok app (developer portal → your app → URL properties): JPEG or WebP, at most 20 MB and 1080p each, 1 to 35 per post. Images that are files in n8n must be hosted there first: <a href="${README_PHOTO_POSTS}" target="_blank">see how</a>.`,
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
					'Not possible with TikTok: it only pulls photos from verified URLs. Shows how to host the files first.',
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
		displayName: `TikTok cannot receive image files from n8n. ${HOST_BINARY_FIRST} <a href="${README_PHOTO_POSTS}" target="_blank">How to host images for TikTok</a>.`,
		name: 'binaryImagesNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { imagesInput: ['binary'] } },
	},
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
		displayOptions: { show: { imagesInput: ['list', 'field'] } },
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
		placeholder: 'e.g. https://cdn.example.com/tiktok/',
		description:
			"Optional: your TikTok app's verified URL prefixes or domains, one per line or comma-separated. Image URLs outside them are refused before anything is sent to TikTok. A prefix matches URLs that start with it exactly; a domain (example.com) also covers its subdomains.",
	},
	ignoreSslIssuesProperty(
		"Whether n8n checks the images even if their server's certificate cannot be verified (e.g. a TLS-inspecting proxy in n8n's network). TikTok itself still needs a valid certificate.",
	),
	...waitProperties,
	requestOptionsProperty,
];

export const description = updateDisplayOptions({ show }, properties);

function readImageUrls(ctx: IExecuteFunctions, itemIndex: number): string[] {
	const input = ctx.getNodeParameter('imagesInput', itemIndex, 'list') as ImagesInput;
	const urls =
		input === 'list'
			? parseUrlList(
					(
						(ctx.getNodeParameter('images', itemIndex, {}) as { image?: Array<{ url?: string }> })
							.image ?? []
					).map((image) => image.url),
				)
			: input === 'field'
				? parseUrlList(ctx.getNodeParameter('imageUrls', itemIndex, ''))
				: [];
	const hasBinary = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {}).length > 0;
	if (input === 'binary' || (urls.length === 0 && hasBinary)) {
		throw invalidInput(
			'TikTok cannot receive image files from n8n, only image URLs',
			`${URL_VERIFICATION_EXPLAINED} ${HOST_BINARY_FIRST} See "Photo posts" in the README: ${README_PHOTO_POSTS}`,
		);
	}
	return urls;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const draft = (this.getNodeParameter('postMode', itemIndex) as 'direct' | 'draft') === 'draft';
	const urls = readImageUrls(this, itemIndex);
	assertPhotoCount(urls.length);
	const coverIndex = Number(this.getNodeParameter('coverIndex', itemIndex, 0));
	assertCoverIndex(coverIndex, urls.length);
	const title = String(this.getNodeParameter('title', itemIndex, ''));
	assertPhotoTitle(title);
	const text = String(this.getNodeParameter('description', itemIndex, ''));
	assertPhotoDescription(text);
	assertPhotoUrls(
		urls,
		parseUrlList(this.getNodeParameter('verifiedPrefixes', itemIndex, ''), /[\s,]+/),
	);
	const settings = draft ? undefined : readDirectPostSettings(this, itemIndex, 'photo');
	const wait = readWaitOptions(this, itemIndex);
	const timeoutMs = readInitTimeoutMs(this, itemIndex);

	const started = Date.now();
	const { images, warnings } = await preflightImages(
		this,
		urls,
		this.getNodeParameter('ignoreSslIssues', itemIndex, false) as boolean,
	);
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
