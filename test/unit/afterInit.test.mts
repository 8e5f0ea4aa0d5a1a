/**
 * Once TikTok accepted a publish, no outcome may lose its publish_id or suggest running the item again while a post
 * may still come of it: the error every later failure becomes, the status polling that rides out failures within
 * the wait, and the publish flow that asks TikTok before concluding anything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IDataObject, INode } from 'n8n-workflow';

import { requireAsN8n } from './commonjs.mts';
import type { FakeAnswer, FakeRequest } from './fakeApiContext.mts';
import { fakeApiContext, ok, reset } from './fakeApiContext.mts';

// As n8n loads them (one copy of TikTokError for every module, see commonjs.mts).
const errors = requireAsN8n(
	'../../nodes/TikTok/helpers/errors.ts',
) as typeof import('../../nodes/TikTok/helpers/errors.ts');
const errorMap = requireAsN8n(
	'../../nodes/TikTok/helpers/errorMap.ts',
) as typeof import('../../nodes/TikTok/helpers/errorMap.ts');
const { afterInitFailure, hasReceived } = requireAsN8n(
	'../../nodes/TikTok/helpers/publishResult.ts',
) as typeof import('../../nodes/TikTok/helpers/publishResult.ts');
const { planChunks } = requireAsN8n(
	'../../nodes/TikTok/helpers/chunkPlan.ts',
) as typeof import('../../nodes/TikTok/helpers/chunkPlan.ts');
const { toNodeError } = requireAsN8n(
	'../../nodes/TikTok/actions/router.ts',
) as typeof import('../../nodes/TikTok/actions/router.ts');
const { waitForFinalStatus } = requireAsN8n(
	'../../nodes/TikTok/transport/publishApi.ts',
) as typeof import('../../nodes/TikTok/transport/publishApi.ts');
const { uploadVideoChunks } = requireAsN8n(
	'../../nodes/TikTok/transport/upload.ts',
) as typeof import('../../nodes/TikTok/transport/upload.ts');
const { publishAfterInit } = requireAsN8n(
	'../../nodes/TikTok/actions/shared/publishFlow.ts',
) as typeof import('../../nodes/TikTok/actions/shared/publishFlow.ts');
/** The token service out of reach: a renewal that timed out. */
const tokenTimeout = () =>
	errors.networkFailed(
		'token',
		'https://open.tiktokapis.com/v2/oauth/token/',
		Object.assign(new Error('timeout of 60000ms exceeded'), { code: 'ECONNABORTED' }),
	);
const {
	apiError,
	executionCancelled,
	mayPassLater,
	networkFailed,
	refreshRefused,
	transferFailed,
	uploadRefused,
	TikTokError,
} = errors;

const PUBLISH_ID = 'v_pub_file~v2-1.7300000000000000001';
const node = {
	id: '1',
	name: 'TikTok',
	type: 'n8n-nodes-tiktok-publisher.tikTok',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
} as INode;
/** What the issue forbids once a publish exists. */
const RUN_AGAIN = /run the item again|again to start/i;

/** The item n8n gets with "On Error: Continue": `{ error, details }`. */
function itemOf(error: unknown): { error: string; details: Record<string, unknown> } {
	return toNodeError(node, error, 0).json as { error: string; details: Record<string, unknown> };
}

