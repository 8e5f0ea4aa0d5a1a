import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { parseVideoIds, videoOutput } from '../../helpers/analytics';
import { fetchVideosById } from '../../transport/displayApi';
import { readVideoFields, videoFieldsProperty } from '../shared/analytics';

const NOT_RETURNED =
	"TikTok did not return this video: it is not this account's, was deleted, or is not public (TikTok lists only public videos)";

const properties: INodeProperties[] = [
	{
		displayName: 'Video IDs',
		name: 'videoIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 7300000000000000001, 7300000000000000002',
		description:
			'One or more video (post) IDs, separated by commas, or an expression giving an array. Any number: they are fetched 20 at a time. Keep IDs as text: they have 19 digits.',
	},
	videoFieldsProperty,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['video'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const ids = parseVideoIds(this.getNodeParameter('videoIds', itemIndex));
	const { found } = await fetchVideosById(this, readVideoFields(this, itemIndex), ids);
	const byId = new Map(found.map((video) => [video.id, video]));
	return ids.map((id) => {
		const video = byId.get(id);
		return {
			json: video
				? { found: true, ...videoOutput(video) }
				: { id, found: false, reason: NOT_RETURNED },
			pairedItem: { item: itemIndex },
		};
	});
}
