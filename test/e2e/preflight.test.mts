/**
 * Media preflight in real n8n against the strict emulator: what TikTok's documented limits (media transfer guide:
 * video sides 360–4096 px, 23–60 FPS; photos JPEG/WebP, ≤ 1080p) would fail after the upload is refused before
 * any init, naming the file (a photo by position and URL); what a file gives no number for is published with a
 * warning. Each case uses a fresh account, so its init and post counts are its own.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import {
	bytesOf,
	jpegSource,
	mp4Source,
	pngSource,
	webmSource,
	webpSource,
} from '../emulator/media.mts';
import type { MediaFile, MediaServer } from '../emulator/mediaServer.mts';
import { startMediaServer } from '../emulator/mediaServer.mts';
import { writeMp4 } from '../fixtures/video.mts';
import { nodeOutput } from '../harness/index.mts';
import { countFor, recordFault } from './ledger.mts';
import type { Stack } from './stack.mts';
import { BINARY_VIDEO_DIRECT, filePath, readFileNode, startStack, tiktokNode } from './stack.mts';

const wait = { waitForPublish: true, waitOptions: { intervalSeconds: 3, timeoutMinutes: 1 } };
/** A refusal before any init comes within the image check's own bound (30 s), with room for n8n. */
const REFUSAL_BOUND_MS = 45_000;

