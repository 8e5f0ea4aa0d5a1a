/**
 * The node panel as a user sees it: the privacy dropdown, opened for a private account, lists only that
 * account's options. Screenshots for the README are written to docs/images/.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';

import type { Stack } from '../e2e/stack.mts';
import { BINARY_VIDEO_DIRECT, chain, startStack, tiktokNode } from '../e2e/stack.mts';
import { launchBrowser, screenshotPath, signIn } from './browser.mts';

describe('TikTok node panel in the n8n editor (Chromium)', { timeout: 600_000 }, () => {
	let stack: Stack;
	let browser: Browser;
	before(async () => {
		stack = await startStack();
		browser = await launchBrowser();
	});
	after(async () => {
		await browser?.close();
		await stack?.stop();
	});

	it("lists only a private account's privacy levels in the Video → Publish panel", async () => {
		const credential = await stack.connect('private_creator', { name: 'TikTok (private account)' });
		const workflow = chain(
			[
				{
					...tiktokNode(credential, { ...BINARY_VIDEO_DIRECT }),
					id: `tiktok-${randomBytes(3).toString('hex')}`,
				},
			],
			'Panel',
		);
		const workflowId = await stack.n8n.importWorkflow(workflow);
		const page = await signIn(browser, stack);
		await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
		await page.getByTestId('canvas-node').filter({ hasText: 'TikTok' }).first().dblclick();
		const panel = page.getByTestId('ndv');
		await panel.waitFor();
		const privacy = panel.getByTestId('parameter-input-privacyLevel');
		// The list comes from creator_info (loadOptions); a click that lands while it loads can leave the dropdown
		// closed, so open it again until an entry shows (a person would click again too).
		const onlyMe = page.locator('.el-select-dropdown__item:visible', { hasText: 'Only Me' });
		for (let attempt = 0; attempt < 6 && !(await onlyMe.isVisible()); attempt++) {
			await privacy.click(); // toggles the dropdown: open when closed, closed when it opened empty
			await onlyMe.waitFor({ timeout: 5_000 }).catch(() => undefined);
		}
		await onlyMe.waitFor({ timeout: 5_000 });
		const options = page.locator('.el-select-dropdown__item:visible');
		const labels = (await options.allInnerTexts()).map((text) => text.split('\n')[0].trim());
		await page.screenshot({ path: screenshotPath('video-publish-panel.png') });
		assert.deepEqual(labels, ['Followers', 'Friends (Mutual Followers)', 'Only Me']);
	});
});
