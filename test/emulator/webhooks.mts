// TikTok's webhook sender (tiktok-display-and-webhooks.md §9–13): one callback URL per client (https, or http on
// loopback), compact JSON envelopes with `content` as a JSON string, `TikTok-Signature: t=<now>,s=<HMAC-SHA256>`,
// success only on HTTP 200 within a timeout, retries with backoff on a compressed "72 h" clock, then dropped.
// Faults on demand: duplicate deliveries, forged/stale/missing signatures, retries re-signed or resent as they were.
import { createHmac } from 'node:crypto';
import type { Ctx } from './context.mts';
import type { PublishRecord, RedirectUriScheme } from './types.mts';

export type SignatureFault = 'valid' | 'forged' | 'stale' | 'missing';

export interface WebhookConfig {
	/** Callback URL per client key ("one Callback URL field" per app). Set with `emu.webhooks.setCallbackUrl`. */
	callbackUrls: Record<string, string>;
	/** Schemes a callback URL may use: TikTok requires https; 'http-loopback' lets tests use a local n8n. */
	callbackUrlSchemes: RedirectUriScheme[];
	/** Delays before each retry (real ms): TikTok's exponential backoff over 72 h, compressed. Then dropped. */
	retryDelaysMs: number[];
	/** Real ms to wait for an answer; no answer counts as a failed attempt. */
	timeoutMs: number;
	/** Retries carry a fresh `t` and signature (true) or the first attempt's header (false): TikTok's is unknown. */
	resignRetries: boolean;
	/** Every event is delivered twice (at-least-once delivery). */
	duplicate: boolean;
	/** How deliveries are signed. */
	signature: SignatureFault;
	/** `post_id` in `content` as a raw JSON number (default: the parser-hostile choice) or a string. */
	postIdAs: 'number' | 'string';
	/** publish_type for Direct Post (undocumented: a placeholder); uploads send INBOX_SHARE. */
	directPublishType: string;
	/** The developer portal's "Test URL" event (its real body is unknown). */
	testPayload: Record<string, unknown>;
}

export function defaultWebhookConfig(): WebhookConfig {
	return {
		callbackUrls: {},
		callbackUrlSchemes: ['https', 'http-loopback'],
		retryDelaysMs: [100, 200, 400, 800, 1600, 3200],
		timeoutMs: 5000,
		resignRetries: true,
		duplicate: false,
		signature: 'valid',
		postIdAs: 'number',
		directPublishType: 'DIRECT_PUBLISH',
		testPayload: { event: 'webhook.test', content: '{}' },
	};
}

export interface WebhookAttempt {
	/** Wall-clock ms. */
	at: number;
	signatureHeader: string | null;
	/** HTTP status, or null when no answer came (refused, reset, timeout). */
	status: number | null;
	error?: string;
}

export interface WebhookDelivery {
	id: number;
	clientKey: string;
	event: string;
	url: string;
	/** The exact bytes sent. */
	body: string;
	/** 'duplicate': the at-least-once second copy; 'test': the portal's Test URL. */
	copy: 'original' | 'duplicate' | 'test';
	signature: SignatureFault;
	attempts: WebhookAttempt[];
	outcome: 'pending' | 'delivered' | 'dropped';
}

/** Lowercase hex HMAC-SHA256 of `t + "." + body` with the client secret. */
export function signWebhook(secret: string, t: string, body: string): string {
	return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

/** The TikTok-Signature header for `body`, or null for the 'missing' fault. */
export function signatureHeader(
	secret: string,
	body: string,
	fault: SignatureFault,
	nowMs = Date.now(),
): string | null {
	if (fault === 'missing') return null;
	const t = String(Math.floor(nowMs / 1000) - (fault === 'stale' ? 3600 : 0));
	const s = signWebhook(fault === 'forged' ? `${secret}-forged` : secret, t, body);
	return `t=${t},s=${s}`;
}

/** The envelope as TikTok sends it: compact JSON, `content` a JSON string; a 19-digit post_id raw when asked. */
export function envelopeBody(
	fields: {
		clientKey: string;
		event: string;
		createTime: number;
		openId?: string;
		content: Record<string, unknown>;
	},
	postIdAs: 'number' | 'string' = 'number',
): string {
	let content = JSON.stringify(fields.content);
	if (
		postIdAs === 'number' &&
		typeof fields.content.post_id === 'string' &&
		/^\d+$/.test(fields.content.post_id)
	) {
		content = content.replace(
			`"post_id":"${fields.content.post_id}"`,
			`"post_id":${fields.content.post_id}`,
		);
	}
	const envelope: Record<string, unknown> = {
		client_key: fields.clientKey,
		event: fields.event,
		create_time: fields.createTime,
	};
	if (fields.openId !== undefined) envelope.user_openid = fields.openId;
	envelope.content = content;
	return JSON.stringify(envelope);
}

function isLoopback(host: string): boolean {
	return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** The portal's rule for the Callback URL (https), relaxed to loopback http when configured. */
export function checkCallbackUrl(url: string, schemes: RedirectUriScheme[]): string | null {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return 'not an absolute URL';
	}
	if (parsed.protocol === 'https:' && schemes.includes('https')) return null;
	if (
		parsed.protocol === 'http:' &&
		(schemes.includes('http') || (schemes.includes('http-loopback') && isLoopback(parsed.hostname)))
	)
		return null;
	return 'The callback URL endpoint must require HTTPS';
}

export interface WebhookRuntime {
	seq: number;
	inFlight: Set<Promise<void>>;
	abort: AbortController;
}

export function emptyWebhookRuntime(): WebhookRuntime {
	return { seq: 0, inFlight: new Set(), abort: new AbortController() };
}

function secretOf(ctx: Ctx, clientKey: string): string {
	return ctx.config.clients.find((client) => client.clientKey === clientKey)?.clientSecret ?? '';
}

async function attempt(
	ctx: Ctx,
	delivery: WebhookDelivery,
	header: string | null,
): Promise<boolean> {
	const record: WebhookAttempt = { at: Date.now(), signatureHeader: header, status: null };
	delivery.attempts.push(record);
	const headers: Record<string, string> = { 'Content-Type': 'application/json' };
	if (header) headers['TikTok-Signature'] = header;
	try {
		const response = await fetch(delivery.url, {
			method: 'POST',
			headers,
			body: delivery.body,
			redirect: 'manual',
			signal: AbortSignal.any([
				AbortSignal.timeout(ctx.config.webhooks.timeoutMs),
				ctx.webhooks.abort.signal,
			]),
		});
		record.status = response.status;
		await response.arrayBuffer().catch(() => undefined);
		// Only exactly 200 counts (other 2xx are unconfirmed: the strict reading).
		return response.status === 200;
	} catch (error) {
		record.error = String((error as Error).message ?? error);
		return false;
	}
}

const wait = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => {
			clearTimeout(timer);
			resolve();
		});
	});

