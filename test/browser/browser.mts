/** Drives the real n8n editor with Debian's Chromium (playwright-core; no browser download). */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, selectors, type Browser, type Page } from 'playwright-core';

import type { Stack } from '../e2e/stack.mts';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Where a screenshot goes: `TIKTOK_SCREENSHOTS_DIR` (`npm run screenshots` points it at docs/images/), else a
 * temporary folder, so that `npm test` never rewrites the README's tracked pictures.
 */
export function screenshotPath(file: string): string {
	const folder = process.env.TIKTOK_SCREENSHOTS_DIR ?? join(tmpdir(), 'tiktok-screenshots');
	mkdirSync(folder, { recursive: true });
	return join(folder, file);
}

export async function launchBrowser(): Promise<Browser> {
	// n8n's editor marks elements with data-test-id.
	selectors.setTestIdAttribute('data-test-id');
	return await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run',
		],
	});
}

/** Starts the editor (if needed), creates the owner and signs in as a person would. */
export async function signIn(browser: Browser, stack: Stack): Promise<Page> {
	if (!stack.n8n.isRunning) await stack.n8n.start();
	const owner = stack.n8n.owner ?? (await stack.n8n.setupOwner());
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	// Leaving a workflow the test ran in the editor asks "leave this page?" (beforeunload); Playwright would
	// dismiss it and stay, so the next page.goto would not happen. A person moving on accepts.
	page.on('dialog', (dialog) => void dialog.accept());
	await page.goto(`${stack.n8n.url}/signin`);
	await page.fill('#emailOrLdapLoginId', owner.email);
	await page.fill('#password', owner.password);
	await page.keyboard.press('Enter');
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: 30_000 });
	return page;
}
