/**
 * The shipped example workflows (examples/), imported as they are and run in a real n8n against the strict
 * emulator. The test only adds the credential, fires the trigger by hand, points settings at loopback servers,
 * and for the Google Sheets calendar swaps the Sheets nodes for Data Table nodes so the same logic runs here.
 * The daily stats example runs in analytics.test.mts, next to the analytics operations it uses; the carousel made in
 * the workflow runs in mediaFromN8n.test.mts, next to the media server it needs; the review-then-post example, whose
 * form pages a person fills, runs in Chromium in test/browser/reviewThenPost.test.mts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { MediaServer } from '../emulator/mediaServer.mts';
import { startMediaServer } from '../emulator/mediaServer.mts';
import { mp4Stream } from '../fixtures/video.mts';
import { nodeOutput } from '../harness/index.mts';
import type { DataTableColumn, Example } from './examples.mts';
import {
	CALENDAR_COLUMNS,
	createDataTable,
	dataTableRows,
	exampleFiles,
	loadExample,
	nodeNamed,
	pickDataTablesOn1x,
	prepareExample,
	setAssignment,
} from './examples.mts';
import type { Connection, Stack } from './stack.mts';
import { credentialsOf, deployViaWebhook, startStack } from './stack.mts';

const HOUR = 3_600_000;

interface FeedEntry {
	title: string;
	ageHours: number;
	url?: string;
	type?: string;
}

function rssFeed(entries: FeedEntry[]): Buffer {
	const items = entries.map((entry) => {
		const enclosure = entry.url
			? `<enclosure url="${entry.url}" length="1000" type="${entry.type ?? 'video/mp4'}"/>`
			: '';
		const pubDate = new Date(Date.now() - entry.ageHours * HOUR).toUTCString();
		return `<item><title>${entry.title}</title><link>https://example.com/${encodeURIComponent(entry.title)}</link><pubDate>${pubDate}</pubDate>${enclosure}</item>`;
	});
	return Buffer.from(
		`<?xml version="1.0"?><rss version="2.0"><channel><title>Clips</title><link>https://example.com</link><description>test</description>${items.join('')}</channel></rss>`,
	);
}

/** Video URLs TikTok was asked to pull, in order, since `from` inits. */
function pulledUrls(stack: Stack, from: number): string[] {
	return stack.emu.state.inits
		.slice(from)
		.filter((init) => init.publishId)
		.map((init) =>
			String(((init.body as Record<string, Record<string, unknown>>).source_info ?? {}).video_url),
		);
}

function isoDay(time: number): { date: string; hour: number } {
	const at = new Date(time);
	return { date: at.toISOString().slice(0, 10), hour: at.getUTCHours() };
}

