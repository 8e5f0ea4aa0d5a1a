import type {
	ICredentialsDecrypted,
	IExecuteFunctions,
	IHttpRequestHelper,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { RequestTarget } from '../helpers/errorMap';
import { executionCancelled, unexpectedRedirect } from '../helpers/errors';
import { isRedirectStatus } from '../helpers/networkErrors';

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

export type HttpOutcome<T> = { ok: true; response: T } | { ok: false; failure: unknown };

/**
 * n8n's request helper: the package's one door to the network (test/unit/architecture.test.mts holds every other
 * module to it). A request that brings no answer (refused, reset, timed out, cancelled, certificate refused) comes
 * back as `{ ok: false, failure }` instead of being thrown, because each caller decides what a missing answer
 * means: send the chunk again, report the image, give the fix. Those decisions then happen outside a catch
 * block, where the strict lint rules would allow throwing only NodeApiError/NodeOperationError; the package raises
 * its own TikTokError instead, and the router turns that into n8n's errors.
 */
export async function sendRequest<T = FullResponse>(
	helper: HttpHelper,
	request: IHttpRequestOptions,
): Promise<HttpOutcome<T>> {
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
export async function saveCredentialThenSend<T = FullResponse>(
	ctx: TikTokContext,
	request: IHttpRequestOptions,
	credentials: ICredentialsDecrypted,
): Promise<HttpOutcome<T>> {
	return await ctx.helpers.httpRequestWithAuthentication
		.call(ctx, credentials.type, request, { credentialsDecrypted: credentials })
		.then(
			(response: T) => ({ ok: true as const, response }),
			(failure: unknown) => ({ ok: false as const, failure }),
		);
}

/**
 * Fails on a redirect answer from TikTok's API, token or upload host. Every request that carries a token, the
 * client secret or a video is sent with `disableFollowRedirect` (n8n's HTTP layer would otherwise forward the
 * Authorization header to a redirect's target, and a 307 the body too), so a 3xx arrives here as an answer.
 */
export function refuseRedirect(
	target: Exclude<RequestTarget, 'download'>,
	url: string,
	response: FullResponse,
): void {
	if (isRedirectStatus(response.statusCode))
		throw unexpectedRedirect(target, url, response.statusCode, response.headers.location);
}

export function cancelSignal(ctx: TikTokContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

/** How often a deadline is looked at: a request ends at most this long after its deadline. */
const DEADLINE_STEP_MS = 200;

/** A wall-clock limit for a request (and, for a download, the reading of its body): see `startDeadline`. */
export interface Deadline {
	signal: AbortSignal;
	/** Whether the time limit has passed (a request's own timeout of the same length may fire first). */
	expired(): boolean;
	/** Stops watching; safe to call more than once. */
	end(): void;
}

/**
 * A signal that aborts after `ms` of wall-clock time, when the execution is cancelled, or when one of `also`
 * aborts, until `end()`. Watched with n8n's `sleep` in short steps (the lint rules forbid timers).
 */
export function startDeadline(ctx: TikTokContext, ms: number, ...also: AbortSignal[]): Deadline {
	const controller = new AbortController();
	const sources = [cancelSignal(ctx), ...also].filter(
		(source): source is AbortSignal => source !== undefined,
	);
	const abort = () => controller.abort();
	for (const source of sources) {
		if (source.aborted) abort();
		else source.addEventListener('abort', abort, { once: true });
	}
	const until = Date.now() + ms;
	let ended = false;
	const end = () => {
		ended = true;
		for (const source of sources) source.removeEventListener('abort', abort);
	};
	const watch = async () => {
		while (!ended && !controller.signal.aborted) {
			const left = until - Date.now();
			if (left <= 0) {
				abort();
				break;
			}
			await sleep(Math.min(DEADLINE_STEP_MS, left));
		}
		end();
	};
	void watch();
	return { signal: controller.signal, expired: () => Date.now() >= until, end };
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

/**
 * A reset, refused or dropped connection, or a timeout: worth another try for a read. Whether a request may have
 * arrived is `wasNeverSent` (helpers/networkErrors.ts): refused and DNS failures provably did not.
 */
export function isTransientNetworkFailure(error: unknown): boolean {
	const code =
		(error as { code?: string; cause?: { code?: string } })?.code ??
		(error as { cause?: { code?: string } })?.cause?.code;
	if (
		typeof code === 'string' &&
		/^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|ECONNABORTED|EPIPE|ERR_SOCKET|EAI_AGAIN|ERR_STREAM_PREMATURE_CLOSE)/.test(
			code,
		)
	) {
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
