/**
 * The README's analytics pictures, from the real editor: Video → List run in its panel (the last five videos with
 * their counts) and the "Daily TikTok stats into the calendar" example on the canvas.
 */
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';

import { loadExample, prepareExample } from '../e2e/examples.mts';
import type { Stack } from '../e2e/stack.mts';
import { chain, startStack, tiktokNode } from '../e2e/stack.mts';
import { launchBrowser, screenshotPath, signIn } from './browser.mts';

const ANALYTICS = ['user.info.basic', 'video.publish', 'video.upload', 'user.info.profile', 'user.info.stats', 'video.list'];

describe('README analytics screenshots from the n8n editor (Chromium)', { timeout: 600_000 }, () => {
	let stack: Stack;
	let browser: Browser;
	let page: Page;
	let credential: { id: string; name: string };
	before(async () => {
		stack = await startStack();
		browser = await launchBrowser();
		credential = await stack.connect('public_creator', { name: 'TikTok account', scopes: ANALYTICS });
		page = await signIn(browser, stack);
	});
	after(async () => {
		await browser?.close();
		await stack?.stop();
	});

	it('Video → List run in the panel: the last five videos with their counts', async () => {
		const workflowId = await stack.n8n.importWorkflow(
			chain([tiktokNode(credential, { resource: 'video', operation: 'list', limit: 5, videoFields: ['id', 'title', 'view_count', 'like_count', 'comment_count', 'share_count'] })], 'Video list panel'),
		);
		await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
		await page.getByTestId('canvas-node').filter({ hasText: 'TikTok' }).first().dblclick();
		const panel = page.getByTestId('ndv');
		await panel.waitFor();
		await panel.getByTestId('node-execute-button').first().click();
		await panel.getByText('view_count', { exact: false }).first().waitFor({ timeout: 60_000 });
		await page.screenshot({ path: screenshotPath('video-list-panel.png') });
	});

	it('example on the canvas: daily-stats-data-table.json', async () => {
		const workflow = prepareExample(await loadExample('daily-stats-data-table.json'), credential, { keepTrigger: true });
		const workflowId = await stack.n8n.importWorkflow(workflow);
		await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
		for (const node of workflow.nodes.filter((candidate) => candidate.type !== 'n8n-nodes-base.stickyNote')) {
			await page.getByTestId('canvas-node').filter({ hasText: node.name }).first().waitFor();
		}
		await page.screenshot({ path: screenshotPath('example-daily-stats-data-table.png') });
	});
});
