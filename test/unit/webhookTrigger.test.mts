/**
 * The TikTok Trigger's rules without n8n: envelope parsing (19-digit ids, `content` parsed twice), reasons in
 * words, the duplicate key and memory, and `receive` (what each delivery answers and whether it starts a run)
 * on a stand-in for n8n's webhook context.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { beforeEach, describe, it, mock } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';

import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import {
	dedupKey,
	parseEnvelope,
	toTriggerItem,
} from '../../nodes/TikTok/helpers/webhookEnvelope.ts';
import {
	REMOVAL_REASONS,
	WEBHOOK_EVENTS,
	isSelected,
	removalReasonText,
} from '../../nodes/TikTok/helpers/webhookEvents.ts';
import { MAX_WEBHOOK_BODY_BYTES } from '../../nodes/TikTok/helpers/webhookGate.ts';
import { VECTOR_A } from '../fixtures/webhookVectors.mts';
import { requireAsN8n } from './commonjs.mts';

// The trigger and the memory it uses, as n8n loads them (one shared CommonJS copy).
const { MAX_REMEMBERED_DELIVERIES, forgetWebhookMemory, isFirstDelivery, rememberUsername } =
	requireAsN8n(
		'../../nodes/TikTok/transport/webhookMemory.ts',
	) as typeof import('../../nodes/TikTok/transport/webhookMemory.ts');
const { TikTokTrigger } = requireAsN8n(
	'../../nodes/TikTokTrigger/TikTokTrigger.node.ts',
) as typeof import('../../nodes/TikTokTrigger/TikTokTrigger.node.ts');

const SECRET = 'trigger_secret';
const CLIENT_KEY = 'trigger_client';
const OPEN_ID = 'oid_own';

function envelope(event: string, content: string, overrides: IDataObject = {}): string {
	return JSON.stringify({
		client_key: CLIENT_KEY,
		event,
		create_time: 1715000000,
		user_openid: OPEN_ID,
		content,
		...overrides,
	});
}

const PUBLIC = envelope(
	'post.publish.publicly_available',
	'{"publish_id":"v_pub_url~v2.7360000000000000001","post_id":7360000000000000123,"publish_type":"DIRECT_PUBLISH"}',
);

describe('webhook envelope', () => {
	it('parses content a second time and keeps a raw 19-digit post_id exact, as a string', () => {
		const parsed = parseEnvelope(PUBLIC);
		assert.ok(parsed.ok);
		assert.equal(parsed.envelope.content.post_id, '7360000000000000123');
		const item = toTriggerItem(parsed.envelope, { dedup_key: 'k', username: 'public_creator' });
		assert.equal(item.post_id, '7360000000000000123');
		assert.equal(item.post_url, 'https://www.tiktok.com/@public_creator/video/7360000000000000123');
		assert.equal(item.create_time, '2024-05-06T12:53:20.000Z');
		assert.equal(item.open_id, OPEN_ID);
		assert.equal(item.publish_id, 'v_pub_url~v2.7360000000000000001');
		assert.equal(item.event_name, 'Post Public');
		assert.equal((item.content as IDataObject).post_id, '7360000000000000123');
	});

	it('a quoted post_id stays as it is; photos get a /photo/ URL; no username → no URL', () => {
		const parsed = parseEnvelope(
			envelope(
				'post.publish.publicly_available',
				'{"publish_id":"p_pub_url~v2.1","post_id":"7360000000000000001"}',
			),
		);
		assert.ok(parsed.ok);
		assert.equal(
			toTriggerItem(parsed.envelope, { dedup_key: 'k', username: 'me' }).post_url,
			'https://www.tiktok.com/@me/photo/7360000000000000001',
		);
		assert.equal(toTriggerItem(parsed.envelope, { dedup_key: 'k' }).post_url, undefined);
	});

	it("authorization.removed reasons 0–5 in words; a failed publish gets the error map's message and fix", () => {
		assert.deepEqual(Object.keys(REMOVAL_REASONS).map(Number), [0, 1, 2, 3, 4, 5]);
		const removed = parseEnvelope(
			VECTOR_A.body
				.replace('post.publish.inbox_delivered', 'authorization.removed')
				.replace(/"content":".*"\}$/, '"content":"{\\"reason\\": 1 }"}'),
		);
		assert.ok(removed.ok);
		const item = toTriggerItem(removed.envelope, { dedup_key: 'k' });
		assert.equal(item.reason, 1);
		assert.equal(item.reason_text, 'The user disconnected the app in TikTok');
		assert.equal(removalReasonText(5), 'The app revoked the authorization (developer revoke)');
		assert.equal(removalReasonText(9), 'Unknown reason (9)');
		const failed = parseEnvelope(
			envelope(
				'post.publish.failed',
				'{"publish_id":"v_pub_url~v2.1","reason":"video_pull_failed","publish_type":"DIRECT_PUBLISH"}',
			),
		);
		assert.ok(failed.ok);
		const failedItem = toTriggerItem(failed.envelope, { dedup_key: 'k' });
		assert.equal(failedItem.reason, 'video_pull_failed');
		assert.equal(failedItem.reason_text, 'TikTok could not download the video from the URL');
		assert.match(String(failedItem.reason_fix), /public/);
	});

	it('refuses what is not an envelope; selection knows "*" and only documented events', () => {
		assert.equal(parseEnvelope('not json').ok, false);
		assert.equal(parseEnvelope('[1]').ok, false);
		assert.equal(parseEnvelope('{"content":"{}"}').ok, false);
		assert.equal(isSelected('post.publish.failed', ['*']), true);
		assert.equal(isSelected('portal.test', ['*']), false);
		assert.equal(isSelected('post.publish.failed', ['post.publish.complete']), false);
		assert.ok(
			WEBHOOK_EVENTS.some((event) => event.value === 'post.publish.no_longer_publicaly_available'),
			"TikTok's spelling",
		);
	});

	it('the duplicate key ignores the signature time and whitespace outside content, and differs for anything else', async () => {
		const key = async (body: string) => {
			const parsed = parseEnvelope(body);
			assert.ok(parsed.ok);
			return await dedupKey(parsed.envelope);
		};
		const base = await key(PUBLIC);
		assert.match(base, /^[0-9a-f]{64}$/);
		assert.equal(await key(JSON.stringify(JSON.parse(PUBLIC), null, 2)), base);
		assert.notEqual(await key(PUBLIC.replace('1715000000', '1715000001')), base);
		assert.notEqual(await key(PUBLIC.replace(OPEN_ID, 'oid_other')), base);
		assert.notEqual(await key(PUBLIC.replace('0123', '0124')), base);
	});
});

describe('duplicate memory', () => {
	beforeEach(() => forgetWebhookMemory());

	it('passes a key once per window, per trigger; 0 disables; old keys expire', () => {
		assert.equal(isFirstDelivery('wf1 T', 'a', 60_000, 1000), true);
		assert.equal(isFirstDelivery('wf1 T', 'a', 60_000, 2000), false);
		assert.equal(
			isFirstDelivery('wf2 T', 'a', 60_000, 2000),
			true,
			'another trigger has its own memory',
		);
		assert.equal(isFirstDelivery('wf1 T', 'a', 60_000, 61_001), true, 'after the window');
		assert.equal(isFirstDelivery('wf1 T', 'b', 0, 1), true);
		assert.equal(isFirstDelivery('wf1 T', 'b', 0, 1), true);
	});

	it('keeps at most MAX_REMEMBERED_DELIVERIES per trigger, forgetting the oldest', () => {
		for (let i = 0; i <= MAX_REMEMBERED_DELIVERIES; i++)
			isFirstDelivery('t', `k${i}`, 3_600_000, 1000);
		assert.equal(isFirstDelivery('t', 'k0', 3_600_000, 1000), true, 'the oldest was forgotten');
		assert.equal(isFirstDelivery('t', `k${MAX_REMEMBERED_DELIVERIES}`, 3_600_000, 1000), false);
	});
});

interface FakeRequest {
	body: string | Buffer;
	signature?: string;
	parameters?: IDataObject;
	credentials?: IDataObject;
	/** The Token Store's record; by default it holds a valid chain of this credential. */
	store?: IDataObject;
	creatorInfo?: IDataObject | Error;
}

