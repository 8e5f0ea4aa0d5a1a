/**
 * One delivery to the TikTok Trigger's URL, in order:
 * 1. the checks before the body is parsed (helpers/webhookGate.ts): a body larger than a TikTok event → 413; a
 *    signature (TikTok-Signature over the exact bytes received) missing, malformed, stale or wrong → 401; nothing
 *    starts. Exception: an unsigned body that names none of TikTok's documented events (the developer portal's
 *    "Test URL" request) → 200, nothing starts.
 * 2. what TikTok asked for but this trigger does not want (another app, an event not chosen, another account)
 *    → 200, nothing starts (anything but 200 makes TikTok retry for 72 hours).
 * 3. a repeat of a delivery already started within the duplicate window → 200, nothing starts.
 * 4. otherwise → 200 and one execution with the event.
 * No step waits on a TikTok call, and nothing here can renew a token (test/unit/architecture.test.mts).
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { WebhookEnvelope } from '../TikTok/helpers/webhookEnvelope';
import {
	dedupKey,
	hasPostId,
	parseEnvelope,
	toTriggerItem,
} from '../TikTok/helpers/webhookEnvelope';
import { isSelected } from '../TikTok/helpers/webhookEvents';
import { checkDelivery } from '../TikTok/helpers/webhookGate';
import { DEFAULT_SIGNATURE_TOLERANCE_SEC } from '../TikTok/helpers/webhookSignature';
import { CREDENTIAL_TYPE } from '../TikTok/transport/token';
import { isFirstDelivery, knownUsername } from '../TikTok/transport/webhookMemory';

/** 24 hours: covers TikTok's quick re-deliveries and its retries after a lost answer. */
export const DEFAULT_DEDUP_WINDOW_MINUTES = 1440;

interface TriggerOptions {
	dedupWindowMinutes?: number;
	signatureToleranceSec?: number;
}

/** The request body exactly as TikTok sent it: n8n keeps it as `rawBody` (1.x and 2.x) after parsing JSON. */
async function rawBodyOf(ctx: IWebhookFunctions): Promise<Buffer> {
	const request = ctx.getRequestObject();
	if (!request.rawBody && typeof request.readRawBody === 'function') await request.readRawBody();
	return Buffer.isBuffer(request.rawBody)
		? request.rawBody
		: Buffer.from(typeof request.rawBody === 'string' ? request.rawBody : '');
}

/** Acknowledged with 200, nothing started. */
function ignored(why: string): IWebhookResponseData {
	return { webhookResponse: { received: true, started: false, why } };
}

/** Answered with `status` (401: signature, 413: size) and logged; nothing started. */
function refuse(ctx: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	ctx.logger.warn(`TikTok Trigger refused a delivery (${status}): ${message}`, {
		node: ctx.getNode().name,
		workflowId: ctx.getWorkflow().id,
	});
	ctx
		.getResponseObject()
		.status(status)
		.json({ message: status === 401 ? `Invalid TikTok signature: ${message}` : message });
	return { noWebhookResponse: true };
}

export async function receive(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const options = this.getNodeParameter('options', {}) as TriggerOptions;
	const rawBody = await rawBodyOf(this);
	const gate = await checkDelivery({
		rawBody,
		header: this.getHeaderData()['tiktok-signature'],
		secret: String(credentials.clientSecret ?? ''),
		nowSec: Math.floor(Date.now() / 1000),
		toleranceSec: options.signatureToleranceSec ?? DEFAULT_SIGNATURE_TOLERANCE_SEC,
	});
	if (gate.verdict === 'too_large') return refuse(this, 413, gate.message);
	if (gate.verdict === 'refused') return refuse(this, 401, gate.message);
	if (gate.verdict === 'ignored') return ignored(gate.why);

	// Only an authentic delivery is parsed.
	const parsed = parseEnvelope(rawBody.toString('utf8'));
	if (!parsed.ok) return ignored(`signed, but ${parsed.message}`);

	const envelope = parsed.envelope;
	const tokenData = (credentials.oauthTokenData ?? {}) as IDataObject;
	const accountOpenId = typeof tokenData.open_id === 'string' ? tokenData.open_id : undefined;
	const why = unwanted.call(this, envelope, String(credentials.clientId ?? ''), accountOpenId);
	if (why) return ignored(why);

	const key = await dedupKey(envelope);
	const windowMinutes = options.dedupWindowMinutes ?? DEFAULT_DEDUP_WINDOW_MINUTES;
	const trigger = `${this.getWorkflow().id ?? ''} ${this.getNode().name} ${this.getMode()}`;
	if (!isFirstDelivery(trigger, key, windowMinutes * 60_000))
		return ignored(`a repeat of a delivery already received (dedup_key ${key})`);

	const ownAccount = accountOpenId !== undefined && envelope.user_openid === accountOpenId;
	const credentialId = this.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? '';
	// Never waits on TikTok: the username this process knows (from the TikTok node or an earlier lookup), if any.
	const username =
		ownAccount && hasPostId(envelope)
			? await knownUsername(this, credentialId, tokenData)
			: undefined;
	return { workflowData: [[{ json: toTriggerItem(envelope, { dedup_key: key, username }) }]] };
}

/** Why an authentic delivery starts nothing here, or undefined when it should. */
function unwanted(
	this: IWebhookFunctions,
	envelope: WebhookEnvelope,
	clientKey: string,
	accountOpenId: string | undefined,
): string | undefined {
	if (clientKey && envelope.client_key && envelope.client_key !== clientKey)
		return `the event is for another app (client_key ${envelope.client_key})`;
	const events = this.getNodeParameter('events', []) as string[];
	if (!isSelected(envelope.event, events))
		return `event ${envelope.event} is not chosen in the trigger`;
	const accounts = this.getNodeParameter('accounts', 'credential') as string;
	if (accounts !== 'all' && accountOpenId === undefined)
		return "the credential's account is unknown (its grant has no open_id): reconnect it, or set Accounts to All Accounts of the App";
	if (accounts !== 'all' && envelope.user_openid !== accountOpenId) {
		return "the event is for another account of the app (Accounts: The Credential's Account)";
	}
	return undefined;
}
