/**
 * The webhook sender (webhooks.mts): TikTok's signature (checked against the reference's worked vectors), the
 * envelope, the callback URL rule, delivery and retries, duplicates and signature faults on demand, and the
 * events each flow sends (direct, draft, photo, failure, moderation, disconnects).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { VECTOR_A, VECTOR_B, VECTOR_SECRET } from '../fixtures/webhookVectors.mts';
import { DEFAULT_CLIENT_SECRET, type TikTokEmulator, type WebhookDelivery } from './index.mts';
import { jpegSource, mp4Source } from './media.mts';
import type { MediaServer } from './mediaServer.mts';
import {
	api,
	directFileBody,
	photoBody,
	pollToEnd,
	postForm,
	putChunk,
	startTestEmulator,
	type TestEmulator,
} from './testkit.mts';
import { checkCallbackUrl, envelopeBody, signWebhook, signatureHeader } from './webhooks.mts';

interface Received {
	body: string;
	headers: http.IncomingHttpHeaders;
}

/** A callback endpoint answering from `script` (200 once it runs out), recording every request. */
async function startReceiver(script: number[] = []) {
	const received: Received[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
			res.statusCode = script.shift() ?? 200;
			res.end('ok');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
	return {
		url,
		received,
		script,
		stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function verifies(received: Received, secret = DEFAULT_CLIENT_SECRET): boolean {
	const match = /^t=(\d+),s=([0-9a-f]{64})$/.exec(String(received.headers['tiktok-signature']));
	return (
		match !== null &&
		createHmac('sha256', secret).update(`${match[1]}.${received.body}`).digest('hex') === match[2]
	);
}

const events = (received: Received[]) =>
	received.map((r) => (JSON.parse(r.body) as { event: string }).event);
const contentOf = (r: Received) =>
	JSON.parse((JSON.parse(r.body) as { content: string }).content) as Record<string, unknown>;

describe('webhook signing and envelope (pure)', () => {
	it('signs the reference vectors A and B', () => {
		assert.equal(signWebhook(VECTOR_SECRET, VECTOR_A.t, VECTOR_A.body), VECTOR_A.signature);
		assert.equal(signWebhook(VECTOR_SECRET, VECTOR_B.t, VECTOR_B.body), VECTOR_B.signature);
		assert.equal(
			signatureHeader(VECTOR_SECRET, VECTOR_A.body, 'valid', 1715000000_000),
			`t=${VECTOR_A.t},s=${VECTOR_A.signature}`,
		);
	});

	it('rebuilds vector A byte for byte: compact JSON, content a JSON string', () => {
		const body = envelopeBody({
			clientKey: 'bwo2m45353a6k85',
			event: 'post.publish.inbox_delivered',
			createTime: 1715000000,
			openId: '-000abcEXAMPLEopenid',
			content: { publish_id: 'v_inbox_file~v2.7360000000000000001', publish_type: 'INBOX_SHARE' },
		});
		assert.equal(body, VECTOR_A.body);
	});

	it('writes a 19-digit post_id as a raw JSON number by default, or as a string', () => {
		const fields = {
			clientKey: 'k',
			event: 'post.publish.publicly_available',
			createTime: 1,
			openId: 'o',
			content: { publish_id: 'v', post_id: '7300000000000000001' },
		};
		assert.match(JSON.parse(envelopeBody(fields)).content, /"post_id":7300000000000000001[,}]/);
		assert.match(
			JSON.parse(envelopeBody(fields, 'string')).content,
			/"post_id":"7300000000000000001"/,
		);
	});

	it('forged, stale and missing signatures on demand', () => {
		const now = 1715000000_000;
		assert.notEqual(
			signatureHeader(VECTOR_SECRET, VECTOR_A.body, 'forged', now),
			`t=${VECTOR_A.t},s=${VECTOR_A.signature}`,
		);
		assert.equal(
			signatureHeader(VECTOR_SECRET, VECTOR_A.body, 'stale', now)?.startsWith(
				`t=${1715000000 - 3600},`,
			),
			true,
		);
		assert.equal(signatureHeader(VECTOR_SECRET, VECTOR_A.body, 'missing', now), null);
	});

	it('the callback URL must be https (http only on loopback when allowed)', () => {
		assert.equal(checkCallbackUrl('https://n8n.example.com/webhook/x', ['https']), null);
		assert.equal(
			checkCallbackUrl('http://127.0.0.1:5678/webhook/x', ['https', 'http-loopback']),
			null,
		);
		assert.match(
			String(checkCallbackUrl('http://n8n.example.com/webhook/x', ['https', 'http-loopback'])),
			/HTTPS/,
		);
		assert.match(String(checkCallbackUrl('http://127.0.0.1:5678/x', ['https'])), /HTTPS/);
	});
});

describe('webhook delivery', () => {
	let test: TestEmulator;
	let emu: TikTokEmulator;
	let receiver: Awaited<ReturnType<typeof startReceiver>>;
	let media: MediaServer;
	let token: string;

	beforeEach(async () => {
		test = await startTestEmulator({ webhooks: { retryDelaysMs: [20, 40, 80] } }, { media: true });
		({ emu, token } = test);
		media = test.media as MediaServer;
		receiver = await startReceiver();
		emu.webhooks.setCallbackUrl(receiver.url);
	});
	afterEach(async () => {
		await test.stop();
		await receiver.stop();
	});

	it('POSTs application/json with a valid TikTok-Signature; one attempt on 200', async () => {
		const [delivery] = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 1 },
		});
		await emu.webhooks.settled();
		assert.equal(receiver.received.length, 1);
		assert.equal(receiver.received[0].headers['content-type'], 'application/json');
		assert.ok(verifies(receiver.received[0]));
		assert.equal(delivery.outcome, 'delivered');
		assert.equal(delivery.attempts.length, 1);
		const envelope = JSON.parse(receiver.received[0].body);
		assert.deepEqual(Object.keys(envelope), [
			'client_key',
			'event',
			'create_time',
			'user_openid',
			'content',
		]);
		assert.equal(typeof envelope.content, 'string');
	});

	it('retries anything but 200 (a 201 too) with backoff, re-signed; drops after the schedule', async () => {
		receiver.script.push(500, 201, 401);
		const [delivery] = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 1 },
		});
		await emu.webhooks.settled();
		assert.deepEqual(
			delivery.attempts.map((a) => a.status),
			[500, 201, 401, 200],
		);
		assert.equal(delivery.outcome, 'delivered');
		assert.ok(
			receiver.received.every((r) => r.body === receiver.received[0].body),
			'the same body every time',
		);
		const gaps = delivery.attempts.slice(1).map((a, i) => a.at - delivery.attempts[i].at);
		assert.ok(gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 78, `backoff ${gaps}`);

		receiver.script.push(500, 500, 500, 500);
		const [dropped] = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 2 },
		});
		await emu.webhooks.settled();
		assert.equal(dropped.attempts.length, 4);
		assert.equal(dropped.outcome, 'dropped');
	});

	it('retries resend the first header when resignRetries is off; a refused connection counts as a failure', async () => {
		emu.config.webhooks.resignRetries = false;
		receiver.script.push(503);
		const [delivery] = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 1 },
		});
		await emu.webhooks.settled();
		assert.equal(delivery.attempts[0].signatureHeader, delivery.attempts[1].signatureHeader);

		emu.webhooks.setCallbackUrl('http://127.0.0.1:1/nothing-listens');
		const [refused] = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 1 },
		});
		await emu.webhooks.settled();
		assert.equal(refused.outcome, 'dropped');
		assert.ok(refused.attempts.every((a) => a.status === null && a.error));
	});

	it('duplicates and bad signatures on demand, or for every event by config', async () => {
		const sent = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 1 },
			duplicate: true,
		});
		await emu.webhooks.settled();
		assert.deepEqual(
			sent.map((d) => d.copy),
			['original', 'duplicate'],
		);
		assert.equal(receiver.received[0].body, receiver.received[1].body);
		assert.ok(receiver.received.every((r) => verifies(r)));

		for (const signature of ['forged', 'stale', 'missing'] as const)
			emu.webhooks.send('authorization.removed', {
				openId: 'oid',
				content: { reason: 1 },
				signature,
			});
		await emu.webhooks.settled();
		const [forged, stale, missing] = receiver.received.slice(2);
		assert.equal(verifies(forged), false);
		assert.ok(verifies(stale), 'authentic but old');
		assert.ok(
			Number(/t=(\d+)/.exec(String(stale.headers['tiktok-signature']))?.[1]) <
				Date.now() / 1000 - 3000,
		);
		assert.equal(missing.headers['tiktok-signature'], undefined);

		emu.config.webhooks.duplicate = true;
		emu.config.webhooks.signature = 'forged';
		const both = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 3 },
		});
		await emu.webhooks.settled();
		assert.equal(both.length, 2);
		assert.ok(receiver.received.slice(5).every((r) => !verifies(r)));
	});

	it("the portal's Test URL sends the configured test payload, signed", async () => {
		const [test] = emu.webhooks.sendTest();
		await emu.webhooks.settled();
		assert.equal(test.copy, 'test');
		assert.equal(JSON.parse(receiver.received[0].body).event, 'webhook.test');
		assert.ok(verifies(receiver.received[0]));
	});

	async function uploadDirect(info: Record<string, unknown> = {}, inbox = false): Promise<string> {
		const size = 1000;
		const r = inbox
			? await api(emu, 'inbox/video/init', token, { source_info: directFileBody(size).source_info })
			: await api(emu, 'video/init', token, directFileBody(size, size, 1, info));
		assert.equal(r.status, 200, r.text);
		assert.equal(
			(await putChunk(r.json.data.upload_url, mp4Source({ size, durationSec: 3 }), 0, size - 1))
				.status,
			201,
		);
		return r.json.data.publish_id as string;
	}

	it('direct post: complete, then publicly_available with the 19-digit post id (raw number) once moderated', async () => {
		emu.config.statusPolls.moderation = 2;
		const id = await uploadDirect({ privacy_level: 'PUBLIC_TO_EVERYONE' });
		await pollToEnd(emu, token, id);
		await emu.webhooks.settled();
		assert.deepEqual(events(receiver.received), ['post.publish.complete']);
		emu.completeModeration();
		await emu.webhooks.settled();
		assert.deepEqual(events(receiver.received), [
			'post.publish.complete',
			'post.publish.publicly_available',
		]);
		const last = receiver.received[1];
		assert.match(JSON.parse(last.body).content, /"post_id":\d{19}[,}]/, 'raw number');
		const content = contentOf(last);
		assert.equal(content.publish_id, id);
		assert.equal(content.publish_type, 'DIRECT_PUBLISH');
		assert.equal(JSON.parse(last.body).user_openid, emu.openIdOf('public_creator'));
		assert.deepEqual(emu.state.publishes.get(id)?.postIds, [
			String(/"post_id":(\d+)/.exec(JSON.parse(last.body).content)?.[1]),
		]);
	});

	it('an Only Me post sends complete but never publicly_available; a failure sends failed with the reason', async () => {
		const id = await uploadDirect();
		await pollToEnd(emu, token, id);
		emu.setNextOutcome({ failReason: 'spam_risk_text' });
		const failing = await uploadDirect();
		await pollToEnd(emu, token, failing);
		await emu.webhooks.settled();
		assert.deepEqual(events(receiver.received), ['post.publish.complete', 'post.publish.failed']);
		assert.deepEqual(contentOf(receiver.received[1]), {
			publish_id: failing,
			reason: 'spam_risk_text',
			publish_type: 'DIRECT_PUBLISH',
		});
	});

	it('draft: inbox_delivered (INBOX_SHARE); when the user posts it publicly, complete and publicly_available', async () => {
		emu.config.inboxUserPostsAfterPolls = 0;
		emu.config.inboxUserPrivacy = 'PUBLIC_TO_EVERYONE';
		const id = await uploadDirect({}, true);
		await pollToEnd(emu, token, id);
		await pollToEnd(emu, token, id);
		await emu.webhooks.settled();
		assert.deepEqual(events(receiver.received), [
			'post.publish.inbox_delivered',
			'post.publish.complete',
			'post.publish.publicly_available',
		]);
		assert.ok(receiver.received.every((r) => contentOf(r).publish_type === 'INBOX_SHARE'));
	});

	it('photo: a direct photo post sends complete; a photo draft inbox_delivered; a failed pull sends failed', async () => {
		const image = jpegSource(2000);
		media.files['/a.jpg'] = {
			body: () => image.stream(),
			size: image.size,
			contentType: 'image/jpeg',
		};
		for (const mode of ['DIRECT_POST', 'MEDIA_UPLOAD']) {
			const r = await api(
				emu,
				'content/init',
				token,
				photoBody([`${media.url}/a.jpg`], { post_mode: mode }),
			);
			assert.equal(r.status, 200, r.text);
			await emu.waitForPulls();
			await pollToEnd(emu, token, r.json.data.publish_id);
		}
		const missing = await api(emu, 'content/init', token, photoBody([`${media.url}/missing.jpg`]));
		await emu.waitForPulls();
		await emu.webhooks.settled();
		assert.deepEqual(events(receiver.received), [
			'post.publish.complete',
			'post.publish.inbox_delivered',
			'post.publish.failed',
		]);
		assert.deepEqual(contentOf(receiver.received[2]), {
			publish_id: missing.json.data.publish_id,
			reason: 'photo_pull_failed',
			publish_type: 'DIRECT_PUBLISH',
		});
	});

	it('authorization.removed: reason 1 when the user removes the app (tokens dead first), 5 after /v2/oauth/revoke/', async () => {
		const openId = emu.openIdOf('public_creator');
		const pending = await api(emu, 'video/init', token, directFileBody(1000));
		emu.revokeGrant(openId);
		await emu.webhooks.settled();
		assert.deepEqual(events(receiver.received), ['authorization.removed', 'post.publish.failed']);
		assert.deepEqual(contentOf(receiver.received[0]), { reason: 1 });
		assert.equal(JSON.parse(receiver.received[0].body).user_openid, openId);
		assert.equal(contentOf(receiver.received[1]).reason, 'auth_removed');
		assert.equal(contentOf(receiver.received[1]).publish_id, pending.json.data.publish_id);
		assert.equal(
			(await api(emu, 'creator_info/query', token)).status,
			401,
			'the token is already dead',
		);

		const fresh = emu.issueTokens({ account: 'private_creator' });
		const revoked = await postForm(`${emu.baseUrl}/v2/oauth/revoke/`, {
			client_key: emu.config.clients[0].clientKey,
			client_secret: DEFAULT_CLIENT_SECRET,
			token: fresh.access_token,
		});
		assert.equal(revoked.status, 200, revoked.text);
		await emu.webhooks.settled();
		assert.deepEqual(contentOf(receiver.received[2]), { reason: 5 });
		assert.equal(JSON.parse(receiver.received[2].body).user_openid, fresh.open_id);
	});

	it('nothing is sent for a client without a callback URL', async () => {
		emu.config.webhooks.callbackUrls = {};
		const sent: WebhookDelivery[] = emu.webhooks.send('authorization.removed', {
			openId: 'oid',
			content: { reason: 1 },
		});
		await emu.webhooks.settled();
		assert.deepEqual(sent, []);
		assert.equal(receiver.received.length, 0);
		assert.throws(() => emu.webhooks.setCallbackUrl('http://example.com/hook'), /HTTPS/);
	});
});
