/**
 * A request that got no answer becomes a message that names the host and the fix (DNS, refused, certificate,
 * timeout); a redirect from TikTok's side is an answer, never followed; and no error keeps the request it came
 * from, whose headers hold the access token. Failures here are fabricated with the codes Node, axios and OpenSSL
 * give; test/e2e/redirects.test.mts meets the real ones in real n8n.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode } from 'n8n-workflow';

import { planChunks } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import type { TikTokError } from '../../nodes/TikTok/helpers/errors.ts';
import {
	classifyNetworkFailure,
	hostOf,
	redirectDestination,
	safeMessage,
} from '../../nodes/TikTok/helpers/networkErrors.ts';
import { requireAsN8n } from './commonjs.mts';
import { fakeContext } from './fakeUploadContext.mts';

// As n8n loads them (CommonJS), so `instanceof` sees one class of each.
const { NodeApiError, NodeOperationError } = requireAsN8n(
	'n8n-workflow',
) as typeof import('n8n-workflow');
const { toNodeError } = requireAsN8n(
	'../../nodes/TikTok/actions/router.ts',
) as typeof import('../../nodes/TikTok/actions/router.ts');
const { networkFailed, TikTokError: TikTokErrorClass } = requireAsN8n(
	'../../nodes/TikTok/helpers/errors.ts',
) as typeof import('../../nodes/TikTok/helpers/errors.ts');
const { downloadFailed } = requireAsN8n(
	'../../nodes/TikTok/helpers/videoDownload.ts',
) as typeof import('../../nodes/TikTok/helpers/videoDownload.ts');
const { callTikTokApi } = requireAsN8n(
	'../../nodes/TikTok/transport/request.ts',
) as typeof import('../../nodes/TikTok/transport/request.ts');
const { clearRefreshCache, renewToken } = requireAsN8n(
	'../../nodes/TikTok/transport/renewal.ts',
) as typeof import('../../nodes/TikTok/transport/renewal.ts');
const { uploadVideoChunks } = requireAsN8n(
	'../../nodes/TikTok/transport/upload.ts',
) as typeof import('../../nodes/TikTok/transport/upload.ts');
const { TikTokOAuth2Api } = requireAsN8n(
	'../../credentials/TikTokOAuth2Api.credentials.ts',
) as typeof import('../../credentials/TikTokOAuth2Api.credentials.ts');
const { TikTokTokenStoreApi } = requireAsN8n(
	'../../credentials/TikTokTokenStoreApi.credentials.ts',
) as typeof import('../../credentials/TikTokTokenStoreApi.credentials.ts');

const ACCESS_TOKEN = 'act.SECRET-ACCESS';
const REFRESH_TOKEN = 'rft.SECRET-REFRESH';
const CLIENT_SECRET = 'SECRET-CLIENT';
const node = {
	id: '1',
	name: 'TikTok',
	type: 'n8n-nodes-tiktok-publisher.tikTok',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
} as INode;

/** What axios throws: the message and code, and the request it was made from, Authorization header included. */
function axiosFailure(message: string, code: string | undefined, cause?: unknown) {
	return Object.assign(new Error(message), {
		code,
		cause,
		isAxiosError: true,
		config: {
			url: 'https://open.tiktokapis.com/v2/post/publish/creator_info/query/',
			headers: { Authorization: `Bearer ${ACCESS_TOKEN}` },
		},
		request: {
			_header: `POST /v2/post/publish/creator_info/query/ HTTP/1.1\r\nAuthorization: Bearer ${ACCESS_TOKEN}\r\n`,
		},
	});
}

/** Everything an error holds, as deep as n8n's logs or a serializer could reach. */
function everything(value: unknown): string {
	return `${inspect(value, { depth: 20, showHidden: true })}\n${JSON.stringify(value)}`;
}

function assertNoSecrets(value: unknown): void {
	const text = everything(value);
	for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET])
		assert.ok(!text.includes(secret), `no ${secret} in\n${text}`);
	assert.doesNotMatch(text, /authorization/i);
}

