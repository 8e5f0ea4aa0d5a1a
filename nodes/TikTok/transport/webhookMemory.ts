/**
 * What the TikTok Trigger remembers between deliveries, in the memory of the n8n process that receives
 * webhooks (the main process, or each `n8n webhook` process in queue mode): the deliveries it already turned
 * into executions, and each account's username for post URLs. Nothing survives a restart
 * (README → TikTok Trigger → Duplicate deliveries).
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { fetchCreatorInfo } from './publishApi';

/** Per trigger (workflow + node): duplicate key → when it was first seen (ms). Insertion order = age. */
const deliveries = new Map<string, Map<string, number>>();

/** At most this many remembered deliveries per trigger; the oldest are forgotten first. */
export const MAX_REMEMBERED_DELIVERIES = 10_000;

/**
 * True the first time `key` is seen by this trigger within `windowMs`, and remembers it; false for a duplicate.
 * Synchronous, so two copies of a delivery arriving together cannot both pass.
 */
export function isFirstDelivery(
	trigger: string,
	key: string,
	windowMs: number,
	now = Date.now(),
): boolean {
	if (windowMs <= 0) return true;
	let seen = deliveries.get(trigger);
	if (!seen) {
		seen = new Map();
		deliveries.set(trigger, seen);
	}
	for (const [oldKey, at] of seen) {
		if (now - at < windowMs) break;
		seen.delete(oldKey);
	}
	const at = seen.get(key);
	if (at !== undefined && now - at < windowMs) return false;
	seen.delete(key);
	seen.set(key, now);
	if (seen.size > MAX_REMEMBERED_DELIVERIES) seen.delete(seen.keys().next().value as string);
	return true;
}

/** Username per credential and open_id, with when it was fetched. */
const usernames = new Map<string, { username: string; at: number }>();
const USERNAME_TTL_MS = 3_600_000;
const USERNAME_LOOKUP_TIMEOUT_MS = 5_000;

/** For tests: forget every delivery and username. */
export function forgetWebhookMemory(): void {
	deliveries.clear();
	usernames.clear();
}

/**
 * The username of the credential's account, for post URLs: from creator info, cached for an hour per process.
 * Undefined when TikTok does not answer quickly (the delivery is acknowledged without waiting any longer).
 */
export async function usernameOf(
	ctx: IWebhookFunctions,
	cacheKey: string,
): Promise<string | undefined> {
	const cached = usernames.get(cacheKey);
	if (cached && Date.now() - cached.at < USERNAME_TTL_MS) return cached.username;
	try {
		const info = await fetchCreatorInfo(ctx, {
			maxAttempts: 1,
			timeoutMs: USERNAME_LOOKUP_TIMEOUT_MS,
		});
		const username = typeof info.creator_username === 'string' ? info.creator_username : undefined;
		if (username) usernames.set(cacheKey, { username, at: Date.now() });
		return username;
	} catch {
		return undefined;
	}
}
