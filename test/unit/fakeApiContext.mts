import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

/** What the fake answers a request with: a response, or an Error thrown as n8n's helper throws a failed request. */
export type FakeAnswer =
	{ status?: number; body?: unknown; headers?: Record<string, string> } | Error;

export interface FakeRequest {
	method: string;
	url: URL;
	/** The parsed JSON body of an API call; undefined for a chunk PUT. */
	body?: Record<string, unknown>;
	headers: Record<string, string>;
}

/**
 * An execute context whose requests (TikTok's JSON API and the upload host alike) are answered by `answer`; records
 * every request and every warning logged. `cancel()` aborts the execution as n8n's Stop button does: later requests
 * fail as aborted ones do.
 */
export function fakeApiContext(
	answer: (request: FakeRequest) => FakeAnswer,
	options: { scope?: string; apiBaseUrl?: string } = {},
) {
	const requests: FakeRequest[] = [];
	const warnings: string[] = [];
	const controller = new AbortController();
	const ctx = {
		logger: { warn: (message: string) => warnings.push(message) },
		getNode: () => ({
			name: 'TikTok',
			credentials: {
				tikTokOAuth2Api: { id: `c${Math.random()}`, name: 'c' },
				tikTokTokenStoreApi: { id: `s${Math.random()}`, name: 's' },
			},
		}),
		getExecutionCancelSignal: () => controller.signal,
		getCredentials: async () => ({
			apiBaseUrl: options.apiBaseUrl ?? 'https://api.test',
			oauthTokenData: { access_token: 'act.x', scope: options.scope ?? 'video.publish' },
		}),
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => {
				const url = new URL(String(options.url));
				const isJson = typeof options.body === 'string';
				const request: FakeRequest = {
					method: String(options.method),
					url,
					body: isJson ? (JSON.parse(String(options.body)) as Record<string, unknown>) : undefined,
					headers: (options.headers ?? {}) as Record<string, string>,
				};
				requests.push(request);
				if (controller.signal.aborted)
					throw Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' });
				const reply = answer(request);
				if (reply instanceof Error) throw reply;
				const body =
					reply.body === undefined
						? ''
						: typeof reply.body === 'string'
							? reply.body
							: JSON.stringify(reply.body);
				return { statusCode: reply.status ?? 200, headers: reply.headers ?? {}, body };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, requests, warnings, cancel: () => controller.abort() };
}

/** TikTok's envelope around `data`, as a successful call answers. */
export const ok = (data: unknown): FakeAnswer => ({
	body: { data, error: { code: 'ok', message: '', log_id: 'L' } },
});

/** A connection reset, as n8n's request helper reports it. */
export const reset = (): Error =>
	Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
