/**
 * Video publishing in a real n8n 2.x with the packed package installed, against the strict TikTok emulator.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { startMediaServer } from '../emulator/mediaServer.mts';
import { mp4Stream, writeMp4 } from '../fixtures/video.mts';
import { nodeOutput } from '../harness/index.mts';
import type { Stack } from './stack.mts';
import {
	BINARY_VIDEO_DIRECT,
	filePath,
	itemsNode,
	readFileNode,
	splitByOutcome,
	startStack,
	tiktokNode,
} from './stack.mts';

const quickWait = { waitForPublish: true, waitOptions: { intervalSeconds: 3, timeoutMinutes: 2 } };

describe('Video → Publish in real n8n', { timeout: 900_000 }, () => {
	let stack: Stack;
	let publicCreator: { id: string; name: string };
	let privateCreator: { id: string; name: string };

	before(async () => {
		// Binary data on disk, as n8n 2.x keeps it by default: n8n 1.x's default keeps a 70 MB video inside the
		// execution data, which n8n then saves and the harness reads back (most of a minute and a half). That mode is
		// covered by the queue-mode test on 1.x.
		stack = await startStack({
			emulator: { statusPolls: { processing: 1 } },
			env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' },
		});
		publicCreator = await stack.connect('public_creator');
		privateCreator = await stack.connect('private_creator');
	});
	after(async () => await stack?.stop());

	it('uploads a 70 MB binary in several chunks, byte-exact, and waits for PUBLISH_COMPLETE with a 19-digit post id intact', async () => {
		const path = filePath(stack, 'big.mp4');
		const sha256 = await writeMp4(path, { sizeBytes: 70_000_000, durationSec: 42 });
		const before = stack.emu.state.inits.length;
		// The first chunk's answer comes a second late, as from a far upload host: time for the next connection.
		stack.emu.config.faults.push({
			type: 'chunkAnswerDelay',
			chunkIndex: 0,
			ms: 1000,
			account: 'public_creator',
		});
		const run = await stack.run([
			readFileNode(path),
			tiktokNode(publicCreator, {
				...BINARY_VIDEO_DIRECT,
				caption: 'Launch day 🚀 #n8n',
				privacyLevel: 'PUBLIC_TO_EVERYONE',
				allowComment: true,
				...quickWait,
			}),
		]);
		assert.ok(run.ok, run.error?.message);
		const [out] = nodeOutput(run, 'TikTok');
		assert.equal(out.status, 'PUBLISH_COMPLETE');
		assert.equal(out.source, 'FILE_UPLOAD');
		const publish = stack.emu.state.publishes.get(String(out.publish_id));
		assert.ok(publish, 'the emulator knows the publish');
		assert.equal(publish.sha256, sha256, 'the uploaded bytes hash to the source file');
		assert.equal(publish.uploadedBytes, 70_000_000);
		assert.ok(publish.chunksReceived >= 2, `several chunks (${publish.chunksReceived})`);
		assert.equal(stack.emu.state.inits.length - before, 1, 'exactly one init');
		const [first, second] = publish.chunkArrivals;
		assert.ok(
			second.connectionOpenedAt < first.answeredAt,
			"the second chunk's connection was opened while the first chunk awaited its answer",
		);
		assert.ok(
			second.requestAt >= first.answeredAt,
			'and nothing, not even its headers, was sent on it before that answer',
		);
		const ids = out.post_ids as string[];
		assert.equal(typeof ids[0], 'string');
		assert.match(ids[0], /^\d{19}$/);
		assert.deepEqual(ids, publish.postIds, 'the 19-digit id survives intact');
		assert.equal(out.post_url, `https://www.tiktok.com/@${out.creator_username}/video/${ids[0]}`);
		assert.equal(publish.postInfo?.title, 'Launch day 🚀 #n8n');
		assert.equal(publish.postInfo?.privacy_level, 'PUBLIC_TO_EVERYONE');
		assert.equal(publish.postInfo?.disable_comment, false);
		assert.equal(publish.postInfo?.disable_duet, true, 'duet off unless chosen');
		assert.equal(publish.postInfo?.disable_stitch, true, 'stitch off unless chosen');

		const status = await stack.run([
			tiktokNode(publicCreator, {
				resource: 'post',
				operation: 'getStatus',
				publishId: out.publish_id,
			}),
		]);
		assert.ok(status.ok, status.error?.message);
		const [statusOut] = nodeOutput(status, 'TikTok');
		assert.equal(statusOut.status, 'PUBLISH_COMPLETE');
		assert.deepEqual(statusOut.post_ids, ids);
		assert.equal(statusOut.post_url, out.post_url);
	});

	it('explains a multi-chunk init refused with "The chunk size is invalid" (reported TikTok change) and the ways out; one chunk still goes through', async () => {
		stack.emu.config.refuseMultiChunkUploads = true;
		try {
			const over = filePath(stack, 'over-64mb.mp4');
			await writeMp4(over, { sizeBytes: 64_000_001, durationSec: 20 });
			const before = stack.emu.state.inits.length;
			const refused = await stack.run([
				readFileNode(over),
				tiktokNode(privateCreator, {
					...BINARY_VIDEO_DIRECT,
					privacyLevel: 'SELF_ONLY',
					waitForPublish: false,
				}),
			]);
			assert.equal(refused.ok, false);
			assert.match(
				String(refused.error?.message),
				/refused to receive this video in several chunks \("The chunk size is invalid"\)/,
			);
			assert.match(
				String(refused.error?.description),
				/since about 9 August 2026 TikTok has been reported to refuse every upload in more than one chunk/,
			);
			assert.match(
				String(refused.error?.description),
				/"URL" with URL Handling "Pulled by TikTok"/,
			);
			assert.match(String(refused.error?.description), /smaller than 64 MB/);
			const init = stack.emu.state.inits.slice(before);
			assert.equal(init.length, 1, 'one init, not repeated');
			assert.deepEqual((init[0].body as { source_info: unknown }).source_info, {
				source: 'FILE_UPLOAD',
				video_size: 64_000_001,
				chunk_size: 32_000_000,
				total_chunk_count: 2,
			});

			const whole = filePath(stack, 'exactly-64mb.mp4');
			const sha256 = await writeMp4(whole, { sizeBytes: 64_000_000, durationSec: 20 });
			const run = await stack.run([
				readFileNode(whole),
				tiktokNode(privateCreator, {
					...BINARY_VIDEO_DIRECT,
					privacyLevel: 'SELF_ONLY',
					waitForPublish: false,
				}),
			]);
			assert.ok(run.ok, run.error?.message);
			const [out] = nodeOutput(run, 'TikTok');
			const publish = stack.emu.state.publishes.get(String(out.publish_id));
			assert.equal(publish?.totalChunkCount, 1, '64,000,000 bytes go as one chunk');
			assert.equal(publish?.chunkSize, 64_000_000);
			assert.equal(publish?.sha256, sha256);
		} finally {
			stack.emu.config.refuseMultiChunkUploads = false;
		}
	});

	it('sends a small video to the inbox as a draft and tells the user to finish it in the app', async () => {
		const path = filePath(stack, 'draft.mp4');
		const sha256 = await writeMp4(path, { sizeBytes: 1_500_000, durationSec: 8 });
		const run = await stack.run([
			readFileNode(path),
			tiktokNode(privateCreator, {
				resource: 'video',
				operation: 'publish',
				source: 'binary',
				binaryPropertyName: 'data',
				postMode: 'draft',
				...quickWait,
			}),
		]);
		assert.ok(run.ok, run.error?.message);
		const [out] = nodeOutput(run, 'TikTok');
		assert.equal(out.status, 'SEND_TO_USER_INBOX');
		assert.equal(out.mode, 'draft');
		assert.match(String(out.next_step), /inbox/);
		const publish = stack.emu.state.publishes.get(String(out.publish_id));
		assert.equal(publish?.mode, 'INBOX');
		assert.equal(publish?.sha256, sha256);
		assert.equal(publish?.postInfo ?? undefined, undefined, 'drafts carry no post_info');
	});

	it('sends every direct-post setting as TikTok expects: AI label, cover frame, both brand toggles, interactions', async () => {
		const path = filePath(stack, 'settings.mp4');
		await writeMp4(path, { sizeBytes: 500_000, durationSec: 6 });
		const run = await stack.run([
			readFileNode(path),
			tiktokNode(publicCreator, {
				...BINARY_VIDEO_DIRECT,
				caption: 'Sponsored by @brand',
				privacyLevel: 'MUTUAL_FOLLOW_FRIENDS',
				allowComment: true,
				allowDuet: true,
				allowStitch: true,
				discloseCommercialContent: true,
				yourBrand: true,
				brandedContent: true,
				options: { isAigc: true, coverTimestampMs: 1500 },
				...quickWait,
			}),
		]);
		assert.ok(run.ok, run.error?.message);
		const [out] = nodeOutput(run, 'TikTok');
		assert.deepEqual(stack.emu.state.publishes.get(String(out.publish_id))?.postInfo, {
			privacy_level: 'MUTUAL_FOLLOW_FRIENDS',
			title: 'Sponsored by @brand',
			disable_comment: false,
			disable_duet: false,
			disable_stitch: false,
			brand_content_toggle: true,
			brand_organic_toggle: true,
			is_aigc: true,
			video_cover_timestamp_ms: 1500,
		});
	});

	it("turns a FAILED publish into an error with TikTok's reason and the fix, keeping the publish id", async () => {
		const path = filePath(stack, 'fails.mp4');
		await writeMp4(path, { sizeBytes: 400_000, durationSec: 6 });
		stack.emu.setNextOutcome({ failReason: 'spam_risk_text' });
		const run = await stack.run([
			readFileNode(path),
			tiktokNode(
				privateCreator,
				{ ...BINARY_VIDEO_DIRECT, privacyLevel: 'SELF_ONLY', ...quickWait },
				{ onError: 'continueErrorOutput' },
			),
		]);
		assert.ok(run.ok, run.error?.message);
		const { failed } = splitByOutcome(stack, run);
		assert.equal(failed.length, 1);
		assert.match(String(failed[0].json.error), /flagged the caption as risky/);
		const details = failed[0].json.details as Record<string, unknown>;
		assert.equal(details.code, 'spam_risk_text');
		assert.equal(details.status, 'FAILED');
		assert.match(String(details.publish_id), /^v_pub_file~/);
		assert.match(String(details.description), /Do not retry it unchanged/);
	});

	it('returns at once without waiting when Wait for Publish is off', async () => {
		const path = filePath(stack, 'nowait.mp4');
		await writeMp4(path, { sizeBytes: 600_000, durationSec: 5 });
		const run = await stack.run([
			readFileNode(path),
			tiktokNode(privateCreator, {
				...BINARY_VIDEO_DIRECT,
				privacyLevel: 'SELF_ONLY',
				waitForPublish: false,
			}),
		]);
		assert.ok(run.ok, run.error?.message);
		const [out] = nodeOutput(run, 'TikTok');
		assert.equal(out.status, 'PROCESSING_UPLOAD');
		assert.match(String(out.publish_id), /^v_pub_file~/);
	});

	it('pulls from a verified URL prefix, and falls back to uploading through n8n when TikTok answers url_ownership_unverified', async () => {
		const media = await startMediaServer({
			https: true,
			files: {
				'/verified/clip.mp4': {
					body: () => mp4Stream({ sizeBytes: 2_000_000, durationSec: 7, seed: 7 }),
					contentType: 'video/mp4',
				},
				'/other/clip.mp4': {
					body: () => mp4Stream({ sizeBytes: 3_000_000, durationSec: 7, seed: 9 }),
					contentType: 'video/mp4',
				},
				'/other/nolength.mp4': {
					body: () => mp4Stream({ sizeBytes: 2_500_000, durationSec: 7, seed: 11 }),
					contentType: 'video/mp4',
					contentLength: false,
				},
			},
		});
		try {
			stack.emu.config.verifiedPrefixes = [`${media.url}/verified/`];
			// Its own connection: the earlier tests' inits fill this credential's pacing window (6 a minute), and
			// pacing is not what this test is about.
			const creator = await stack.connect('private_creator');
			stack.emu.config.pullTrustedCaPem = media.caPem;
			const run = await stack.run([
				itemsNode([
					{ url: `${media.url}/verified/clip.mp4`, handling: 'pull' },
					{ url: `${media.url}/other/clip.mp4`, handling: 'auto' },
					{ url: `${media.url}/other/nolength.mp4`, handling: 'upload' },
				]),
				tiktokNode(creator, {
					resource: 'video',
					operation: 'publish',
					source: 'url',
					videoUrl: '={{ $json.url }}',
					urlHandling: '={{ $json.handling }}',
					// The loopback media server's certificate is self-signed; n8n 2.41 ignores NODE_EXTRA_CA_CERTS here.
					ignoreSslIssues: true,
					postMode: 'direct',
					privacyLevel: 'SELF_ONLY',
					...quickWait,
				}),
			]);
			assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
			const [pulled, fallback, staged] = nodeOutput(run, 'TikTok');
			assert.equal(pulled.source, 'PULL_FROM_URL');
			assert.equal(pulled.status, 'PUBLISH_COMPLETE');
			assert.match(String(pulled.publish_id), /^v_pub_url~/);
			assert.equal(fallback.source, 'FILE_UPLOAD');
			assert.match(String(fallback.fallback), /url_ownership_unverified/);
			assert.equal(fallback.status, 'PUBLISH_COMPLETE');
			assert.equal(staged.source, 'FILE_UPLOAD');
			assert.equal(staged.status, 'PUBLISH_COMPLETE');
			assert.equal(
				stack.emu.state.publishes.get(String(staged.publish_id))?.uploadedBytes,
				2_500_000,
			);
		} finally {
			await media.stop();
		}
	});

	it('rejects bad input with a clear error before anything reaches TikTok, item by item', async () => {
		const empty = filePath(stack, 'empty.mp4');
		await writeFile(empty, Buffer.alloc(0));
		const notVideo = filePath(stack, 'notes.mp4');
		await writeFile(notVideo, 'These are my notes, not a video.');
		const long = filePath(stack, 'long.mp4');
		await writeMp4(long, { sizeBytes: 400_000, durationSec: 181 });
		const ok = filePath(stack, 'ok.mp4');
		await writeMp4(ok, { sizeBytes: 400_000, durationSec: 10 });
		const cases = [
			{
				file: ok,
				caption: 'x'.repeat(2199) + '😀',
				privacy: 'SELF_ONLY',
				expect: /caption is too long/,
			},
			{ file: ok, privacy: 'PUBLIC_TO_EVERYONE', expect: /not available for this TikTok account/ },
			{
				file: ok,
				privacy: 'SELF_ONLY',
				branded: true,
				expect: /Branded content visibility cannot be set to private/,
			},
			{ file: ok, privacy: 'SELF_ONLY', duet: true, expect: /duets turned off/ },
			{
				file: long,
				privacy: 'SELF_ONLY',
				expect: /181 seconds long, but this TikTok account can post at most 180 seconds/,
			},
			{ file: notVideo, privacy: 'SELF_ONLY', expect: /not a video TikTok accepts/ },
			{ file: empty, privacy: 'SELF_ONLY', expect: /empty/ },
		];
		const initsBefore = stack.emu.state.inits.length;
		const run = await stack.run([
			itemsNode(cases.map(({ expect, ...rest }) => ({ ...rest, expect: String(expect) }))),
			{
				name: 'Read Video',
				type: 'n8n-nodes-base.readWriteFile',
				typeVersion: 1,
				parameters: { operation: 'read', fileSelector: '={{ $json.file }}', options: {} },
			},
			tiktokNode(
				privateCreator,
				{
					...BINARY_VIDEO_DIRECT,
					caption: "={{ $('Items').item.json.caption ?? '' }}",
					privacyLevel: "={{ $('Items').item.json.privacy }}",
					allowDuet: "={{ $('Items').item.json.duet ?? false }}",
					discloseCommercialContent: "={{ $('Items').item.json.branded ?? false }}",
					brandedContent: "={{ $('Items').item.json.branded ?? false }}",
					...quickWait,
				},
				{ onError: 'continueRegularOutput' },
			),
		]);
		assert.ok(run.ok, run.error?.message);
		const outputs = nodeOutput(run, 'TikTok');
		assert.equal(outputs.length, cases.length, 'no item lost');
		cases.forEach((testCase, index) => {
			assert.match(
				String(outputs[index].error),
				testCase.expect,
				`item ${index}: ${outputs[index].error}`,
			);
			const details = outputs[index].details as Record<string, unknown>;
			assert.ok(String(details.description ?? '').length > 10, `item ${index} says how to fix it`);
			assert.equal(details.code, 'invalid_input');
		});
		assert.equal(stack.emu.state.inits.length, initsBefore, 'no init reached TikTok');
	});

	it('names the missing binary field, refuses a non-http URL and an unknown publish id format', async () => {
		const missing = await stack.run([
			itemsNode([{ hello: 'world' }]),
			tiktokNode(privateCreator, {
				resource: 'video',
				operation: 'publish',
				source: 'binary',
				binaryPropertyName: 'video',
				postMode: 'draft',
			}),
		]);
		assert.equal(missing.ok, false);
		assert.match(String(missing.error?.message), /video/);
		const ftp = await stack.run([
			tiktokNode(privateCreator, {
				resource: 'video',
				operation: 'publish',
				source: 'url',
				videoUrl: 'ftp://example.com/a.mp4',
				postMode: 'draft',
			}),
		]);
		assert.equal(ftp.ok, false);
		assert.match(String(ftp.error?.message), /not a web address/);
		const badId = await stack.run([
			tiktokNode(privateCreator, { resource: 'post', operation: 'getStatus', publishId: '12345' }),
		]);
		assert.equal(badId.ok, false);
		assert.match(String(badId.error?.message), /is not a TikTok publish ID/);
		assert.ok(String(badId.error?.description).includes('publish_id'));
	});
});
