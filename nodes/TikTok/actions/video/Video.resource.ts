import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as list from './list.operation';
import * as publish from './publish.operation';

export { get, list, publish };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['video'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description:
					'Get videos by ID with their current view, like, comment and share counts, title and URL; IDs TikTok does not return come back with found = false. Needs the video IDs (post IDs from Publish, Get Status or List) and the analytics scopes (video.list).',
				action: 'Get videos with their counts',
			},
			{
				name: 'List',
				value: 'list',
				description:
					"List the account's public videos, newest first, with view, like, comment and share counts: Limit 5 gives the last five videos. Needs nothing but the analytics scopes (video.list).",
				action: 'List videos with their counts',
			},
			{
				name: 'Publish',
				value: 'publish',
				description:
					'Post a video to TikTok, or send it to the TikTok inbox as a draft. Needs the video (a binary property or a URL) and, for a direct post, a privacy level the account offers (see Creator → Get Info).',
				action: 'Publish a video',
			},
		],
		default: 'publish',
	},
	...publish.description,
	...list.description,
	...get.description,
];