/** n8n's execute context for one TikTok API call: a connected credential whose token is fresh, and `answer` as n8n's request helper. */
function apiContext(answer: (request: IHttpRequestOptions) => Promise<unknown>) {
	const requests: IHttpRequestOptions[] = [];
	const ctx = {
		getExecutionCancelSignal: () => undefined,
		getNode: () => ({
			credentials: {
				tikTokOAuth2Api: { id: 'c1', name: 'TikTok' },
				tikTokTokenStoreApi: { id: 's1', name: 'Store' },
			},
		}),
		getCredentials: async () => ({
			clientId: 'key',
			clientSecret: CLIENT_SECRET,
			apiBaseUrl: 'https://open.tiktokapis.com',
			oauthTokenData: {
				access_token: ACCESS_TOKEN,
				refresh_token: REFRESH_TOKEN,
				n8n_expires_at: String(Date.now() + 3_600_000),
			},
		}),
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) => {
				requests.push(request);
				return await answer(request);
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, requests };
}

async function failureOf(promise: Promise<unknown>): Promise<TikTokError> {
	const error = await promise.then(
		() => assert.fail('expected a failure'),
		(failure: unknown) => failure,
	);
	assert.ok(error instanceof TikTokErrorClass, `a TikTokError, got ${inspect(error)}`);
	return error as TikTokError;
}

