/**
 * Photo carousels in a real n8n 2.x with the packed package installed, against the strict TikTok emulator,
 * which really downloads every photo from a loopback HTTPS server registered as a verified URL prefix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ByteSource } from '../emulator/media.mts';
import { jpegSource, pngSource, sha256Of, webpSource } from '../emulator/media.mts';
import type { MediaFile, MediaServer } from '../emulator/mediaServer.mts';
import { startMediaServer } from '../emulator/mediaServer.mts';
import { nodeOutput } from '../harness/index.mts';
import type { Stack } from './stack.mts';
import { closedPort, itemsNode, startStack, tiktokNode } from './stack.mts';

const quickWait = { waitForPublish: true, waitOptions: { intervalSeconds: 3, timeoutMinutes: 2 } };
const TIKTOK_PULLER = 'TikTokEmulator-MediaPuller';

const served = (source: ByteSource, contentType: string): MediaFile => ({
	body: () => source.stream(),
	size: source.size,
	contentType,
});

describe('Photo → Publish in real n8n', { timeout: 900_000 }, () => {
	let stack: Stack;
	let media: MediaServer;
	let publicCreator: { id: string; name: string };
	let privateCreator: { id: string; name: string };
	/** 35 distinct images (JPEG and WebP, different sizes, so every hash differs) under the verified prefix. */
	const slides: Array<{ path: string; source: ByteSource }> = Array.from(
		{ length: 35 },
		(_, i) => ({
			path: `/verified/slide-${String(i).padStart(2, '0')}.${i % 3 === 2 ? 'webp' : 'jpg'}`,
			source: i % 3 === 2 ? webpSource(3000 + i * 101) : jpegSource(2000 + i * 97),
		}),
	);
	let verifiedPrefix: string;
	const url = (path: string) => `${media.url}${path}`;
	const slideUrls = (count: number) => slides.slice(0, count).map((slide) => url(slide.path));
	/** Requests n8n made to the media server (everything that is not TikTok's puller). */
	const n8nRequests = () =>
		media.requests.filter((request) => !request.userAgent?.startsWith(TIKTOK_PULLER));
	const tiktokRequests = () =>
		media.requests.filter((request) => request.userAgent?.startsWith(TIKTOK_PULLER));

	const photoNode = (
		credential: { id: string; name: string },
		parameters: Record<string, unknown>,
		extra: Record<string, unknown> = {},
	) =>
		tiktokNode(
			credential,
			// The loopback media server's certificate is self-signed; n8n 2.41 ignores NODE_EXTRA_CA_CERTS for its own requests.
			{
				resource: 'photo',
				operation: 'publish',
				ignoreSslIssues: true,
				...quickWait,
				...parameters,
			},
			extra,
		);

	before(async () => {
		stack = await startStack({ emulator: { statusPolls: { processing: 1 } } });
		media = await startMediaServer({
			https: true,
			files: {
				...Object.fromEntries(
					slides.map((slide) => [
						slide.path,
						served(slide.source, slide.path.endsWith('.webp') ? 'image/webp' : 'image/jpeg'),
					]),
				),
				'/verified/chart.png': served(pngSource(4000), 'image/png'),
				'/verified/huge.jpg': served(jpegSource(20_000_001), 'image/jpeg'),
				'/verified/moved.jpg': { status: 302, headers: { Location: '/verified/slide-00.jpg' } },
			},
		});
		verifiedPrefix = `${media.url}/verified/`;
		stack.emu.config.verifiedPrefixes = [verifiedPrefix];
		stack.emu.config.pullTrustedCaPem = media.caPem;
		publicCreator = await stack.connect('public_creator');
		privateCreator = await stack.connect('private_creator');
	});
	after(async () => {
		await media?.stop();
		await stack?.stop();
	});

	it('posts a 35-image carousel entered as a URL list: n8n reads only the first bytes of each, TikTok downloads all 35 byte-exact, and the wait ends in PUBLISH_COMPLETE', async () => {
		const urls = slideUrls(35);
		const checksBefore = n8nRequests().length;
		const run = await stack.run([
			photoNode(publicCreator, {
				imagesInput: 'list',
				images: { image: urls.map((imageUrl) => ({ url: imageUrl })) },
				verifiedPrefixes: verifiedPrefix,
				postMode: 'direct',
				title: 'Thirty-five slides',
				privacyLevel: 'PUBLIC_TO_EVERYONE',
			}),
		]);
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		const [out] = nodeOutput(run, 'TikTok');
		assert.equal(out.status, 'PUBLISH_COMPLETE');
		assert.match(String(out.publish_id), /^p_pub_url~/);
		const publish = stack.emu.state.publishes.get(String(out.publish_id));
		assert.ok(publish, 'the emulator knows the publish');
		assert.equal(publish.kind, 'photo');
		assert.deepEqual(
			publish.photoDownloads.map((download) => download.url),
			urls,
			'TikTok got the URLs in carousel order',
		);
		assert.deepEqual(
			publish.photoDownloads.map((download) => download.status),
			urls.map(() => 'done'),
		);
		assert.deepEqual(
			publish.photoDownloads.map((download) => download.sha256),
			await Promise.all(slides.map((slide) => sha256Of(slide.source))),
			'every downloaded photo hashes to its source',
		);
		assert.deepEqual(
			publish.photoDownloads.map((download) => download.bytes),
			slides.map((slide) => slide.source.size),
		);
		assert.equal(
			out.downloaded_bytes,
			slides.reduce((sum, slide) => sum + slide.source.size, 0),
		);
		assert.equal(
			tiktokRequests().filter((request) => request.method === 'GET').length,
			35,
			'TikTok pulled each photo once',
		);

		const checks = n8nRequests().slice(checksBefore);
		assert.equal(checks.length, 35, 'n8n checked each image once');
		assert.ok(
			checks.every((request) => request.method === 'GET' && request.range === 'bytes=0-262143'),
			'n8n asked for the first bytes only',
		);

		const ids = out.post_ids as string[];
		assert.match(ids[0], /^\d{19}$/);
		assert.deepEqual(ids, publish.postIds, 'the 19-digit id survives intact');
		assert.equal(out.post_url, `https://www.tiktok.com/@${out.creator_username}/photo/${ids[0]}`);
		assert.deepEqual(out.photos, {
			count: 35,
			cover_index: 0,
			images: slides.map((slide) => ({
				url: url(slide.path),
				content_type: slide.path.endsWith('.webp') ? 'image/webp' : 'image/jpeg',
				bytes: slide.source.size,
				width: 1080,
				height: 1350,
			})),
		});
		assert.equal(out.warnings, undefined, 'every limit was checked');
	});

	it('sends a draft (MEDIA_UPLOAD) from a newline- and comma-separated text, with title and description for the app, and waits for SEND_TO_USER_INBOX', async () => {
		const urls = slideUrls(3);
		const initsBefore = stack.emu.state.inits.length;
		const apiCallsBefore = stack.emu.state.requests.length;
		const run = await stack.run([
			photoNode(privateCreator, {
				imagesInput: 'field',
				imageUrls: `${urls[0]}\n${urls[1]}, ${urls[2]}`,
				coverIndex: 1,
				postMode: 'draft',
				title: 'Draft title',
				description: 'Finish me in the app',
			}),
		]);
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		const [out] = nodeOutput(run, 'TikTok');
		assert.equal(out.status, 'SEND_TO_USER_INBOX');
		assert.equal(out.mode, 'draft');
		assert.match(String(out.next_step), /inbox/);
		assert.match(String(out.publish_id), /^p_inbox_url~/);
		const inits = stack.emu.state.inits.slice(initsBefore);
		assert.deepEqual(
			inits.map((init) => [init.endpoint, init.httpStatus]),
			[['content/init', 200]],
		);
		assert.equal(
			stack.emu.state.requests
				.slice(apiCallsBefore)
				.filter((request) => request.path.includes('creator_info')).length,
			0,
			'a draft has no settings to check against creator info',
		);
		assert.deepEqual(inits[0].body, {
			media_type: 'PHOTO',
			post_mode: 'MEDIA_UPLOAD',
			post_info: { title: 'Draft title', description: 'Finish me in the app' },
			source_info: { source: 'PULL_FROM_URL', photo_images: urls, photo_cover_index: 1 },
		});
		const publish = stack.emu.state.publishes.get(String(out.publish_id));
		assert.equal(publish?.mode, 'MEDIA_UPLOAD');
		assert.deepEqual(
			publish?.photoDownloads.map((download) => download.status),
			['done', 'done', 'done'],
		);
	});

	it('sends every direct-post setting as TikTok expects, from an array in an expression', async () => {
		const urls = slideUrls(4);
		const title = 'Spring drop 🌸 #n8n';
		const description = 'Four looks, one post. @brand #ad';
		const initsBefore = stack.emu.state.inits.length;
		const run = await stack.run([
			itemsNode([{ images: urls, cover: 2 }]),
			photoNode(publicCreator, {
				imagesInput: 'field',
				imageUrls: '={{ $json.images }}',
				coverIndex: '={{ $json.cover }}',
				postMode: 'direct',
				title,
				description,
				privacyLevel: 'MUTUAL_FOLLOW_FRIENDS',
				allowComment: true,
				autoAddMusic: true,
				discloseCommercialContent: true,
				yourBrand: true,
				brandedContent: true,
			}),
		]);
		assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
		const [out] = nodeOutput(run, 'TikTok');
		const init = stack.emu.state.inits
			.slice(initsBefore)
			.find((record) => record.endpoint === 'content/init');
		assert.deepEqual(init?.body, {
			media_type: 'PHOTO',
			post_mode: 'DIRECT_POST',
			post_info: {
				privacy_level: 'MUTUAL_FOLLOW_FRIENDS',
				disable_comment: false,
				brand_content_toggle: true,
				brand_organic_toggle: true,
				auto_add_music: true,
				title,
				description,
			},
			source_info: { source: 'PULL_FROM_URL', photo_images: urls, photo_cover_index: 2 },
		});
		assert.equal(out.status, 'PUBLISH_COMPLETE');
		assert.deepEqual(out.post_ids, [], 'a friends-only post has no public id');
		assert.equal(out.post_url, undefined);
		assert.equal(out.creator_username, 'public_creator');
	});

	it('reports FAILED with photo_pull_failed as an error item when an image vanishes before TikTok pulls it', async () => {
		const path = '/verified/vanishing.jpg';
		const file = served(jpegSource(2500), 'image/jpeg');
		// Served to n8n's check, gone (404) when TikTok's puller asks: the server looks the file up after logging the request.
		Object.defineProperty(media.files, path, {
			enumerable: true,
			configurable: true,
			get: () => (media.requests.at(-1)?.userAgent?.startsWith(TIKTOK_PULLER) ? undefined : file),
		});
		const urls = [...slideUrls(1), url(path)];
		const run = await stack.run([
			photoNode(
				publicCreator,
				{
					imagesInput: 'field',
					imageUrls: urls.join('\n'),
					postMode: 'direct',
					privacyLevel: 'PUBLIC_TO_EVERYONE',
				},
				{ onError: 'continueRegularOutput' },
			),
		]);
		assert.ok(run.ok, run.error?.message);
		const [out] = nodeOutput(run, 'TikTok');
		assert.match(String(out.error), /TikTok could not download one of the photos/);
		const details = out.details as Record<string, unknown>;
		assert.equal(details.code, 'photo_pull_failed');
		assert.equal(details.status, 'FAILED');
		assert.equal(details.fail_reason, 'photo_pull_failed');
		assert.match(String(details.description), /reachable/);
		const publish = stack.emu.state.publishes.get(String(details.publish_id));
		assert.deepEqual(
			publish?.photoDownloads.map((download) => [download.status, download.httpStatus]),
			[
				['done', 200],
				['failed', 404],
			],
		);
	});

	it('rejects bad input with a clear error before anything reaches content/init, item by item', async () => {
		const good = slideUrls(3);
		const unreachable = `https://127.0.0.1:${await closedPort()}/verified/a.jpg`;
		const cases = [
			{ images: [], expect: /Add at least one image/ },
			{
				images: Array.from({ length: 36 }, (_, i) => url(slides[i % 35].path)),
				expect: /at most 35 images \(got 36\)/,
			},
			{ images: good, cover: 3, expect: /Cover image index 3 is out of range/ },
			{
				images: [good[0], url('/verified/chart.png')],
				expect: /image 2 of 2 \(".*chart\.png"\) is a PNG image, and TikTok does not accept PNG/,
				code: 'photo_format_unsupported',
			},
			{
				images: [url('/verified/huge.jpg')],
				expect:
					/image 1 of 1 \(".*huge\.jpg"\) is 20,000,001 bytes, over TikTok's limit of 20,000,000 bytes/,
				code: 'photo_too_large',
			},
			{
				images: [good[0], good[1], unreachable],
				expect: /image 3 of 3 \(".*"\) could not be reached/,
				code: 'photo_unreachable',
			},
			{
				images: [url('/verified/moved.jpg')],
				expect: /redirects to "\/verified\/slide-00\.jpg" \(HTTP 302\)/,
				code: 'photo_unreachable',
			},
			{
				images: good,
				title: 'x'.repeat(89) + '🌸',
				expect: /title is too long for TikTok \(91 of 90 characters\)/,
			},
			{
				images: good,
				description: 'y'.repeat(4001),
				expect: /description is too long for TikTok \(4001 of 4000 characters\)/,
			},
			{
				images: good,
				branded: true,
				expect: /Branded content visibility cannot be set to private/,
			},
			{
				images: [good[0], 'https://cdn.elsewhere.example/a.jpg'],
				verified: verifiedPrefix,
				expect: /image 2 of 2 \(".*elsewhere.*"\) is not under your verified URL prefixes/,
			},
			{
				images: [good[0].replace('https:', 'http:')],
				expect: /image 1 of 1 \(".*"\) does not use https/,
			},
		];
		const initsBefore = stack.emu.state.inits.length;
		const pullsBefore = tiktokRequests().length;
		const run = await stack.run([
			itemsNode(
				cases.map(({ expect, code, ...rest }) => ({ ...rest, expect: String(expect), code })),
			),
			photoNode(
				privateCreator,
				{
					imagesInput: 'field',
					imageUrls: '={{ $json.images }}',
					coverIndex: '={{ $json.cover ?? 0 }}',
					title: "={{ $json.title ?? '' }}",
					description: "={{ $json.description ?? '' }}",
					verifiedPrefixes: "={{ $json.verified ?? '' }}",
					postMode: 'direct',
					privacyLevel: 'SELF_ONLY',
					discloseCommercialContent: '={{ $json.branded ?? false }}',
					brandedContent: '={{ $json.branded ?? false }}',
				},
				{ onError: 'continueRegularOutput' },
			),
		]);
		assert.ok(run.ok, run.error?.message);
		const outputs = nodeOutput(run, 'TikTok');
		assert.equal(outputs.length, cases.length, 'no item lost');
		const details = outputs.map((output) => output.details as Record<string, unknown>);
		cases.forEach((testCase, index) => {
			assert.match(
				String(outputs[index].error),
				testCase.expect,
				`item ${index}: ${outputs[index].error}`,
			);
			assert.equal(
				details[index].code,
				testCase.code ?? 'invalid_input',
				`item ${index}: its code`,
			);
			assert.ok(
				String(details[index].description ?? '').length > 20,
				`item ${index} says how to fix it`,
			);
		});
		assert.match(
			String(details[10].description),
			/URL properties.*url_ownership_unverified/,
			'explains URL ownership verification',
		);
		assert.deepEqual(
			stack.emu.state.inits.slice(initsBefore).map((init) => init.endpoint),
			[],
			'no content/init reached TikTok',
		);
		assert.equal(tiktokRequests().length, pullsBefore, 'TikTok downloaded nothing');
	});

	it('Binary Files needs the n8n Media URL and files in the item; files passed in with no URLs point to Binary Files and the TikTok Media Server', async () => {
		// n8n itself refuses a required field left empty: 2.x runs the workflow and stops at the node, 1.x refuses to
		// start it ("The workflow has issues"); either way nothing runs.
		const chosen = await stack
			.run([photoNode(privateCreator, { imagesInput: 'binary', postMode: 'draft' })])
			.catch((error: unknown) => ({ ok: false, error: error as Error }));
		assert.equal(chosen.ok, false);
		assert.match(
			String(chosen.error?.message),
			/Parameter "N8n Media URL" is required|The workflow has issues/,
		);
		const noFiles = await stack.run([
			photoNode(privateCreator, {
				imagesInput: 'binary',
				n8nMediaUrl: 'https://n8n.example.com/webhook/0b6c/',
				postMode: 'draft',
			}),
		]);
		assert.equal(noFiles.ok, false);
		assert.match(String(noFiles.error?.message), /The item has no binary fields with images/);

		const initsBefore = stack.emu.state.inits.length;
		const passedIn = await stack.run([
			{
				name: 'Image File',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				parameters: {
					jsCode: `return [{ json: { images: [] }, binary: { data: { data: '${Buffer.from('not really a jpeg').toString('base64')}', mimeType: 'image/jpeg', fileName: 'a.jpg' } } }];`,
				},
			},
			photoNode(privateCreator, {
				imagesInput: 'field',
				imageUrls: '={{ $json.images }}',
				postMode: 'draft',
			}),
		]);
		assert.equal(passedIn.ok, false);
		assert.match(String(passedIn.error?.message), /choose Images Input "Binary Files"/);
		assert.match(String(passedIn.error?.description), /TikTok Media Server/);
		assert.equal(stack.emu.state.inits.length, initsBefore, 'nothing reached TikTok');
	});
});