describe('media preflight in real n8n', { timeout: 300_000 }, () => {
	let stack: Stack;
	let media: MediaServer;
	const url = (path: string) => `${media.url}${path}`;
	/** One fresh private creator per case (so each case's inits and posts are its own), connected in one import. */
	const creators: Array<{ name: string; credential: { id: string; name: string } }> = [];

	before(async () => {
		stack = await startStack({ emulator: { statusPolls: { processing: 1 } } });
		const image = async (
			source: Parameters<typeof bytesOf>[0],
			contentType: string,
		): Promise<MediaFile> => ({ body: await bytesOf(source), contentType });
		media = await startMediaServer({
			https: true,
			files: {
				'/verified/1.jpg': await image(
					jpegSource(3000, { width: 1080, height: 1920 }),
					'image/jpeg',
				),
				'/verified/2.webp': await image(
					webpSource(3000, { width: 1920, height: 1080 }),
					'image/webp',
				),
				'/verified/4000x3000.jpg': await image(
					jpegSource(5000, { width: 4000, height: 3000 }),
					'image/jpeg',
				),
				'/verified/chart.jpg': await image(pngSource(4000), 'image/jpeg'),
				'/verified/4.jpg': await image(jpegSource(3100), 'image/jpeg'),
				'/verified/5.webp': await image(webpSource(3200, undefined, 'VP8L'), 'image/webp'),
				'/verified/tiny.mp4': {
					body: await bytesOf(
						mp4Source({
							size: 150_000,
							durationSec: 5,
							video: { width: 320, height: 240, fps: 30 },
						}),
					),
					contentType: 'video/mp4',
				},
				'/verified/av1.mp4': {
					body: await bytesOf(
						mp4Source({
							size: 150_000,
							durationSec: 5,
							video: { width: 1080, height: 1920, fps: 30, codec: 'av01' },
						}),
					),
					contentType: 'video/mp4',
				},
			},
		});
		stack.emu.config.verifiedPrefixes = [`${media.url}/verified/`];
		stack.emu.config.pullTrustedCaPem = media.caPem;
		const names = Array.from({ length: 9 }, (_, n) => `preflight_${n + 1}`);
		for (const name of names) stack.emu.addAccount(name, { isPrivate: true });
		const credentials = await stack.connectAll(names);
		creators.push(...names.map((name, n) => ({ name, credential: credentials[n] })));
	});
	after(async () => {
		await media?.stop();
		await stack?.stop();
	});

	/** The next unused creator. */
	function freshCreator() {
		const creator = creators.shift();
		assert.ok(creator, 'a creator is connected for every case');
		return creator;
	}

	/** Runs `nodes` and returns the TikTok node's one item, with the wall time of the run. */
	async function runOne(nodes: Array<Record<string, unknown>>) {
		const started = Date.now();
		const run = await stack.run(nodes);
		const ms = Date.now() - started;
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		const items = nodeOutput(run, 'TikTok');
		assert.equal(items.length, 1, 'one item in, one item out');
		return { out: items[0], ms };
	}

	const videoNode = (
		credential: { id: string; name: string },
		extra: Record<string, unknown> = {},
	) =>
		tiktokNode(
			credential,
			{ ...BINARY_VIDEO_DIRECT, privacyLevel: 'SELF_ONLY', ...wait, ...extra },
			{ onError: 'continueRegularOutput' },
		);
	const photoNode = (credential: { id: string; name: string }, urls: string[]) =>
		tiktokNode(
			credential,
			// The loopback media server's certificate is self-signed; n8n 2.41 ignores NODE_EXTRA_CA_CERTS for its own requests.
			{
				resource: 'photo',
				operation: 'publish',
				imagesInput: 'field',
				imageUrls: urls.join('\n'),
				postMode: 'direct',
				privacyLevel: 'SELF_ONLY',
				ignoreSslIssues: true,
				...wait,
			},
			{ onError: 'continueRegularOutput' },
		);

	/** The error item of a refusal before anything reached TikTok: its code, and no init for the account. */
	function assertRefusedBeforeInit(
		out: Record<string, unknown>,
		account: string,
		code: string,
		message: RegExp,
	) {
		assert.match(String(out.error), message);
		const details = out.details as Record<string, unknown>;
		assert.equal(details.code, code);
		assert.ok(String(details.description).length > 40, 'the error says how to fix it');
		assert.deepEqual(
			countFor(stack.emu, account),
			{ inits: 0, posts: 0 },
			'nothing reached TikTok',
		);
		return details;
	}

	/** The same file pulled by TikTok, which n8n never sees: TikTok fails it after one init, with `reason`. */
	async function pulledFailsAfterInit(path: string, reason: string, fault: string) {
		const control = freshCreator();
		const pulled = await runOne([
			tiktokNode(
				control.credential,
				{
					resource: 'video',
					operation: 'publish',
					source: 'url',
					videoUrl: url(path),
					urlHandling: 'pull',
					postMode: 'direct',
					privacyLevel: 'SELF_ONLY',
					...wait,
				},
				{ onError: 'continueRegularOutput' },
			),
		]);
		const pulledDetails = pulled.out.details as Record<string, unknown>;
		assert.deepEqual([pulledDetails.status, pulledDetails.fail_reason], ['FAILED', reason]);
		assert.deepEqual(countFor(stack.emu, control.name), { inits: 1, posts: 0 });
		recordFault({
			area: 'preflight',
			fault,
			outcome: `error item FAILED ${reason} with publish_id, after one init`,
			ms: pulled.ms,
			...countFor(stack.emu, control.name),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: 90_000,
		});
	}

	it('refuses a 320×240 video before the init, naming the size; pulled by TikTok instead, the same file fails after its init (picture_size_check_failed)', async () => {
		const path = filePath(stack, 'tiny.mp4');
		await writeMp4(path, {
			sizeBytes: 150_000,
			durationSec: 5,
			video: { width: 320, height: 240, fps: 30 },
		});
		const { name, credential } = freshCreator();
		const { out, ms } = await runOne([readFileNode(path), videoNode(credential)]);
		const details = assertRefusedBeforeInit(
			out,
			name,
			'video_resolution_out_of_range',
			/^The video "tiny\.mp4" is 320×240 pixels; TikTok accepts videos 360–4096 pixels wide and high$/,
		);
		assert.deepEqual([details.width, details.height], [320, 240]);
		recordFault({
			area: 'preflight',
			fault: 'video 320×240 (TikTok: each side 360–4096 px)',
			outcome: 'error item video_resolution_out_of_range before any init',
			ms,
			...countFor(stack.emu, name),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: REFUSAL_BOUND_MS,
		});

		// What the preflight saves the user from: n8n cannot read a video TikTok pulls itself, and TikTok fails it after the init.
		await pulledFailsAfterInit(
			'/verified/tiny.mp4',
			'picture_size_check_failed',
			'the same 320×240 video pulled by TikTok (n8n cannot read it)',
		);
	});

	it('refuses a 120 FPS video before the init, naming the frame rate', async () => {
		const path = filePath(stack, 'fast.mp4');
		await writeMp4(path, {
			sizeBytes: 150_000,
			durationSec: 4,
			video: { width: 1080, height: 1920, fps: 120 },
		});
		const { name, credential } = freshCreator();
		const { out, ms } = await runOne([readFileNode(path), videoNode(credential)]);
		const details = assertRefusedBeforeInit(
			out,
			name,
			'video_frame_rate_out_of_range',
			/^The video "fast\.mp4" plays at 120 frames per second; TikTok accepts 23–60 frames per second$/,
		);
		assert.equal(details.frame_rate, 120);
		recordFault({
			area: 'preflight',
			fault: 'video at 120 FPS (TikTok: 23–60)',
			outcome: 'error item video_frame_rate_out_of_range before any init',
			ms,
			...countFor(stack.emu, name),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: REFUSAL_BOUND_MS,
		});
	});

	it('refuses an AV1 video before the init, naming the codec; pulled by TikTok instead, the same file fails after its init (file_format_check_failed)', async () => {
		const path = filePath(stack, 'av1.mp4');
		await writeMp4(path, {
			sizeBytes: 150_000,
			durationSec: 5,
			video: { width: 1080, height: 1920, fps: 30, codec: 'av01' },
		});
		const { name, credential } = freshCreator();
		const { out, ms } = await runOne([readFileNode(path), videoNode(credential)]);
		const details = assertRefusedBeforeInit(
			out,
			name,
			'video_codec_unsupported',
			/^The video "av1\.mp4" is AV1 video \(codec "av01"\); TikTok accepts H\.264, H\.265, VP8 and VP9 video$/,
		);
		assert.equal(details.codec, 'av01');
		recordFault({
			area: 'preflight',
			fault: 'AV1 video (TikTok: H.264, H.265, VP8, VP9)',
			outcome: 'error item video_codec_unsupported before any init',
			ms,
			...countFor(stack.emu, name),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: REFUSAL_BOUND_MS,
		});

		await pulledFailsAfterInit(
			'/verified/av1.mp4',
			'file_format_check_failed',
			'the same AV1 video pulled by TikTok (n8n cannot read it)',
		);
	});

	const carouselCases = [
		{
			third: '/verified/4000x3000.jpg',
			fault: 'carousel of 5, image 3 is 4000×3000 (TikTok: at most 1080p)',
			code: 'photo_resolution_too_high',
			expect:
				/^The image 3 of 5 \(".*\/verified\/4000x3000\.jpg"\) is 4000×3000 pixels, larger than TikTok's 1080p/,
		},
		{
			third: '/verified/chart.jpg',
			fault: 'carousel of 5, image 3 a PNG named .jpg and served as image/jpeg',
			code: 'photo_format_unsupported',
			expect:
				/^The image 3 of 5 \(".*\/verified\/chart\.jpg"\) is a PNG image \(judged by its content; the server calls it "image\/jpeg"\), and TikTok does not accept PNG$/,
		},
		{
			third: 'https://127.0.0.1:1/verified/gone.jpg',
			fault: 'carousel of 5, image 3 on a server that refuses connections',
			code: 'photo_unreachable',
			expect:
				/^The image 3 of 5 \("https:\/\/127\.0\.0\.1:1\/verified\/gone\.jpg"\) could not be reached/,
		},
	];
	for (const testCase of carouselCases) {
		it(`names the failing image by position and URL before any init: ${testCase.fault}`, async () => {
			const third = testCase.third.startsWith('https:') ? testCase.third : url(testCase.third);
			const urls = [
				url('/verified/1.jpg'),
				url('/verified/2.webp'),
				third,
				url('/verified/4.jpg'),
				url('/verified/5.webp'),
			];
			const { name, credential } = freshCreator();
			const { out, ms } = await runOne([photoNode(credential, urls)]);
			const details = assertRefusedBeforeInit(out, name, testCase.code, testCase.expect);
			assert.deepEqual(
				[details.image_position, details.image_url, details.failing_positions],
				[3, third, '3'],
			);
			recordFault({
				area: 'preflight',
				fault: testCase.fault,
				outcome: `error item ${testCase.code} naming image 3 and its URL, before any init`,
				ms,
				...countFor(stack.emu, name),
				itemsIn: 1,
				itemsOut: 1,
				boundMs: REFUSAL_BOUND_MS,
			});
		});
	}

	it('publishes a WebM that states no frame rate, with a warning that the frame rate was not checked', async () => {
		const path = filePath(stack, 'no-rate.webm');
		await writeFile(
			path,
			await bytesOf(webmSource(200_000, { width: 1080, height: 1920, fps: null })),
		);
		const { name, credential } = freshCreator();
		const { out, ms } = await runOne([readFileNode(path), videoNode(credential)]);
		assert.equal(out.status, 'PUBLISH_COMPLETE', `${out.error} ${JSON.stringify(out.details)}`);
		assert.deepEqual(out.warnings, [
			"n8n could not read the video's frame rate (WebM files need not state it), so TikTok's range of 23–60 frames per second was not checked.",
		]);
		const video = out.video as Record<string, unknown>;
		assert.deepEqual(
			[video.container, video.width, video.height, video.frame_rate],
			['webm', 1080, 1920, undefined],
		);
		assert.deepEqual(countFor(stack.emu, name), { inits: 1, posts: 1 });
		recordFault({
			area: 'preflight',
			fault: 'WebM video that states no frame rate',
			outcome: 'PUBLISH_COMPLETE with a warning: frame rate not checked',
			ms,
			...countFor(stack.emu, name),
			itemsIn: 1,
			itemsOut: 1,
			boundMs: 90_000,
		});
	});
});
