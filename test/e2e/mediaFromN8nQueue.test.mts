/**
 * Media from n8n in queue mode (n8n 2.x: PostgreSQL, Redis, binary data in the database by default): a worker runs
 * the publish, the main process serves the files the worker stored, TikTok pulls them through the main's https
 * front. n8n 1.x keeps binary data in memory in queue mode unless told otherwise and its filesystem mode needs a
 * disk every process shares, so this file runs on 2.x only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { nodeOutput } from '../harness/index.mts';
import { loadExample, nodeNamed } from './examples.mts';
import type { MediaFromN8n } from './mediaFromN8n.mts';
import { TIKTOK_PULLER, serveMediaFromN8n, sha256, slidesOf } from './mediaFromN8n.mts';
import type { Stack } from './stack.mts';
import { chain, deployViaWebhook, startStack, testedN8nVersion, tiktokNode } from './stack.mts';

const is1x = (testedN8nVersion() ?? '').startsWith('1.');

describe(
	'Media from n8n in queue mode: a worker publishes, the main process serves',
	{ timeout: 900_000, skip: is1x && 'n8n 1.x queue mode has no shared binary store by default' },
	() => {
		let stack: Stack;
		let media: MediaFromN8n;
		let creator: { id: string; name: string };

		before(async () => {
			stack = await startStack({ emulator: { statusPolls: { processing: 1 } }, queueWorkers: 1 });
			creator = await stack.connect('private_creator');
			media = await serveMediaFromN8n(stack, creator);
		});
		after(async () => {
			await media?.stop();
			await stack?.stop();
		});

		it('a 7-image carousel made on the worker is pulled from the main process, byte-exact, in order', async () => {
			const makeSlides = nodeNamed(await loadExample('carousel-from-n8n.json'), 'Make Slides');
			const slides = slidesOf(String(makeSlides.parameters.jsCode));
			const workflow = await deployViaWebhook(
				stack.n8n,
				chain(
					[
						{ ...makeSlides, id: undefined },
						tiktokNode(creator, {
							resource: 'photo',
							operation: 'publish',
							imagesInput: 'binary',
							n8nMediaUrl: media.prefix,
							postMode: 'draft',
							title: 'Queue mode',
						}),
					],
					'queue-carousel',
				),
			);
			const run = await workflow.fire();
			assert.ok(run.ok, `${run.error?.message} ${run.error?.description}`);
			assert.ok(stack.n8n.workerForExecution(String(run.executionId)), 'a worker ran the publish');
			const [out] = nodeOutput(run, 'TikTok');
			assert.equal(out.status, 'SEND_TO_USER_INBOX');
			assert.equal(out.served_by, 'n8n');
			const publish = stack.emu.state.publishes.get(String(out.publish_id));
			assert.deepEqual(
				publish?.photoDownloads.map((photo) => [photo.status, photo.sha256]),
				slides.map((slide) => ['done', sha256(slide)]),
			);
			// The front forwards to the main process only: workers serve no HTTP.
			const pulls = media.front.requests.filter((r) => r.userAgent?.startsWith(TIKTOK_PULLER));
			assert.deepEqual(
				pulls.map((r) => [r.status, r.bytes]),
				slides.map((slide) => [200, slide.length]),
			);
		});
	},
);
