import type { IDataObject, IHttpRequestMethods } from 'n8n-workflow';

import type { TikTokError } from '../helpers/errors';
import { apiError, executionCancelled, networkFailed } from '../helpers/errors';
import { wasNeverSent } from '../helpers/networkErrors';
import { parseTikTokJson } from '../helpers/tiktokJson';
import type { FullResponse, TikTokContext } from './http';
import { backoffMs, cancelSignal, isTransientNetworkFailure, pause, refuseRedirect } from './http';
import { sendWithAccessToken } from './session';
import { CREDENTIAL_TYPE, apiBaseUrl } from './token';

interface TikTokEnvelope<T> {
	data?: T;
	error?: { code?: string; message?: string; log_id?: string; logid?: string };
}

export interface ApiCallOptions {
	/** Safe to repeat (read-only): retried on 5xx, 429 and network failures. */
	idempotent: boolean;
	/** Called before each attempt: the place to pace calls that count against a rate limit. */
	beforeAttempt?: () => Promise<void>;
	/**
	 * The error to raise when the call may have reached TikTok and had an effect we could not see (no answer, or
	 * a 5xx): given the HTTP status, if any. Without it such a call fails like any other.
	 */
	whenUnanswered?: (httpStatus: number | undefined) => TikTokError;
	/**
	 * The error to raise when the call provably never left n8n (DNS failure, connection refused), for a call that
	 * has `whenUnanswered`: such a failure is safe to repeat, and the user is told so.
	 */
	whenNotSent?: (url: string, failure: unknown) => TikTokError;
	timeoutMs?: number;
	maxAttempts?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** The credential a call is signed with, as the key of TikTok's per-credential rate limits. */
export function credentialKey(ctx: TikTokContext): string {
	const credential = ctx.getNode().credentials?.[CREDENTIAL_TYPE];
	return credential?.id ?? credential?.name ?? 'default';
}

/**
 * One call to TikTok's JSON API (`/v2/post/publish/...`), signed with the credential's access token.
 * Reads the body as text so 19-digit ids survive; turns every non-ok envelope into a TikTokError with TikTok's
 * code and log_id. A non-idempotent call (an init) is never repeated after it may have reached TikTok.
 */
export async function callTikTokApi<T extends IDataObject>(
	ctx: TikTokContext,
	method: IHttpRequestMethods,
	path: string,
	body: IDataObject | undefined,
	options: ApiCallOptions,
): Promise<T> {
	const url = `${apiBaseUrl(await ctx.getCredentials(CREDENTIAL_TYPE))}${path}`;
	const maxAttempts = options.maxAttempts ?? 4;
	// The access token TikTok rejected once: renewed and the call sent again (a refused call had no effect).
	let rejectedAccessToken: string | undefined;
	for (let attempt = 1; ; attempt++) {
		await options.beforeAttempt?.();
		const { outcome: sent, accessToken } = await sendWithAccessToken(
			ctx,
			{
				method,
				url,
				headers: { 'Content-Type': 'application/json; charset=UTF-8' },
				body: body === undefined ? undefined : JSON.stringify(body),
				json: false,
				encoding: 'text',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
				abortSignal: cancelSignal(ctx),
			},
			rejectedAccessToken,
		);
		if (!sent.ok) {
			if (cancelSignal(ctx)?.aborted) throw executionCancelled();
			const networkFailure = isTransientNetworkFailure(sent.failure);
			if (networkFailure && options.idempotent && attempt < maxAttempts) {
				await pause(ctx, backoffMs(attempt));
				continue;
			}
			// The raw failure never travels on: its request holds the Authorization header.
			if (options.whenNotSent && wasNeverSent(sent.failure))
				throw options.whenNotSent(url, sent.failure);
			throw (
				(networkFailure ? options.whenUnanswered?.(undefined) : undefined) ??
				networkFailed('api', url, sent.failure)
			);
		}
		const response = sent.response;
		refuseRedirect('api', url, response);
		const envelope = parseEnvelope<T>(response);
		const code =
			envelope.error?.code ?? (response.statusCode >= 400 ? `http_${response.statusCode}` : 'ok');
		if (code === 'ok' && response.statusCode < 400) return (envelope.data ?? {}) as T;
		if (code === 'access_token_invalid' && rejectedAccessToken === undefined) {
			// Expired (its expiry may be unknown: n8n 1.x stores none after Connect) or renewed elsewhere: renew once.
			rejectedAccessToken = accessToken;
			attempt--;
			continue;
		}
		const retryable =
			response.statusCode === 429 || (response.statusCode >= 500 && options.idempotent);
		if (retryable && attempt < maxAttempts) {
			// A 429 means TikTok refused the call, so even an init is safe to repeat after the window.
			await pause(ctx, response.statusCode === 429 ? 10_000 * attempt : backoffMs(attempt));
			continue;
		}
		// A 5xx after the body was sent may still have had its effect.
		const unanswered =
			response.statusCode >= 500 ? options.whenUnanswered?.(response.statusCode) : undefined;
		throw (
			unanswered ??
			apiError(code, envelope.error?.message ?? '', {
				logId: envelope.error?.log_id ?? envelope.error?.logid,
				httpStatus: response.statusCode,
			})
		);
	}
}

function parseEnvelope<T>(response: FullResponse): TikTokEnvelope<T> {
	const text =
		typeof response.body === 'string'
			? response.body
			: Buffer.isBuffer(response.body)
				? response.body.toString('utf8')
				: JSON.stringify(response.body ?? '');
	if (!text) return {};
	try {
		return parseTikTokJson(text) as TikTokEnvelope<T>;
	} catch {
		return { error: { code: `http_${response.statusCode}`, message: text.slice(0, 200) } };
	}
}
