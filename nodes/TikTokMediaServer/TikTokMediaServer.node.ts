import type {
	IWebhookFunctions,
	IWebhookResponseData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { clientSecretWebhookMethods } from '../TikTok/transport/token';

import { serveMedia } from './serve';

/**
 * One dynamic path segment: a signed media token, or the URL-prefix verification file's name. With `isFullPath`
 * n8n stores it as `:file` under the node's webhook id, so `/webhook/<id>/<anything>` reaches this node (as the
 * Webhook node's `:param` paths do).
 */
const PATH = ':file';

export class TikTokMediaServer implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TikTok Media Server',
		name: 'tikTokMediaServer',
		icon: { light: 'file:../../icons/tiktok.svg', dark: 'file:../../icons/tiktok.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: 'Serves media to TikTok',
		description:
			'Lets TikTok download photos and videos from this n8n: serves the signed media links the TikTok node creates (never starts the workflow)',
		defaults: { name: 'TikTok Media Server' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'tikTokOAuth2Api', required: true }],
		activationMessage:
			'TikTok can now download media from this n8n. Put the Production URL above, without ":file" at its end, into the TikTok node\'s "n8n Media URL".',
		webhooks: [
			{
				name: 'default',
				httpMethod: 'GET',
				responseMode: 'onReceived',
				path: PATH,
				isFullPath: true,
			},
			{
				name: 'default',
				httpMethod: 'HEAD',
				responseMode: 'onReceived',
				path: PATH,
				isFullPath: true,
			},
		],
		properties: [
			{
				displayName:
					'Activate this workflow once. Its <b>Production URL</b> without <b>:file</b> at the end (e.g. <code>https://n8n.example.com/webhook/1b2c…/</code>) is the <b>n8n Media URL</b> of the TikTok node, and the URL prefix to verify in the TikTok developer portal (your app → URL properties), unless you verify the whole domain with a DNS record. Use the same TikTok credential here and in the TikTok node: media links are signed with its Client Secret.',
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'URL Prefix Verification File',
				name: 'verificationFile',
				type: 'collection',
				placeholder: 'Add the file TikTok gave you',
				default: {},
				description:
					'To verify the URL prefix, TikTok asks you to put a file with a given name and content under it: paste both here and this node serves it',
				options: [
					{
						displayName: 'File Name',
						name: 'fileName',
						type: 'string',
						default: '',
						placeholder: 'e.g. tiktokAbC123.txt',
						description: 'The name of the file the TikTok developer portal asks for',
					},
					{
						displayName: 'File Content',
						name: 'content',
						type: 'string',
						typeOptions: { password: true },
						default: '',
						description: 'The signature text the portal shows (the whole content of the file)',
					},
				],
			},
		],
	};

	/**
	 * Nothing to register anywhere: TikTok is given each signed link in the publish request. Activation only checks
	 * that the credential can sign and check links.
	 */
	webhookMethods = clientSecretWebhookMethods(
		'Media links are signed and checked with the Client Secret of the TikTok app',
	);

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await serveMedia(this);
	}
}
