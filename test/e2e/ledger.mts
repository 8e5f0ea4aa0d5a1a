/**
 * The reliability ledger: each fault or bad input an end-to-end test tries, with what happened, how long it took
 * and what TikTok (the emulator) saw. Tests call `recordFault` after their own assertions; rows are written only when
 * TIKTOK_RELIABILITY_LEDGER names a file (`npm run reliability` sets it and renders docs/reliability.md from it),
 * so a normal `npm test` writes nothing.
 */
import { appendFileSync } from 'node:fs';

import type { TikTokEmulator } from '../emulator/index.mts';
import { DEFAULT_N8N_VERSION } from '../harness/install.mts';
import { testedN8nVersion } from './stack.mts';

export interface FaultRow {
	/** Where the fault sits: "upload", "status polling", "download", "redirect", "preflight", "network"… */
	area: string;
	/** The fault or bad input, in words: "final chunk answered 502, retry answered 404". */
	fault: string;
	/** What the user got: "error item: publish_id + UNKNOWN + check Post → Get Status". */
	outcome: string;
	/** Wall-clock milliseconds from the start of the run to its outcome. */
	ms: number;
	/** Inits TikTok accepted for the item(s) of this case. */
	inits: number;
	/** Posts TikTok would publish (media complete, not failed). */
	posts: number;
	/** Items in, and items that came out (success or error output): equal means nothing was lost. */
	itemsIn: number;
	itemsOut: number;
	/** The longest time this case may take; ms above it counts as a hang. */
	boundMs: number;
}

/** Inits accepted and posts TikTok would publish, for one account of the emulator. */
export function countFor(emu: TikTokEmulator, account: string): { inits: number; posts: number } {
	const openId = emu.openIdOf(account);
	const publishes = [...emu.state.publishes.values()].filter((p) => p.openId === openId);
	const posted = publishes.filter(
		(p) =>
			p.status !== 'FAILED' &&
			(p.sha256 !== null ||
				(p.kind === 'photo' && p.photoDownloads.every((d) => d.status === 'done'))),
	);
	return { inits: publishes.length, posts: posted.length };
}

export function recordFault(row: FaultRow): void {
	const file = process.env.TIKTOK_RELIABILITY_LEDGER;
	if (!file) return;
	appendFileSync(
		file,
		`${JSON.stringify({ ...row, n8n: testedN8nVersion() ?? DEFAULT_N8N_VERSION })}\n`,
	);
}
