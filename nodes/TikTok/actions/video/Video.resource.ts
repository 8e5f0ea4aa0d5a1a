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
				description: 'Post a video to TikTok, or send it to the TikTok inbox as a draft. Needs the video (a binary property or a URL) and, for a direct post, a privacy level the account offers (see Creator → Get Info).',
				action: 'Publish a video',
			},
		],
		default: 'publish',
	},
	...publish.description,
];
