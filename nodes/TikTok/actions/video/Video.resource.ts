import type { INodeProperties } from 'n8n-workflow';

import * as publish from './publish.operation';

export { publish };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['video'] } },
		options: [
			{
				name: 'Publish',
				value: 'publish',
				description: 'Upload a video and post it, or send it to the TikTok inbox as a draft',
				action: 'Publish a video',
			},
		],
		default: 'publish',
	},
	...publish.description,
];
