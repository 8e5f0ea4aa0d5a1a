import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { TikTokError } from '../helpers/errors';
import { safeMessage } from '../helpers/networkErrors';
import * as creator from './creator/Creator.resource';
import type { Operation, OperationTable, TikTokType } from './node.type';
import * as photo from './photo/Photo.resource';
import * as post from './post/Post.resource';
import * as video from './video/Video.resource';

export const operations: OperationTable = {
	video: { publish: video.publish, list: video.list, get: video.get },
	photo: { publish: photo.publish },
	post: { getStatus: post.getStatus },
	creator: { getInfo: creator.getInfo, getStats: creator.getStats },
};

/** The operation for a pair read from the parameters: undefined for one the table does not have (an old workflow). */
function operationFor({ resource, operation }: TikTokType): Operation | undefined {
	const table: Record<string, Record<string, Operation> | undefined> = operations;
	return table[resource]?.[operation];
}

/**
 * Runs the chosen operation for every item. A failed item becomes an error item (message, fix, TikTok's
 * code and log_id) when the node continues on fail, so the rest of the batch carries on.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const chosen = {
			resource: this.getNodeParameter('resource', itemIndex),
			operation: this.getNodeParameter('operation', itemIndex),
		} as TikTokType;
		const handler = operationFor(chosen);
		if (!handler) {
			throw new NodeOperationError(
				this.getNode(),
				`The operation "${chosen.operation}" of "${chosen.resource}" is not supported`,
				{ itemIndex },
			);
		}
		try {
			returnData.push(...(await handler.execute.call(this, itemIndex)));
		} catch (error) {
			const failure = toNodeError(this.getNode(), error, itemIndex);
			if (this.continueOnFail()) {
				returnData.push({ json: failure.json, pairedItem: { item: itemIndex } });
				continue;
			}
			throw failure.error;
		}
	}
	return [returnData];
}

export interface NodeFailure {
	error: NodeApiError | NodeOperationError;
	/**
	 * The item a failed input becomes when the node continues on fail: `error` (what happened) and `details`
	 * (the fix as `description`, TikTok's raw `code`, `log_id`, `http_status`…). Only these keys, because n8n
	 * routes an item to the error output only when its json has nothing but error/message/details.
	 */
	json: IDataObject;
}

function withoutUndefined(values: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/**
 * n8n's error for a failure: a TikTokError becomes a NodeOperationError when the input must change, else a
 * NodeApiError with TikTok's details; n8n's own errors pass; anything else is wrapped.
 */
export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeFailure {
	if (error instanceof TikTokError) {
		const { message, description } = error.advice;
		const details = withoutUndefined(error.details);
		const json = { error: message, details: { description, ...details } };
		if (error.isInputError)
			return { error: new NodeOperationError(node, message, { itemIndex, description }), json };
		const httpStatus = details.http_status;
		const apiError = new NodeApiError(node, details as JsonObject, {
			itemIndex,
			message,
			description,
			httpCode: httpStatus === undefined ? undefined : String(httpStatus),
		});
		return { error: apiError, json };
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		const json = {
			error: error.message,
			details: withoutUndefined({ description: error.description ?? undefined }),
		};
		return { error: withoutCause(node, error, itemIndex), json };
	}
	// Only the message: a raw failure (an axios error) keeps its request, Authorization header included.
	const wrapped = new NodeOperationError(node, safeMessage(error), { itemIndex });
	return { error: wrapped, json: { error: wrapped.message, details: {} } };
}

/** Whether a failure, or one it wraps, holds the request it was made from (axios: `config`, `request`; n8n: `options`). */
function carriesRequest(failure: unknown, depth = 0): boolean {
	if (typeof failure !== 'object' || failure === null || depth > 4) return false;
	const { config, request, options, cause } = failure as {
		config?: unknown;
		request?: unknown;
		options?: unknown;
		cause?: unknown;
	};
	return (
		config !== undefined ||
		request !== undefined ||
		options !== undefined ||
		carriesRequest(cause, depth + 1)
	);
}

/**
 * n8n's error as it is, or, when it wraps another error (n8n's request helpers wrap the raw axios error, whose
 * request holds the Authorization header), the same message and fix without it.
 */
function withoutCause(
	node: INode,
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (!carriesRequest(error.cause)) return error;
	const options = {
		itemIndex,
		message: error.message,
		description: error.description ?? undefined,
	};
	if (error instanceof NodeOperationError)
		return new NodeOperationError(node, error.message, options);
	return new NodeApiError(node, {}, { ...options, httpCode: error.httpCode ?? undefined });
}