describe('a failure after TikTok accepted a publish', () => {
	it('when the video never reached TikTok whole, keeps its code and says publishing again is safe, with the publish_id and status', () => {
		const item = itemOf(
			afterInitFailure(uploadRefused(403), {
				publishId: PUBLISH_ID,
				status: { status: 'PROCESSING_UPLOAD', uploaded_bytes: 0 },
				mayPost: false,
			}),
		);
		assert.equal(item.error, 'The TikTok upload link expired');
		assert.deepEqual(
			[
				item.details.code,
				item.details.http_status,
				item.details.publish_id,
				item.details.status,
				item.details.uploaded_bytes,
			],
			['upload_http_403', 403, PUBLISH_ID, 'PROCESSING_UPLOAD', 0],
		);
		assert.match(String(item.details.description), /one hour/);
		assert.match(
			String(item.details.description),
			/Nothing will be posted from this publish \(publish_id v_pub_file~v2-1\.7300000000000000001\).*safe/,
		);
	});

	it('when a post may still come of it, becomes publish_outcome_unknown: cause kept, status UNKNOWN when unread, check Get Status first', () => {
		const item = itemOf(
			afterInitFailure(transferFailed('network_error', 'Could not reach TikTok: socket hang up'), {
				publishId: PUBLISH_ID,
				mayPost: true,
			}),
		);
		assert.match(
			item.error,
			/^TikTok accepted the publish, but its outcome is unknown: Could not reach TikTok: socket hang up$/,
		);
		assert.deepEqual(
			[item.details.code, item.details.cause_code, item.details.status],
			['publish_outcome_unknown', 'network_error', 'UNKNOWN'],
		);
		assert.match(String(item.details.description), /Post → Get Status with that publish_id/);
		assert.match(
			String(item.details.description),
			new RegExp(`publish_id ${PUBLISH_ID.replace(/[.~]/g, '\\$&')}`),
		);
		assert.match(String(item.details.description), /could post it twice/);
	});

	it("names the last status TikTok gave, keeps TikTok's log_id, and keeps the code of a failure that is no TikTokError", () => {
		const busy = apiError('internal_error', '', { logId: 'L42', httpStatus: 500 });
		const item = itemOf(
			afterInitFailure(busy, {
				publishId: PUBLISH_ID,
				status: { status: 'PROCESSING_DOWNLOAD' },
				mayPost: true,
			}),
		);
		assert.deepEqual(
			[item.details.status, item.details.log_id, item.details.cause_code],
			['PROCESSING_DOWNLOAD', 'L42', 'internal_error'],
		);
		assert.match(String(item.details.description), /last status: PROCESSING_DOWNLOAD/);
		const raw = itemOf(
			afterInitFailure(
				Object.assign(new Error('getaddrinfo ENOTFOUND open.tiktokapis.com'), {
					code: 'ENOTFOUND',
				}),
				{ publishId: PUBLISH_ID, mayPost: true },
			),
		);
		assert.equal(raw.details.cause_code, 'ENOTFOUND');
		assert.match(raw.error, /ENOTFOUND/);
	});

	it('puts the fix first when the connection must be reconnected before Get Status can answer', () => {
		const item = itemOf(
			afterInitFailure(refreshRefused('invalid_grant'), { publishId: PUBLISH_ID, mayPost: true }),
		);
		assert.match(String(item.details.description), /Reconnect.*Get Status/s);
		const unreachable = itemOf(
			afterInitFailure(tokenTimeout(), { publishId: PUBLISH_ID, mayPost: true }),
		);
		assert.doesNotMatch(
			String(unreachable.details.description),
			/try again/i,
			'an unreachable token endpoint is no reason to repeat anything',
		);
	});

	it('never says "run the item again", whatever TikTok or the network answered', () => {
		const causes = [
			...Object.keys(errorMap.API_ERRORS).map((code) =>
				apiError(code, 'TikTok said so', { httpStatus: 400 }),
			),
			...Object.keys(errorMap.OAUTH_ERRORS).map((code) => refreshRefused(code)),
			...[400, 403, 404, 416, 500, 502, 503].map((status) => uploadRefused(status)),
			...['network_error', 'upload_failed', 'source_too_short', 'source_too_long'].map((code) =>
				transferFailed(code, 'what happened'),
			),
			...['ENOTFOUND', 'ECONNREFUSED', 'CERT_HAS_EXPIRED', 'ETIMEDOUT', 'ECONNRESET'].flatMap(
				(code) =>
					(['api', 'token', 'upload'] as const).map((target) =>
						networkFailed(
							target,
							'https://open.tiktokapis.com/',
							Object.assign(new Error(code), { code }),
						),
					),
			),
			executionCancelled(),
			new Error('anything else'),
		];
		for (const cause of causes) {
			for (const mayPost of [true, false]) {
				const { description } = afterInitFailure(cause, { publishId: PUBLISH_ID, mayPost }).advice;
				assert.doesNotMatch(
					description,
					RUN_AGAIN,
					`${String((cause as Error).message)} (${String(mayPost)})`,
				);
				assert.ok(description.includes(PUBLISH_ID));
			}
		}
		for (const [reason, advice] of Object.entries(errorMap.FAIL_REASONS))
			assert.doesNotMatch(advice.description, RUN_AGAIN, reason);
		assert.doesNotMatch(errorMap.WAIT_TIMED_OUT_STEP, RUN_AGAIN);
	});

	it('only failures that may pass with time are polled again: no answer, 5xx, 429, the token endpoint out of reach', () => {
		assert.equal(mayPassLater(transferFailed('network_error', 'reset')), true);
		assert.equal(mayPassLater(new Error('certificate has expired')), true);
		assert.equal(mayPassLater(apiError('internal_error', '', { httpStatus: 500 })), true);
		assert.equal(mayPassLater(apiError('http_502', '', { httpStatus: 502 })), true);
		assert.equal(mayPassLater(apiError('rate_limit_exceeded', '', { httpStatus: 429 })), true);
		assert.equal(mayPassLater(tokenTimeout()), true);
		assert.equal(mayPassLater(refreshRefused('invalid_grant')), false);
		assert.equal(mayPassLater(apiError('invalid_publish_id', '', { httpStatus: 400 })), false);
		assert.equal(mayPassLater(apiError('scope_not_authorized', '', { httpStatus: 401 })), false);
	});

	it('a status shows the video received when its byte count reaches it or the publish went past receiving', () => {
		assert.equal(hasReceived({ status: 'PROCESSING_UPLOAD', uploaded_bytes: 1000 }, 1000), true);
		assert.equal(hasReceived({ status: 'PROCESSING_UPLOAD', uploaded_bytes: 999 }, 1000), false);
		assert.equal(hasReceived({ status: 'PUBLISH_COMPLETE' }, 1000), true);
		assert.equal(hasReceived({ status: 'SEND_TO_USER_INBOX' }, 1000), true);
		assert.equal(hasReceived({ status: 'PROCESSING_UPLOAD' }, 1000), false, 'no count: not shown');
		assert.equal(hasReceived(undefined, 1000), false);
	});
});

