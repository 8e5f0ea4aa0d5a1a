import type { INodeProperties } from 'n8n-workflow';

import * as publish from './publish.operation';

export { publish };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['photo'] } },
		options: [
			{
				name: 'Publish',
				value: 'publish',
				description:
					'Post a carousel of 1 to 35 JPEG or WebP images that TikTok downloads from https URLs on a verified domain, or send it to the inbox as a draft. Needs the image URLs and, for a direct post, a privacy level the account offers.',
				action: 'Publish a photo post',
			},
		],
		default: 'publish',
	},
	...publish.description,
];
