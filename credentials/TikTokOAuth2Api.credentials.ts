import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { preAuthenticateConnection } from '../nodes/TikTok/transport/renewal';
import { secureUrlExpression } from '../nodes/TikTok/transport/token';

/**
 * TikTok Login Kit v2 for n8n's "Connect my account" flow.
 *
 * TikTok differs from standard OAuth2: it names the client `client_key`, separates scopes with commas, and
 * expects `client_key` + `client_secret` in the form body of every token request. n8n's code exchange
 * merges `additionalBodyProperties` into the body, so the Connect flow works; n8n's own refresh never sends
 * `client_key`, so the TikTok node renews tokens itself and keeps the renewed ones in a TikTok Token Store
 * credential (docs/decisions/credential-refresh.md). This credential keeps the grant from the last Connect.
 */
export class TikTokOAuth2Api implements ICredentialType {
	name = 'tikTokOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'TikTok OAuth2 API';

	icon: Icon = { light: 'file:../icons/tiktok.svg', dark: 'file:../icons/tiktok.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-tiktok-publisher/n8n-nodes-tiktok-publisher#connect-tiktok';

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			// n8n's editor keeps the parent's "Client ID" label for this field: the hint says what goes in it.
			displayName: 'Client Key',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			hint: 'TikTok calls the Client ID its <b>Client Key</b>: paste it from the TikTok developer portal → Manage apps → your app',
			description:
				'The Client Key of your app in the TikTok developer portal (Manage apps → your app)',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			hint: 'The Client Secret shown next to the Client Key',
			description: 'The Client Secret of your app in the TikTok developer portal',
		},
		{
			displayName: 'TikTok Website URL',
			name: 'authBaseUrl',
			type: 'string',
			default: 'https://www.tiktok.com',
			description:
				"Where TikTok's consent page lives. Change it only to test against a TikTok emulator.",
		},
		{
			displayName: 'TikTok API URL',
			name: 'apiBaseUrl',
			type: 'string',
			default: 'https://open.tiktokapis.com',
			description: "Where TikTok's API lives. Change it only to test against a TikTok emulator.",
		},
		{
			// Off by default, so existing connections keep exactly the posting scopes they were granted.
			displayName: 'Analytics Scopes',
			name: 'analyticsScopes',
			type: 'boolean',
			default: false,
			description:
				'Whether to also ask for user.info.profile, user.info.stats and video.list (Creator → Get Stats, Video → List and Get, finding post URLs). Enable them for your app in the TikTok developer portal first, then reconnect.',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: secureUrlExpression(
				'$self["authBaseUrl"]',
				'/v2/auth/authorize/',
				'tiktok-website-url-must-use-https',
			),
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: secureUrlExpression(
				'$self["apiBaseUrl"]',
				'/v2/oauth/token/',
				'tiktok-api-url-must-use-https',
			),
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default:
				'={{ "user.info.basic,video.publish,video.upload" + ($self["analyticsScopes"] ? ",user.info.profile,user.info.stats,video.list" : "") }}',
		},
		{
			// TikTok reads `client_key` on the consent page (n8n also adds `client_id`, which TikTok ignores there).
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '={{ "client_key=" + encodeURIComponent($self["clientId"]) }}',
		},
		{
			// Merged into the code-exchange body by n8n: TikTok wants client_key and client_secret there.
			displayName: 'Additional Body Properties',
			name: 'additionalBodyProperties',
			type: 'hidden',
			default:
				'={{ JSON.stringify({ client_key: $self["clientId"], client_secret: $self["clientSecret"] }) }}',
		},
		{
			// "header" keeps n8n from adding a client_id body field; TikTok ignores the Basic header.
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'header',
		},
	];

	/** The newest token this n8n process knows for the connection; never a refresh (it could not be saved). */
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		return (await preAuthenticateConnection(credentials as IDataObject)) as IDataObject;
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: secureUrlExpression('$credentials.apiBaseUrl', '', 'tiktok-api-url-must-use-https'),
			url: '/v2/post/publish/creator_info/query/',
			method: 'POST',
			headers: { 'Content-Type': 'application/json; charset=UTF-8' },
			// n8n would send the access token on to wherever a redirect points.
			disableFollowRedirect: true,
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'TikTok did not accept the access token saved with this credential. TikTok access tokens expire after a few hours; the TikTok node renews them and keeps the renewed ones in your TikTok Token Store credential (test that one). Without a Token Store, or if that test fails too: reconnect.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'The connection lacks the video.publish scope (scope_not_authorized): reconnect and tick every permission',
				},
			},
		],
	};
}
