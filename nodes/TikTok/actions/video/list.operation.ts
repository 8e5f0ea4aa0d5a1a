import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { videoOutput } from '../../helpers/analytics';
import { listVideos } from '../../transport/displayApi';
import { readVideoFields, videoFieldsProperty } from '../shared/analytics';

const properties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		displayOptions: { show: { returnAll: [false] } },
		description: 'Max number of results to return',
	},
	videoFieldsProperty,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['video'], operation: ['list'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll
		? undefined
		: Math.max(1, Math.floor(Number(this.getNodeParameter('limit', itemIndex, 50))));
	const listing = await listVideos(this, readVideoFields(this, itemIndex), { limit });
	return listing.videos.map((video) => ({
		json: videoOutput(video),
		pairedItem: { item: itemIndex },
	}));
}
