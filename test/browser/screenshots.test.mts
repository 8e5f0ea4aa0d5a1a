/**
 * The README's pictures, taken from the real editor: the Photo → Publish panel, a video draft with TikTok's inbox
 * notice, Video → List run in its panel (the last five videos with their counts), and the example workflows on the
 * canvas. `npm run screenshots` regenerates all of docs/images/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';

import { loadExample, prepareExample } from '../e2e/examples.mts';
import type { Stack } from '../e2e/stack.mts';
import {
	TIKTOK_MEDIA_SERVER_NODE,
	chain,
	createTokenStore,
	startStack,
	tiktokNode,
	tiktokNodeWithStore,
} from '../e2e/stack.mts';
import { launchBrowser, screenshotPath, signIn } from './browser.mts';

describe('README screenshots from the n8n editor (Chromium)', { timeout: 900_000 }, () => {
	let stack: Stack;
	let browser: Browser;
	let page: Page;
	let credential: { id: string; name: string };
	before(async () => {
		stack = await startStack();
		browser = await launchBrowser();
		// With the analytics scopes, so Video → List can run in its panel.
		credential = await stack.connect('public_creator', {
			name: 'TikTok account',
			scopes: [
				'user.info.basic',
				'video.publish',
				'video.upload',
				'user.info.profile',
				'user.info.stats',
				'video.list',
			],
		});
		page = await signIn(browser, stack);
	});
	after(async () => {
		await browser?.close();
		await stack?.stop();
	});

	async function openPanel(
		parameters: Record<string, unknown>,
		name: string,
	): Promise<ReturnType<Page['getByTestId']>> {
		const workflowId = await stack.n8n.importWorkflow(
			chain([tiktokNode(credential, parameters)], name),
		);
		await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
		await page.getByTestId('canvas-node').filter({ hasText: 'TikTok' }).first().dblclick();
		const panel = page.getByTestId('ndv');
		await panel.waitFor();
		return panel;
	}

	it('Photo → Publish panel: image URLs, cover, title, description, post settings', async () => {
		const panel = await openPanel(
			{
				resource: 'photo',
				operation: 'publish',
				imagesInput: 'list',
				images: {
					image: [
						{ url: 'https://cdn.example.com/tiktok/1.jpg' },
						{ url: 'https://cdn.example.com/tiktok/2.jpg' },
					],
				},
				title: 'Autumn walk',
				postMode: 'direct',
			},
			'Photo panel',
		);
		for (const label of ['Cover Image Index', 'Title', 'Description', 'Post Mode']) {
			await panel.getByText(label, { exact: true }).first().waitFor();
		}
		await page.screenshot({ path: screenshotPath('photo-publish-panel.png') });
	});

	it('Video → Publish as a draft shows the inbox notice and hides the direct-post fields', async () => {
		const panel = await openPanel(
			{
				resource: 'video',
				operation: 'publish',
				source: 'url',
				videoUrl: 'https://cdn.example.com/tiktok/clip.mp4',
				postMode: 'draft',
			},
			'Draft panel',
		);
		await panel.getByText('Drafts land in the TikTok inbox', { exact: false }).waitFor();
		assert.equal(
			await panel.getByTestId('parameter-input-privacyLevel').count(),
			0,
			'no privacy field for drafts',
		);
		await page.screenshot({ path: screenshotPath('video-draft-panel.png') });
	});

	it('Video → List run in the panel: the last five videos with their counts', async () => {
		const panel = await openPanel(
			{
				resource: 'video',
				operation: 'list',
				limit: 5,
				videoFields: ['id', 'title', 'view_count', 'like_count', 'comment_count', 'share_count'],
			},
			'Video list panel',
		);
		await panel.getByTestId('node-execute-button').first().click();
		await panel.getByText('view_count', { exact: false }).first().waitFor({ timeout: 60_000 });
		await page.screenshot({ path: screenshotPath('video-list-panel.png') });
	});

	it('the one-time setup for staying connected: the TikTok node with its OAuth2 credential and a TikTok Token Store', async () => {
		const store = await createTokenStore(stack, 'TikTok Token Store');
		const workflowId = await stack.n8n.importWorkflow(
			chain(
				[tiktokNodeWithStore(credential, store, { resource: 'creator', operation: 'getInfo' })],
				'Token Store setup',
			),
		);
		await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
		await page.getByTestId('canvas-node').filter({ hasText: 'TikTok' }).first().dblclick();
		const panel = page.getByTestId('ndv');
		await panel.waitFor();
		// The chosen credentials show as the values of their selects (input values, which text locators do not see).
		await page.waitForFunction(
			(name) =>
				[...document.querySelectorAll('[data-test-id="ndv"] input')].some(
					(input) => (input as HTMLInputElement).value === name,
				),
			store.name,
			{ timeout: 30_000 },
		);
		await page.screenshot({ path: screenshotPath('token-store-setup.png') });
	});

	it('TikTok Media Server panel: the Production URL to use as the n8n Media URL, the verification file', async () => {
		const workflowId = await stack.n8n.importWorkflow({
			name: 'TikTok media server',
			nodes: [
				{
					id: 'media',
					name: 'TikTok Media Server',
					type: TIKTOK_MEDIA_SERVER_NODE,
					typeVersion: 1,
					webhookId: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d',
					position: [0, 0],
					parameters: {
						verificationFile: {
							fileName: 'tiktokAbC123xyz.txt',
							content: 'tiktok-developers-site-verification=AbC123xyz',
						},
					},
					credentials: { tikTokOAuth2Api: credential },
				},
			],
			connections: {},
			settings: { executionOrder: 'v1' },
		});
		await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
		await page
			.getByTestId('canvas-node')
			.filter({ hasText: 'TikTok Media Server' })
			.first()
			.dblclick();
		const panel = page.getByTestId('ndv');
		await panel.waitFor();
		await panel.getByText('URL Prefix Verification File', { exact: true }).first().waitFor();
		await page.screenshot({ path: screenshotPath('media-server-panel.png') });
	});

	for (const file of [
		'carousel-from-n8n.json',
		'rss-newest-videos.json',
		'calendar-data-table.json',
		'publish-then-check-status.json',
		'daily-stats-data-table.json',
	]) {
		it(`example on the canvas: ${file}`, async () => {
			const workflow = prepareExample(await loadExample(file), credential, { keepTrigger: true });
			const workflowId = await stack.n8n.importWorkflow(workflow);
			await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
			for (const node of workflow.nodes.filter(
				(candidate) => candidate.type !== 'n8n-nodes-base.stickyNote',
			)) {
				await page.getByTestId('canvas-node').filter({ hasText: node.name }).first().waitFor();
			}
			await page.getByTestId('canvas-node').first().waitFor();
			await page.screenshot({ path: screenshotPath(`example-${file.replace(/\.json$/, '')}.png`) });
		});
	}
});