describe('a request that got no answer is told apart by its code', () => {
	const cases: Array<[string, unknown, string, RegExp]> = [
		[
			'DNS: no such host',
			axiosFailure('getaddrinfo ENOTFOUND tiktok.invalid', 'ENOTFOUND'),
			'dns_lookup_failed',
			/no such host name/,
		],
		[
			'DNS: the lookup failed for now',
			axiosFailure('getaddrinfo EAI_AGAIN open.tiktokapis.com', 'EAI_AGAIN'),
			'dns_lookup_failed',
			/failed for now/,
		],
		[
			'connection refused',
			axiosFailure('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'),
			'connection_refused',
			/refused/,
		],
		[
			'connection refused on every address (Node tries IPv4 and IPv6: an AggregateError)',
			Object.assign(
				new AggregateError(
					[Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' })],
					'',
				),
				{ code: undefined },
			),
			'connection_refused',
			/refused/,
		],
		[
			'a self-signed certificate',
			axiosFailure('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
			'certificate_rejected',
			/self-signed/,
		],
		[
			'an expired certificate',
			axiosFailure('certificate has expired', 'CERT_HAS_EXPIRED'),
			'certificate_rejected',
			/expired/,
		],
		[
			'a certificate for another host name',
			axiosFailure(
				"Hostname/IP does not match certificate's altnames",
				'ERR_TLS_CERT_ALTNAME_INVALID',
			),
			'certificate_rejected',
			/another host name/,
		],
		[
			'an unknown certificate authority',
			axiosFailure('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
			'certificate_rejected',
			/does not know/,
		],
		[
			'a connect timeout',
			axiosFailure('connect ETIMEDOUT 10.0.0.1:443', 'ETIMEDOUT'),
			'timed_out',
			/timed out/,
		],
		[
			'no answer within the request timeout (axios)',
			axiosFailure('timeout of 30000ms exceeded', 'ECONNABORTED'),
			'timed_out',
			/within 30 s/,
		],
		[
			'a reset connection',
			axiosFailure('socket hang up', 'ECONNRESET'),
			'network_error',
			/ECONNRESET/,
		],
		[
			"n8n's NodeApiError around the axios error (the Token Store path)",
			new NodeApiError(node, axiosFailure('getaddrinfo ENOTFOUND tiktok.invalid', 'ENOTFOUND')),
			'dns_lookup_failed',
			/no such host name/,
		],
	];
	for (const [name, failure, code, reason] of cases) {
		it(`${name} → ${code}`, () => {
			const classified = classifyNetworkFailure(failure);
			assert.equal(classified.code, code);
			assert.match(classified.reason, reason);
		});
	}
});

describe('the message names the host, the description the fix for where the request went', () => {
	it("TikTok's API not found: check the credential's TikTok API URL, then the server's DNS", () => {
		const error = networkFailed(
			'api',
			'https://tiktok.invalid/v2/post/publish/creator_info/query/',
			axiosFailure('getaddrinfo ENOTFOUND tiktok.invalid', 'ENOTFOUND'),
		);
		assert.equal(
			error.advice.message,
			'n8n could not find TikTok\'s API at "tiktok.invalid" (no such host name)',
		);
		assert.match(
			error.advice.description,
			/TikTok API URL in the TikTok credential \(normally https:\/\/open\.tiktokapis\.com\).*DNS/,
		);
		assert.deepEqual(error.details, {
			code: 'dns_lookup_failed',
			host: 'tiktok.invalid',
			network_code: 'ENOTFOUND',
		});
	});

	it('a refused connection names host and port, and says nothing answers there', () => {
		const error = networkFailed(
			'token',
			'http://127.0.0.1:9/v2/oauth/token/',
			axiosFailure('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'),
		);
		assert.equal(
			error.advice.message,
			'n8n could not connect to TikTok\'s token service at "127.0.0.1:9" (connection refused)',
		);
		assert.match(error.advice.description, /Nothing answers at that address.*TikTok API URL/);
	});

	it('an untrusted certificate: NODE_EXTRA_CA_CERTS for TikTok\'s side, "Ignore SSL Issues" for a video download', () => {
		const failure = axiosFailure('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT');
		const api = networkFailed('api', 'https://127.0.0.1:8443/v2/x/', failure);
		assert.match(
			api.advice.message,
			/does not trust the security certificate of TikTok's API at "127\.0\.0\.1:8443" \(a self-signed certificate\)/,
		);
		assert.match(api.advice.description, /NODE_EXTRA_CA_CERTS/);
		assert.doesNotMatch(
			api.advice.description,
			/Ignore SSL Issues/,
			'the node has no switch to trust TikTok blindly',
		);
		const video = downloadFailed('https://media.example/clip.mp4', failure);
		assert.match(video.advice.message, /the video's server at "media\.example"/);
		assert.match(video.advice.description, /"Ignore SSL Issues \(Insecure\)"/);
	});

	it('a timeout says how long n8n waited', () => {
		const error = networkFailed(
			'api',
			'https://open.tiktokapis.com/v2/x/',
			axiosFailure('timeout of 60000ms exceeded', 'ECONNABORTED'),
		);
		assert.equal(
			error.advice.message,
			'No answer in time from TikTok\'s API at "open.tiktokapis.com" (no answer within 60 s)',
		);
	});

	it("an upload URL's query string (its signature) appears nowhere: only the host", () => {
		const url = 'https://upload.tiktokapis.com/video/?upload_id=7&upload_token=SIGNATURE';
		const error = networkFailed(
			'upload',
			url,
			axiosFailure(`connect ECONNREFUSED for ${url}`, 'ECONNREFUSED'),
			'Chunk 2 of 3 could not be sent',
		);
		assert.equal(
			error.advice.message,
			'Chunk 2 of 3 could not be sent: n8n could not connect to TikTok\'s upload server at "upload.tiktokapis.com" (connection refused)',
		);
		assert.ok(!everything(error).includes('SIGNATURE'));
		assert.equal(hostOf(url), 'upload.tiktokapis.com');
		assert.equal(
			safeMessage(new Error(`PUT ${url} failed`)),
			'PUT https://upload.tiktokapis.com/video/ failed',
		);
		assert.equal(
			safeMessage(new Error('Forbidden - perhaps check your credentials?')),
			'Forbidden - perhaps check your credentials?',
			'prose keeps its question marks',
		);
	});

	it("a download answered with an HTTP error is the URL's problem, as when its answer is judged (download_http_error); a redirect loop too", () => {
		const error = downloadFailed(
			'https://media.example/gone.mp4',
			Object.assign(new Error('Request failed with status code 404'), {
				response: { status: 404 },
			}),
		);
		assert.equal(error.details.code, 'download_http_error');
		assert.equal(error.details.http_status, 404);
		assert.match(
			error.advice.message,
			/answered HTTP 404 instead of the video: "https:\/\/media\.example\/gone\.mp4"/,
		);
		const loop = downloadFailed(
			'https://media.example/loop.mp4',
			Object.assign(new Error('Maximum number of redirects exceeded'), {
				code: 'ERR_FR_TOO_MANY_REDIRECTS',
			}),
		);
		assert.equal(loop.details.code, 'download_http_error');
		assert.match(loop.advice.message, /redirects too many times \(a redirect loop\)/);
	});
});

describe('no error keeps the request it came from (its headers hold the access token)', () => {
	it("a failed API call becomes a TikTokError with the failure's code only, and n8n's error and error item carry no token", async () => {
		const { ctx } = apiContext(async () => {
			throw axiosFailure(
				'getaddrinfo ENOTFOUND open.tiktokapis.com',
				'ENOTFOUND',
				Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
			);
		});
		const error = await failureOf(
			callTikTokApi(ctx, 'POST', '/v2/post/publish/creator_info/query/', {}, { idempotent: true }),
		);
		assert.equal(error.details.code, 'dns_lookup_failed');
		assertNoSecrets(error);
		const { error: n8nError, json } = toNodeError(node, error, 0);
		assert.ok(n8nError instanceof NodeApiError);
		assertNoSecrets(n8nError);
		assertNoSecrets(json);
	});

	it('anything else that reaches the router raw keeps only its message', () => {
		const { error, json } = toNodeError(node, axiosFailure('socket hang up', 'ECONNRESET'), 0);
		assert.ok(error instanceof NodeOperationError);
		assert.equal(error.message, 'socket hang up');
		assertNoSecrets(error);
		assertNoSecrets(json);
	});

	it("n8n's own error wrapping an axios error is passed on with its message and fix, without the wrapped request", () => {
		const wrapped = new NodeApiError(
			node,
			axiosFailure('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'),
			{ description: 'the fix' },
		);
		assert.match(everything(wrapped), /SECRET-ACCESS/, 'n8n keeps the raw error as the cause');
		const { error, json } = toNodeError(node, wrapped, 3);
		assert.ok(error instanceof NodeApiError);
		assert.equal(error.message, wrapped.message);
		assert.equal(error.description, 'the fix');
		assert.equal(error.context.itemIndex, 3);
		assertNoSecrets(error);
		assertNoSecrets(json);
	});

	it("n8n's own error without a wrapped request passes as it is", () => {
		const plain = new NodeOperationError(node, 'No binary data property "data"');
		assert.equal(toNodeError(node, plain, 0).error, plain);
	});
});

describe('a redirect from TikTok is an answer, never followed', () => {
	const redirect = (location: string) => async () => ({
		statusCode: 307,
		headers: { location },
		body: '',
	});

	it('every API call asks n8n not to follow redirects; a 307 fails naming only where it pointed', async () => {
		const { ctx, requests } = apiContext(redirect('http://127.0.0.1:9999/collect?token=abc'));
		const error = await failureOf(
			callTikTokApi(ctx, 'POST', '/v2/post/publish/creator_info/query/', {}, { idempotent: true }),
		);
		assert.equal(requests.length, 1, 'asked once: a redirect is not retried');
		assert.equal(requests[0].disableFollowRedirect, true);
		assert.equal(
			error.advice.message,
			'TikTok\'s API answered with a redirect to "127.0.0.1:9999"; n8n did not follow it',
		);
		assert.match(error.advice.description, /access token stayed with TikTok.*TikTok API URL/);
		assert.deepEqual(error.details, {
			code: 'unexpected_redirect',
			http_status: 307,
			host: 'open.tiktokapis.com',
		});
		assert.ok(!everything(error).includes('token=abc'));
	});

	it('an init answered with a redirect is a redirect error, not "may or may not have started" (TikTok answered)', async () => {
		const { ctx } = apiContext(redirect('/elsewhere'));
		const unknown = () =>
			new TikTokErrorClass(
				{ message: 'unknown', description: '' },
				{ code: 'publish_outcome_unknown' },
			);
		const error = await failureOf(
			callTikTokApi(
				ctx,
				'POST',
				'/v2/post/publish/video/init/',
				{},
				{ idempotent: false, whenUnanswered: unknown },
			),
		);
		assert.equal(error.details.code, 'unexpected_redirect');
		assert.match(
			error.advice.message,
			/redirect to "open\.tiktokapis\.com"/,
			'a relative Location is on the same host',
		);
	});

	it('the token refresh (client secret and refresh token in its body) is never sent on either', async () => {
		clearRefreshCache();
		const requests: IHttpRequestOptions[] = [];
		const http = {
			helpers: {
				httpRequest: async (request: IHttpRequestOptions) => {
					requests.push(request);
					return {
						statusCode: 308,
						headers: { location: 'https://collector.example/steal' },
						body: '',
					};
				},
			},
		} as never;
		const app = {
			apiBaseUrl: 'https://open.tiktokapis.com',
			clientKey: 'key',
			clientSecret: CLIENT_SECRET,
		};
		const error = await failureOf(
			renewToken(http, app, {
				access_token: ACCESS_TOKEN,
				refresh_token: REFRESH_TOKEN,
				n8n_expires_at: '1',
			} as IDataObject),
		);
		assert.equal(requests[0].disableFollowRedirect, true);
		assert.equal(
			error.advice.message,
			'TikTok\'s token service answered with a redirect to "collector.example"; n8n did not follow it',
		);
		assert.match(
			error.advice.description,
			/refresh token and your app's client secret stayed with TikTok/,
		);
		assertNoSecrets(error);
	});

	it('a chunk upload answered with a redirect stops the upload: the video goes to TikTok only', async () => {
		const { ctx, options: requests } = fakeContext([
			{ statusCode: 307, location: 'http://127.0.0.1:9999/upload' },
		]);
		const size = 1000;
		const source = (async function* () {
			yield Buffer.alloc(size);
		})();
		const error = await failureOf(
			uploadVideoChunks(
				ctx,
				'https://upload.example/video/?upload_token=SIGNATURE',
				planChunks(size),
				source,
				'video/mp4',
				Date.now(),
			),
		);
		assert.equal(requests.length, 1, 'not retried');
		assert.equal(requests[0].disableFollowRedirect, true);
		assert.equal(error.details.code, 'unexpected_redirect');
		assert.equal(
			error.advice.message,
			'TikTok\'s upload server answered with a redirect to "127.0.0.1:9999"; n8n did not follow it',
		);
		assert.ok(!everything(error).includes('SIGNATURE'));
	});

	it("both credentials' Test buttons send their token without following redirects", () => {
		for (const credential of [new TikTokOAuth2Api(), new TikTokTokenStoreApi()]) {
			assert.equal(credential.test.request.disableFollowRedirect, true, credential.name);
		}
	});

	it('a Location is named by its host only; none or a broken one is said so', () => {
		assert.equal(
			redirectDestination('https://evil.example:8443/a/b?c=d', 'https://open.tiktokapis.com/x'),
			'"evil.example:8443"',
		);
		assert.equal(
			redirectDestination(['/v3/'], 'https://open.tiktokapis.com/x'),
			'"open.tiktokapis.com"',
		);
		assert.equal(
			redirectDestination(undefined, 'https://open.tiktokapis.com/x'),
			'an address it did not name',
		);
		assert.equal(
			redirectDestination('http://[::1', 'https://open.tiktokapis.com/x'),
			'an invalid address',
		);
	});
});
