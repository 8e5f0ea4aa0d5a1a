import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { invalidInput } from '../../helpers/errors';
import { assertPublishId, toPublishOutput } from '../../helpers/publishResult';
import type { TikTokContext } from '../../transport/http';
import { fetchCreatorInfo, fetchStatus } from '../../transport/publishApi';
import { derivePostUrl, needsPostLookup } from '../shared/analytics';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const properties: INodeProperties[] = [
	{
		displayName: 'Publish ID',
		name: 'publishId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. v_pub_file~v2-1.7300000000000000001',
		description: 'The publish_id returned by a Publish operation',
	},
	{
		displayName: 'Find Post URL',
		name: 'postLookup',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		description:
			"TikTok's status often lacks the post ID of a finished public post. With a caption set, the node then looks in the account's public videos (needs the video.list scope) for the one video created after Published After whose title or description matches the caption, and returns its URL marked post_url_derived.",
		options: [
			{
				displayName: 'Caption',
				name: 'caption',
				type: 'string',
				default: '',
				description: 'The caption the publish sent',
			},
			{
				displayName: 'Published After',
				name: 'publishedAfter',
				type: 'dateTime',
				default: '',
				description: 'When the publish started (or a time shortly before). Empty: 7 days ago.',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['post'], operation: ['getStatus'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const publishId = String(this.getNodeParameter('publishId', itemIndex)).trim();
	assertPublishId(publishId);
	const lookup = this.getNodeParameter('postLookup', itemIndex, {}) as {
		caption?: string;
		publishedAfter?: string;
	};
	const startedAtMs = lookup.publishedAfter
		? Date.parse(lookup.publishedAfter)
		: Date.now() - WEEK_MS;
	if (Number.isNaN(startedAtMs))
		throw invalidInput(
			`"${lookup.publishedAfter}" is not a date`,
			'Give Published After as a date and time, e.g. 2026-05-01T09:00:00Z.',
		);
	const status = await fetchStatus(this, publishId);
	const hasIds = (status.publicaly_available_post_id ?? []).length > 0;
	const output = toPublishOutput(publishId, status, hasIds ? await usernameOf(this) : undefined);
	if (lookup.caption && needsPostLookup(output)) {
		Object.assign(
			output,
			await derivePostUrl(
				this,
				{ caption: lookup.caption, startedAtSec: Math.floor(startedAtMs / 1000) },
				await usernameOf(this),
			),
		);
	}
	return [{ json: { ...output }, pairedItem: { item: itemIndex } }];
}

/** The post URL needs the username; without the video.publish scope the ids come back without it. */
async function usernameOf(ctx: TikTokContext): Promise<string | undefined> {
	return await fetchCreatorInfo(ctx).then(
		(info) => info.creator_username,
		() => undefined,
	);
}
