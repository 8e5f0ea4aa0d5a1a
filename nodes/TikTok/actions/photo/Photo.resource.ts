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
				description: 'Post a carousel of 1 to 35 images from URLs, or send it to the TikTok inbox as a draft',
				action: 'Publish a photo post',
			},
		],
		default: 'publish',
	},
	...publish.description,
];
