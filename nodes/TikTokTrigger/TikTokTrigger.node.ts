import type {
	IWebhookFunctions,
	IWebhookResponseData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { ALL_EVENTS, WEBHOOK_EVENTS } from '../TikTok/helpers/webhookEvents';
import { DEFAULT_SIGNATURE_TOLERANCE_SEC } from '../TikTok/helpers/webhookSignature';
import { clientSecretWebhookMethods } from '../TikTok/transport/token';
import { DEFAULT_DEDUP_WINDOW_MINUTES, receive } from './webhook';

export class TikTokTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TikTok Trigger',
		name: 'tikTokTrigger',
		icon: { light: 'file:../../icons/tiktok.svg', dark: 'file:../../icons/tiktok.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ ($parameter["events"] || []).includes("*") ? "All events" : ($parameter["events"] || []).join(", ") }}',
		description:
			"Starts the workflow when TikTok reports a post's outcome or a disconnected account (TikTok webhooks)",
		defaults: { name: 'TikTok Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'tikTokOAuth2Api', required: true },
			// Only read: the trigger uses the chain's current token for the username lookup and never renews it.
			{ name: 'tikTokTokenStoreApi', required: true },
		],
		activationMessage:
			"TikTok now sends its events here once this workflow's Production URL is the Callback URL of your app (TikTok developer portal → your app → Webhooks).",
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName:
					"Copy the <b>Production URL</b> above into the TikTok developer portal (your app → Webhooks → Callback URL, https only), then use <b>Test URL</b> there. TikTok allows <b>one callback URL per app</b>, and every event of every user of the app arrives there. This node keeps only the events of the credential's account unless Accounts is set to All Accounts.",
				name: 'callbackNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['post.publish.publicly_available'],
				description: 'The TikTok events that start the workflow',
				options: [
					{ name: 'All Events', value: ALL_EVENTS, description: 'Every event TikTok documents' },
					...WEBHOOK_EVENTS.map(({ name, value, description }) => ({ name, value, description })),
				],
			},
			{
				displayName: 'Accounts',
				name: 'accounts',
				type: 'options',
				default: 'credential',
				options: [
					{
						name: "The Credential's Account",
						value: 'credential',
						description: 'Only events of the TikTok account connected in the credential',
					},
					{
						name: 'All Accounts of the App',
						value: 'all',
						description:
							"Events of every user who connected the app (post URLs only for the credential's account)",
					},
				],
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Duplicate Window (Minutes)',
						name: 'dedupWindowMinutes',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: DEFAULT_DEDUP_WINDOW_MINUTES,
						description:
							'TikTok may deliver an event more than once: a repeat within this many minutes starts nothing (remembered in memory by the n8n process that receives webhooks; 0 = start every delivery)',
					},
					{
						displayName: 'Signature Tolerance (Seconds)',
						name: 'signatureToleranceSec',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: DEFAULT_SIGNATURE_TOLERANCE_SEC,
						description:
							"How far TikTok's signature time may be from this server's clock; older deliveries are refused with 401 (0 = do not check the time)",
					},
				],
			},
		],
	};

	/**
	 * TikTok has no API to register a callback URL: the user pastes it into the developer portal once per app.
	 * Activation only checks that the credential can verify TikTok's signatures.
	 */
	webhookMethods = clientSecretWebhookMethods(
		"The trigger checks every delivery's TikTok-Signature with the app's Client Secret",
	);

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receive.call(this);
	}
}
