/**
 * "Connect my account" as a user does it in the n8n editor: create the TikTok credential, click Connect,
 * approve on TikTok's (the emulator's) consent page, see it connected, then publish with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';

import { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET } from '../emulator/index.mts';
import { writeMp4 } from '../fixtures/video.mts';
import { nodeOutput } from '../harness/index.mts';
import type { Stack } from '../e2e/stack.mts';
import {
	BINARY_VIDEO_DIRECT,
	createTokenStore,
	filePath,
	readFileNode,
	startStack,
	tiktokNodeWithStore,
} from '../e2e/stack.mts';
import { launchBrowser, screenshotPath, signIn } from './browser.mts';

describe('Connect my account in the n8n editor (Chromium)', { timeout: 600_000 }, () => {
	let stack: Stack;
	let browser: Browser;
	before(async () => {
		stack = await startStack({ emulator: { rejectClientIdParam: true, clientKeyIn: 'body' } });
		browser = await launchBrowser();
	});
	after(async () => {
		await browser?.close();
		await stack?.stop();
	});

	it('creates the credential, connects through the consent page, shows it connected, and publishes with it', async () => {
		const page = await signIn(browser, stack);
		stack.emu.config.clients[0].redirectUris.push(
			`${stack.n8n.url}/rest/oauth2-credential/callback`,
		);

		await page.goto(`${stack.n8n.url}/home/credentials/create`);
		await page.getByTestId('new-credential-type-select').click();
		await page.keyboard.type('TikTok OAuth2');
		await page
			.getByTestId('new-credential-type-select-option')
			.filter({ hasText: 'TikTok OAuth2 API' })
			.first()
			.click();
		await page.getByTestId('new-credential-type-button').click();
		const modal = page.getByTestId('editCredential-modal');
		await modal.waitFor();
		await modal.getByText('OAuth Redirect URL').waitFor();
		const field = (label: string) =>
			modal
				.getByTestId('credential-connection-parameter')
				.filter({ hasText: label })
				.locator('input')
				.first();
		await field('Client ID').fill(DEFAULT_CLIENT_KEY);
		await field('Client Secret').fill(DEFAULT_CLIENT_SECRET);
		await field('TikTok Website URL').fill(stack.emu.baseUrl);
		await field('TikTok API URL').fill(stack.emu.baseUrl);

		const popupOpened = page.waitForEvent('popup');
		await modal
			.getByRole('button', { name: /Connect/ })
			.first()
			.click();
		const consent = await popupOpened;
		await consent.locator('#authorize').waitFor();
		await consent.screenshot({ path: screenshotPath('consent-page.png') });
		await consent.click('#authorize');

		await modal.getByTestId('oauth-connect-success-banner').waitFor({ timeout: 30_000 });
		await page.waitForTimeout(500);
		await page.screenshot({ path: screenshotPath('credential-connected.png') });

		const authorize = stack.emu.state.authorizations.find((a) => a.method === 'GET');
		assert.equal(authorize?.params.client_key, DEFAULT_CLIENT_KEY);
		assert.equal(authorize?.params.scope, 'user.info.basic,video.publish,video.upload');
		const exchange = stack.emu.state.tokenRequests.find(
			(r) => r.grantType === 'authorization_code',
		);
		assert.equal(exchange?.outcome, 'ok');
		assert.ok(exchange?.params.includes('client_key') && !exchange.params.includes('client_id'));

		const credentials = (
			await stack.n8n.rest<Array<{ id: string; name: string; type: string }>>(
				'GET',
				'/rest/credentials',
			)
		).filter((c) => c.type === 'tikTokOAuth2Api');
		assert.equal(credentials.length, 1);
		// The one-time Token Store step the README describes (the node requires one).
		const store = await createTokenStore(stack);
		await stack.n8n.stop();
		const video = filePath(stack, 'connected.mp4');
		await writeMp4(video, { sizeBytes: 300_000, durationSec: 5 });
		const run = await stack.run([
			readFileNode(video),
			tiktokNodeWithStore({ id: credentials[0].id, name: credentials[0].name }, store, {
				...BINARY_VIDEO_DIRECT,
				privacyLevel: 'SELF_ONLY',
				waitForPublish: true,
				waitOptions: { intervalSeconds: 3, timeoutMinutes: 2 },
			}),
		]);
		assert.ok(run.ok, run.error?.message);
		assert.equal(nodeOutput(run, 'TikTok')[0].status, 'PUBLISH_COMPLETE');
	});
});