async function send(ctx: Ctx, delivery: WebhookDelivery): Promise<void> {
	const secret = secretOf(ctx, delivery.clientKey);
	const first = signatureHeader(secret, delivery.body, delivery.signature);
	const delays = [0, ...ctx.config.webhooks.retryDelaysMs];
	for (const [index, delay] of delays.entries()) {
		if (delay > 0) await wait(delay, ctx.webhooks.abort.signal);
		if (ctx.webhooks.abort.signal.aborted) break;
		const header =
			index === 0 || !ctx.config.webhooks.resignRetries
				? first
				: signatureHeader(secret, delivery.body, delivery.signature);
		if (await attempt(ctx, delivery, header)) {
			delivery.outcome = 'delivered';
			return;
		}
	}
	delivery.outcome = 'dropped';
}

function track(ctx: Ctx, work: Promise<void>): void {
	ctx.webhooks.inFlight.add(work);
	void work.finally(() => ctx.webhooks.inFlight.delete(work));
}

/** Queues one delivery of `body` (and its duplicate when configured). Nothing is sent without a callback URL. */
export function deliver(
	ctx: Ctx,
	clientKey: string,
	event: string,
	body: string,
	options: { signature?: SignatureFault; duplicate?: boolean; copy?: 'original' | 'test' } = {},
): WebhookDelivery[] {
	const url = ctx.config.webhooks.callbackUrls[clientKey];
	if (!url) return [];
	const make = (copy: WebhookDelivery['copy']): WebhookDelivery => {
		ctx.webhooks.seq += 1;
		const delivery: WebhookDelivery = {
			id: ctx.webhooks.seq,
			clientKey,
			event,
			url,
			body,
			copy,
			signature: options.signature ?? ctx.config.webhooks.signature,
			attempts: [],
			outcome: 'pending',
		};
		ctx.state.webhooks.push(delivery);
		return delivery;
	};
	const original = make(options.copy ?? 'original');
	const deliveries = [original];
	const duplicate =
		(options.duplicate ?? ctx.config.webhooks.duplicate) ? make('duplicate') : undefined;
	if (duplicate) deliveries.push(duplicate);
	// The duplicate follows once the original has been answered, as a separate, freshly signed delivery.
	track(
		ctx,
		send(ctx, original).then(async () => (duplicate ? await send(ctx, duplicate) : undefined)),
	);
	return deliveries;
}

/** An event from the emulator's state machines (or a test), enveloped with the emulator clock's create_time. */
export function emitEvent(
	ctx: Ctx,
	clientKey: string,
	event: string,
	openId: string | undefined,
	content: Record<string, unknown>,
	options: { signature?: SignatureFault; duplicate?: boolean } = {},
): WebhookDelivery[] {
	const body = envelopeBody(
		{ clientKey, event, createTime: Math.floor(ctx.now() / 1000), openId, content },
		ctx.config.webhooks.postIdAs,
	);
	return deliver(ctx, clientKey, event, body, options);
}

function publishType(ctx: Ctx, p: PublishRecord): string {
	return p.mode === 'DIRECT_POST' ? ctx.config.webhooks.directPublishType : 'INBOX_SHARE';
}

/** The Content Posting events of a publish (§10): one per transition, and one publicly_available per post id. */
export function emitPublishEvent(
	ctx: Ctx,
	p: PublishRecord,
	event:
		| 'post.publish.failed'
		| 'post.publish.complete'
		| 'post.publish.inbox_delivered'
		| 'post.publish.publicly_available'
		| 'post.publish.no_longer_publicaly_available',
	extra: { reason?: string; postId?: string } = {},
): void {
	const content: Record<string, unknown> = { publish_id: p.publishId };
	if (extra.reason !== undefined) content.reason = extra.reason;
	if (extra.postId !== undefined) content.post_id = extra.postId;
	content.publish_type = publishType(ctx, p);
	emitEvent(ctx, p.clientKey, event, p.openId, content);
}

/** Resolves when every delivery in progress (retries and duplicates included) has ended. */
export async function settled(ctx: Ctx): Promise<void> {
	while (ctx.webhooks.inFlight.size > 0) await Promise.allSettled([...ctx.webhooks.inFlight]);
}

/** Stops every delivery (waits cut short, requests aborted). */
export async function stopWebhooks(ctx: Ctx): Promise<void> {
	ctx.webhooks.abort.abort();
	await settled(ctx);
}
