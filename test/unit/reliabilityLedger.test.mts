import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import {
	LEDGER_DATA,
	RELIABILITY_DOC,
	renderLedger,
	totals,
	withLedger,
	type LedgerData,
} from '../../scripts/reliability.mts';
import type { FaultRow } from '../e2e/ledger.mts';

const row = (overrides: Partial<FaultRow> = {}): FaultRow => ({
	area: 'upload',
	fault: 'final chunk answered 502',
	outcome: 'published',
	ms: 4200,
	inits: 1,
	posts: 1,
	itemsIn: 1,
	itemsOut: 1,
	boundMs: 60_000,
	...overrides,
});

describe('the reliability ledger', () => {
	it('counts nothing against a case with one init and one post per item that ended within its bound', () => {
		assert.deepEqual(totals([row(), row({ itemsIn: 3, itemsOut: 3, inits: 3, posts: 2 })]), {
			cases: 2,
			duplicateInits: 0,
			duplicatePosts: 0,
			lostItems: 0,
			hangs: 0,
		});
	});

	it('counts a second init or post for one item as a duplicate, a missing item as lost, and a case past its bound as a hang', () => {
		assert.deepEqual(
			totals([row({ inits: 2, posts: 2 }), row({ itemsOut: 0 }), row({ ms: 61_000 })]),
			{
				cases: 3,
				duplicateInits: 1,
				duplicatePosts: 1,
				lostItems: 1,
				hangs: 1,
			},
		);
	});

	it('renders one table row per case between the markers, with the totals above it', () => {
		const text = renderLedger([{ ...row({ fault: 'a | b' }), n8n: '2.41.1' }], '2026-12-05');
		assert.match(text, /^<!-- ledger:start -->/);
		assert.match(text, /<!-- ledger:end -->$/);
		assert.match(text, /duplicate posts 0, inits beyond one per item 0, lost items 0, hangs 0/);
		assert.match(
			text,
			/\| 1 \| upload \| a \\\| b \| published \| 4\.2 \| 60 \| 1 \| 1 \| 1 → 1 \|/,
		);
	});

	it('docs/reliability.md holds exactly the table `npm run reliability` renders from docs/reliability-ledger.json', async () => {
		const doc = await readFile(RELIABILITY_DOC, 'utf8');
		const data = JSON.parse(await readFile(LEDGER_DATA, 'utf8')) as LedgerData;
		assert.ok(data.rows.length > 0);
		assert.equal(
			doc,
			withLedger(doc, data),
			'run `npm run reliability`; never edit the table by hand',
		);
	});
});
