/**
 * A TikTok webhook delivery: the envelope (`client_key`, `event`, `create_time`, `user_openid`, `content`),
 * `content` parsed a second time (it is a JSON string), the duplicate key, and the item a trigger outputs.
 */
import type { IDataObject } from 'n8n-workflow';

import { postUrl } from './publishResult';
import { parseTikTokJson } from './tiktokJson';
import { failReasonText, removalReasonText, WEBHOOK_EVENTS } from './webhookEvents';

export interface WebhookEnvelope {
	client_key: string;
	event: string;
	/** UTC epoch seconds. */
	create_time: number;
	/** Absent in some events (e.g. portability.download.ready). */
	user_openid: string;
	/** `content` exactly as sent (a JSON string), for the duplicate key. */
	contentText: string;
	/** `content` parsed; 19-digit numbers become strings. */
	content: IDataObject;
}

export type ParsedDelivery =
	{ ok: true; envelope: WebhookEnvelope } | { ok: false; message: string };

/** Parses the raw body of a delivery. Never throws. */
export function parseEnvelope(rawText: string): ParsedDelivery {
	let body: unknown;
	try {
		body = parseTikTokJson(rawText);
	} catch {
		return { ok: false, message: 'the body is not JSON' };
	}
	if (typeof body !== 'object' || body === null || Array.isArray(body))
		return { ok: false, message: 'the body is not a JSON object' };
	const fields = body as IDataObject;
	if (typeof fields.event !== 'string' || fields.event === '')
		return { ok: false, message: 'the body has no "event"' };
	const contentText =
		typeof fields.content === 'string' ? fields.content : JSON.stringify(fields.content ?? {});
	let content: IDataObject = {};
	try {
		const parsed =
			typeof fields.content === 'string' ? parseTikTokJson(fields.content) : fields.content;
		if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
			content = parsed as IDataObject;
	} catch {
		content = { raw: contentText };
	}
	return {
		ok: true,
		envelope: {
			client_key: String(fields.client_key ?? ''),
			event: fields.event,
			create_time: Number(fields.create_time ?? 0),
			user_openid: String(fields.user_openid ?? ''),
			contentText,
			content,
		},
	};
}

/**
 * TikTok's events have no id, so a delivery is identified by what it says: app, event, user, time and content.
 * The signature's `t` is left out, so a retry TikTok signs afresh is still the same delivery.
 */
export async function dedupKey(envelope: WebhookEnvelope): Promise<string> {
	const canonical = [
		envelope.client_key,
		envelope.event,
		envelope.user_openid,
		String(envelope.create_time),
		envelope.contentText,
	].join('\n');
	const digest = new Uint8Array(
		await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)),
	);
	return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Events that carry a post id, for which the node looks up the username to build the post URL. */
export function hasPostId(envelope: WebhookEnvelope): boolean {
	return (
		envelope.content.post_id !== undefined &&
		envelope.content.post_id !== null &&
		envelope.content.post_id !== ''
	);
}

/** The item the trigger outputs. */
export function toTriggerItem(
	envelope: WebhookEnvelope,
	extra: { dedup_key: string; username?: string },
): IDataObject {
	const { content } = envelope;
	const item: IDataObject = {
		event: envelope.event,
		event_name:
			WEBHOOK_EVENTS.find((known) => known.value === envelope.event)?.name ?? envelope.event,
		create_time:
			Number.isFinite(envelope.create_time) && envelope.create_time > 0
				? new Date(envelope.create_time * 1000).toISOString()
				: null,
		open_id: envelope.user_openid,
	};
	for (const key of ['publish_id', 'publish_type', 'share_id', 'request_id']) {
		if (content[key] !== undefined) item[key] = String(content[key]);
	}
	if (hasPostId(envelope)) {
		const postId = String(content.post_id);
		item.post_id = postId;
		const publishId = typeof content.publish_id === 'string' ? content.publish_id : '';
		const url = postUrl(extra.username, postId, publishId.startsWith('p_') ? 'photo' : 'video');
		if (url) item.post_url = url;
	}
	if (content.reason !== undefined) {
		item.reason = content.reason;
		if (envelope.event === 'authorization.removed')
			item.reason_text = removalReasonText(content.reason);
		else if (envelope.event === 'post.publish.failed')
			Object.assign(item, failReasonText(content.reason));
	}
	if (extra.username) item.username = extra.username;
	item.content = { ...content, ...(item.post_id ? { post_id: item.post_id } : {}) };
	item.client_key = envelope.client_key;
	item.create_time_unix = envelope.create_time;
	item.dedup_key = extra.dedup_key;
	return item;
}
