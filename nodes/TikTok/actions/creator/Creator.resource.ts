import type { INodeProperties } from 'n8n-workflow';

import * as getInfo from './getInfo.operation';

export { getInfo };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['creator'] } },
		options: [
			{
				name: 'Get Info',
				value: 'getInfo',
				description: "Get the connected account's nickname, privacy options, interaction settings and maximum video length",
				action: 'Get creator info',
			},
		],
		default: 'getInfo',
	},
	...getInfo.description,
];
