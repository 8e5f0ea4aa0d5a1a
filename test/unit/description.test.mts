/** The node panel follows TikTok's Content Sharing Guidelines: no default privacy, interactions off. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { TikTok } from '../../nodes/TikTok/TikTok.node.ts';

const properties = new TikTok().description.properties;

function propertiesFor(resource: string, name: string) {
	return properties.filter((p) => p.name === name && (p.displayOptions?.show?.resource as string[] | undefined)?.includes(resource));
}

describe('node description', () => {
	for (const resource of ['video', 'photo']) {
		it(`${resource}: privacy is required, loaded from the account, with no default`, () => {
			const [privacy] = propertiesFor(resource, 'privacyLevel');
			assert.ok(privacy, 'privacy level property exists');
			assert.equal(privacy.default, '');
			assert.equal(privacy.required, true);
			assert.equal(privacy.typeOptions?.loadOptionsMethod, 'getPrivacyLevels');
		});

		it(`${resource}: comments and commercial disclosure are off unless chosen`, () => {
			for (const name of ['allowComment', 'discloseCommercialContent', 'yourBrand', 'brandedContent']) {
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
		};
		for (const [key, pattern] of Object.entries(needs)) {
			const [resource, operation] = key.split('/');
			const [selector] = propertiesFor(resource, 'operation');
			const option = (selector.options as Array<{ value: string; description?: string; action?: string }>).find((o) => o.value === operation);
			assert.match(String(option?.description), pattern, key);
			assert.ok(option?.action, `${key} has an action name`);
		}
	});
});
