import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as creator from './actions/creator/Creator.resource';
import * as photo from './actions/photo/Photo.resource';
import * as post from './actions/post/Post.resource';
import { router } from './actions/router';
import * as video from './actions/video/Video.resource';
import { loadOptions } from './methods';

export class TikTok implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TikTok',
		name: 'tikTok',
		icon: { light: 'file:../../icons/tiktok.svg', dark: 'file:../../icons/tiktok.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description:
			"Publish videos and photo carousels to TikTok with TikTok's official Content Posting API",
		defaults: { name: 'TikTok' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'tikTokOAuth2Api', required: true },
			// Where n8n keeps renewed tokens so the connection survives restarts and workers (README → Staying
			// connected). Required: n8n fills in the only store by itself and flags a node without one.
			{ name: 'tikTokTokenStoreApi', required: true },
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Creator', value: 'creator' },
					{ name: 'Photo', value: 'photo' },
					{ name: 'Post', value: 'post' },
					{ name: 'Video', value: 'video' },
				],
				default: 'video',
			},
			...video.description,
			...photo.description,
			...post.description,
			...creator.description,
		],
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
