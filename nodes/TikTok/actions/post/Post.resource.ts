import type { INodeProperties } from 'n8n-workflow';

import * as getStatus from './getStatus.operation';

export { getStatus };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['post'] } },
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				description:
					'Get the publish status of a video or photo post, its post IDs and URL. Needs the publish_id a Publish operation returned.',
				action: 'Get the status of a post',
			},
		],
		default: 'getStatus',
	},
	...getStatus.description,
];
