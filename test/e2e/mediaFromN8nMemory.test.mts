/**
 * n8n 1.x's default binary mode keeps files in memory, where no URL can reach them: asking TikTok to pull a binary
 * from n8n fails with an error naming N8N_DEFAULT_BINARY_DATA_MODE=filesystem, before any call to TikTok.
 * n8n 2.x removed that mode (its default is the filesystem), so this file runs on 1.x only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { loadExample, nodeNamed } from './examples.mts';
import { countFor, recordFault } from './ledger.mts';
import type { Stack } from './stack.mts';
import { startStack, testedN8nVersion, tiktokNode } from './stack.mts';

const is1x = (testedN8nVersion() ?? '').startsWith('1.');

describe(
	"n8n 1.x's in-memory binary mode",
	{ timeout: 600_000, skip: !is1x && 'n8n 2.x has no in-memory binary mode' },
	() => {
		let stack: Stack;
		let creator: { id: string; name: string };
		before(async () => {
			stack = await startStack({ env: { N8N_DEFAULT_BINARY_DATA_MODE: undefined } });
			creator = await stack.connect('private_creator');
		});
		after(async () => await stack?.stop());

		it('Photo → Publish from binary files fails with the clear error and nothing reaches TikTok', async () => {
			const makeSlides = nodeNamed(await loadExample('carousel-from-n8n.json'), 'Make Slides');
			const requestsBefore = stack.emu.state.inits.length;
			const started = Date.now();
			const run = await stack.run([
				{ ...makeSlides, id: undefined },
				tiktokNode(creator, {
					resource: 'photo',
					operation: 'publish',
					imagesInput: 'binary',
					n8nMediaUrl: 'https://n8n.example.com/webhook/0b6c/',
					postMode: 'draft',
				}),
			]);
			assert.equal(run.ok, false);
			assert.match(String(run.error?.message), /keeps this file in memory/);
			assert.match(String(run.error?.description), /N8N_DEFAULT_BINARY_DATA_MODE=filesystem/);
			assert.equal(stack.emu.state.inits.length, requestsBefore, 'no init reached TikTok');
			recordFault({
				area: 'media from n8n',
				fault: "n8n 1.x's in-memory binary mode, Photo → Publish from Binary Files",
				outcome: 'error before any init, naming N8N_DEFAULT_BINARY_DATA_MODE=filesystem',
				ms: Date.now() - started,
				...countFor(stack.emu, 'private_creator'),
				itemsIn: 1,
				itemsOut: 1,
				boundMs: 60_000,
			});
		});
	},
);
