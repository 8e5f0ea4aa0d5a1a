/**
 * The set-up media-from-n8n tests share: an https front for n8n (as a reverse proxy), an active workflow with the
 * TikTok Media Server node (serving a URL-prefix verification file), and the emulator told the prefix under it is
 * verified and the front's certificate is trusted.
 */
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';

import type { Stack } from './stack.mts';
import { CREDENTIAL_TYPE, TIKTOK_MEDIA_SERVER_NODE } from './stack.mts';
import type { TlsFront } from './tlsFront.mts';
import { startTlsFront } from './tlsFront.mts';

export const TIKTOK_PULLER = 'TikTokEmulator-MediaPuller';
export const VERIFICATION = {
	fileName: 'tiktokAbC123xyz.txt',
	content: 'tiktok-developers-site-verification=AbC123xyz',
};

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The images a carousel Code node (the example's) makes, computed here from the same code. */
export function slidesOf(jsCode: string): Buffer[] {
	const items = new Function('Buffer', jsCode)(Buffer) as Array<{
		binary: Record<string, { data: string }>;
	}>;
	return Object.values(items[0].binary).map((file) => Buffer.from(file.data, 'base64'));
}

/** A raw request through the front (the path exactly as given, no URL normalisation). */
export function request(
	front: TlsFront,
	method: string,
	path: string,
	headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
	const target = new URL(front.url);
	return new Promise((resolve, reject) => {
		const req = https.request(
			{
				host: target.hostname,
				port: target.port,
				method,
				path,
				headers,
				ca: front.caPem,
				agent: false,
			},
			(res) => {
				const parts: Buffer[] = [];
				res.on('data', (part: Buffer) => parts.push(part));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						headers: res.headers,
						body: Buffer.concat(parts),
					}),
				);
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		req.end();
	});
}

export interface MediaFromN8n {
	front: TlsFront;
	/** https://front/webhook/<id>/ : the n8n Media URL, and the verified prefix. */
	prefix: string;
	prefixPath: string;
	stop(): Promise<void>;
}

export async function serveMediaFromN8n(
	stack: Stack,
	credential: { id: string; name: string },
): Promise<MediaFromN8n> {
	const front = await startTlsFront(stack.n8n.url);
	const webhookId = randomUUID();
	const workflowId = await stack.n8n.importWorkflow({
		name: 'TikTok media server',
		nodes: [
			{
				id: 'media',
				name: 'TikTok Media Server',
				type: TIKTOK_MEDIA_SERVER_NODE,
				typeVersion: 1,
				webhookId,
				position: [0, 0],
				parameters: { verificationFile: VERIFICATION },
				credentials: { [CREDENTIAL_TYPE]: credential },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	});
	await stack.n8n.activateWorkflow(workflowId);
	const prefixPath = `/webhook/${webhookId}/`;
	const prefix = `${front.url}${prefixPath}`;
	// The user verified the prefix in the developer portal; TikTok trusts the front's certificate as a real CA's.
	stack.emu.config.verifiedPrefixes = [prefix];
	stack.emu.config.pullTrustedCaPem = front.caPem;
	// n8n answers 404 for a moment after activation while it registers the webhook.
	for (let attempt = 0; attempt < 50; attempt++) {
		if ((await request(front, 'GET', `${prefixPath}${VERIFICATION.fileName}`)).status === 200)
			break;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	return { front, prefix, prefixPath, stop: () => front.stop() };
}
