import { createHash } from 'node:crypto';
import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

export type Reply = { statusCode: number; contentRange?: string } | Error;

/**
 * A stand-in for n8n's execute context whose chunk PUTs answer from a script (206 once it runs out), recording
 * each request's Content-Range and size in `sent`, its body's sha256 in `bodySha256` and the memory behind it in
 * `bodyMemory`.
 */
export function fakeContext(script: Reply[] = []) {
	const sent: Array<{ range: string; bytes: number }> = [];
	const bodySha256: string[] = [];
	const bodyMemory: ArrayBufferLike[] = [];
	const ctx = {
		getExecutionCancelSignal: () => undefined,
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => {
				const headers = options.headers as Record<string, string>;
				const body = options.body as Buffer;
				sent.push({ range: headers['Content-Range'], bytes: body.length });
				bodySha256.push(createHash('sha256').update(body).digest('hex'));
				bodyMemory.push(body.buffer);
				const reply = script.shift() ?? { statusCode: 206 };
				if (reply instanceof Error) throw reply;
				return { statusCode: reply.statusCode, headers: reply.contentRange ? { 'content-range': reply.contentRange } : {}, body: '' };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, sent, bodySha256, bodyMemory };
}
