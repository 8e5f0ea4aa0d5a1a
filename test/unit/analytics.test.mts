/** The Display API rules the analytics operations rest on: fields vs scopes, paging, batching, the post URL rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	CLOCK_SLACK_SEC,
	DEFAULT_VIDEO_FIELDS,
	captionMatches,
	findPostedVideo,
	idBatches,
	listingCutShort,
	listingReachedBefore,
	matchById,
	pageSize,
	parseScopes,
	parseVideoIds,
	planUserFields,
	planVideoFields,
	startListing,
	takePage,
} from '../../nodes/TikTok/helpers/analytics.ts';
import { TikTokError } from './commonjs.mts';
import {
	fetchUserInfo,
	fetchVideosById,
	listVideos,
} from '../../nodes/TikTok/transport/displayApi.ts';
import { execute as listOperation } from '../../nodes/TikTok/actions/video/list.operation.ts';
import { MAX_LIST_PAGES } from '../../nodes/TikTok/helpers/limits.ts';
import { fakeApiContext, ok } from './fakeApiContext.mts';

const ALL = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'];

function rejects(fn: () => unknown, pattern: RegExp, code?: string): void {
	assert.throws(fn, (error: unknown) => {
		assert.ok(error instanceof TikTokError, String(error));
		assert.match(`${error.advice.message} ${error.advice.description}`, pattern);
		if (code) assert.equal(error.details.code, code);
		return true;
	});
}

describe('analytics: fields versus granted scopes', () => {
	it('reads the granted scopes of a token response (comma list), unknown when absent', () => {
		assert.deepEqual(parseScopes('user.info.basic,video.list'), ['user.info.basic', 'video.list']);
		assert.equal(parseScopes(undefined), undefined);
		assert.equal(parseScopes(''), undefined);
	});

	it('Get Stats, nothing chosen: counts always, profile fields and verified flag only with user.info.profile', () => {
		const full = planUserFields([], ALL);
		for (const field of [
			'follower_count',
			'following_count',
			'likes_count',
			'video_count',
			'is_verified',
			'username',
			'display_name',
		]) {
			assert.ok(full.fields.includes(field), field);
		}
		assert.deepEqual(full.skipped, []);
		const statsOnly = planUserFields([], ['user.info.basic', 'user.info.stats']);
		assert.ok(
			!statsOnly.fields.some((field) =>
				['is_verified', 'username', 'bio_description', 'profile_deep_link'].includes(field),
			),
		);
		assert.deepEqual(
			statsOnly.skipped.map(({ scope }) => scope),
			['user.info.profile', 'user.info.profile', 'user.info.profile', 'user.info.profile'],
		);
		const unknownGrant = planUserFields([], undefined);
		assert.ok(
			unknownGrant.fields.includes('follower_count') && !unknownGrant.fields.includes('username'),
			'unknown grant: no profile fields',
		);
	});

	it('a missing scope fails before TikTok is called, naming it and the fix', () => {
		rejects(
			() => planUserFields([], ['user.info.basic', 'video.publish']),
			/"user\.info\.stats".*developer portal.*Analytics Scopes.*Reconnect/s,
			'scope_not_authorized',
		);
		rejects(
			() => planUserFields(['username'], ['user.info.basic', 'user.info.stats']),
			/"user\.info\.profile"/,
		);
		rejects(
			() => planUserFields(['avatar_url_200'], ALL),
			/Unknown TikTok user field/,
			'invalid_input',
		);
		assert.deepEqual(planUserFields(['follower_count'], ALL).fields, ['open_id', 'follower_count']);
	});

	it('video fields: id always, the counts by default, unknown names refused', () => {
		assert.deepEqual(planVideoFields([]), DEFAULT_VIDEO_FIELDS);
		for (const field of ['view_count', 'like_count', 'comment_count', 'share_count'])
			assert.ok(DEFAULT_VIDEO_FIELDS.includes(field));
		assert.deepEqual(planVideoFields(['view_count']), ['id', 'view_count']);
		rejects(() => planVideoFields(['fps']), /Unknown TikTok video field/);
	});
});

describe('analytics: video/list paging', () => {
	const video = (id: string, createTime: number) => ({ id, create_time: createTime });

	it('asks for at most 20 and never more than still wanted', () => {
		assert.deepEqual([pageSize(undefined), pageSize(50), pageSize(7), pageSize(0)], [20, 20, 7, 1]);
	});

	it('a short page with has_more does not end the listing; has_more false does; ids de-duplicated', () => {
		const progress = startListing();
		takePage(
			progress,
			{ videos: [video('3', 30), video('2', 20)], cursor: 20_000, has_more: true },
			undefined,
		);
		assert.equal(progress.done, undefined, 'two videos of twenty asked, but more exist');
		assert.equal(progress.cursor, 20_000);
		takePage(
			progress,
			{ videos: [video('2', 20), video('1', 10)], cursor: 10_000, has_more: false },
			undefined,
		);
		assert.equal(progress.done, 'no_more');
		assert.deepEqual(
			progress.videos.map((v) => v.id),
			['3', '2', '1'],
		);
	});

	it('stops at the limit, and when the cursor does not move back in time', () => {
		const limited = takePage(
			startListing(),
			{ videos: [video('3', 30), video('2', 20)], cursor: 20_000, has_more: true },
			1,
		);
		assert.deepEqual([limited.done, limited.videos.length], ['limit', 1]);
		const stuck = startListing();
		takePage(stuck, { videos: [video('3', 30)], cursor: 30_000, has_more: true }, undefined);
		takePage(stuck, { videos: [video('3', 30)], cursor: 30_000, has_more: true }, undefined);
		assert.equal(stuck.done, 'cursor_stuck');
	});
});

describe('analytics: video/query ids and batches', () => {
	it('parses ids from text or arrays, keeps them strings, refuses rounded numbers and non-ids', () => {
		assert.deepEqual(
			parseVideoIds('7300000000000000001, 7300000000000000002\n7300000000000000001'),
			['7300000000000000001', '7300000000000000002'],
		);
		assert.deepEqual(parseVideoIds(['7300000000000000003', ['7300000000000000004']]), [
			'7300000000000000003',
			'7300000000000000004',
		]);
		assert.deepEqual(parseVideoIds(12345), ['12345']);
		rejects(() => parseVideoIds([7300000000000000001]), /lost its last digits/);
		rejects(() => parseVideoIds('v_pub_file~v2-1.123'), /Not a TikTok video ID/);
		rejects(() => parseVideoIds(''), /No video ID/);
	});

	it('batches any number of ids by 20 and matches answers by id, reporting the missing ones', () => {
		const ids = Array.from(
			{ length: 45 },
			(_, i) => `73000000000000000${String(i).padStart(2, '0')}`,
		);
		assert.deepEqual(
			idBatches(ids).map((batch) => batch.length),
			[20, 20, 5],
		);
		const { found, missing } = matchById(['1', '2', '3'], [{ id: '3' }, { id: '1' }]);
		assert.deepEqual(
			found.map((v) => v.id),
			['1', '3'],
			'request order',
		);
		assert.deepEqual(missing, ['2']);
	});
});

describe('analytics: finding a post TikTok gave no id for', () => {
	const started = 1_800_000_000;
	const long = `${'word '.repeat(60)}end`;

	it('a listed text matches when equal after normalising, or when it is the caption cut short (≥ 100 characters)', () => {
		assert.ok(captionMatches('Launch  day 🚀\n#n8n', 'Launch day 🚀 #n8n'));
		assert.ok(captionMatches(long, long.slice(0, 150)));
		assert.ok(
			!captionMatches('Launch day and more', 'Launch day'),
			'a short prefix is another caption',
		);
		assert.ok(!captionMatches('Launch day', ''), 'an empty title never matches');
		assert.ok(!captionMatches('', ''));
	});

	it('the one video created after the publish started (less the clock slack) with the caption; none or several derive nothing', () => {
		const lookup = { caption: 'Launch day', startedAtSec: started };
		const videos = [
			{ id: '3', create_time: started + 40, title: 'Launch day' },
			{ id: '2', create_time: started + 10, title: 'Other' },
			{ id: '1', create_time: started - CLOCK_SLACK_SEC - 1, title: 'Launch day' },
		];
		assert.deepEqual(findPostedVideo(videos, lookup), { found: videos[0] });
		assert.deepEqual(
			findPostedVideo(videos.slice(1), lookup),
			{ candidates: 0 },
			'the older same-caption video is before the publish',
		);
		const twice = [...videos, { id: '4', create_time: started + 50, title: 'Launch day' }];
		assert.deepEqual(findPostedVideo(twice, lookup), { candidates: 2 });
		assert.ok(
			findPostedVideo(
				[{ id: '5', create_time: started, video_description: 'Launch day', title: '' }],
				lookup,
			).found,
			'description counts too',
		);
	});

	it('the listing may stop once it reaches videos older than the publish', () => {
		const lookup = { caption: 'x', startedAtSec: started };
		assert.ok(!listingReachedBefore([{ id: '1', create_time: started }], lookup));
		assert.ok(
			listingReachedBefore([{ id: '1', create_time: started - CLOCK_SLACK_SEC - 1 }], lookup),
		);
	});
});

describe('analytics transport (fake TikTok)', () => {
	it('Return All follows the cursor through short pages until has_more is false; fields go in the query string', async () => {
		const pages = [
			{ videos: [{ id: '7300000000000000009', create_time: 9 }], cursor: 9000, has_more: true },
			{ videos: [], cursor: 5000, has_more: true },
			{ videos: [{ id: '7300000000000000001', create_time: 1 }], cursor: 1000, has_more: false },
		];
		const { ctx, requests } = fakeApiContext(() => ok(pages.shift()), { scope: ALL.join(',') });
		const listing = await listVideos(ctx, ['id', 'create_time']);
		assert.deepEqual(
			listing.videos.map((v) => v.id),
			['7300000000000000009', '7300000000000000001'],
		);
		assert.deepEqual(
			requests.map((r) => r.body),
			[{ max_count: 20 }, { max_count: 20, cursor: 9000 }, { max_count: 20, cursor: 5000 }],
		);
		assert.equal(requests[0].url.pathname, '/v2/video/list/');
		assert.equal(requests[0].url.search, '?fields=id,create_time');
	});

	it('Return All that stops early says why, on every item and in an execution hint; a complete list says nothing', async () => {
		const run = async (pages: object[]) => {
			const { ctx } = fakeApiContext(() => ok(pages.shift()), { scope: ALL.join(',') });
			const hints: Array<{ message: string; location?: string }> = [];
			Object.assign(ctx, {
				getNodeParameter: (name: string, _index: number, fallback: unknown) =>
					({ returnAll: true, fields: ['id'] })[name] ?? fallback,
				addExecutionHints: (...added: typeof hints) => hints.push(...added),
			});
			return { items: (await listOperation.call(ctx, 0)).map((item) => item.json), hints };
		};
		const stuck = await run([
			{ videos: [{ id: '3' }, { id: '2' }], cursor: 2000, has_more: true },
			{ videos: [{ id: '1' }], cursor: 2000, has_more: true },
		]);
		assert.deepEqual(
			stuck.items.map((item) => [item.id, item.list_truncated, item.list_stop_reason]),
			[
				['3', true, 'cursor_stuck'],
				['2', true, 'cursor_stuck'],
				['1', true, 'cursor_stuck'],
			],
		);
		assert.equal(stuck.hints.length, 1);
		assert.equal(stuck.hints[0].location, 'outputPane');
		assert.match(
			stuck.hints[0].message,
			/cursor stopped moving back in time after 2 page\(s\).*3 video\(s\) returned/,
		);
		assert.equal(stuck.items[0].list_stop_message, stuck.hints[0].message);

		const complete = await run([{ videos: [{ id: '1' }], cursor: 1000, has_more: false }]);
		assert.deepEqual(complete.items, [{ id: '1' }]);
		assert.equal(complete.hints.length, 0);

		const capped = startListing();
		capped.pages = MAX_LIST_PAGES - 1;
		takePage(capped, { videos: [{ id: '9' }], cursor: 1, has_more: true }, undefined);
		assert.equal(capped.done, 'page_cap');
		assert.match(String(listingCutShort(capped)), /at most 1000 pages \(20000 videos\)/);
		const limited = takePage(
			startListing(),
			{ videos: [{ id: '9' }], cursor: 1, has_more: true },
			1,
		);
		assert.equal(listingCutShort(limited), undefined, 'the limit asked for is no cut');
	});

	it('video/query: 45 ids in three calls of at most 20, ids sent as strings, the 19-digit ids of the answer kept exact', async () => {
		const ids = Array.from({ length: 45 }, (_, i) => (7300000000000000000n + BigInt(i)).toString());
		const { ctx, requests } = fakeApiContext(({ body }) => {
			const asked = (body?.filters as { video_ids: string[] }).video_ids;
			// Raw JSON numbers would lose digits; TikTok sends ids as strings, answer out of order and drop one.
			return ok({
				videos: asked
					.filter((id) => !id.endsWith('7'))
					.reverse()
					.map((id) => ({ id })),
			});
		});
		const { found, missing } = await fetchVideosById(ctx, ['id'], ids);
		assert.deepEqual(
			requests.map((r) => (r.body?.filters as { video_ids: string[] }).video_ids.length),
			[20, 20, 5],
		);
		assert.ok(
			requests.every((r) =>
				(r.body?.filters as { video_ids: unknown[] }).video_ids.every(
					(id) => typeof id === 'string',
				),
			),
		);
		assert.deepEqual(
			found.map((v) => v.id),
			ids.filter((id) => !id.endsWith('7')),
		);
		assert.deepEqual(
			missing,
			ids.filter((id) => id.endsWith('7')),
		);
	});

	it("TikTok's scope refusal becomes a message naming the scope the connection lacks", async () => {
		const { ctx } = fakeApiContext(
			() => ({
				status: 401,
				body: { data: {}, error: { code: 'scope_not_authorized', message: 'no', log_id: 'L1' } },
			}),
			{
				scope: 'user.info.basic,user.info.stats',
			},
		);
		await assert.rejects(
			fetchUserInfo(ctx, ['open_id', 'username', 'follower_count']),
			(error: unknown) => {
				assert.ok(error instanceof TikTokError);
				assert.match(error.advice.message, /"user\.info\.profile"/);
				assert.doesNotMatch(error.advice.message, /user\.info\.stats/);
				assert.equal(error.details.log_id, 'L1');
				assert.equal(error.details.code, 'scope_not_authorized');
				return true;
			},
		);
	});
});
