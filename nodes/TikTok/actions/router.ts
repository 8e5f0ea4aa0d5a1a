import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import * as creator from './creator/Creator.resource';
import * as photo from './photo/Photo.resource';
import * as post from './post/Post.resource';
import { mapError } from './shared/errors';
import * as video from './video/Video.resource';

type OperationExecute = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

const operations: Record<string, Record<string, { execute: OperationExecute }>> = {
	video: { publish: video.publish },
	photo: { publish: photo.publish },
	post: { getStatus: post.getStatus },
	creator: { getInfo: creator.getInfo },
};

/**
 * Runs the chosen operation for every item. A failed item becomes an error item (message, fix, TikTok's
 * code and log_id) when the node continues on fail, so the rest of the batch carries on.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const resource = this.getNodeParameter('resource', itemIndex) as string;
		const operation = this.getNodeParameter('operation', itemIndex) as string;
		const handler = operations[resource]?.[operation];
		if (!handler) {
			throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`, { itemIndex });
		}
		try {
			returnData.push(...(await handler.execute.call(this, itemIndex)));
		} catch (error) {
			const mapped = mapError(this, error, itemIndex);
			if (this.continueOnFail()) {
				returnData.push({ json: mapped.json, pairedItem: { item: itemIndex } });
				continue;
			}
			throw mapped.error;
		}
	}
	return [returnData];
}
