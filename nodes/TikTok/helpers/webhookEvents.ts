/**
 * TikTok's webhook events: the names a trigger offers, and what their reasons mean in words.
 * Events arrive for every user of the app at the app's one callback URL.
 */
import { adviceForFailReason } from './errorMap';

export interface WebhookEventInfo {
	/** TikTok's event name, exactly as sent (including TikTok's spelling "publicaly"). */
	value: string;
	/** Shown in the Events dropdown. */
	name: string;
	description: string;
}

/** Every event TikTok documents for Login Kit, the Content Posting API and the legacy Share Video API, by name. */
export const WEBHOOK_EVENTS: readonly WebhookEventInfo[] = [
	{
		value: 'authorization.removed',
		name: 'App Disconnected',
		description:
			'A user removed the app from their TikTok account (or the app revoked access): their tokens no longer work',
	},
	{
		value: 'post.publish.inbox_delivered',
		name: 'Draft Delivered to Inbox',
		description: "A draft reached the creator's TikTok inbox; they finish the post in the app",
	},
	{
		value: 'video.publish.completed',
		name: 'Legacy: Video Published (Share Video API)',
		description: 'The user published a video sent with the legacy Share Video API (share_id)',
	},
	{
		value: 'video.upload.failed',
		name: 'Legacy: Video Upload Failed (Share Video API)',
		description: 'A video sent with the legacy Share Video API failed to upload (share_id)',
	},
	{
		value: 'post.publish.complete',
		name: 'Post Complete',
		description:
			'TikTok finished a post (for drafts: the creator posted from the inbox; one draft can give several posts)',
	},
	{
		value: 'post.publish.failed',
		name: 'Post Failed',
		description: 'TikTok could not publish; the output says why and what to do',
	},
	{
		value: 'post.publish.no_longer_publicaly_available',
		name: 'Post No Longer Public',
		description: 'A post stopped being publicly viewable (deleted, made private or taken down)',
	},
	{
		value: 'post.publish.publicly_available',
		name: 'Post Public',
		description:
			'A post passed moderation and is publicly viewable: the output has its post ID and URL. Only Me posts never send it.',
	},
];

export const ALL_EVENTS = '*';

export const WEBHOOK_EVENT_NAMES: readonly string[] = WEBHOOK_EVENTS.map((event) => event.value);

export function isKnownEvent(event: string): boolean {
	return WEBHOOK_EVENT_NAMES.includes(event);
}

/** Whether `event` is among the events chosen in the node (`*` = every documented event). */
export function isSelected(event: string, selected: readonly string[]): boolean {
	if (!isKnownEvent(event)) return false;
	return selected.includes(ALL_EVENTS) || selected.includes(event);
}

/** `authorization.removed` reasons (TikTok's webhook docs). */
export const REMOVAL_REASONS: Readonly<Record<number, string>> = {
	0: 'Unknown',
	1: 'The user disconnected the app in TikTok',
	2: "The user's account was deleted",
	3: "The user's age changed",
	4: "The user's account was banned",
	5: 'The app revoked the authorization (developer revoke)',
};

export function removalReasonText(reason: unknown): string {
	const code = typeof reason === 'number' ? reason : Number(reason);
	return REMOVAL_REASONS[code] ?? `Unknown reason (${String(reason)})`;
}

/** A failed publish's reason (TikTok's `fail_reason` enum) in words, with the fix from the error map. */
export function failReasonText(reason: unknown): { reason_text: string; reason_fix: string } {
	const advice = adviceForFailReason(String(reason ?? 'unknown'));
	return { reason_text: advice.message, reason_fix: advice.description };
}
