/** The node panel follows TikTok's Content Sharing Guidelines: no default privacy, interactions off. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { TikTok } from '../../nodes/TikTok/TikTok.node.ts';

const properties = new TikTok().description.properties;

function propertiesFor(resource: string, name: string) {
	return properties.filter(
		(p) =>
			p.name === name &&
			(p.displayOptions?.show?.resource as string[] | undefined)?.includes(resource),
	);
}

describe('node description', () => {
	it('analytics: video fields default to the counts and what identifies a video; List returns a limited page unless Return All', () => {
		for (const operation of ['list', 'get']) {
			const [fields] = properties.filter(
				(p) =>
					p.name === 'videoFields' &&
					(p.displayOptions?.show?.operation as string[]).includes(operation),
			);
			assert.deepEqual([...(fields.default as string[])].sort(), [
				'comment_count',
				'cover_image_url',
				'create_time',
				'duration',
				'id',
				'like_count',
				'share_count',
				'share_url',
				'title',
				'video_description',
				'view_count',
			]);
		}
		assert.equal(propertiesFor('video', 'returnAll')[0]?.default, false);
		assert.equal(propertiesFor('video', 'limit')[0]?.default, 50);
		assert.deepEqual(
			propertiesFor('creator', 'userFields')[0]?.default,
			[],
			'empty: every field the scopes allow',
		);
	});

	for (const resource of ['video', 'photo']) {
		it(`${resource}: privacy is required, loaded from the account, with no default`, () => {
			const [privacy] = propertiesFor(resource, 'privacyLevel');
			assert.ok(privacy, 'privacy level property exists');
			assert.equal(privacy.default, '');
			assert.equal(privacy.required, true);
			assert.equal(privacy.typeOptions?.loadOptionsMethod, 'getPrivacyLevels');
		});

		it(`${resource}: comments and commercial disclosure are off unless chosen`, () => {
			for (const name of [
				'allowComment',
				'discloseCommercialContent',
				'yourBrand',
				'brandedContent',
			]) {
				const [property] = propertiesFor(resource, name);
				assert.equal(property?.default, false, name);
			}
		});
	}

	it('video: duet and stitch are off unless chosen; photos offer neither', () => {
		for (const name of ['allowDuet', 'allowStitch']) {
			assert.equal(propertiesFor('video', name)[0]?.default, false, name);
			assert.equal(propertiesFor('photo', name).length, 0, `${name} is not offered for photos`);
		}
	});

	it('shows the music usage confirmation for direct posts', () => {
		const notice = propertiesFor('video', 'musicUsageNotice')[0];
		assert.match(String(notice?.displayName), /Music Usage Confirmation/);
		assert.deepEqual(notice?.displayOptions?.show?.postMode, ['direct']);
	});

	it('is usable as an AI tool, and each operation tells the agent what it needs', () => {
		assert.equal(new TikTok().description.usableAsTool, true);
		const needs: Record<string, RegExp> = {
			'video/publish': /Needs the video \(a binary property or a URL\).*privacy level/,
			'photo/publish': /Needs the image URLs.*privacy level/,
			'post/getStatus': /Needs the publish_id/,
			'creator/getStats': /follower.*Needs nothing but the analytics scopes \(user\.info\.stats/,
			'video/list':
				/newest first.*view, like, comment and share counts.*Limit 5.*last five.*Needs nothing but the analytics scopes \(video\.list\)/,
			'video/get':
				/view, like, comment and share counts.*found = false.*Needs the video IDs.*video\.list/,
		};
		for (const [key, pattern] of Object.entries(needs)) {
			const [resource, operation] = key.split('/');
			const [selector] = propertiesFor(resource, 'operation');
			const option = (
				selector.options as Array<{ value: string; description?: string; action?: string }>
			).find((o) => o.value === operation);
			assert.match(String(option?.description), pattern, key);
			assert.ok(option?.action, `${key} has an action name`);
		}
	});
});
