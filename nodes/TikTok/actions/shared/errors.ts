import type { IDataObject, IExecuteFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { ChunkPlanError } from '../../helpers/chunkPlan';
import type { ErrorAdvice } from '../../helpers/errorMap';
import { adviceForApiError, adviceForUploadStatus } from '../../helpers/errorMap';
import { TokenRefreshError } from '../../helpers/tokenRefresh';
import { ValidationError } from '../../helpers/validation';
import { TikTokApiError } from '../../transport';

/** A publish that TikTok finished as FAILED, or whose outcome we cannot know. */
export class PublishFailedError extends Error {
	constructor(
		readonly advice: ErrorAdvice,
		readonly details: IDataObject,
	) {
		super(advice.message);
	}
}

function findInCauses<T>(error: unknown, type: new (...args: never[]) => T): T | undefined {
	let current: unknown = error;
	for (let depth = 0; current && depth < 6; depth++) {
		if (current instanceof type) return current;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

export interface MappedError {
	error: NodeApiError | NodeOperationError;
	/**
	 * The item a failed input becomes when the node continues on fail: `error` (what happened) and `details`
	 * (the fix as `description`, TikTok's raw `code`, `log_id`, `http_status`). Only these keys, because n8n
	 * routes an item to the error output only when its json has nothing but error/message/details.
	 */
	json: IDataObject;
}

function failedItem(message: string, details: IDataObject): IDataObject {
	const clean = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
	return { error: message, details: clean };
}

/** Turns anything a TikTok operation throws into an n8n error with a message, a fix and TikTok's raw code. */
export function mapError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): MappedError {
	const node = ctx.getNode();
	const validation = findInCauses(error, ValidationError);
	if (validation) {
		return operationError(ctx, validation.advice, itemIndex, { code: 'invalid_input' });
	}
	const plan = findInCauses(error, ChunkPlanError);
	if (plan) {
		return operationError(ctx, { message: plan.message, description: plan.hint }, itemIndex, { code: 'invalid_input' });
	}
	const refresh = findInCauses(error, TokenRefreshError);
	if (refresh) {
		return apiError(ctx, { message: refresh.message, description: refresh.description }, itemIndex, {
			code: refresh.code,
			log_id: refresh.logId,
			http_status: 401,
		});
	}
	const publishFailed = findInCauses(error, PublishFailedError);
	if (publishFailed) {
		return apiError(ctx, publishFailed.advice, itemIndex, publishFailed.details);
	}
	const api = findInCauses(error, TikTokApiError);
	if (api) {
		const advice = api.code.startsWith('upload_http_')
			? adviceForUploadStatus(api.httpStatus ?? 0)
			: api.code === 'upload_url_expired'
				? adviceForUploadStatus(403)
				: api.code === 'network_error' || api.code === 'upload_failed' || api.code.startsWith('source_too_')
					? { message: api.message, description: 'Check the network connection between n8n and TikTok, then run the item again.' }
					: adviceForApiError(api.code, api.tiktokMessage);
		const description = api.tiktokMessage && advice.message !== api.tiktokMessage && !api.code.startsWith('upload')
			? `${advice.description} TikTok said: "${api.tiktokMessage}".`
			: advice.description;
		return apiError(ctx, { message: advice.message, description }, itemIndex, {
			code: api.code,
			log_id: api.logId,
			http_status: api.httpStatus,
		});
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		return { error, json: failedItem(error.message, { description: error.description ?? undefined }) };
	}
	const wrapped = new NodeOperationError(node, error as Error, { itemIndex });
	return { error: wrapped, json: failedItem(wrapped.message, {}) };
}

function operationError(ctx: IExecuteFunctions, advice: ErrorAdvice, itemIndex: number, details: IDataObject): MappedError {
	const error = new NodeOperationError(ctx.getNode(), advice.message, { itemIndex, description: advice.description });
	return { error, json: failedItem(advice.message, { description: advice.description, ...details }) };
}

function apiError(ctx: IExecuteFunctions, advice: ErrorAdvice, itemIndex: number, details: IDataObject): MappedError {
	const clean = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)) as JsonObject;
	const httpStatus = clean.http_status;
	const error = new NodeApiError(ctx.getNode(), clean, {
		itemIndex,
		message: advice.message,
		description: advice.description,
		httpCode: httpStatus === undefined ? undefined : String(httpStatus),
	});
	return { error, json: failedItem(advice.message, { description: advice.description, ...clean }) };
}