/** Requests to TikTok's token endpoint: the trigger must never make one. */
let tokenRequests = 0;

const validStore = (): IDataObject => ({
	credentialId: 'cred1',
	grantRefreshToken: 'rt',
	tokens: JSON.stringify({
		access_token: 'at.2',
		refresh_token: 'rt.2',
		n8n_expires_at: String(Date.now() + 3_600_000),
	}),
});

/** Lets the background username lookup finish. */
const settled = async () => await new Promise((resolve) => setTimeout(resolve, 20));

/** `receive` on a stand-in webhook context; returns n8n's answer and what was written to the response. */
async function deliver(request: FakeRequest): Promise<{
	result: IWebhookResponseData;
	status?: number;
	sent?: unknown;
	creatorCalls: number;
}> {
	const response: { status?: number; sent?: unknown } = {};
	let creatorCalls = 0;
	const parameters: IDataObject = {
		events: ['*'],
		accounts: 'credential',
		options: {},
		...request.parameters,
	};
	const credentials: IDataObject = {
		clientId: CLIENT_KEY,
		clientSecret: SECRET,
		apiBaseUrl: 'https://api.example',
		oauthTokenData: { access_token: 'at', refresh_token: 'rt', open_id: OPEN_ID },
		...request.credentials,
	};
	const store = request.store ?? validStore();
	const ctx = {
		getCredentials: async (type: string) => (type === 'tikTokTokenStoreApi' ? store : credentials),
		getNodeParameter: (name: string, fallback: unknown) => parameters[name] ?? fallback,
		getRequestObject: () => ({
			rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body),
		}),
		getHeaderData: () =>
			request.signature === undefined ? {} : { 'tiktok-signature': request.signature },
		getResponseObject: () => ({
			status(code: number) {
				response.status = code;
				return { json: (body: unknown) => (response.sent = body) };
			},
		}),
		getWorkflow: () => ({ id: 'wf' }),
		getNode: () => ({
			name: 'TikTok Trigger',
			credentials: {
				tikTokOAuth2Api: { id: 'cred1', name: 'TikTok' },
				tikTokTokenStoreApi: { id: 'store1', name: 'Store' },
			},
		}),
		getMode: () => 'webhook',
		logger: { warn: () => undefined },
		helpers: {
			httpRequest: async (options: { url: string; headers?: IDataObject }) => {
				if (options.url.includes('/oauth/')) tokenRequests++;
				creatorCalls++;
				assert.equal(options.headers?.Authorization, 'Bearer at.2', "the chain's current token");
				if (request.creatorInfo instanceof Error) throw request.creatorInfo;
				return {
					statusCode: 200,
					headers: {},
					body: JSON.stringify({
						data: request.creatorInfo ?? { creator_username: 'own_user' },
						error: { code: 'ok' },
					}),
				};
			},
		},
	} as unknown as IWebhookFunctions;
	const result = await new TikTokTrigger().webhook.call(ctx);
	return { result, ...response, creatorCalls };
}

