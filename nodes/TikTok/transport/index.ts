import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { settle } from '../helpers/settle';
import { refreshIfExpiring } from '../helpers/tokenRefresh';
import { parseTikTokJson } from '../helpers/tiktokJson';

export const CREDENTIAL_TYPE = 'tikTokOAuth2Api';
export const DEFAULT_API_BASE_URL = 'https://open.tiktokapis.com';

export type TikTokContext = IExecuteFunctions | ILoadOptionsFunctions;

/** A TikTok answer that is not `error.code: "ok"`, or an HTTP failure with no envelope. */
export class TikTokApiError extends Error {
	constructor(
		readonly code: string,
		readonly tiktokMessage: string,
		readonly logId: string | undefined,
		readonly httpStatus: number | undefined,
		/** True when the request may have reached TikTok and had an effect we could not see. */
		readonly ambiguous = false,
	) {
		super(tiktokMessage || code);
	}
}

interface TikTokEnvelope<T> {
	data?: T;
	error?: { code?: string; message?: string; log_id?: string; logid?: string };
}

interface FullResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

export interface ApiCallOptions {
	/** Safe to repeat (read-only): retried on 5xx, 429 and network failures. */
	idempotent: boolean;
	/** Called before each attempt: the place to pace calls that count against a rate limit. */
	beforeAttempt?: () => Promise<void>;
	timeoutMs?: number;
	maxAttempts?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function cancelSignal(ctx: TikTokContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

/** Waits, waking early when the execution is cancelled. */
export async function pause(ctx: TikTokContext, ms: number): Promise<void> {
	const signal = cancelSignal(ctx);
	const until = Date.now() + ms;
	while (Date.now() < until) {
		if (signal?.aborted) throw new TikTokApiError('execution_cancelled', 'The execution was cancelled', undefined, undefined);
		await sleep(Math.min(500, until - Date.now()));
	}
}

export async function apiBaseUrl(ctx: TikTokContext): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const base = String(credentials.apiBaseUrl || DEFAULT_API_BASE_URL);
	return base.replace(/\/+$/, '');
}

/**
 * The access token to send, renewed first with TikTok's exact refresh request when it is expiring.
 * The node signs its own requests instead of leaving it to n8n: n8n 1.x never runs the credential's
 * `preAuthentication` for OAuth2 credentials and its own refresh omits `client_key`, which TikTok requires
 * (docs/decisions/credential-refresh.md). The in-process single-flight cache is shared with the credential's hook.
 */
export async function accessToken(ctx: TikTokContext): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const renewed = await refreshIfExpiring(async (request) => await ctx.helpers.httpRequest(request), credentials);
	const tokenData = (renewed.oauthTokenData ?? credentials.oauthTokenData) as IDataObject | undefined;
	if (!tokenData?.access_token) {
		throw new TikTokApiError('access_token_invalid', 'The TikTok credential is not connected yet', undefined, undefined);
	}
	return String(tokenData.access_token);
}

/** A reset, refused or dropped connection, or a timeout: the request may or may not have arrived. */
export function isTransientNetworkFailure(error: unknown): boolean {
	const code = (error as { code?: string; cause?: { code?: string } })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
	if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|ECONNABORTED|EPIPE|ERR_SOCKET|EAI_AGAIN|ERR_STREAM_PREMATURE_CLOSE)/.test(code)) {
		return true;
	}
	return /timeout|socket hang up|aborted/i.test(String((error as Error)?.message));
}

export function backoffMs(attempt: number): number {
	return Math.min(30_000, 1000 * 2 ** (attempt - 1));
}

/**
 * One call to TikTok's JSON API (`/v2/post/publish/...`), signed by the credential.
 * Reads the body as text so 19-digit ids survive; maps every non-ok envelope to TikTokApiError.
 * A non-idempotent call (an init) is never repeated after it may have reached TikTok.
 */
