// Runtime context shared by the emulator's modules: config, observable state, clock, id sequences.
import { randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { completeAccount, completeClient } from './fixtures.mts';
import type { MediaProbe } from './probe.mts';
import type {
	AccountFixture,
	ClientConfig,
	EmulatorConfig,
	EmulatorState,
	FailReason,
	Outcome,
} from './types.mts';
import { emptyWebhookRuntime, type WebhookRuntime } from './webhooks.mts';

/** Per-publish data that is not part of the observable state (hash objects, timers, counters). */
export interface PublishRuntime {
	stage: 'uploading' | 'downloading' | 'processing' | 'final';
	processingPollsLeft: number;
	inboxPollsShown: number;
	moderationPollsLeft: number;
	/** Post ids still to be assigned once moderation passes. */
	pendingPostIds: number;
	/** When the post got its public ids (emulator clock, ms): its create_time in the Display API. */
	publicAt: number | null;
	uploadId: string | null;
	uploadToken: string | null;
	outcome: Outcome | null;
	/** Failure found by the media checks, reported once processing ends. */
	mediaFailReason: FailReason | null;
	hash: Hash | null;
	probe: MediaProbe | null;
	uploadInFlight: boolean;
	abort: AbortController | null;
	cancelled: boolean;
}

export interface Grant {
	id: string;
	openId: string;
	accountName: string;
	clientKey: string;
	scopes: string[];
	revoked: boolean;
}

export interface AccessTokenRecord {
	token: string;
	grantId: string;
	expiresAt: number;
	revoked: boolean;
}

export interface RefreshTokenRecord {
	token: string;
	grantId: string;
	expiresAt: number;
	state: 'active' | 'rotated' | 'revoked';
}

export interface AuthCodeRecord {
	code: string;
	clientKey: string;
	redirectUri: string;
	scopes: string[];
	accountName: string;
	codeChallenge: string | null;
	expiresAt: number;
	used: boolean;
}

export interface ConsentSession {
	id: string;
	clientKey: string;
	redirectUri: string;
	state: string;
	scopes: string[];
	codeChallenge: string | null;
	used: boolean;
}

export interface OAuthStore {
	grants: Map<string, Grant>;
	access: Map<string, AccessTokenRecord>;
	refresh: Map<string, RefreshTokenRecord>;
	codes: Map<string, AuthCodeRecord>;
	consents: Map<string, ConsentSession>;
}

export function emptyOAuthStore(): OAuthStore {
	return {
		grants: new Map(),
		access: new Map(),
		refresh: new Map(),
		codes: new Map(),
		consents: new Map(),
	};
}

export interface Ctx {
	config: EmulatorConfig;
	state: EmulatorState;
	baseUrl: string;
	uploadBaseUrl: string;
	clockOffsetMs: number;
	/** When the emulator started (real ms): followers grow from here. */
	startedAt: number;
	now(): number;
	runtime: Map<string, PublishRuntime>;
	oauth: OAuthStore;
	/** Sliding-window logs: key → request timestamps (ms). */
	rateWindows: Map<string, number[]>;
	seq: { publish: number; postId: bigint; log: number; upload: number };
	/** Pending PULL downloads, so tests (and stop()) can wait for them. */
	pulls: Set<Promise<void>>;
	/** Requests deliberately left unanswered (initHang) — destroyed on stop(). */
	hanging: Set<ServerResponse>;
	/** Webhook deliveries in progress. */
	webhooks: WebhookRuntime;
}

export function emptyState(): EmulatorState {
	return {
		inits: [],
		publishes: new Map(),
		tokenRequests: [],
		authorizations: [],
		requests: [],
		rateLimited: {},
		faults: [],
		webhooks: [],
	};
}

export function createCtx(config: EmulatorConfig): Ctx {
	const ctx: Ctx = {
		config,
		state: emptyState(),
		baseUrl: '',
		uploadBaseUrl: '',
		clockOffsetMs: 0,
		startedAt: Date.now(),
		now: () => Date.now() + ctx.clockOffsetMs,
		runtime: new Map(),
		oauth: emptyOAuthStore(),
		rateWindows: new Map(),
		seq: { publish: 0, postId: 0n, log: 0, upload: 0 },
		pulls: new Set(),
		hanging: new Set(),
		webhooks: emptyWebhookRuntime(),
	};
	return ctx;
}

/** TikTok-looking log id: UTC timestamp + 20 hex chars; a sequence number keeps them unique. */
export function newLogId(ctx: Ctx): string {
	const d = new Date(ctx.now());
	const p = (n: number, w = 2) => String(n).padStart(w, '0');
	const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
	ctx.seq.log += 1;
	const seq = ctx.seq.log.toString(16).toUpperCase().padStart(8, '0');
	return `${stamp}${seq}${randomBytes(6).toString('hex').toUpperCase()}`;
}

export function accountByName(ctx: Ctx, name: string): AccountFixture | undefined {
	const raw = ctx.config.accounts[name];
	// Accounts added at run time may be partial; complete them on read.
	return raw ? completeAccount(name, raw) : undefined;
}

export function accountByOpenId(
	ctx: Ctx,
	openId: string,
): { name: string; account: AccountFixture } | undefined {
	for (const name of Object.keys(ctx.config.accounts)) {
		const account = accountByName(ctx, name);
		if (account && account.openId === openId) return { name, account };
	}
	return undefined;
}

export function clientByKey(
	ctx: Ctx,
	clientKey: string | null | undefined,
): ClientConfig | undefined {
	if (!clientKey) return undefined;
	const found = ctx.config.clients.find((c) => c.clientKey === clientKey);
	// Clients pushed at run time may be partial; complete them on read.
	return found ? completeClient(found) : undefined;
}