describe('Example workflows in real n8n', { timeout: 1_200_000 }, () => {
	let stack: Stack;
	let media: MediaServer;
	let feed: MediaServer;
	let creator: Connection;
	let publicCreator: Connection;

	before(async () => {
		stack = await startStack({ emulator: { statusPolls: { processing: 1 } } });
		media = await startMediaServer({ https: true });
		for (let clip = 1; clip <= 22; clip++) {
			media.files[`/verified/clip${clip}.mp4`] = {
				body: () => mp4Stream({ sizeBytes: 400_000, durationSec: 5, seed: clip }),
				size: 400_000,
				contentType: 'video/mp4',
			};
		}
		stack.emu.config.verifiedPrefixes = [`${media.url}/verified/`];
		stack.emu.config.pullTrustedCaPem = media.caPem;
		feed = await startMediaServer({ https: false });
		creator = await stack.connect('private_creator');
		publicCreator = await stack.connect('public_creator');
	});
	after(async () => await Promise.allSettled([stack?.stop(), media?.stop(), feed?.stop()]));

	const clip = (n: number) => `${media.url}/verified/clip${n}.mp4`;
	const serveFeed = (entries: FeedEntry[]) => {
		feed.files['/feed.xml'] = { body: rssFeed(entries), contentType: 'application/rss+xml' };
	};

	it('every example is valid workflow JSON whose TikTok nodes n8n knows', async () => {
		const files = await exampleFiles();
		assert.deepEqual(files, [
			'calendar-data-table.json',
			'calendar-google-sheets.json',
			'calendar-mark-live-from-trigger.json',
			'calendar-two-accounts.json',
			'carousel-from-n8n.json',
			'daily-stats-data-table.json',
			'publish-then-check-status.json',
			'review-then-post.json',
			'rss-newest-videos.json',
			'rss-random-video.json',
		]);
		for (const file of files) {
			const workflow = await loadExample(file);
			assert.ok(workflow.name.startsWith('TikTok: '), file);
			assert.ok(
				!workflow.nodes.some((node) => 'credentials' in node),
				`${file} ships without credentials`,
			);
			const names = new Set(workflow.nodes.map((node) => node.name));
			for (const [from, outputs] of Object.entries(workflow.connections)) {
				assert.ok(names.has(from), `${file}: connection from unknown node ${from}`);
				for (const targets of (outputs as { main: Array<Array<{ node: string }>> }).main) {
					for (const target of targets)
						assert.ok(names.has(target.node), `${file}: connection to unknown node ${target.node}`);
				}
			}
			// Imports as a user would import it: n8n accepts it.
			await stack.n8n.importWorkflow(prepareExample(workflow, creator));
		}
	});

	it('RSS → TikTok posts the newest video entries inside the look-back window, at most Max Posts, and never one twice', async () => {
		serveFeed([
			{ title: 'Two hours old', ageHours: 2, url: clip(1) },
			{ title: 'Newest', ageHours: 0.5, url: clip(2) },
			{ title: 'Three hours old', ageHours: 3, url: clip(3) },
			{ title: 'Too old', ageHours: 30, url: clip(4) },
			{ title: 'No video', ageHours: 0.2 },
			{
				title: 'A podcast',
				ageHours: 0.1,
				url: `${media.url}/verified/episode.mp3`,
				type: 'audio/mpeg',
			},
		]);
		const workflow = prepareExample(await loadExample('rss-newest-videos.json'), creator);
		setAssignment(workflow, 'Settings', 'feedUrl', `${feed.url}/feed.xml`);
		setAssignment(workflow, 'Settings', 'maxPosts', 2);
		const id = await stack.n8n.importWorkflow(workflow);

		const first = stack.emu.state.inits.length;
		const run = await stack.n8n.execute(id);
		assert.ok(run.ok, run.error?.message);
		assert.deepEqual(
			pulledUrls(stack, first),
			[clip(2), clip(1)],
			'the two newest videos, newest first',
		);
		const posted = nodeOutput(run, 'Publish to TikTok');
		assert.deepEqual(
			posted.map((item) => item.status),
			['PUBLISH_COMPLETE', 'PUBLISH_COMPLETE'],
			JSON.stringify(run.nodes['Publish to TikTok']),
		);
		assert.equal(posted[0].source, 'PULL_FROM_URL', 'a verified URL is pulled by TikTok');

		const second = stack.emu.state.inits.length;
		const again = await stack.n8n.execute(id);
		assert.ok(again.ok, again.error?.message);
		assert.deepEqual(pulledUrls(stack, second), [], 'the next hour posts nothing already posted');

		serveFeed([
			{ title: 'Brand new', ageHours: 0.1, url: clip(5) },
			{ title: 'Newest', ageHours: 1.5, url: clip(2) },
			{ title: 'Two hours old', ageHours: 3, url: clip(1) },
		]);
		const third = stack.emu.state.inits.length;
		const later = await stack.n8n.execute(id);
		assert.ok(later.ok, later.error?.message);
		assert.deepEqual(pulledUrls(stack, third), [clip(5)], 'only the new entry');
	});

	it('RSS random variant posts one entry no older than Max Age, never one twice', async () => {
		const eligible = [6, 7, 8].map(clip);
		serveFeed([
			{ title: 'Six', ageHours: 24 * 10, url: clip(6) },
			{ title: 'Seven', ageHours: 24 * 40, url: clip(7) },
			{ title: 'Eight', ageHours: 1, url: clip(8) },
			{ title: 'Ancient', ageHours: 24 * 200, url: clip(9) },
			{ title: 'No video', ageHours: 5 },
		]);
		const workflow = prepareExample(await loadExample('rss-random-video.json'), creator);
		setAssignment(workflow, 'Settings', 'feedUrl', `${feed.url}/feed.xml`);
		const id = await stack.n8n.importWorkflow(workflow);

		const all: string[] = [];
		for (let attempt = 0; attempt < 4; attempt++) {
			const from = stack.emu.state.inits.length;
			const run = await stack.n8n.execute(id);
			assert.ok(run.ok, run.error?.message);
			const urls = pulledUrls(stack, from);
			assert.ok(urls.length <= 1, 'at most one post per run');
			if (attempt === 0) assert.equal(urls.length, 1, 'the first run posts one');
			all.push(...urls);
		}
		for (const url of all) assert.ok(eligible.includes(url), `${url} is a video within 90 days`);
		assert.equal(new Set(all).size, all.length, 'no video posted twice');
	});

	it('Publish without waiting → Wait → Get Status loops until TikTok finishes', async () => {
		stack.emu.config.statusPolls = { processing: 3, moderation: 0 };
		stack.emu.config.outcomes = [];
		const workflow = prepareExample(await loadExample('publish-then-check-status.json'), creator);
		setAssignment(workflow, 'Video', 'videoUrl', clip(7));
		nodeNamed(workflow, 'Wait').parameters.amount = 1;
		const run = await stack.n8n.run(workflow);
		assert.ok(run.ok, run.error?.message);
		const [published] = nodeOutput(run, 'Publish Without Waiting');
		assert.match(
			String(published.status),
			/^PROCESSING/,
			'the publish returned before TikTok finished',
		);
		assert.ok(
			run.nodes['Get Status'].runs >= 2,
			`looped (${run.nodes['Get Status'].runs} status checks) ${JSON.stringify(run.nodes)}`,
		);
		const [finished] = nodeOutput(run, 'Finished');
		assert.equal(finished.status, 'PUBLISH_COMPLETE');
		assert.equal(finished.publish_id, published.publish_id);
		assert.deepEqual(finished.post_ids, [], 'an Only Me post has no public id');
		assert.equal(
			stack.emu.state.publishes.get(String(published.publish_id))?.status,
			'PUBLISH_COMPLETE',
		);
	});

	describe('content calendar (Data Table nodes need a running n8n: each run is fired by a webhook)', () => {
		const now = Date.now();
		const rows: Array<{
			key: string;
			date: string;
			hour: number;
			video: number;
			privacy: string;
			state?: string;
		}> = [
			{ key: 'yesterday-ok', ...isoDay(now - 26 * HOUR), video: 10, privacy: '' },
			{ key: 'this-hour-ok', ...isoDay(now), video: 11, privacy: 'PUBLIC_TO_EVERYONE' },
			{ key: 'not-allowed', ...isoDay(now - 2 * HOUR), video: 12, privacy: 'FOLLOWER_OF_CREATOR' },
			{ key: 'tiktok-fails', ...isoDay(now - 3 * HOUR), video: 3, privacy: '' },
			// Two hours ahead, not one: the rows are made when the file loads, and a run that starts before the top of
			// the hour and fires the calendar after it would find a next-hour row due.
			{ key: 'in-two-hours', ...isoDay(now + 2 * HOUR), video: 4, privacy: '' },
			{ key: 'tomorrow', ...isoDay(now + 25 * HOUR), video: 5, privacy: '' },
			{ key: 'done-before', ...isoDay(now - 5 * HOUR), video: 6, privacy: '', state: 'published' },
		];

		/** Creates and fills the calendar table; returns its id. */
		async function createCalendar(
			table: string,
			extraColumns: DataTableColumn[] = [],
		): Promise<string> {
			return await createDataTable(
				stack.n8n,
				table,
				[...CALENDAR_COLUMNS, ...extraColumns],
				rows.map((row, index) => ({
					key: row.key,
					date: row.date,
					hour: row.hour,
					video_url: clip(row.video),
					caption: `Calendar ${row.key}`,
					privacy: row.privacy,
					state: row.state ?? 'pending',
					...(extraColumns.length ? { row_number: index + 2 } : {}),
				})),
			);
		}

		const calendarState = async (tableId: string) => await dataTableRows(stack.n8n, tableId);

		async function runCalendar(workflow: Example, tableId: string): Promise<void> {
			pickDataTablesOn1x(stack.n8n, workflow, tableId);
			const calendar = await deployViaWebhook(stack.n8n, workflow);
			const from = stack.emu.state.inits.length;
			// Due rows run in table order: yesterday-ok, this-hour-ok, then tiktok-fails reaches TikTok third.
			stack.emu.config.outcomes = [{}, {}, { failReason: 'video_pull_failed' }];
			const run = await calendar.fire();
			assert.ok(run.ok, run.error?.message);
			assert.deepEqual(
				pulledUrls(stack, from),
				[clip(10), clip(11), clip(3)],
				'only due pending rows reach TikTok',
			);

			const state = await calendarState(tableId);
			for (const key of ['yesterday-ok', 'this-hour-ok']) {
				assert.equal(state[key].state, 'published', key);
				assert.match(String(state[key].publish_id), /^v_pub_url~/, key);
			}
			assert.equal(state['yesterday-ok'].post_url, '', 'an Only Me post has no public URL');
			assert.match(
				String(state['this-hour-ok'].post_url),
				/^https:\/\/www\.tiktok\.com\/@public_creator\/video\/\d{19}$/,
			);
			assert.equal(state['not-allowed'].state, 'error');
			assert.match(String(state['not-allowed'].error), /privacy/i);
			assert.equal(
				state['tiktok-fails'].state,
				'error',
				'a post TikTok failed is never marked published',
			);
			assert.match(String(state['tiktok-fails'].error), /video_pull_failed|download/i);
			for (const key of ['in-two-hours', 'tomorrow'])
				assert.equal(state[key].state, 'pending', `${key} is left for later`);
			assert.equal(
				state['done-before'].post_url ?? null,
				null,
				'an already published row is not touched',
			);

			const second = stack.emu.state.inits.length;
			const again = await calendar.fire();
			assert.ok(again.ok, again.error?.message);
			assert.deepEqual(pulledUrls(stack, second), [], 'the next hour posts nothing twice');
		}

		it('Data Table variant publishes due rows, marks each only after its result, and leaves future rows', async () => {
			const tableId = await createCalendar('TikTok calendar');
			const workflow = prepareExample(await loadExample('calendar-data-table.json'), publicCreator);
			await runCalendar(workflow, tableId);
		});

		it('two accounts: one calendar, each row published by its own account through its own credential and Token Store', async () => {
			const table = 'Two accounts';
			const now = Date.now();
			const tableId = await createDataTable(
				stack.n8n,
				table,
				[...CALENDAR_COLUMNS, { name: 'account', type: 'string' }],
				[
					{ key: 'a-due', account: 'brand_a', video: 20, privacy: 'PUBLIC_TO_EVERYONE' },
					{ key: 'b-due', account: 'brand_b', video: 21, privacy: 'SELF_ONLY' },
					{ key: 'a-due-too', account: 'brand_a', video: 22, privacy: 'SELF_ONLY' },
				].map((row) => ({
					key: row.key,
					...isoDay(now - HOUR),
					video_url: clip(row.video),
					caption: `Two accounts ${row.key}`,
					privacy: row.privacy,
					state: 'pending',
					account: row.account,
				})),
			);
			const workflow = prepareExample(
				await loadExample('calendar-two-accounts.json'),
				publicCreator,
			);
			for (const node of workflow.nodes) {
				if (node.parameters.dataTableId)
					(node.parameters.dataTableId as { value: string }).value = table;
			}
			// Brand B: the private account, with its own credential and its own store.
			nodeNamed(workflow, 'Publish to Brand B').credentials = credentialsOf(creator);
			pickDataTablesOn1x(stack.n8n, workflow, tableId);
			const from = stack.emu.state.inits.length;
			const run = await (await deployViaWebhook(stack.n8n, workflow)).fire();
			assert.ok(run.ok, run.error?.message);
			const byAccount = stack.emu.state.inits
				.slice(from)
				.map((init) => `${init.openId === stack.emu.openIdOf('public_creator') ? 'A' : 'B'}`)
				.sort();
			assert.deepEqual(byAccount, ['A', 'A', 'B'], 'each row went to its own account');
			const state = await dataTableRows(stack.n8n, tableId);
			for (const key of ['a-due', 'b-due', 'a-due-too'])
				assert.equal(state[key].state, 'published', `${key}: ${String(state[key].error)}`);
			assert.notEqual(publicCreator.store?.id, creator.store?.id, 'one store per account');
		});

		it('Google Sheets variant, with its Sheets nodes swapped for Data Table nodes, does the same', async () => {
			const table = 'Sheets stand-in';
			const tableId = await createCalendar(table, [{ name: 'row_number', type: 'number' }]);
			const workflow = prepareExample(
				await loadExample('calendar-google-sheets.json'),
				publicCreator,
			);
			swapSheetsForDataTable(workflow, table);
			await runCalendar(workflow, tableId);
		});
	});
});

