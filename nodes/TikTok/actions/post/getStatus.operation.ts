import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { assertPublishId, toPublishOutput } from '../../helpers/publishResult';
import { fetchCreatorInfo, fetchStatus } from '../../transport/endpoints';

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
];

export const description = updateDisplayOptions({ show: { resource: ['post'], operation: ['getStatus'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const publishId = String(this.getNodeParameter('publishId', itemIndex)).trim();
	assertPublishId(publishId);
	const status = await fetchStatus(this, publishId);
	let username: string | undefined;
	if ((status.publicaly_available_post_id ?? []).length > 0) {
		// The post URL needs the username; without the video.publish scope we return the ids only.
		username = await fetchCreatorInfo(this).then((info) => info.creator_username, () => undefined);
	}
	return [{ json: { ...toPublishOutput(publishId, status, username) }, pairedItem: { item: itemIndex } }];
}
