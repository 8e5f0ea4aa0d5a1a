/**
 * What the TikTok Trigger remembers between deliveries, in the memory of the n8n process that receives
 * webhooks (the main process, or each `n8n webhook` process in queue mode): the deliveries it already turned
 * into executions, and each account's username for post URLs. It never reaches token renewal
 * (test/unit/architecture.test.mts). Nothing survives a restart
 * (README → TikTok Trigger → Duplicate deliveries).
 */
import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { parseTikTokJson } from '../helpers/tiktokJson';
import { sendRequest } from './http';
import { CREDENTIAL_TYPE, STORE_CREDENTIAL_TYPE, apiBaseUrl, isExpiring, readStore } from './token';

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

/** Username per credential and open_id, with when it was learnt. */
const usernames = new Map<string, { username: string; at: number }>();
/** Lookups started in the background, so a burst of deliveries starts one. */
const lookups = new Set<string>();
const USERNAME_TTL_MS = 24 * 3_600_000;
const USERNAME_LOOKUP_TIMEOUT_MS = 5_000;

/** For tests: forget every delivery and username. */
export function forgetWebhookMemory(): void {
	deliveries.clear();
	usernames.clear();
	lookups.clear();
}

function usernameKey(credentialId: string, openId: string): string {
	return `${credentialId} ${openId}`;
}

/** Remembers an account's username for post URLs (the TikTok node calls this whenever creator info answers). */
export function rememberUsername(credentialId: string, openId: string, username: string): void {
	if (credentialId && openId && username)
		usernames.set(usernameKey(credentialId, openId), { username, at: Date.now() });
}

/**
 * The account's username as this process knows it, without any TikTok call; when it is unknown, a lookup starts
 * in the background (never awaited: TikTok expects an immediate 200) for the deliveries that follow. The lookup
 * uses the Token Store's current token only when it is valid and belongs to this credential's grant: the trigger
 * never renews a token (it could not save the successor where the next process finds it).
 */
export async function knownUsername(
	ctx: IWebhookFunctions,
	credentialId: string,
	grantTokens: IDataObject,
): Promise<string | undefined> {
	const openId = typeof grantTokens.open_id === 'string' ? grantTokens.open_id : '';
	const key = usernameKey(credentialId, openId);
	const cached = usernames.get(key);
	if (cached && Date.now() - cached.at < USERNAME_TTL_MS) return cached.username;
	if (lookups.has(key) || !ctx.getNode().credentials?.[STORE_CREDENTIAL_TYPE]?.id) return undefined;
	const { owner, tokens } = readStore(await ctx.getCredentials<IDataObject>(STORE_CREDENTIAL_TYPE));
	const valid =
		tokens &&
		owner?.credentialId === credentialId &&
		owner.grant === grantTokens.refresh_token &&
		!isExpiring(tokens)
			? tokens
			: !owner && !isExpiring(grantTokens)
				? grantTokens
				: undefined;
	if (!valid) return undefined;
	lookups.add(key);
	void lookUpUsername(ctx, apiBaseUrl(await ctx.getCredentials(CREDENTIAL_TYPE)), valid).then(
		(username) => {
			lookups.delete(key);
			if (username) rememberUsername(credentialId, openId, username);
		},
	);
	return undefined;
}

/** creator_info's `creator_username`, once, signed with `tokens` as they are; undefined on any failure. */
async function lookUpUsername(
	ctx: IWebhookFunctions,
	baseUrl: string,
	tokens: IDataObject,
): Promise<string | undefined> {
	const outcome = await sendRequest(ctx, {
		method: 'POST',
		url: `${baseUrl}/v2/post/publish/creator_info/query/`,
		headers: {
			'Content-Type': 'application/json; charset=UTF-8',
			Authorization: `Bearer ${String(tokens.access_token)}`,
		},
		body: '{}',
		json: false,
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		timeout: USERNAME_LOOKUP_TIMEOUT_MS,
	});
	if (!outcome.ok || outcome.response.statusCode !== 200) return undefined;
	try {
		const envelope = parseTikTokJson(String(outcome.response.body)) as {
			data?: { creator_username?: unknown };
		};
		const username = envelope.data?.creator_username;
		return typeof username === 'string' && username ? username : undefined;
	} catch {
		return undefined;
	}
}
