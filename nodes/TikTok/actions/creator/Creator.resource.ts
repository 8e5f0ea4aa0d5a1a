import type { INodeProperties } from 'n8n-workflow';

import * as getInfo from './getInfo.operation';
import * as getStats from './getStats.operation';

export { getInfo, getStats };

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
				description:
					"Get the connected account's nickname, privacy options, interaction settings and maximum video length",
				action: 'Get creator info',
			},
			{
				name: 'Get Stats',
				value: 'getStats',
				description:
					"Get the account's follower, following, likes and public video counts, verified flag and profile (username, bio, link). Needs nothing but the analytics scopes (user.info.stats; user.info.profile for the profile fields).",
				action: 'Get creator stats',
			},
		],
		default: 'getInfo',
	},
	...getInfo.description,
	...getStats.description,
];
