import type { IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

/**
 * A TikTok token endpoint: each valid refresh token works once when `rotate` (TikTok's documented rotation).
 * Answers as n8n's request helper does with `returnFullResponse` (status, headers, body text).
 */
function answer(json: Record<string, unknown>) {
	return {
		statusCode: 200,
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(json),
	};
}

export function fakeTikTok(options: { rotate?: boolean; valid?: string[] } = {}) {
	const rotate = options.rotate ?? true;
	const calls: URLSearchParams[] = [];
	let counter = 0;
	const valid = new Set(options.valid ?? ['rft.1']);
	const request = async (request: IHttpRequestOptions) => {
		const form = new URLSearchParams(String(request.body));
		calls.push(form);
		await new Promise((resolve) => setImmediate(resolve));
		const presented = String(form.get('refresh_token'));
		if (!valid.has(presented)) {
			return answer({
				error: 'invalid_grant',
				error_description: 'Refresh token is invalid',
				log_id: 'L1',
			});
		}
		counter++;
		let next = presented;
		if (rotate) {
			valid.delete(presented);
			next = `rft.${presented}.${counter}`;
			valid.add(next);
		}
		return answer({
			access_token: `act.${counter + 1}`,
			refresh_token: next,
			expires_in: 7200,
			refresh_expires_in: 15552000,
			open_id: 'o1',
			scope: 'video.publish',
			token_type: 'Bearer',
		});
	};
	// n8n's request helper, as a context or a credential's preAuthentication carries it.
	return {
		calls,
		valid,
		http: { helpers: { httpRequest: request } } as unknown as IHttpRequestHelper,
	};
}
