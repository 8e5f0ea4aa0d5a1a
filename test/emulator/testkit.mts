// Helpers for the emulator's own tests (not a test file itself).
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, beforeEach } from 'node:test';
import { startEmulator, type TikTokEmulator } from './index.mts';
import type { ByteSource } from './media.mts';
import { startMediaServer, type MediaServer } from './mediaServer.mts';
import type { DeepPartial, EmulatorConfig } from './types.mts';

export interface HttpResult {
	status: number;
	headers: IncomingHttpHeaders;
	text: string;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	json: any;
}

export function request(
	url: string,
	opts: {
		method?: string;
		headers?: Record<string, string | number>;
		body?: string | Buffer | Readable;
	} = {},
): Promise<HttpResult> {
	return new Promise((resolve, reject) => {
		const req = http.request(
			url,
			{ method: opts.method ?? 'GET', headers: opts.headers, agent: false },
			(res) => {
				const parts: Buffer[] = [];
				res.on('data', (c: Buffer) => parts.push(c));
				res.on('end', () => {
					const text = Buffer.concat(parts).toString('utf8');
					let json: unknown;
					try {
						json = JSON.parse(text);
					} catch {
						json = undefined;
					}
					resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
				});
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		const body = opts.body;
		if (body instanceof Readable) body.pipe(req);
		else req.end(body);
	});
}

/** POST to a Content Posting endpoint, e.g. api(emu, 'video/init', token, body). */
export function api(
	emu: TikTokEmulator,
	endpoint: string,
	token: string | null,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<HttpResult> {
	const h: Record<string, string> = { ...headers };
	if (token !== null) h.Authorization = `Bearer ${token}`;
	let payload: string | undefined;
	if (body !== undefined) {
		payload = typeof body === 'string' ? body : JSON.stringify(body);
		h['Content-Type'] ??= 'application/json; charset=UTF-8';
	}
	return request(`${emu.baseUrl}/v2/post/publish/${endpoint}/`, {
		method: 'POST',
		headers: h,
		body: payload,
	});
}

export function postForm(
	url: string,
	params: Record<string, string> | string,
	headers: Record<string, string> = {},
): Promise<HttpResult> {
	const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
	return request(url, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
		body,
	});
}

/** Limits high enough that rule tests never trip TikTok's rate limits or daily caps by accident. */
const ROOMY: DeepPartial<EmulatorConfig> = {
	directPostsPerDay: 1000,
	pendingDraftsPerDay: 1000,
};
const ROOMY_RATE_LIMITS = {
	init: 1000,
	status: 1000,
	creatorInfo: 1000,
	userInfo: 1000,
	videoList: 1000,
	videoQuery: 1000,
};

export interface TestEmulator {
	emu: TikTokEmulator;
	/** public_creator's access token. */
	token: string;
	/** An HTTPS media server whose whole URL space is a verified prefix, when asked for. */
	media: MediaServer | undefined;
	stop(): Promise<void>;
}

/**
 * An emulator for one rule test: roomy limits, `config` on top, and with `{ media: true }` a loopback HTTPS
 * media server the emulator trusts and treats as verified.
 */
export async function startTestEmulator(
	config: DeepPartial<EmulatorConfig> = {},
	options: { media?: boolean } = {},
): Promise<TestEmulator> {
	const media = options.media ? await startMediaServer({ https: true }) : undefined;
	const emu = await startEmulator({
		...ROOMY,
		...(media ? { verifiedPrefixes: [`${media.url}/`], pullTrustedCaPem: media.caPem } : {}),
		...config,
		rateLimits: { ...ROOMY_RATE_LIMITS, ...config.rateLimits },
	});
	return {
		emu,
		token: tokenFor(emu),
		media,
		async stop() {
			await emu.stop();
			await media?.stop();
		},
	};
}

/**
 * A fresh emulator (and, with `media`, a TLS media server) for every test of the file that calls this: started
 * before each test, handed to `onStart` (which keeps what the tests use), stopped after the test.
 */
export function emulatorForEachTest(
	onStart: (test: TestEmulator) => void,
	config: DeepPartial<EmulatorConfig> = {},
	options: { media?: boolean } = {},
): void {
	let test: TestEmulator | undefined;
	beforeEach(async () => {
		test = await startTestEmulator(config, options);
		onStart(test);
	});
	afterEach(async () => {
		await test?.stop();
		test = undefined;
	});
}

export async function withEmulator(
	config: DeepPartial<EmulatorConfig>,
	fn: (emu: TikTokEmulator) => Promise<void>,
): Promise<void> {
	const emu = await startEmulator(config);
	try {
		await fn(emu);
	} finally {
		await emu.stop();
	}
}

export function tokenFor(
	emu: TikTokEmulator,
	account = 'public_creator',
	scopes?: string[],
): string {
	return emu.issueTokens({ account, scopes }).access_token;
}

/** A valid Direct Post post_info for public_creator, with overrides. */
export function postInfo(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		privacy_level: 'SELF_ONLY',
		title: 'Hello #emulator',
		disable_comment: false,
		disable_duet: false,
		disable_stitch: false,
		brand_content_toggle: false,
		brand_organic_toggle: false,
		...overrides,
	};
}

export function fileSource(
	videoSize: number,
	chunkSize = videoSize,
	total = 1,
): Record<string, unknown> {
	return {
		source: 'FILE_UPLOAD',
		video_size: videoSize,
		chunk_size: chunkSize,
		total_chunk_count: total,
	};
}

export function directFileBody(
	videoSize: number,
	chunkSize = videoSize,
	total = 1,
	info: Record<string, unknown> = {},
): Record<string, unknown> {
	return { post_info: postInfo(info), source_info: fileSource(videoSize, chunkSize, total) };
}

export function photoBody(
	urls: string[],
	overrides: { post_mode?: string; post_info?: Record<string, unknown>; cover?: number } = {},
): Record<string, unknown> {
	const mode = overrides.post_mode ?? 'DIRECT_POST';
	const info =
		overrides.post_info ??
		(mode === 'DIRECT_POST'
			? {
					title: 'Photos',
					description: 'A carousel',
					privacy_level: 'SELF_ONLY',
					disable_comment: false,
					auto_add_music: true,
					brand_content_toggle: false,
					brand_organic_toggle: false,
				}
			: { title: 'Photos', description: 'A carousel' });
	return {
		media_type: 'PHOTO',
		post_mode: mode,
		post_info: info,
		source_info: {
			source: 'PULL_FROM_URL',
			photo_images: urls,
			photo_cover_index: overrides.cover ?? 0,
		},
	};
}

/** PUT one chunk [start, end] (inclusive) of `source` to an upload_url. */
export function putChunk(
	uploadUrl: string,
	source: ByteSource,
	start: number,
	end: number,
	opts: { contentType?: string | null; headers?: Record<string, string | number> } = {},
): Promise<HttpResult> {
	const headers: Record<string, string | number> = {
		'Content-Length': end - start + 1,
		'Content-Range': `bytes ${start}-${end}/${source.size}`,
		...(opts.headers ?? {}),
	};
	if (opts.contentType !== null) headers['Content-Type'] = opts.contentType ?? 'video/mp4';
	return request(uploadUrl, { method: 'PUT', headers, body: source.stream(start, end + 1) });
}

/** Uploads a whole source following TikTok's plan (non-final chunks = chunkSize, remainder last). */
export async function uploadAll(
	uploadUrl: string,
	source: ByteSource,
	chunkSize: number,
	total: number,
): Promise<number[]> {
	const statuses: number[] = [];
	for (let i = 0; i < total; i++) {
		const start = i * chunkSize;
		const end = i === total - 1 ? source.size - 1 : start + chunkSize - 1;
		statuses.push((await putChunk(uploadUrl, source, start, end)).status);
	}
	return statuses;
}

export async function poll(
	emu: TikTokEmulator,
	token: string,
	publishId: string,
): Promise<HttpResult> {
	return api(emu, 'status/fetch', token, { publish_id: publishId });
}

/** Polls until the status is not `PROCESSING_*`, returning every status seen. */
export async function pollToEnd(
	emu: TikTokEmulator,
	token: string,
	publishId: string,
	max = 20,
): Promise<{ statuses: string[]; last: HttpResult }> {
	const statuses: string[] = [];
	for (let i = 0; i < max; i++) {
		const r = await poll(emu, token, publishId);
		statuses.push(r.json?.data?.status);
		if (!String(r.json?.data?.status).startsWith('PROCESSING')) return { statuses, last: r };
	}
	throw new Error(`still processing after ${max} polls: ${statuses.join(',')}`);
}

/** Consent page → consent_id, for OAuth tests. */
export function consentIdOf(html: string): string {
	const m = /name="consent_id" value="([^"]+)"/.exec(html);
	if (!m) throw new Error('no consent_id on the page');
	return m[1];
}

export function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

/** Polls n times and returns the statuses seen. */
export async function pollStatuses(
	emu: TikTokEmulator,
	token: string,
	publishId: string,
	n: number,
): Promise<string[]> {
	const out: string[] = [];
	for (let i = 0; i < n; i++) out.push((await poll(emu, token, publishId)).json.data.status);
	return out;
}
