import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { listingCutShort, videoOutput } from '../../helpers/analytics';
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
	// A list cut short says so on every item (a workflow can branch on it) and in a hint over the output.
	const cutShort = listingCutShort(listing);
	if (cutShort) this.addExecutionHints?.({ message: cutShort, location: 'outputPane' });
	const truncation = cutShort
		? { list_truncated: true, list_stop_reason: listing.done, list_stop_message: cutShort }
		: {};
	return listing.videos.map((video) => ({
		json: { ...videoOutput(video), ...truncation },
		pairedItem: { item: itemIndex },
	}));
}