/** A fake TikTok whose status/fetch answers come from `statuses` in turn (the last one repeats). */
function statusApi(
	statuses: FakeAnswer[],
	upload: (request: FakeRequest) => FakeAnswer = () => ({ status: 206 }),
) {
	return fakeApiContext((request) => {
		if (request.url.pathname !== '/v2/post/publish/status/fetch/') return upload(request);
		return statuses.length > 1 ? (statuses.shift() as FakeAnswer) : statuses[0];
	});
}
const processing = (uploaded?: number) =>
	ok({
		status: 'PROCESSING_UPLOAD',
		publicaly_available_post_id: [],
		...(uploaded === undefined ? {} : { uploaded_bytes: uploaded }),
	});
const complete = ok({ status: 'PUBLISH_COMPLETE', publicaly_available_post_id: [] });
const gateway: FakeAnswer = { status: 502, body: '<html>Bad Gateway</html>' };
const statusCalls = (requests: FakeRequest[]) =>
	requests.filter((r) => r.url.pathname.endsWith('/status/fetch/')).length;

describe('waiting for the final status', () => {
	const quick = { intervalMs: 20, timeoutMs: 2_000, draft: false };

	it('rides out resets and 5xx answers within the wait, one call per interval, and returns the final status', async () => {
		const { ctx, requests } = statusApi([reset(), gateway, reset(), processing(10), complete]);
		const waited = await waitForFinalStatus(ctx, PUBLISH_ID, quick);
		assert.ok('status' in waited);
		assert.equal(waited.status.status, 'PUBLISH_COMPLETE');
		assert.equal(statusCalls(requests), 5, 'no call repeated inside a poll');
	});

	it('when polls fail until the wait ends, returns the failure and the last status seen', async () => {
		const { ctx } = statusApi([processing(10), reset()]);
		const waited = await waitForFinalStatus(ctx, PUBLISH_ID, { ...quick, timeoutMs: 300 });
		assert.ok('failure' in waited);
		assert.equal(waited.lastStatus?.status, 'PROCESSING_UPLOAD');
		assert.ok(waited.polls >= 3, `${waited.polls} polls`);
	});

	it("ends at once on TikTok's refusal, which no waiting changes", async () => {
		const { ctx, requests } = statusApi([
			{
				status: 400,
				body: { data: {}, error: { code: 'invalid_publish_id', message: '', log_id: 'L' } },
			},
		]);
		const waited = await waitForFinalStatus(ctx, PUBLISH_ID, quick);
		assert.ok('failure' in waited && waited.failure instanceof TikTokError);
		assert.equal(statusCalls(requests), 1);
	});

	it('a wait that ends while TikTok still processes returns that status, timed out', async () => {
		const { ctx } = statusApi([processing(10)]);
		const waited = await waitForFinalStatus(ctx, PUBLISH_ID, { ...quick, timeoutMs: 100 });
		assert.ok('status' in waited && waited.timedOut);
	});
});

