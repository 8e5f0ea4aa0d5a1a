/**
 * TikTok pulls photos and videos from this n8n (docs/decisions/media-endpoint.md): a real n8n behind an https
 * front (as behind a reverse proxy), an active workflow with the TikTok Media Server node, and the strict emulator
 * pulling from the verified URL prefix under it. Also what the endpoint refuses, and that no signed link reaches
 * n8n's log or the node's output. n8n 1.x runs with N8N_DEFAULT_BINARY_DATA_MODE=filesystem (its in-memory
 * default is refused: mediaFromN8nMemory.test.mts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { signMediaToken } from '../../nodes/TikTok/helpers/mediaToken.ts';
import { DEFAULT_CLIENT_SECRET } from '../emulator/index.mts';
import { writeMp4 } from '../fixtures/video.mts';
import { nodeOutput } from '../harness/index.mts';
import { loadExample, nodeNamed, prepareExample } from './examples.mts';
import {
	TIKTOK_PULLER,
	VERIFICATION,
	request,
	serveMediaFromN8n,
	sha256,
	slidesOf,
} from './mediaFromN8n.mts';
import type { Stack } from './stack.mts';
import { filePath, readFileNode, startStack, testedN8nVersion, tiktokNode } from './stack.mts';
import type { TlsFront } from './tlsFront.mts';

const is1x = (testedN8nVersion() ?? '').startsWith('1.');

describe(
	'Media from n8n: TikTok pulls binary photos and videos from this n8n',
	{ timeout: 1_500_000 },
	() => {
		let stack: Stack;
		let front: TlsFront;
		let creator: { id: string; name: string };
		let prefix: string;
		let prefixPath: string;
		/** Every signed link the node handed TikTok, to check none leaks. */
		const signedLinks = () =>
			stack.emu.state.inits.flatMap((init) => {
				const source = ((init.body as Record<string, Record<string, unknown>>).source_info ??
					{}) as {
					photo_images?: string[];
					video_url?: string;
				};
				return [
					...(source.photo_images ?? []),
					...(source.video_url ? [source.video_url] : []),
				].filter((url) => url.startsWith(prefix));
			});

		before(async () => {
			stack = await startStack({
				emulator: { statusPolls: { processing: 1 } },
				env: is1x ? { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' } : {},
			});
			creator = await stack.connect('private_creator');
			({ front, prefix, prefixPath } = await serveMediaFromN8n(stack, creator));
		});
		after(async () => {
			await front?.stop();
			await stack?.stop();
		});

		it("serves TikTok's URL-prefix verification file at the prefix, as the portal asks", async () => {
			const answer = await request(front, 'GET', `${prefixPath}${VERIFICATION.fileName}`);
			assert.equal(answer.status, 200);
			assert.match(String(answer.headers['content-type']), /^text\/plain/);
			assert.equal(answer.body.toString(), VERIFICATION.content);
		});

		it("posts the example's 7-image carousel made in the workflow: TikTok pulls each image from n8n, byte-exact, in order", async () => {
			const workflow = prepareExample(await loadExample('carousel-from-n8n.json'), creator);
			nodeNamed(workflow, 'Post Carousel').parameters.n8nMediaUrl = prefix;
			const slides = slidesOf(String(nodeNamed(workflow, 'Make Slides').parameters.jsCode));
			assert.equal(slides.length, 7);
			assert.equal(new Set(slides.map(sha256)).size, 7, 'seven different images');

			const run = await stack.n8n.run(workflow);
			assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
			const [out] = nodeOutput(run, 'Post Carousel');
			assert.equal(out.status, 'SEND_TO_USER_INBOX');
			assert.equal(out.source, 'PULL_FROM_URL');
			assert.equal(out.served_by, 'n8n');
			const publish = stack.emu.state.publishes.get(String(out.publish_id));
			assert.ok(publish);
			assert.deepEqual(
				publish.photoDownloads.map((photo) => [
					photo.status,
					photo.sha256,
					photo.width,
					photo.height,
				]),
				slides.map((slide) => ['done', sha256(slide), 1080, 1350]),
				'every image arrived whole, in carousel order',
			);
			const pulls = front.requests.filter((r) => r.userAgent?.startsWith(TIKTOK_PULLER));
			assert.deepEqual(
				pulls.map((r) => [r.method, r.status, r.bytes]),
				slides.map((slide) => ['GET', 200, slide.length]),
			);
			assert.doesNotMatch(JSON.stringify(out), /v1\./, 'no signed link in the output');
		});

		it('posts a binary video over 64,000,000 bytes pulled from n8n instead of uploaded in chunks, read in ranges, sha256 equal', async () => {
			const path = filePath(stack, 'over-64mb.mp4');
			const size = 64_000_001;
			const expected = await writeMp4(path, { sizeBytes: size, durationSec: 30 });
			stack.emu.config.pullReads = 'ranges';
			stack.emu.config.pullRangeBytes = 16 * 1024 * 1024;
			const pullsBefore = front.requests.length;
			try {
				const run = await stack.run([
					readFileNode(path),
					tiktokNode(creator, {
						resource: 'video',
						operation: 'publish',
						source: 'binary',
						binaryPropertyName: 'data',
						n8nMediaUrl: prefix,
						postMode: 'draft',
						waitForPublish: false,
					}),
				]);
				assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
				const [out] = nodeOutput(run, 'TikTok');
				assert.equal(
					out.source,
					'PULL_FROM_URL',
					'Automatic pulls a video that needs several chunks',
				);
				assert.equal(out.served_by, 'n8n');
				assert.equal(
					out.status,
					'SEND_TO_USER_INBOX',
					'waited past PROCESSING_DOWNLOAD although Wait was off',
				);
				assert.equal((out.video as Record<string, unknown>).bytes, size);
				const publish = stack.emu.state.publishes.get(String(out.publish_id));
				assert.equal(publish?.sha256, expected);
				assert.equal(publish?.downloadedBytes, size);
				assert.equal(publish?.uploadedBytes ?? 0, 0, 'nothing uploaded');
				const ranges = front.requests
					.slice(pullsBefore)
					.filter((r) => r.userAgent?.startsWith(TIKTOK_PULLER));
				assert.deepEqual(
					ranges.map((r) => [r.status, r.range]),
					[0, 1, 2, 3].map((part) => [
						206,
						`bytes=${part * 16 * 1024 * 1024}-${(part + 1) * 16 * 1024 * 1024 - 1}`,
					]),
				);
				assert.equal(
					ranges.reduce((sum, r) => sum + r.bytes, 0),
					size,
				);
			} finally {
				stack.emu.config.pullReads = 'whole';
			}
		});

		it('refuses forged, altered, expired, path-traversal and unsatisfiable-range requests with 4xx and no bytes; HEAD gives the headers only', async () => {
			const [link] = signedLinks().slice(-1);
			assert.ok(link, 'a signed link from the video test');
			const path = new URL(link).pathname;
			const token = path.slice(prefixPath.length);

			const head = await request(front, 'HEAD', path);
			assert.equal(head.status, 200);
			assert.equal(head.headers['content-length'], '64000001');
			assert.equal(head.headers['content-type'], 'video/mp4');
			assert.equal(head.headers['accept-ranges'], 'bytes');
			assert.equal(head.body.length, 0);
			const tail = await request(front, 'GET', path, { Range: 'bytes=-10' });
			assert.equal(tail.status, 206);
			assert.equal(tail.headers['content-range'], 'bytes 63999991-64000000/64000001');
			assert.equal(tail.body.length, 10);

			const [version, payload, mac] = token.split('.');
			const flipped = `${payload.slice(0, 10)}${payload[10] === 'A' ? 'B' : 'A'}${payload.slice(11)}`;
			const expired = await signMediaToken(DEFAULT_CLIENT_SECRET, {
				...JSON.parse(Buffer.from(payload, 'base64url').toString()),
				binaryId: JSON.parse(Buffer.from(payload, 'base64url').toString()).i,
				size: 64_000_001,
				mimeType: 'video/mp4',
				expiresAtSec: Math.floor(Date.now() / 1000) - 1,
			});
			const forged = await signMediaToken('not the client secret', {
				binaryId: JSON.parse(Buffer.from(payload, 'base64url').toString()).i,
				size: 64_000_001,
				mimeType: 'video/mp4',
				expiresAtSec: Math.floor(Date.now() / 1000) + 3600,
			});
			const refusals: Array<[string, string, Record<string, string>?]> = [
				['forged', `${prefixPath}${forged}`],
				['altered', `${prefixPath}${version}.${flipped}.${mac}`],
				['expired', `${prefixPath}${expired}`],
				['traversal', `${prefixPath}..%2F..%2F.n8n%2Fconfig`],
				['traversal', `${prefixPath}${encodeURIComponent('../../binaryData')}`],
				['garbage', `${prefixPath}${'x'.repeat(5000)}`],
				['range past the end', path, { Range: 'bytes=64000001-' }],
				['range backwards', path, { Range: 'bytes=500-100' }],
				['several ranges', path, { Range: 'bytes=0-1,5-9' }],
			];
			for (const [what, target, headers] of refusals) {
				const answer = await request(front, 'GET', target, headers);
				assert.ok(answer.status >= 400 && answer.status < 500, `${what}: ${answer.status}`);
				// A path n8n cannot route to the node (an encoded slash makes more segments) gets n8n's own 404 message.
				const n8nRefusal = /^\{"code":404,"message":"The requested webhook/.test(
					answer.body.toString(),
				);
				assert.ok(
					answer.body.length === 0 || n8nRefusal,
					`${what}: no bytes (${answer.body.toString()})`,
				);
				assert.equal(answer.headers.location, undefined, `${what}: never a redirect`);
			}

			const log = stack.n8n.logs();
			for (const signed of signedLinks()) {
				assert.ok(
					!log.includes(new URL(signed).pathname.slice(prefixPath.length)),
					"no signed link in n8n's log",
				);
			}
			assert.ok(!log.includes(forged) && !log.includes(expired), 'nor a refused one');
		});
	},
);
