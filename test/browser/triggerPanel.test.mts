/**
 * The TikTok Trigger panel as a user sees it in the real editor: the webhook URL to paste into TikTok's developer
 * portal, the one-URL-per-app notice, the events and accounts. The README's screenshot comes from here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';

import type { Stack } from '../e2e/stack.mts';
import { TIKTOK_TRIGGER_NODE, credentialsOf, startStack } from '../e2e/stack.mts';
import { launchBrowser, screenshotPath, signIn } from './browser.mts';

describe('TikTok Trigger panel in the n8n editor (Chromium)', { timeout: 600_000 }, () => {
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

	it('shows the webhook URL, the one-callback-URL-per-app notice, the events and the accounts', async () => {
		const credential = await stack.connect('public_creator', { name: 'TikTok (public account)' });
		const webhookId = randomUUID();
		const workflowId = await stack.n8n.importWorkflow({
			name: 'TikTok Trigger panel',
			nodes: [
				{
					id: 'trigger',
					name: 'TikTok Trigger',
					type: TIKTOK_TRIGGER_NODE,
					typeVersion: 1,
					webhookId,
					position: [0, 0],
					parameters: {
						events: ['post.publish.publicly_available', 'post.publish.failed'],
						accounts: 'credential',
						options: {},
					},
					credentials: credentialsOf(credential),
				},
			],
			connections: {},
			settings: { executionOrder: 'v1' },
		});
		const page = await signIn(browser, stack);
		await page.setViewportSize({ width: 1400, height: 900 });
		await page.goto(`${stack.n8n.url}/workflow/${workflowId}`);
		await page.getByTestId('canvas-node').filter({ hasText: 'TikTok Trigger' }).first().dblclick();
		const panel = page.getByTestId('ndv');
		await panel.waitFor();
		await panel.getByText('one callback URL per app').waitFor();
		// n8n shows a trigger's URLs under "Webhook URLs"; open it and show the production URL the portal needs.
		await panel.getByText('Webhook URLs').first().click();
		const production = panel.getByText('Production URL').first();
		if (await production.isVisible()) await production.click();
		await panel.getByText(`/webhook/${webhookId}/webhook`).first().waitFor({ timeout: 10_000 });
		await page.screenshot({ path: screenshotPath('tiktok-trigger-panel.png') });
		const text = await panel.innerText();
		for (const expected of [
			'Events',
			'Post Public',
			'Post Failed',
			'Accounts',
			'every event of every user of the app',
		]) {
			assert.ok(text.includes(expected), `the panel shows "${expected}"`);
		}
		assert.equal(
			await panel.getByTestId('parameter-input-accounts').locator('input').first().inputValue(),
			"The Credential's Account",
		);
	});
});
