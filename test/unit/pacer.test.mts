import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SlidingWindowPacer } from '../../nodes/TikTok/helpers/pacer.ts';

describe('init pacing (6 per minute per credential, sliding window)', () => {
	it('lets 6 calls go at once and holds the 7th until the first leaves the window', () => {
		const pacer = new SlidingWindowPacer(6, 60_000);
		for (let i = 0; i < 6; i++) {
			assert.equal(pacer.delayFor('cred', 1000 + i), 0);
			pacer.record('cred', 1000 + i);
		}
		assert.equal(pacer.delayFor('cred', 2000), 59_000);
		assert.equal(pacer.delayFor('cred', 61_000), 0);
	});

	it('keeps separate windows per credential', () => {
		const pacer = new SlidingWindowPacer(1, 60_000);
		pacer.record('a', 0);
		assert.ok(pacer.delayFor('a', 1) > 0);
		assert.equal(pacer.delayFor('b', 1), 0);
	});
});
