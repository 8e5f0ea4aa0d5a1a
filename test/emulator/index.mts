// TikTok API emulator: OAuth + Content Posting API on one origin, the upload host on another.
// See README.md in this folder for the contract, the config keys and every strictness choice.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { buildConfig } from './config.mts';
import { createCtx, emptyOAuthStore, emptyState, type Ctx } from './context.mts';
import { answerRedirectFault } from './faults.mts';
import { completeAccount } from './fixtures.mts';
import { sendEnvelope } from './http.mts';
import {
	handleAuthorizeGet,
	handleConsentPost,
	handleRevoke,
	handleToken,
	issueTokens,
	revokeGrant,
} from './oauth.mts';
import { handleUserInfo, handleVideoList, handleVideoQuery } from './display.mts';
import { handleCreatorInfo, handleInit } from './publish.mts';
import { completeModeration, handleCancel, handleStatus } from './status.mts';
import type {
	AccountFixture,
	DeepPartial,
	EmulatorConfig,
	EmulatorState,
	Outcome,
	TokenResponse,
} from './types.mts';
import { handleUpload, noteUploadConnection } from './upload.mts';
import type { SignatureFault, WebhookDelivery } from './webhooks.mts';
import { checkCallbackUrl, deliver, emitEvent, settled, stopWebhooks } from './webhooks.mts';

export * from './types.mts';
export { defaultConfig } from './config.mts';
export { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET } from './fixtures.mts';
export type { SignatureFault, WebhookConfig, WebhookDelivery } from './webhooks.mts';
export { envelopeBody, signWebhook, signatureHeader } from './webhooks.mts';

export interface TikTokEmulator {
	/** http://127.0.0.1:P — OAuth pages, token endpoints and /v2/post/publish/*. */
	baseUrl: string;
	/** http://127.0.0.1:Q — a different origin; every upload_url lives here. */
	uploadBaseUrl: string;
	/** Mutable at run time; changes apply to later requests. */
	config: EmulatorConfig;
	state: EmulatorState;
	issueTokens(opts: { account: string; scopes?: string[]; clientKey?: string }): TokenResponse;
	/** Moves the emulator clock forward (token expiry, upload_url expiry, caps, rate windows, pull deadline). */
	advanceTime(seconds: number): void;
	/** The emulator clock, in ms since the epoch. */
	now(): number;
	/**
	 * The user removes the app (reason 1; 2–4: account deleted, age changed, banned): tokens die (refresh →
	 * invalid_grant), `authorization.removed` is sent, unfinished publishes fail auth_removed.
	 */
	revokeGrant(openId: string, reason?: number): void;
	/**
	 * Refresh tokens presented to the token endpoint that were already dead, by why: `rotated` (replaced by an
	 * earlier refresh: what a server with reuse detection would punish by revoking the grant), `revoked`,
	 * `expired`, `unknown`. Counted from the request log since `from` (an index into `state.tokenRequests`).
	 */
	deadRefreshTokensPresented(
		from?: number,
	): Record<'rotated' | 'revoked' | 'expired' | 'unknown', number>;
	/** Moderation ends now: waiting public posts get their ids and send `post.publish.publicly_available`. */
	completeModeration(publishId?: string): void;
	/** The webhook sender (webhooks.mts); its switches are `config.webhooks`. */
	webhooks: {
		/** The app's one Callback URL (https, or http on loopback); throws like the portal on anything else. */
		setCallbackUrl(url: string, clientKey?: string): void;
		/** Sends any event now (a test's own), optionally with a signature fault or a duplicate. */
		send(
			event: string,
			options: {
				openId?: string;
				content: Record<string, unknown>;
				clientKey?: string;
				signature?: SignatureFault;
				duplicate?: boolean;
			},
		): WebhookDelivery[];
		/** Sends exactly this body (e.g. one already sent, to replay it), signed afresh. */
		sendRaw(
			body: string,
			options?: { clientKey?: string; signature?: SignatureFault },
		): WebhookDelivery[];
		/** The portal's "Test URL" button: `config.webhooks.testPayload`, signed. */
		sendTest(options?: { clientKey?: string; signature?: SignatureFault }): WebhookDelivery[];
		/** Resolves when every delivery in progress (retries, duplicates) has ended. */
		settled(): Promise<void>;
	};
	/** Queues the outcome of the next publish to be created (ahead of config.outcomes). */
	setNextOutcome(outcome: Outcome): void;
	/** Publishes created (optionally for one open_id). */
	publishCount(openId?: string): number;
	/** Adds (or replaces) an account fixture; missing fields get neutral defaults. */
	addAccount(name: string, account?: DeepPartial<AccountFixture>): AccountFixture;
	/** The open_id of an account fixture. */
	openIdOf(account: string): string;
	/** Resolves when every PULL download in progress has finished. */
	waitForPulls(): Promise<void>;
	/** Clears state (tokens, publishes, logs, windows, clock offset); keeps config. */
	reset(): void;
	/** Closes both servers and every socket. */
	stop(): Promise<void>;
}

