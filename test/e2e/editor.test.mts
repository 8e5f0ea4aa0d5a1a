/**
 * What the n8n editor asks the node for, through n8n's own REST endpoint for dropdowns
 * (/rest/dynamic-node-parameters/options), as the node panel does when the privacy dropdown opens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Connection, Stack } from './stack.mts';
import { TIKTOK_NODE, credentialsOf, startStack } from './stack.mts';

describe('privacy dropdown in the editor (loadOptions in real n8n)', { timeout: 600_000 }, () => {
	let stack: Stack;
	let privateCreator: { id: string; name: string };
	let publicCreator: { id: string; name: string };
	before(async () => {
		stack = await startStack();
		privateCreator = await stack.connect('private_creator');
		publicCreator = await stack.connect('public_creator');
	});
	after(async () => await stack?.stop());

	async function privacyOptions(credential: Connection, resource = 'video') {
		return await stack.n8n.request('POST', '/rest/dynamic-node-parameters/options', {
			path: 'privacyLevel',
			methodName: 'getPrivacyLevels',
			nodeTypeAndVersion: { name: TIKTOK_NODE, version: 1 },
			currentNodeParameters: { resource, operation: 'publish', postMode: 'direct' },
			credentials: credentialsOf(credential),
		});
	}

	it("lists only a private account's own privacy levels, labelled for people", async () => {
		const response = await privacyOptions(privateCreator);
		assert.equal(response.status, 200, response.text);
		const options = (response.body as { data: Array<{ name: string; value: string }> }).data;
		assert.deepEqual(
			options.map((o) => o.value),
			['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
		);
		assert.deepEqual(
			options.map((o) => o.name),
			['Followers', 'Friends (Mutual Followers)', 'Only Me'],
		);
	});

	it("lists a public account's levels, including Everyone, for photos too", async () => {
		const response = await privacyOptions(publicCreator, 'photo');
		const options = (response.body as { data: Array<{ value: string }> }).data;
		assert.deepEqual(
			options.map((o) => o.value),
			['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
		);
	});

	it('explains a revoked connection instead of showing an empty list', async () => {
		stack.emu.revokeGrant(stack.emu.openIdOf('public_creator'));
		const response = await privacyOptions(publicCreator);
		assert.notEqual(response.status, 200);
		assert.match(response.text, /did not accept the access token|expired or was revoked/);
	});
});
