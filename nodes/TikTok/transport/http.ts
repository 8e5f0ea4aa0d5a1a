import type { ICredentialsDecrypted, IExecuteFunctions, IHttpRequestHelper, IHttpRequestOptions, ILoadOptionsFunctions, IWebhookFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { executionCancelled } from '../helpers/errors';

/** What the transport needs from n8n: an operation's, the editor's or the trigger's (a webhook's) context. */
export type TikTokContext = IExecuteFunctions | ILoadOptionsFunctions | IWebhookFunctions;

/** Anything that carries n8n's request helper: a context above, or the credential's `preAuthentication` helper. */
export type HttpHelper = IHttpRequestHelper;

/** n8n's answer to a request made with `returnFullResponse: true`. */
export interface FullResponse<Body = unknown> {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: Body;
}

export type Sent<T> = { ok: true; response: T } | { ok: false; failure: unknown };

/**
 * n8n's request helper: the package's one door to the network (test/unit/architecture.test.mts holds every other
 * module to it). A request that brings no answer (refused, reset, timed out, cancelled, certificate refused) comes
 * back as `{ ok: false, failure }` instead of being thrown, because each caller decides what a missing answer
 * means: send the chunk again, report the image, give the fix. Those decisions then happen outside a catch
 * block, where the strict lint rules would allow throwing only NodeApiError/NodeOperationError; the package raises
 * its own TikTokError instead, and the router turns that into n8n's errors.
 */
export async function send<T = FullResponse>(helper: HttpHelper, request: IHttpRequestOptions): Promise<Sent<T>> {
	return await helper.helpers.httpRequest(request).then(
		(response: T) => ({ ok: true as const, response }),
		(failure: unknown) => ({ ok: false as const, failure }),
	);
}

/**
 * `request` through n8n's authenticated request helper with `credentials` as the data in use: n8n runs that
 * credential type's `preAuthentication` (when its expirable field is empty), saves what it returns into the
 * credential of that type selected in the node, signs the request with the credential's `authenticate`, and
 * sends it. The Token Store is saved this way (session.ts).
 */
export async function sendWithCredential<T = FullResponse>(
	ctx: TikTokContext,
	request: IHttpRequestOptions,
	credentials: ICredentialsDecrypted,
): Promise<Sent<T>> {
	return await ctx.helpers.httpRequestWithAuthentication.call(ctx, credentials.type, request, { credentialsDecrypted: credentials }).then(
		(response: T) => ({ ok: true as const, response }),
		(failure: unknown) => ({ ok: false as const, failure }),
	);
}

export function cancelSignal(ctx: TikTokContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

/**
 * A signal for a request with a wall-clock limit: it aborts after `ms`, when the execution is cancelled, or when
 * one of `also` aborts; `expired()` tells the time limit apart. (AbortSignal.any exists from Node 20.3; n8n 1.x
 * needs Node 20.19.)
 */
export function deadlineSignal(ctx: TikTokContext, ms: number, ...also: AbortSignal[]): { signal: AbortSignal; expired(): boolean } {
	const timer = AbortSignal.timeout(ms);
	const cancel = cancelSignal(ctx);
	return { signal: AbortSignal.any([timer, ...(cancel ? [cancel] : []), ...also]), expired: () => timer.aborted && !cancel?.aborted };
}

/** Waits, waking early when the execution is cancelled. */
export async function pause(ctx: TikTokContext, ms: number): Promise<void> {
	const signal = cancelSignal(ctx);
	const until = Date.now() + ms;
	while (Date.now() < until) {
		if (signal?.aborted) throw executionCancelled();
		await sleep(Math.min(500, until - Date.now()));
	}
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

/** A failure's message, whatever was thrown. */
export function failureMessage(failure: unknown): string {
	return String((failure as Error)?.message ?? failure);
}