/** The Sheets calendar's logic on Data Table nodes: same names, same expressions, same columns. */
function swapSheetsForDataTable(workflow: Example, table: string): void {
	const dataTableId = { __rl: true, mode: 'name', value: table };
	for (const node of workflow.nodes) {
		if (node.type !== 'n8n-nodes-base.googleSheets') continue;
		const parameters = node.parameters;
		node.type = 'n8n-nodes-base.dataTable';
		node.typeVersion = 1;
		if (parameters.operation === 'update') {
			const columns = parameters.columns as {
				value: Record<string, unknown>;
				matchingColumns: string[];
			};
			const [match] = columns.matchingColumns;
			const { [match]: matchValue, ...values } = columns.value;
			node.parameters = {
				resource: 'row',
				operation: 'update',
				dataTableId,
				matchType: 'allConditions',
				filters: { conditions: [{ keyName: match, condition: 'eq', keyValue: matchValue }] },
				columns: { mappingMode: 'defineBelow', value: values },
				options: {},
			};
		} else {
			const filters = (
				parameters.filtersUI as { values: Array<{ lookupColumn: string; lookupValue: string }> }
			).values;
			node.parameters = {
				resource: 'row',
				operation: 'get',
				dataTableId,
				matchType: 'allConditions',
				filters: {
					conditions: filters.map((filter) => ({
						keyName: filter.lookupColumn,
						condition: 'eq',
						keyValue: filter.lookupValue,
					})),
				},
				returnAll: true,
				options: {},
			};
		}
	}
}
