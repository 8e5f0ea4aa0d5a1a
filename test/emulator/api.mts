// The request pipeline shared by the Content Posting endpoints:
// bearer token → JSON body → scope → rate limit → injected faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx, Grant } from './context.mts';
import { forAccount, takeFault } from './faults.mts';
import {
	BodyTooLargeError,
	mediaType,
	readBody,
	sendEnvelope,
	sendGatewayError,
	setDetail,
} from './http.mts';
import { authenticate } from './oauth.mts';
import { admit, type RateBucket } from './rateLimit.mts';
import type { FaultEndpoint } from './types.mts';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sends an envelope and lets the caller observe what was sent (init records need it). */
export interface Reply {
	(httpStatus: number, code: string, data?: JsonObject, message?: string, detail?: string): void;
	/** A proxy-style 502/503/504 without an envelope. */
	gateway(status: number): void;
}

export function makeReply(
	ctx: Ctx,
	res: ServerResponse,
	observe?: (httpStatus: number, code: string, message: string) => void,
): Reply {
	const reply = ((
		httpStatus: number,
		code: string,
		data: JsonObject = {},
		message?: string,
		detail?: string,
	) => {
		if (detail) setDetail(res, detail);
		sendEnvelope(ctx, res, httpStatus, code, data, message);
		observe?.(httpStatus, code, message ?? '');
	}) as Reply;
	reply.gateway = (status) => {
		sendGatewayError(res, status);
		observe?.(status, `http_${status}`, '');
	};
	return reply;
}

export interface PipelineOptions {
	endpoint: string;
	bucket: RateBucket | null;
	faultEndpoint: FaultEndpoint;
	bodyRequired: boolean;
	/** Any one of these scopes suffices. Receives the parsed body (content/init depends on post_mode). */
	scopes: (body: JsonObject | null) => string[];
	/** Called once the token is known (init records want the open_id even when a later step fails). */
	onAuthenticated?: (grant: Grant) => void;
	onBody?: (body: unknown) => void;
	/**
	 * Checks that come before the rate limit (the Display API's fields and per-field scopes): answers the error
	 * itself and returns false to stop.
	 */
	precheck?: (grant: Grant, body: JsonObject | null) => boolean;
	/** Whether the rate budget is counted per client instead of per access token. */
	ratePerClient?: boolean;
}

export interface ApiCall {
	grant: Grant;
	token: string;
	body: JsonObject | null;
}

export async function runPipeline(
	ctx: Ctx,
	req: IncomingMessage,
	res: ServerResponse,
	reply: Reply,
	opts: PipelineOptions,
): Promise<ApiCall | null> {
	const auth = authenticate(ctx, req);
	let raw: Buffer;
	try {
		raw = await readBody(req);
	} catch (err) {
		if (err instanceof BodyTooLargeError) {
			reply(400, 'invalid_params', {}, 'Request body too large');
		} else res.destroy();
		return null;
	}
	if (!auth) {
		reply(401, 'access_token_invalid');
		return null;
	}
	opts.onAuthenticated?.(auth.grant);

	let body: JsonObject | null = null;
	if (raw.length > 0) {
		const type = mediaType(req.headers['content-type']);
		if (ctx.config.requireJsonContentType && type !== 'application/json') {
			reply(
				400,
				'invalid_params',
				{},
				`Content-Type must be application/json; charset=UTF-8 (got ${type || 'none'})`,
			);
			return null;
		}
		let parsed: unknown;
		try {
			parsed = JSON.parse(raw.toString('utf8'));
		} catch {
			reply(400, 'invalid_params', {}, 'The request body is not valid JSON');
			return null;
		}
		opts.onBody?.(parsed);
		if (!isObject(parsed)) {
			reply(400, 'invalid_params', {}, 'The request body must be a JSON object');
			return null;
		}
		body = parsed;
	} else if (opts.bodyRequired) {
		reply(400, 'invalid_params', {}, 'A JSON request body is required');
		return null;
	}

	const needed = opts.scopes(body);
	if (needed.length > 0 && !needed.some((s) => auth.grant.scopes.includes(s))) {
		reply(401, 'scope_not_authorized', {}, undefined, `needs ${needed.join(' or ')}`);
		return null;
	}
	if (opts.precheck && !opts.precheck(auth.grant, body)) return null;
	const rateKey = opts.ratePerClient ? `client:${auth.grant.clientKey}` : auth.token;
	if (opts.bucket && !admit(ctx, rateKey, opts.endpoint, opts.bucket)) {
		reply(429, 'rate_limit_exceeded');
		return null;
	}
	const fault = takeFault(
		ctx,
		(f) =>
			(f.type === 'http429' || f.type === 'http5xx' || f.type === 'httpDrop') &&
			f.endpoint === opts.faultEndpoint &&
			forAccount(f, auth.grant.accountName),
		{ endpoint: opts.endpoint },
	);
	if (fault?.type === 'httpDrop') {
		res.socket?.destroy();
		return null;
	}
	if (fault?.type === 'http429') {
		reply(429, 'rate_limit_exceeded', {}, undefined, 'injected fault http429');
		return null;
	}
	if (fault?.type === 'http5xx') {
		const status = fault.status ?? 500;
		if (status === 500) reply(500, 'internal_error', {}, undefined, 'injected fault http5xx');
		else reply.gateway(status);
		return null;
	}
	return { grant: auth.grant, token: auth.token, body };
}