describe('the publish flow after init', () => {
	const SIZE = 21_000_000;
	const plan = planChunks(SIZE, 10_500_001);
	async function* video() {
		for (let sent = 0; sent < SIZE; sent += 1_500_000) yield Buffer.alloc(1_500_000, 7);
	}
	const init = {
		publish_id: PUBLISH_ID,
		upload_url: 'https://upload.test/upload/?upload_id=1',
		issuedAt: Date.now(),
		pacedMs: 0,
	};
	const wait = { wait: true, intervalMs: 20, timeoutMs: 2_000 };
	/** Upload answers in turn (206 once they run out). */
	const chunks = (answers: FakeAnswer[]) => () => answers.shift() ?? { status: 206 };
	function run(ctx: Parameters<typeof publishAfterInit>[0], options: { wait?: typeof wait } = {}) {
		return publishAfterInit(ctx, init, {
			wait: options.wait ?? wait,
			draft: false,
			kind: 'video',
			upload: {
				plan,
				send: async (delivery) =>
					await uploadVideoChunks(
						ctx,
						init.upload_url,
						plan,
						video(),
						'video/mp4',
						init.issuedAt,
						delivery,
					),
			},
		});
	}
	async function failure(
		promise: Promise<unknown>,
	): Promise<{ error: string; details: Record<string, unknown> }> {
		const error = await promise.then(
			() => assert.fail('expected a failure'),
			(e: unknown) => e,
		);
		return itemOf(error);
	}

	it('final chunk received, answer lost, retry 404: asks status/fetch, carries on and reports PUBLISH_COMPLETE', async () => {
		const { ctx, requests } = statusApi(
			[processing(SIZE), complete],
			chunks([{ status: 206 }, reset(), { status: 404 }]),
		);
		const { output, upload } = await run(ctx);
		assert.equal((output as IDataObject).status, 'PUBLISH_COMPLETE');
		assert.deepEqual([upload?.chunks, upload?.retries], [2, 1]);
		assert.equal(requests.filter((r) => r.method === 'PUT').length, 3);
	});

	it("an upload that failed before the final chunk reports the publish_id, TikTok's status and that publishing again is safe", async () => {
		const { ctx } = statusApi([processing(0)], chunks([{ status: 400 }]));
		const item = await failure(run(ctx));
		assert.deepEqual(
			[item.details.code, item.details.publish_id, item.details.status],
			['upload_http_400', PUBLISH_ID, 'PROCESSING_UPLOAD'],
		);
		assert.match(String(item.details.description), /Nothing will be posted/);
	});

	it('a final chunk that may have arrived, with TikTok unreachable, is publish_outcome_unknown with status UNKNOWN', async () => {
		// A certificate TikTok's API host fails with is not retried, which keeps this test quick.
		const { ctx, requests } = statusApi(
			[new Error('certificate has expired')],
			chunks([{ status: 206 }, reset(), { status: 404 }]),
		);
		const item = await failure(run(ctx));
		assert.deepEqual(
			[item.details.code, item.details.cause_code, item.details.status],
			['publish_outcome_unknown', 'upload_http_404', 'UNKNOWN'],
		);
		assert.match(String(item.details.description), /Get Status/);
		assert.equal(
			statusCalls(requests),
			1,
			'the status the upload stopped on is not asked for twice',
		);
	});

	it('polling that fails through the whole wait keeps the publish_id and the last status', async () => {
		const { ctx } = statusApi([processing(SIZE), gateway]);
		const item = await failure(run(ctx, { wait: { ...wait, timeoutMs: 200 } }));
		assert.deepEqual(
			[item.details.code, item.details.status, item.details.publish_id],
			['publish_outcome_unknown', 'PROCESSING_UPLOAD', PUBLISH_ID],
		);
	});

	it('a wait that timed out is a success item with the status, the publish_id and a next step that is no re-run', async () => {
		const { ctx } = statusApi([processing(SIZE)]);
		const { output } = await run(ctx, { wait: { ...wait, timeoutMs: 100 } });
		assert.deepEqual(
			[output.publish_id, output.status, output.wait_timed_out],
			[PUBLISH_ID, 'PROCESSING_UPLOAD', true],
		);
		assert.match(String(output.next_step), /Get Status/);
	});

	it('a cancelled execution says so, with the publish_id, and does not claim nothing was posted', async () => {
		const fake = statusApi([processing(SIZE)]);
		const waiting = run(fake.ctx);
		setTimeout(fake.cancel, 50);
		const item = await failure(waiting);
		assert.deepEqual(
			[item.details.code, item.details.cause_code, item.details.publish_id],
			['publish_outcome_unknown', 'execution_cancelled', PUBLISH_ID],
		);
		assert.match(item.error, /The execution was cancelled/);
		// n8n drops a stopped execution's output: its log keeps the publish_id.
		assert.equal(fake.warnings.length, 1);
		assert.ok(
			fake.warnings[0].includes(PUBLISH_ID) && /Get Status/.test(fake.warnings[0]),
			fake.warnings[0],
		);
	});
});