type Route = (
	ctx: Ctx,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	url: URL,
) => Promise<void> | void;

const PUBLISH = '/v2/post/publish/';
const API_ROUTES: Record<string, Route> = {
	[`${PUBLISH}creator_info/query/`]: (ctx, req, res) => handleCreatorInfo(ctx, req, res),
	[`${PUBLISH}video/init/`]: (ctx, req, res) => handleInit(ctx, req, res, 'video/init'),
	[`${PUBLISH}inbox/video/init/`]: (ctx, req, res) => handleInit(ctx, req, res, 'inbox/video/init'),
	[`${PUBLISH}content/init/`]: (ctx, req, res) => handleInit(ctx, req, res, 'content/init'),
	[`${PUBLISH}status/fetch/`]: (ctx, req, res) => handleStatus(ctx, req, res),
	[`${PUBLISH}cancel/`]: (ctx, req, res) => handleCancel(ctx, req, res),
};

/** TikTok's Display API: its own methods (user/info is a GET). */
const DISPLAY_ROUTES: Record<string, { method: 'GET' | 'POST'; route: Route }> = {
	'/v2/user/info/': { method: 'GET', route: handleUserInfo },
	'/v2/video/list/': { method: 'POST', route: handleVideoList },
	'/v2/video/query/': { method: 'POST', route: handleVideoQuery },
};

function routeApi(
	ctx: Ctx,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	url: URL,
): Promise<void> | void {
	const path = url.pathname;
	if (path === '/v2/auth/authorize/') {
		if (req.method === 'GET') return handleAuthorizeGet(ctx, req, res, url);
		if (req.method === 'POST') return handleConsentPost(ctx, req, res);
	}
	if (path === '/v2/oauth/token/') return handleToken(ctx, req, res, url);
	if (path === '/v2/oauth/revoke/') return handleRevoke(ctx, req, res, url);
	const found =
		path in DISPLAY_ROUTES
			? DISPLAY_ROUTES[path]
			: path in API_ROUTES
				? { method: 'POST', route: API_ROUTES[path] }
				: undefined;
	if (found) {
		if (req.method !== found.method) {
			req.resume();
			return sendEnvelope(
				ctx,
				res,
				405,
				'invalid_params',
				{},
				`Method ${req.method} not allowed; use ${found.method}`,
			);
		}
		return found.route(ctx, req, res, url);
	}
	req.resume();
	// Every documented path ends in '/'; a missing slash is a client bug worth surfacing.
	const known = `${path}/` in API_ROUTES || `${path}/` in DISPLAY_ROUTES;
	const hint = !path.endsWith('/') && known ? ` (did you mean ${path}/ ?)` : '';
	sendEnvelope(ctx, res, 404, 'not_found', {}, `No such endpoint ${path}${hint}`);
}

function createServer(ctx: Ctx, name: 'api' | 'upload', sockets: Set<Socket>): http.Server {
	const tls = name === 'upload' ? ctx.config.uploadTls : undefined;
	const listener: http.RequestListener = (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const record = {
			time: ctx.now(),
			server: name,
			method: req.method ?? '',
			path: url.pathname,
			status: 0,
		};
		ctx.state.requests.push(record);
		res.on('finish', () => {
			record.status = res.statusCode;
		});
		if (answerRedirectFault(ctx, name, url.pathname, req, res)) return;
		const handler = name === 'api' ? routeApi : handleUpload;
		Promise.resolve()
			.then(() => handler(ctx, req, res, url))
			.catch((err: Error) => {
				process.emitWarning(`TikTok emulator ${name} handler failed: ${err.stack ?? err.message}`);
				if (!res.headersSent && !res.destroyed) {
					sendEnvelope(ctx, res, 500, 'internal_error', {}, `Emulator bug: ${err.message}`);
				} else res.destroy();
			});
	};
	const server: http.Server = tls
		? (https.createServer(
				{ cert: tls.certPem, key: tls.keyPem },
				listener,
			) as unknown as http.Server)
		: http.createServer(listener);
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		if (name === 'upload' && !tls) noteUploadConnection(socket);
	});
	if (name === 'upload' && tls) server.on('secureConnection', noteUploadConnection);
	// A body shorter than Content-Length etc.: answer 400 like a real front end would.
	server.on('clientError', (err, socket) => {
		ctx.state.requests.push({ time: ctx.now(), server: name, method: '', path: '', status: 400 });
		if (socket.writable) {
			socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
		} else socket.destroy(err);
	});
	return server;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

