/**
 * The troubleshooting guide is the node's own error map, and it is current.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { API_ERRORS, FAIL_REASONS, OAUTH_ERRORS } from '../../nodes/TikTok/helpers/errorMap.ts';
import { TROUBLESHOOTING_PATH, troubleshootingMarkdown } from '../../scripts/docs.mts';

describe('docs/troubleshooting.md', () => {
	it('is what `npm run docs` generates from the error map (run it after changing a message)', async () => {
		assert.equal(await readFile(TROUBLESHOOTING_PATH, 'utf8'), troubleshootingMarkdown());
	});

	it('lists every TikTok code the node knows, with its message', () => {
		const guide = troubleshootingMarkdown();
		for (const [code, advice] of Object.entries({
			...OAUTH_ERRORS,
			...API_ERRORS,
			...FAIL_REASONS,
		})) {
			assert.ok(guide.includes(`\`${code}\``), code);
			assert.ok(guide.includes(advice.message.replace(/\|/g, '\\|')), `${code}: message`);
		}
	});
});
