/**
 * The "Review, then post" example (examples/review-then-post.json) as a person uses it: n8n's own form pages in
 * Chromium, against the emulator. Every invalid choice TikTok's Content Sharing Guidelines forbid is refused on the
 * page and nothing reaches TikTok; a valid review posts exactly what the person chose, and the result page shows
 * the processing notice and the status. Runs on n8n 2.x (`browser`) and 1.x (`browser-compat`), and writes the
 * README's pictures of the review and result pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { InitRecord } from '../emulator/index.mts';
import { bytesOf, jpegSource } from '../emulator/media.mts';
import type { MediaServer } from '../emulator/mediaServer.mts';
import { startMediaServer } from '../emulator/mediaServer.mts';
import { mp4Stream } from '../fixtures/video.mts';
import { loadExample, prepareExample } from '../e2e/examples.mts';
import type { Stack } from '../e2e/stack.mts';
import { startStack } from '../e2e/stack.mts';
import { launchBrowser, screenshotPath } from './browser.mts';

const CREATOR_INFO = '/v2/post/publish/creator_info/query/';
const AVATAR = Buffer.from(
	'<svg xmlns="http://www.w3.org/2000/svg" width="56" height="56"><rect width="56" height="56" fill="#25f4ee"/><text x="28" y="36" font-size="22" text-anchor="middle" font-family="sans-serif" fill="#000">RC</text></svg>',
);

describe('Review, then post: the example form in Chromium', { timeout: 900_000 }, () => {
	let stack: Stack;
	let media: MediaServer;
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let videoUrl: string;
	let workflowId: string;
	const version = () => stack.n8n.install.version;
	const picture = (name: string) =>
		screenshotPath(Number(version().split('.')[0]) >= 2 ? `${name}.png` : `${name}-n8n-1.png`);

	before(async () => {
		// Three status checks of processing once the media is in, so the result page always shows TikTok processing.
		stack = await startStack({ emulator: { statusPolls: { processing: 3 } } });
		media = await startMediaServer({ https: true });
		media.files['/verified/launch.mp4'] = {
			body: () => mp4Stream({ sizeBytes: 400_000, durationSec: 5, seed: 27 }),
			size: 400_000,
			contentType: 'video/mp4',
		};
		media.files['/avatar.svg'] = { body: AVATAR, contentType: 'image/svg+xml' };
		for (const slide of [1, 2]) {
			media.files[`/verified/slide${slide}.jpg`] = {
				body: await bytesOf(jpegSource(4096)),
				contentType: 'image/jpeg',
			};
		}
		videoUrl = `${media.url}/verified/launch.mp4`;
		stack.emu.config.verifiedPrefixes = [`${media.url}/verified/`];
		stack.emu.config.pullTrustedCaPem = media.caPem;
		// A public account that turned comments and duets off in TikTok: the page must grey those out.
		stack.emu.config.accounts.restricted_creator.avatarUrl = `${media.url}/avatar.svg`;
		const credential = await stack.connect('restricted_creator');
		const workflow = prepareExample(await loadExample('review-then-post.json'), credential);
		workflowId = await stack.n8n.importWorkflow(workflow);
		await stack.n8n.activateWorkflow(workflowId);
		browser = await launchBrowser();
		// The loopback media server's certificate is self-signed; a real CDN's is not.
		context = await browser.newContext({
			ignoreHTTPSErrors: true,
			viewport: { width: 900, height: 1400 },
		});
		page = await context.newPage();
	});
	after(async () => {
		await browser?.close();
		await Promise.allSettled([stack?.stop(), media?.stop()]);
	});

	const creatorInfoQueries = () =>
		stack.emu.state.requests.filter((request) => request.path === CREATOR_INFO).length;
	const publishes = () => stack.emu.state.inits.length;
	/** Whether the person sees `text` somewhere on the page now. */
	const visible = async (text: string) =>
		(await page.getByText(text, { exact: false }).filter({ visible: true }).count()) > 0;
	const checkbox = (label: string) =>
		page.locator(`.multiselect-option:has(label:text-is("${label}")) input`);
	const checkboxLabel = (label: string) =>
		page.locator(`.multiselect-option label:text-is("${label}")`);
	const privacySelect = () =>
		page.locator('select', { has: page.locator('option', { hasText: 'Only me' }) });
	const postButton = () => page.locator('#submit-btn');
	const pointerEvents = async (locator: ReturnType<Page['locator']>) =>
		await locator.evaluate((element) => getComputedStyle(element).pointerEvents);

	/** The first form page (New Post), as the person fills and submits it. */
	async function submitNewPost(caption: string, photos: string[] = []): Promise<void> {
		await page.goto(`${stack.n8n.url}/form/post-to-tiktok`);
		if (photos.length > 0) await page.locator('#field-1').fill(photos.join('\n'));
		else await page.locator('#field-0').fill(videoUrl);
		await page.locator('#field-2').fill(caption);
		await postButton().click();
	}

	/** New Post, then the review page. */
	async function startPost(caption: string, photos: string[] = []): Promise<void> {
		await submitNewPost(caption, photos);
		await reviewPage();
	}

	/** Waits for the review page, scripts included (a click before n8n's form script runs would submit natively). */
	async function reviewPage(): Promise<void> {
		await page.getByText('Posting to TikTok as', { exact: false }).waitFor({ timeout: 60_000 });
		await page.waitForLoadState('load');
	}

	/**
	 * Does `submit` and waits for the page n8n shows next: n8n's form script posts the page, waits for the run to
	 * reach the next page and loads it. The old page is marked, so its own text does not count.
	 */
	async function nextPageAfter(submit: () => Promise<void>): Promise<void> {
		await page.evaluate(() => ((window as unknown as { leaving: boolean }).leaving = true));
		await submit();
		await page.waitForFunction(
			() =>
				!(window as unknown as { leaving?: boolean }).leaving && document.readyState === 'complete',
			undefined,
			{ timeout: 120_000 },
		);
	}

	/** Submits the page as the browser would even where the page shows Post as unavailable (e.g. the Enter key). */
	async function forceSubmit(): Promise<void> {
		await nextPageAfter(async () => {
			await page.evaluate(() =>
				(document.querySelector('#n8n-form') as HTMLFormElement).requestSubmit(),
			);
		});
		await reviewPage();
	}

	it('shows the nickname, avatar, preview, caption, the account’s own privacy options with no default, and interactions off', async () => {
		const queriesBefore = creatorInfoQueries();
		await startPost('Launch day #n8n');
		assert.equal(creatorInfoQueries(), queriesBefore + 1, 'creator info fetched for this page');
		assert.ok(await visible('Restricted Creator'), 'the nickname');
		assert.equal(
			await page
				.locator(`img[src="${media.url}/avatar.svg"]`)
				.evaluate((img) => (img as HTMLImageElement).naturalWidth),
			56,
			'the avatar loaded',
		);
		assert.equal(
			await page.locator(`video source[src="${videoUrl}"]`).count(),
			1,
			'the video preview',
		);
		assert.ok(await visible('up to 60 seconds'), "the account's maximum video length");
		assert.equal(
			await page.locator('textarea').inputValue(),
			'Launch day #n8n',
			'the caption, editable',
		);
		assert.ok(await visible('Caption (up to 2200 characters'), 'the caption limit');
		assert.deepEqual(await privacySelect().locator('option').allInnerTexts(), [
			'Select an option ...',
			'Everyone',
			'Friends',
			'Only me',
		]);
		assert.equal(await privacySelect().inputValue(), '', 'no privacy chosen by default');
		for (const name of ['Comment', 'Duet', 'Stitch']) {
			const input = page.locator(`.multiselect-option:has(label:has-text("${name}")) input`);
			assert.equal(await input.isChecked(), false, `${name} off by default`);
		}
		const comment = "Comment (turned off in this account's TikTok settings)";
		const duet = "Duet (turned off in this account's TikTok settings)";
		assert.equal(await pointerEvents(checkboxLabel(comment)), 'none', 'Comment unavailable');
		assert.equal(await pointerEvents(checkboxLabel(duet)), 'none', 'Duet unavailable');
		assert.equal(await pointerEvents(checkboxLabel('Stitch')), 'auto', 'Stitch available');
		assert.ok(
			await checkbox('Your brand').isHidden(),
			'disclosure choices hidden while the toggle is off',
		);
		assert.ok(await visible("By posting, you agree to TikTok's Music Usage Confirmation"));
		assert.ok(await visible('may take a few minutes to process your video'));
	});

	it('refuses an empty privacy choice on the page', async () => {
		const before = publishes();
		await postButton().click();
		await page.getByText('This field is required').filter({ visible: true }).first().waitFor();
		assert.ok(await visible('Posting to TikTok as'), 'still on the review page');
		assert.equal(publishes(), before, 'nothing reached TikTok');
	});

	it('refuses the disclosure toggle with neither "Your brand" nor "Branded content" ticked', async () => {
		const before = publishes();
		await privacySelect().selectOption('Everyone');
		await checkboxLabel('Disclose that this video promotes goods or services').click();
		assert.ok(await checkbox('Your brand').isVisible(), 'the two choices appear');
		assert.equal(await checkbox('Your brand').isChecked(), false);
		assert.equal(await checkbox('Branded content').isChecked(), false);
		assert.ok(
			await visible(
				'You need to indicate if your content promotes yourself, a third party, or both.',
			),
		);
		assert.equal(await pointerEvents(postButton()), 'none', 'Post unavailable');
		await forceSubmit();
		assert.ok(await visible('Not posted: You need to indicate if your content promotes yourself'));
		assert.equal(publishes(), before, 'nothing reached TikTok');
	});

	it('refuses branded content that is private, and shows the Paid partnership label and policy', async () => {
		const before = publishes();
		await checkboxLabel('Disclose that this video promotes goods or services').click();
		await checkboxLabel('Branded content').click();
		assert.ok(await visible("Your video will be labeled as 'Paid partnership'"));
		assert.ok(
			await visible(
				"By posting, you agree to TikTok's Branded Content Policy and Music Usage Confirmation",
			),
		);
		assert.equal(
			await visible("By posting, you agree to TikTok's Music Usage Confirmation"),
			false,
		);
		await privacySelect().selectOption('Only me');
		assert.ok(await visible('Branded content visibility cannot be set to private.'));
		assert.equal(await pointerEvents(postButton()), 'none', 'Post unavailable');
		await forceSubmit();
		assert.ok(await visible('Not posted: Branded content visibility cannot be set to private.'));
		assert.equal(publishes(), before, 'nothing reached TikTok');
		// Chosen the other way round: with "Only me" chosen first, Branded content is unavailable.
		await privacySelect().selectOption('Only me');
		await checkboxLabel('Disclose that this video promotes goods or services').click();
		assert.equal(await pointerEvents(checkboxLabel('Branded content')), 'none');
		assert.ok(await visible('Branded content visibility cannot be set to private.'));
	});

	it('refuses an interaction the creator turned off, even when the page is bypassed', async () => {
		const before = publishes();
		const comment = "Comment (turned off in this account's TikTok settings)";
		await page.goto(page.url());
		await reviewPage();
		await checkboxLabel(comment).click({ force: true });
		assert.equal(await checkbox(comment).isChecked(), false, 'a click does not tick it');
		await privacySelect().selectOption('Friends');
		await checkbox(comment).evaluate((input) => ((input as HTMLInputElement).checked = true));
		await forceSubmit();
		assert.ok(await visible("Not posted: Comment is turned off in this account's TikTok settings"));
		assert.equal(publishes(), before, 'nothing reached TikTok');
	});

	it('refuses a caption over TikTok’s limit', async () => {
		const before = publishes();
		await page.locator('textarea').fill('x'.repeat(2199) + '🎬');
		await privacySelect().selectOption('Friends');
		await forceSubmit();
		assert.ok(
			await visible('Not posted: The caption has 2201 characters; TikTok allows at most 2200.'),
		);
		assert.equal(publishes(), before, 'nothing reached TikTok');
	});

	/** The newest execution in words: its status, where it stands, how often each node ran, what Get Status said. */
	async function lastExecution(): Promise<string> {
		const [latest] = (await stack.n8n.listExecutions(workflowId)).sort(
			(a, b) => Number(b.id) - Number(a.id),
		);
		if (!latest) return 'no execution';
		const run = await stack.n8n.getExecution(latest.id);
		const runs = Object.entries(run.runData).map(([node, tasks]) => `${node} ×${tasks.length}`);
		const statuses = (run.runData['Get Status'] ?? []).map(
			(task) => task.data?.main?.[0]?.[0]?.json.status,
		);
		return `execution ${latest.id}: ${run.status}, last node ${run.lastNodeExecuted}; ${runs.join(', ')}; Get Status said ${statuses.join(', ')}`;
	}

	/**
	 * Clicks Post and reads the result page: the processing notice and TikTok's status, then "Check the status again",
	 * as a person would, until TikTok has finished. Returns the one init TikTok received.
	 */
	async function postAndReadResult(screenshot?: string, noun = 'your video'): Promise<InitRecord> {
		const before = publishes();
		await nextPageAfter(async () => await postButton().click());
		assert.ok(await visible('Sent to TikTok: processing'), await page.innerText('body'));
		assert.ok(
			await visible(
				`may take a few minutes to process ${noun} before the post shows on your profile`,
			),
		);
		assert.ok(await visible('Status: TikTok is downloading the media (PROCESSING_DOWNLOAD)'));
		assert.equal(publishes(), before + 1, 'one publish');
		if (screenshot) await page.screenshot({ path: picture(screenshot), fullPage: true });
		const init = stack.emu.state.inits.at(-1)!;

		// TikTok takes as long as it takes (here: until the emulator has pulled the media, then a few more checks).
		for (let check = 1; !(await visible('Posted to TikTok')); check++) {
			assert.ok(check <= 10, `still not posted after 10 checks: ${await lastExecution()}`);
			assert.ok(await visible('Sent to TikTok: processing'), await page.innerText('body'));
			await nextPageAfter(
				async () => await page.getByRole('button', { name: 'Check the status again' }).click(),
			);
		}
		assert.ok(await visible('Status: Posted (PUBLISH_COMPLETE)'));
		assert.equal(stack.emu.state.publishes.get(init.publishId!)?.status, 'PUBLISH_COMPLETE');
		assert.equal(publishes(), before + 1, 'posted once');
		return init;
	}

	it('posts exactly what the person chose, then shows the processing notice and the status', async () => {
		const before = publishes();
		await startPost('Launch day, reviewed #n8n');
		await privacySelect().selectOption('Everyone');
		await checkboxLabel('Stitch').click();
		await checkboxLabel('Disclose that this video promotes goods or services').click();
		await checkboxLabel('Your brand').click();
		assert.ok(await visible("Your video will be labeled as 'Promotional content'"));
		assert.ok(await visible("By posting, you agree to TikTok's Music Usage Confirmation"));
		assert.equal(await pointerEvents(postButton()), 'auto', 'Post available');
		assert.equal(publishes(), before, 'nothing sent before Post');
		await page.screenshot({ path: picture('review-then-post-form'), fullPage: true });

		const init = await postAndReadResult('review-then-post-result');
		assert.deepEqual(init.body, {
			post_info: {
				title: 'Launch day, reviewed #n8n',
				privacy_level: 'PUBLIC_TO_EVERYONE',
				disable_comment: true,
				disable_duet: true,
				disable_stitch: false,
				brand_content_toggle: false,
				brand_organic_toggle: true,
			},
			source_info: { source: 'PULL_FROM_URL', video_url: videoUrl },
		});
	});

	it('after a refusal, the person fixes the choices on the same page and posts them', async () => {
		await startPost('Paid partnership #ad');
		await checkboxLabel('Disclose that this video promotes goods or services').click();
		await checkboxLabel('Branded content').click();
		await privacySelect().selectOption('Only me');
		await forceSubmit();
		assert.ok(await visible('Not posted: Branded content visibility cannot be set to private.'));
		assert.equal(
			await page.locator('textarea').inputValue(),
			'Paid partnership #ad',
			'the caption kept',
		);

		await privacySelect().selectOption('Friends');
		await checkboxLabel('Disclose that this video promotes goods or services').click();
		await checkboxLabel('Branded content').click();
		assert.ok(
			await visible(
				"By posting, you agree to TikTok's Branded Content Policy and Music Usage Confirmation",
			),
		);
		const init = await postAndReadResult();
		assert.deepEqual(init.body, {
			post_info: {
				title: 'Paid partnership #ad',
				privacy_level: 'MUTUAL_FOLLOW_FRIENDS',
				disable_comment: true,
				disable_duet: true,
				disable_stitch: true,
				brand_content_toggle: true,
				brand_organic_toggle: false,
			},
			source_info: { source: 'PULL_FROM_URL', video_url: videoUrl },
		});
	});

	it('a photo post: the photos as preview, Comment as the only interaction, then Photo → Publish', async () => {
		const photos = [1, 2].map((slide) => `${media.url}/verified/slide${slide}.jpg`);
		await startPost('Two slides', photos);
		for (const url of photos) assert.equal(await page.locator(`img[src="${url}"]`).count(), 1);
		assert.equal(await page.locator('video').count(), 0);
		assert.ok(await visible('Caption (up to 4000 characters'));
		assert.deepEqual(
			await page.locator('.multiselect-option label').first().innerText(),
			"Comment (turned off in this account's TikTok settings)",
		);
		assert.equal(await page.getByText('Duet', { exact: false }).count(), 0, 'no duet for photos');
		assert.equal(
			await page.getByText('Stitch', { exact: false }).count(),
			0,
			'no stitch for photos',
		);
		await privacySelect().selectOption('Everyone');
		const init = await postAndReadResult(undefined, 'your photos');
		assert.deepEqual(init.body, {
			media_type: 'PHOTO',
			post_mode: 'DIRECT_POST',
			post_info: {
				description: 'Two slides',
				privacy_level: 'PUBLIC_TO_EVERYONE',
				disable_comment: true,
				brand_content_toggle: false,
				brand_organic_toggle: false,
				auto_add_music: false,
			},
			source_info: { source: 'PULL_FROM_URL', photo_images: photos, photo_cover_index: 0 },
		});
	});

	it('when TikTok says the creator cannot post now, says so and offers no review page', async () => {
		const before = publishes();
		stack.emu.config.accounts.restricted_creator.postingBlock = 'spam_risk_too_many_posts';
		try {
			await submitNewPost('Blocked today');
			await page
				.getByText('TikTok says this account cannot post right now')
				.waitFor({ timeout: 60_000 });
			assert.ok(await visible('Try again later.'));
			assert.equal(await page.locator('#submit-btn').count(), 0, 'nothing to submit');
			assert.equal(publishes(), before, 'nothing reached TikTok');
		} finally {
			stack.emu.config.accounts.restricted_creator.postingBlock = null;
		}
	});
});