export async function startEmulator(
	config: DeepPartial<EmulatorConfig> = {},
): Promise<TikTokEmulator> {
	const ctx = createCtx(buildConfig(config));
	const sockets = new Set<Socket>();
	const api = createServer(ctx, 'api', sockets);
	const upload = createServer(ctx, 'upload', sockets);
	const host = ctx.config.host;
	const apiPort = await listen(api, ctx.config.port, host);
	let uploadPort: number;
	try {
		uploadPort = await listen(upload, ctx.config.uploadPort, host);
	} catch (err) {
		api.close();
		throw err;
	}
	ctx.baseUrl = `http://${host}:${apiPort}`;
	ctx.uploadBaseUrl = `${ctx.config.uploadTls ? 'https' : 'http'}://${host}:${uploadPort}`;

	const closeServer = (server: http.Server) =>
		new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});

	const emu: TikTokEmulator = {
		baseUrl: ctx.baseUrl,
		uploadBaseUrl: ctx.uploadBaseUrl,
		get config() {
			return ctx.config;
		},
		get state() {
			return ctx.state;
		},
		issueTokens: (opts) => issueTokens(ctx, opts),
		advanceTime(seconds) {
			ctx.clockOffsetMs += seconds * 1000;
		},
		now: () => ctx.now(),
		revokeGrant: (openId, reason) => revokeGrant(ctx, openId, reason),
		deadRefreshTokensPresented(from = 0) {
			const counts = { rotated: 0, revoked: 0, expired: 0, unknown: 0 };
			for (const request of ctx.state.tokenRequests.slice(from)) {
				const outcome = request.refreshToken;
				if (request.grantType === 'refresh_token' && outcome && outcome in counts)
					counts[outcome as keyof typeof counts]++;
			}
			return counts;
		},
		completeModeration: (publishId) => completeModeration(ctx, publishId),
		webhooks: {
			setCallbackUrl(url, clientKey = ctx.config.clients[0].clientKey) {
				const problem = checkCallbackUrl(url, ctx.config.webhooks.callbackUrlSchemes);
				if (problem) throw new Error(`${problem}: ${url}`);
				ctx.config.webhooks.callbackUrls[clientKey] = url;
			},
			send(
				event,
				{ openId, content, clientKey = ctx.config.clients[0].clientKey, signature, duplicate },
			) {
				return emitEvent(ctx, clientKey, event, openId, content, { signature, duplicate });
			},
			sendRaw(body, { clientKey = ctx.config.clients[0].clientKey, signature } = {}) {
				const event = String((JSON.parse(body) as { event?: unknown }).event ?? '');
				return deliver(ctx, clientKey, event, body, { signature, duplicate: false });
			},
			sendTest({ clientKey = ctx.config.clients[0].clientKey, signature } = {}) {
				const payload: Record<string, unknown> = {
					client_key: clientKey,
					create_time: Math.floor(ctx.now() / 1000),
					...ctx.config.webhooks.testPayload,
				};
				return deliver(ctx, clientKey, String(payload.event), JSON.stringify(payload), {
					signature,
					duplicate: false,
					copy: 'test',
				});
			},
			settled: () => settled(ctx),
		},
		setNextOutcome(outcome) {
			ctx.config.outcomes.unshift(outcome);
		},
		publishCount(openId) {
			const all = [...ctx.state.publishes.values()];
			return openId === undefined ? all.length : all.filter((p) => p.openId === openId).length;
		},
		addAccount(name, account = {}) {
			const full = completeAccount(name, account);
			ctx.config.accounts[name] = full;
			return full;
		},
		openIdOf(account) {
			const a = ctx.config.accounts[account];
			if (!a) throw new Error(`unknown account ${account}`);
			return completeAccount(account, a).openId;
		},
		async waitForPulls() {
			while (ctx.pulls.size > 0) await Promise.all([...ctx.pulls]);
		},
		reset() {
			for (const rt of ctx.runtime.values()) rt.abort?.abort();
			Object.assign(ctx.state, emptyState());
			ctx.oauth = emptyOAuthStore();
			ctx.runtime.clear();
			ctx.rateWindows.clear();
			ctx.clockOffsetMs = 0;
			// Ids restart so each test sees the same publish and post ids; log ids stay unique.
			ctx.seq.publish = 0;
			ctx.seq.postId = 0n;
		},
		async stop() {
			await stopWebhooks(ctx);
			for (const rt of ctx.runtime.values()) rt.abort?.abort();
			for (const res of ctx.hanging) res.destroy();
			ctx.hanging.clear();
			for (const socket of sockets) socket.destroy();
			await Promise.all([closeServer(api), closeServer(upload)]);
			await Promise.allSettled([...ctx.pulls]);
		},
	};
	return emu;
}