function sign(body: string | Buffer, t = Math.floor(Date.now() / 1000)): string {
	return `t=${t},s=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
}

const started = (result: IWebhookResponseData) =>
	result.workflowData?.[0]?.map((item) => item.json) ?? [];

describe('TikTok Trigger: one delivery', () => {
	beforeEach(() => forgetWebhookMemory());

	it("a signed event starts one execution at once; the account's username, looked up in the background with the chain's current token, gives the next events their post URL", async () => {
		const first = await deliver({ body: PUBLIC, signature: sign(PUBLIC) });
		const [item] = started(first.result);
		assert.equal(item.event, 'post.publish.publicly_available');
		assert.equal(item.post_id, '7360000000000000123');
		assert.equal(item.post_url, undefined, 'not waiting on TikTok: the username is not known yet');
		await settled();
		const again = await deliver({
			body: PUBLIC.replace('0123', '0124'),
			signature: sign(PUBLIC.replace('0123', '0124')),
		});
		assert.equal(
			started(again.result)[0].post_url,
			'https://www.tiktok.com/@own_user/video/7360000000000000124',
		);
		assert.equal(again.creatorCalls, 0, 'the username is remembered');
		assert.equal(tokenRequests, 0);
	});

	it('a username the TikTok node learnt in this process gives the first event its post URL, without any TikTok call', async () => {
		rememberUsername('cred1', OPEN_ID, 'known_user');
		const { result, creatorCalls } = await deliver({ body: PUBLIC, signature: sign(PUBLIC) });
		assert.equal(
			started(result)[0].post_url,
			'https://www.tiktok.com/@known_user/video/7360000000000000123',
		);
		assert.equal(creatorCalls, 0);
	});

	it("without a valid token (expired, another credential's chain, or an empty store with an expired grant) the trigger never renews: no lookup, the event still starts", async () => {
		const expired = {
			...validStore(),
			tokens: JSON.stringify({ access_token: 'at.2', refresh_token: 'rt.2', n8n_expires_at: '1' }),
		};
		for (const store of [expired, { ...validStore(), credentialId: 'cred2' }, {}]) {
			forgetWebhookMemory();
			const { result, creatorCalls } = await deliver({
				body: PUBLIC,
				signature: sign(PUBLIC),
				store,
				credentials: {
					oauthTokenData: {
						access_token: 'at',
						refresh_token: 'rt',
						open_id: OPEN_ID,
						n8n_expires_at: '1',
					},
				},
			});
			await settled();
			assert.equal(started(result)[0].post_id, '7360000000000000123');
			assert.equal(creatorCalls, 0);
		}
		assert.equal(tokenRequests, 0);
	});

	it("Accounts: The Credential's Account with a grant that has no open_id starts nothing (it cannot tell the account's events apart)", async () => {
		const { result } = await deliver({
			body: PUBLIC,
			signature: sign(PUBLIC),
			credentials: { oauthTokenData: { access_token: 'at', refresh_token: 'rt' } },
		});
		assert.equal(result.workflowData, undefined);
		assert.match(JSON.stringify(result.webhookResponse), /open_id/);
	});

	it('a missing, invalid or stale signature answers 401 and starts nothing', async () => {
		// Tampered: the first hex digit of the signature changed (to 1 when it was 0, so it always differs).
		const tampered = sign(PUBLIC).replace(
			/s=(.)/,
			(_, digit: string) => `s=${digit === '0' ? '1' : '0'}`,
		);
		for (const signature of [
			undefined,
			tampered,
			sign(PUBLIC, Math.floor(Date.now() / 1000) - 301),
			'nonsense',
		]) {
			const { result, status } = await deliver({ body: PUBLIC, signature });
			assert.equal(status, 401, String(signature));
			assert.deepEqual(result, { noWebhookResponse: true });
		}
		const tolerant = await deliver({
			body: PUBLIC,
			signature: sign(PUBLIC, Math.floor(Date.now() / 1000) - 301),
			parameters: { options: { signatureToleranceSec: 600 } },
		});
		assert.equal(started(tolerant.result).length, 1, 'the tolerance is an option');
	});

	it('a duplicate delivery (same content, re-signed later) starts nothing and answers 200', async () => {
		assert.equal(
			started((await deliver({ body: PUBLIC, signature: sign(PUBLIC) })).result).length,
			1,
		);
		const repeat = await deliver({
			body: PUBLIC,
			signature: sign(PUBLIC, Math.floor(Date.now() / 1000) + 5),
		});
		assert.equal(repeat.result.workflowData, undefined);
		assert.match(String((repeat.result.webhookResponse as IDataObject).why), /repeat/);
		const off = await deliver({
			body: PUBLIC,
			signature: sign(PUBLIC),
			parameters: { options: { dedupWindowMinutes: 0 } },
		});
		assert.equal(started(off.result).length, 1, 'window 0 starts every delivery');
	});

	it("the portal's unsigned Test URL request gets 200 and starts nothing; a signed unknown event too", async () => {
		const test = JSON.stringify({
			client_key: CLIENT_KEY,
			event: 'test',
			create_time: 1,
			content: '{}',
		});
		const unsigned = await deliver({ body: test });
		assert.equal(unsigned.status, undefined);
		assert.equal(unsigned.result.workflowData, undefined);
		assert.equal((unsigned.result.webhookResponse as IDataObject).received, true);
		assert.equal(
			(await deliver({ body: test, signature: sign(test) })).result.workflowData,
			undefined,
		);
		assert.equal(
			(await deliver({ body: test, signature: 't=1,s=00' })).status,
			401,
			'a bad signature is refused whatever the event',
		);
	});

	it("keeps only chosen events and the credential's account unless All Accounts; ignores another app", async () => {
		const other = PUBLIC.replace(OPEN_ID, 'oid_other');
		assert.equal(
			(await deliver({ body: other, signature: sign(other) })).result.workflowData,
			undefined,
		);
		const all = await deliver({
			body: other,
			signature: sign(other),
			parameters: { accounts: 'all' },
		});
		const [item] = started(all.result);
		assert.equal(item.open_id, 'oid_other');
		assert.equal(item.post_url, undefined, "another account's username is unknown");
		assert.equal(all.creatorCalls, 0);
		const notChosen = await deliver({
			body: PUBLIC,
			signature: sign(PUBLIC),
			parameters: { events: ['post.publish.failed'] },
		});
		assert.equal(notChosen.result.workflowData, undefined);
		const otherApp = PUBLIC.replace(CLIENT_KEY, 'someone_else');
		assert.equal(
			(await deliver({ body: otherApp, signature: sign(otherApp) })).result.workflowData,
			undefined,
		);
	});

	it('when TikTok does not answer the username lookup the event still starts, without a post URL', async () => {
		const { result } = await deliver({
			body: PUBLIC,
			signature: sign(PUBLIC),
			creatorInfo: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
		});
		const [item] = started(result);
		assert.equal(item.post_id, '7360000000000000123');
		assert.equal(item.post_url, undefined);
	});
});

/** `deliver`, with the milliseconds it took (an upper bound of the event-loop time the node spent on it). */
async function timedDelivery(request: FakeRequest) {
	const started = performance.now();
	const delivered = await deliver(request);
	return { ...delivered, ms: performance.now() - started };
}

/** Counts HMACs (Web Crypto) and JSON parses while `body` runs. */
async function counting<T>(body: () => Promise<T>): Promise<T & { hmacs: number; parses: number }> {
	const sign = mock.method(crypto.subtle, 'sign');
	const verify = mock.method(crypto.subtle, 'verify');
	const parse = mock.method(JSON, 'parse');
	try {
		const result = await body();
		return {
			...result,
			hmacs: sign.mock.callCount() + verify.mock.callCount(),
			parses: parse.mock.callCount(),
		};
	} finally {
		sign.mock.restore();
		verify.mock.restore();
		parse.mock.restore();
	}
}

/**
 * What n8n hands the trigger for a 16 KiB gzip request: it inflates bodies up to 16 MB before the node sees them.
 * Digits are what the old big-integer quoting worked hardest on (4.9 s before the checks came first).
 */
function inflatedBomb(): { body: Buffer; gzipped: number } {
	const digits = Array.from({ length: (16 * 1024 * 1024) / 21 }, () => '12345678901234567890');
	const text = `{"event":"post.publish.failed","content":"{}","pad":[${digits.join(',')}]}`;
	const gzipped = gzipSync(text);
	return { body: gunzipSync(gzipped), gzipped: gzipped.length };
}

describe('TikTok Trigger: a hostile request costs nothing', () => {
	beforeEach(() => forgetWebhookMemory());
	const nowSec = () => Math.floor(Date.now() / 1000);

	it('a 16 MiB body (gzip-inflated by n8n) → 413 in under 50 ms, no HMAC, no parsing, nothing started', async (t) => {
		const { body, gzipped } = inflatedBomb();
		assert.ok(
			body.length >= 16 * 1024 * 1024 && gzipped < 64 * 1024,
			`${body.length} / ${gzipped}`,
		);
		await deliver({ body: PUBLIC, signature: sign(PUBLIC) }); // the first call loads the modules
		for (const signature of [undefined, `t=${nowSec()},s=${'0'.repeat(64)}`, sign(body)]) {
			const run = await counting(async () => await timedDelivery({ body, signature }));
			t.diagnostic(
				`16 MiB body (${gzipped} bytes gzipped), ${signature === undefined ? 'unsigned' : 'signed'}: ${run.ms.toFixed(2)} ms`,
			);
			assert.equal(run.status, 413);
			assert.match(String((run.sent as IDataObject).message), /more than the 65536 bytes/);
			assert.deepEqual(run.result, { noWebhookResponse: true });
			assert.equal(run.hmacs, 0);
			assert.equal(run.parses, 0);
			assert.ok(run.ms < 50, `${run.ms} ms`);
		}
	});

	it('a 240-candidate header on the largest body allowed → 401 in under 50 ms, no HMAC, no parsing', async (t) => {
		const body = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES, ' ');
		const candidates = Array.from(
			{ length: 240 },
			(_, i) => `s=${createHmac('sha256', 'guess').update(String(i)).digest('hex')}`,
		).join(',');
		await deliver({ body: PUBLIC, signature: sign(PUBLIC) });
		for (const t0 of [nowSec(), nowSec() - 3 * 3600]) {
			const run = await counting(
				async () => await timedDelivery({ body, signature: `t=${t0},${candidates}` }),
			);
			t.diagnostic(
				`240 candidates (${candidates.length} characters), t ${nowSec() - t0} s old: ${run.ms.toFixed(2)} ms`,
			);
			assert.equal(run.status, 401);
			assert.equal(run.hmacs, 0);
			assert.equal(run.parses, 0);
			assert.ok(run.ms < 50, `${run.ms} ms`);
		}
	});

	it('a stale t → 401 without an HMAC; a forged signature costs one HMAC and no parsing', async () => {
		const stale = await counting(
			async () => await deliver({ body: PUBLIC, signature: sign(PUBLIC, nowSec() - 301) }),
		);
		assert.equal(stale.status, 401);
		assert.match(String((stale.sent as IDataObject).message), /301 s away from now/);
		assert.equal(stale.hmacs, 0);
		assert.equal(stale.parses, 0);
		const forged = await counting(
			async () =>
				await deliver({
					body: PUBLIC,
					signature: `t=${nowSec()},s=${'0'.repeat(64)},s=${'1'.repeat(64)}`,
				}),
		);
		assert.equal(forged.status, 401);
		assert.equal(forged.hmacs, 1);
		assert.equal(forged.parses, 0);
	});

	it("the portal's unsigned test and an unsigned event are told apart without parsing", async () => {
		const test = await counting(
			async () => await deliver({ body: '{"client_key":"x","event":"test","content":"{}"}' }),
		);
		assert.equal(test.status, undefined);
		assert.equal((test.result.webhookResponse as IDataObject).started, false);
		const unsignedEvent = await counting(async () => await deliver({ body: PUBLIC }));
		assert.equal(unsignedEvent.status, 401);
		assert.equal(test.parses + unsignedEvent.parses + test.hmacs + unsignedEvent.hmacs, 0);
	});

	it('an authentic delivery of exactly the size limit still starts its execution', async () => {
		const padded = Buffer.from(PUBLIC.padEnd(MAX_WEBHOOK_BODY_BYTES, ' '));
		assert.equal(padded.length, MAX_WEBHOOK_BODY_BYTES);
		assert.equal(
			started((await deliver({ body: padded, signature: sign(padded) })).result).length,
			1,
		);
		const over = Buffer.concat([padded, Buffer.from(' ')]);
		assert.equal((await deliver({ body: over, signature: sign(over) })).status, 413);
	});
});