export async function tiktokApiRequest<T extends IDataObject>(
	ctx: TikTokContext,
	method: IHttpRequestMethods,
	path: string,
	body: IDataObject | undefined,
	options: ApiCallOptions,
): Promise<T> {
	const url = `${await apiBaseUrl(ctx)}${path}`;
	const maxAttempts = options.maxAttempts ?? 4;
	for (let attempt = 1; ; attempt++) {
		await options.beforeAttempt?.();
		const request: IHttpRequestOptions = {
			method,
			url,
			headers: { 'Content-Type': 'application/json; charset=UTF-8', Authorization: `Bearer ${await accessToken(ctx)}` },
			body: body === undefined ? undefined : JSON.stringify(body),
			json: false,
			encoding: 'text',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
			abortSignal: cancelSignal(ctx),
		};
		const outcome = await settle(ctx.helpers.httpRequest(request));
		if (!outcome.ok) {
			if (cancelSignal(ctx)?.aborted) throw outcome.error;
			const networkFailure = isTransientNetworkFailure(outcome.error);
			if (networkFailure && options.idempotent && attempt < maxAttempts) {
				await pause(ctx, backoffMs(attempt));
				continue;
			}
			if (networkFailure) {
				throw new TikTokApiError('network_error', String((outcome.error as Error)?.message ?? outcome.error), undefined, undefined, true);
			}
			throw outcome.error;
		}
		const response = outcome.value as FullResponse;
		const envelope = parseEnvelope<T>(response);
		const code = envelope.error?.code ?? (response.statusCode >= 400 ? `http_${response.statusCode}` : 'ok');
		if (code === 'ok' && response.statusCode < 400) return (envelope.data ?? {}) as T;
		const error = new TikTokApiError(
			code,
			envelope.error?.message ?? '',
			envelope.error?.log_id ?? envelope.error?.logid,
			response.statusCode,
			// A 5xx after the body was sent may still have created the post.
			response.statusCode >= 500,
		);
		const retryable = response.statusCode === 429 || (response.statusCode >= 500 && options.idempotent);
		if (retryable && attempt < maxAttempts) {
			// A 429 means TikTok refused the call, so even an init is safe to repeat after the window.
			await pause(ctx, response.statusCode === 429 ? 10_000 * attempt : backoffMs(attempt));
			continue;
		}
		throw error;
	}
}

function parseEnvelope<T>(response: FullResponse): TikTokEnvelope<T> {
	const text = typeof response.body === 'string' ? response.body : Buffer.isBuffer(response.body) ? response.body.toString('utf8') : JSON.stringify(response.body ?? '');
	if (!text) return {};
	try {
		return parseTikTokJson(text) as TikTokEnvelope<T>;
	} catch {
		return { error: { code: `http_${response.statusCode}`, message: text.slice(0, 200) } };
	}
}

export interface ChunkPutResult {
	statusCode: number;
	contentRange?: string;
}

/**
 * PUTs one chunk to TikTok's pre-signed upload URL. The URL is opaque (query string included) and needs
 * no Authorization header, so this is a plain request.
 */
export async function putChunk(
	ctx: IExecuteFunctions,
	uploadUrl: string,
	chunk: Buffer,
	headers: { contentType: string; contentRange: string },
	timeoutMs: number,
): Promise<ChunkPutResult> {
	const response = (await ctx.helpers.httpRequest({
		method: 'PUT',
		url: uploadUrl,
		body: chunk,
		headers: {
			'Content-Type': headers.contentType,
			'Content-Length': String(chunk.length),
			'Content-Range': headers.contentRange,
		},
		json: false,
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: timeoutMs,
		abortSignal: ctx.getExecutionCancelSignal(),
	})) as FullResponse;
	const contentRange = response.headers['content-range'];
	return {
		statusCode: response.statusCode,
		contentRange: Array.isArray(contentRange) ? contentRange[0] : contentRange,
	};
}

