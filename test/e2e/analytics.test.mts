/**
 * Analytics in real n8n against the strict emulator: Creator → Get Stats, Video → List and Get, the post URL
 * lookup of Publish and Get Status, the credential's Analytics Scopes option, a 429 waited out, and the example
 * "Daily TikTok stats into the calendar" run on a Data Table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET } from '../emulator/index.mts';
import { mp4Source } from '../emulator/media.mts';
import { directFileBody, pollToEnd, request, uploadAll } from '../emulator/testkit.mts';
import { writeMp4 } from '../fixtures/video.mts';
import { nodeOutput } from '../harness/index.mts';
import { loadExample, prepareExample } from './examples.mts';
import type { Stack } from './stack.mts';
import {
	BINARY_VIDEO_DIRECT,
	CREDENTIAL_TYPE,
	chain,
	deployViaWebhook,
	filePath,
	readFileNode,
	startStack,
	tiktokNode,
} from './stack.mts';

const POSTING = ['user.info.basic', 'video.publish', 'video.upload'];
const ANALYTICS = [...POSTING, 'user.info.profile', 'user.info.stats', 'video.list'];

describe('Analytics in real n8n', { timeout: 600_000 }, () => {
	let stack: Stack;
	let analytics: { id: string; name: string };
	let postingOnly: { id: string; name: string };

	before(async () => {
		stack = await startStack({ emulator: { statusPolls: { processing: 1 } } });
		analytics = await stack.connect('public_creator', { scopes: ANALYTICS });
		postingOnly = await stack.connect('public_creator', { scopes: POSTING });
	});
	after(async () => await stack?.stop());

	const fixtures = () => stack.emu.config.accounts.public_creator.videos;
	const publicFixtures = () =>
		fixtures()
			.filter((video) => video.privacy === 'PUBLIC_TO_EVERYONE')
			.sort((a, b) => b.createTime - a.createTime || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));

	it('Creator → Get Stats: the four counts, the verified flag and profile; without the scope a message naming it', async () => {
		const run = await stack.run([
			tiktokNode(analytics, { resource: 'creator', operation: 'getStats' }),
		]);
		assert.ok(run.ok, run.error?.message);
		const [stats] = nodeOutput(run, 'TikTok');
		assert.equal(stats.username, 'public_creator');
		assert.equal(stats.is_verified, true);
		assert.ok(Number(stats.follower_count) >= 12_345);
		assert.equal(stats.video_count, publicFixtures().length);
		for (const field of [
			'following_count',
			'likes_count',
			'bio_description',
			'profile_deep_link',
			'display_name',
		])
			assert.ok(field in stats, field);

		const refused = await stack.run([
			tiktokNode(postingOnly, { resource: 'creator', operation: 'getStats' }),
		]);
		assert.equal(refused.ok, false);
		assert.match(String(refused.error?.message), /"user\.info\.stats"/);
		assert.match(
			String(refused.error?.description),
			/developer portal.*Analytics Scopes.*Reconnect/s,
		);
	});

	it('Video → List: the last five newest first with counts and 19-digit ids intact; Return All pages past short pages, Only Me absent', async () => {
		const five = await stack.run([
			tiktokNode(analytics, { resource: 'video', operation: 'list', limit: 5 }),
		]);
		assert.ok(five.ok, five.error?.message);
		const items = nodeOutput(five, 'TikTok');
		assert.deepEqual(
			items.map((item) => item.id),
			publicFixtures()
				.slice(0, 5)
				.map((video) => video.id),
			'exact ids, newest first',
		);
		for (const item of items) {
			assert.equal(typeof item.id, 'string');
			for (const count of ['view_count', 'like_count', 'comment_count', 'share_count'])
				assert.equal(typeof item[count], 'number', count);
			assert.match(String(item.created_at), /^\d{4}-\d\d-\d\dT/);
		}

		const all = await stack.run([
			tiktokNode(analytics, {
				resource: 'video',
				operation: 'list',
				returnAll: true,
				videoFields: ['id', 'title'],
			}),
		]);
		assert.ok(all.ok, all.error?.message);
		const listed = nodeOutput(all, 'TikTok').map((item) => item.id);
		assert.deepEqual(
			listed,
			publicFixtures().map((video) => video.id),
			'every public video once',
		);
		for (const onlyMe of fixtures().filter((video) => video.privacy === 'SELF_ONLY'))
			assert.ok(!listed.includes(onlyMe.id));
	});

	it('Video → Get: 25 ids in two batches, in request order, missing ones reported; counts change over time', async () => {
		const ids = [...fixtures().map((video) => video.id), '7000000000000000001'];
		const from = stack.emu.state.requests.length;
		const run = await stack.run([
			tiktokNode(analytics, { resource: 'video', operation: 'get', videoIds: ids.join(',') }),
		]);
		assert.ok(run.ok, run.error?.message);
		const items = nodeOutput(run, 'TikTok');
		assert.deepEqual(
			items.map((item) => item.id),
			ids,
			'one item per id, in request order, ids exact',
		);
		const missing = items.filter((item) => item.found === false).map((item) => item.id);
		assert.deepEqual(missing, [
			...fixtures()
				.filter((video) => video.privacy === 'SELF_ONLY')
				.map((video) => video.id),
			'7000000000000000001',
		]);
		assert.match(String(items.find((item) => item.found === false)?.reason), /not public/);
		assert.equal(
			stack.emu.state.requests.slice(from).filter((r) => r.path === '/v2/video/query/').length,
			2,
			'20 + 6',
		);

		const first = publicFixtures()[0];
		const before = items.find((item) => item.id === first.id)?.view_count as number;
		stack.emu.advanceTime(2 * 3600);
		const later = await stack.run([
			tiktokNode(analytics, {
				resource: 'video',
				operation: 'get',
				videoIds: `={{ ["${first.id}"] }}`,
				videoFields: ['view_count'],
			}),
		]);
		assert.ok(later.ok, later.error?.message);
		assert.equal(
			nodeOutput(later, 'TikTok')[0].view_count,
			before + 120,
			'two hours later: 60 views an hour more',
		);
	});

	it('a 429 from video/list is waited out and the listing completes', async () => {
		stack.emu.config.faults.push({ type: 'http429', endpoint: 'videoList', count: 1 });
		const run = await stack.run([
			tiktokNode(analytics, { resource: 'video', operation: 'list', limit: 3 }),
		]);
		assert.ok(run.ok, run.error?.message);
		assert.equal(nodeOutput(run, 'TikTok').length, 3);
		assert.ok(
			stack.emu.state.faults.some(
				(fault) => fault.type === 'http429' && fault.endpoint === 'video/list',
			),
		);
	});

	it('Publish and Get Status find the post URL through video/list when the status has no post id, marked as derived', async () => {
		const path = filePath(stack, 'analytics.mp4');
		await writeMp4(path, { sizeBytes: 300_000, durationSec: 5 });
		stack.emu.setNextOutcome({ statusOmitsPostId: true });
		const caption = `Found by caption ${Date.now()} #n8n`;
		const run = await stack.run([
			readFileNode(path),
			tiktokNode(analytics, {
				...BINARY_VIDEO_DIRECT,
				caption,
				privacyLevel: 'PUBLIC_TO_EVERYONE',
				options: { findPostUrl: true },
				waitForPublish: true,
				waitOptions: { intervalSeconds: 3, timeoutMinutes: 2 },
			}),
		]);
		assert.ok(run.ok, run.error?.message);
		const [out] = nodeOutput(run, 'TikTok');
		const postId = stack.emu.state.publishes.get(String(out.publish_id))?.postIds[0];
		assert.match(String(postId), /^\d{19}$/);
		assert.deepEqual(out.post_ids, [], "TikTok's status gave no id");
		assert.equal(out.derived_post_id, postId);
		assert.equal(out.post_url_derived, true);
		assert.equal(out.post_url, `https://www.tiktok.com/@public_creator/video/${postId}`);

		const status = await stack.run([
			tiktokNode(analytics, {
				resource: 'post',
				operation: 'getStatus',
				publishId: out.publish_id,
				postLookup: { caption, publishedAfter: new Date(Date.now() - 600_000).toISOString() },
			}),
		]);
		assert.ok(status.ok, status.error?.message);
		const [found] = nodeOutput(status, 'TikTok');
		assert.deepEqual([found.derived_post_id, found.post_url_derived], [postId, true]);

		const wrongCaption = await stack.run([
			tiktokNode(analytics, {
				resource: 'post',
				operation: 'getStatus',
				publishId: out.publish_id,
				postLookup: { caption: 'Another caption' },
			}),
		]);
		const [notFound] = nodeOutput(wrongCaption, 'TikTok');
		assert.equal(notFound.post_url_lookup, 'not_found');
		assert.equal(
			notFound.post_url,
			undefined,
			'nothing derived from a caption that does not match',
		);
	});

	it('the credential asks for the analytics scopes only when Analytics Scopes is on', async () => {
		const { n8n, emu } = stack;
		const base = {
			clientId: DEFAULT_CLIENT_KEY,
			clientSecret: DEFAULT_CLIENT_SECRET,
			authBaseUrl: emu.baseUrl,
			apiBaseUrl: emu.baseUrl,
		};
		const [plain, withAnalytics] = await n8n.importCredentials([
			{ name: 'Posting only', type: CREDENTIAL_TYPE, data: base },
			{ name: 'With analytics', type: CREDENTIAL_TYPE, data: { ...base, analyticsScopes: true } },
		]);
		const scopeOf = async (id: string) => {
			const auth = await n8n.request('GET', `/rest/oauth2-credential/auth?id=${id}`);
			assert.equal(auth.status, 200, auth.text);
			return new URL(String((auth.body as { data: string }).data)).searchParams.get('scope');
		};
		assert.equal(await scopeOf(plain), POSTING.join(','), 'existing connections are unchanged');
		assert.equal(await scopeOf(withAnalytics), ANALYTICS.join(','));
	});

	it('example "Daily TikTok stats into the calendar": fills post ids by publish id (derived when TikTok gave none), then writes the counts by post id', async () => {
		const { emu, n8n } = stack;
		const token = emu.issueTokens({ account: 'public_creator', scopes: ANALYTICS }).access_token;
		/** A public post made straight against the emulator (what an earlier calendar run did). */
		async function publish(
			caption: string,
			outcome: { statusOmitsPostId?: boolean } = {},
			privacy = 'PUBLIC_TO_EVERYONE',
		) {
			emu.setNextOutcome(outcome);
			const video = mp4Source({ size: 4000, durationSec: 5 });
			const init = await request(`${emu.baseUrl}/v2/post/publish/video/init/`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
				body: JSON.stringify(
					directFileBody(video.size, video.size, 1, { title: caption, privacy_level: privacy }),
				),
			});
			assert.equal(init.status, 200, init.text);
			await uploadAll(init.json.data.upload_url, video, video.size, 1);
			await pollToEnd(emu, token, init.json.data.publish_id);
			return String(init.json.data.publish_id);
		}
		const hourAgo = new Date(emu.now() - 3_600_000);
		const day = { date: hourAgo.toISOString().slice(0, 10), hour: hourAgo.getUTCHours() };
		const rows = [
			{
				key: 'with-id',
				caption: 'Stats with an id #n8n',
				publish_id: await publish('Stats with an id #n8n'),
				...day,
			},
			{
				key: 'no-id',
				caption: 'Stats without an id #n8n',
				publish_id: await publish('Stats without an id #n8n', { statusOmitsPostId: true }),
				...day,
			},
			{
				key: 'only-me',
				caption: 'Private one',
				publish_id: await publish('Private one', {}, 'SELF_ONLY'),
				...day,
			},
		];
		const postIdOf = (publishId: string) => emu.state.publishes.get(publishId)?.postIds[0];

		const columns = [
			'key',
			'date',
			'caption',
			'state',
			'publish_id',
			'post_url',
			'post_id',
			'stats_updated_at',
		].map((name) => ({ name, type: 'string' }));
		columns.push(
			...['hour', 'views', 'likes', 'comments', 'shares'].map((name) => ({ name, type: 'number' })),
		);
		const project = await n8n.rest<{ id: string }>('GET', 'projects/personal');
		const table = await n8n.rest<{ id: string }>('POST', `projects/${project.id}/data-tables`, {
			name: 'TikTok calendar',
			columns,
		});
		const byId = { __rl: true, mode: 'id', value: table.id };
		const tableNode = (name: string, parameters: Record<string, unknown>) => ({
			name,
			type: 'n8n-nodes-base.dataTable',
			typeVersion: 1,
			parameters: { resource: 'row', dataTableId: byId, ...parameters },
		});
		const insert = await deployViaWebhook(
			n8n,
			chain(
				[
					{
						name: 'Rows',
						type: 'n8n-nodes-base.code',
						typeVersion: 2,
						parameters: {
							jsCode: `return ${JSON.stringify(rows.map((row) => ({ json: { ...row, state: 'published', post_url: '' } })))};`,
						},
					},
					tableNode('Insert', {
						operation: 'insert',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: {},
					}),
				],
				'fill calendar',
			),
		);
		assert.ok((await insert.fire()).ok);
		const reader = await deployViaWebhook(
			n8n,
			chain(
				[tableNode('All Rows', { operation: 'get', returnAll: true, options: {} })],
				'read calendar',
			),
		);
		const readRows = async () => {
			const run = await reader.fire();
			assert.ok(run.ok, run.error?.message);
			return Object.fromEntries(nodeOutput(run, 'All Rows').map((row) => [String(row.key), row]));
		};

		const workflow = prepareExample(await loadExample('daily-stats-data-table.json'), analytics);
		// n8n 1.x's Data Table node has no "By Name" mode: there the user picks the table after import.
		if (Number(n8n.install.version.split('.')[0]) < 2) {
			for (const node of workflow.nodes.filter(
				(candidate) => candidate.type === 'n8n-nodes-base.dataTable',
			))
				node.parameters.dataTableId = byId;
		}
		const daily = await deployViaWebhook(n8n, workflow);
		const first = await daily.fire();
		assert.ok(first.ok, first.error?.message);
		let state = await readRows();
		assert.equal(state['with-id'].post_id, postIdOf(rows[0].publish_id), 'from the status');
		assert.equal(
			state['no-id'].post_id,
			postIdOf(rows[1].publish_id),
			'derived through video/list',
		);
		assert.equal(
			state['no-id'].post_url,
			`https://www.tiktok.com/@public_creator/video/${postIdOf(rows[1].publish_id)}`,
		);
		assert.equal(state['only-me'].post_id ?? '', '', 'an Only Me post has no public id to find');
		for (const key of ['with-id', 'no-id']) {
			assert.equal(typeof state[key].views, 'number', `${key} views written`);
			assert.ok(state[key].stats_updated_at, key);
		}
		const viewsBefore = Number(state['no-id'].views);

		emu.advanceTime(3 * 3600);
		const second = await daily.fire();
		assert.ok(second.ok, second.error?.message);
		state = await readRows();
		assert.equal(
			Number(state['no-id'].views),
			viewsBefore + 360,
			'the next day run writes the new counts (120 views an hour)',
		);
	});
});
