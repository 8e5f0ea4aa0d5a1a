import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { preAuthenticateStore } from '../nodes/TikTok/transport/renewal';
import {
	STORE_SAVED_AT,
	STORE_TOKENS,
	secureUrlExpression,
	storedTokensOf,
} from '../nodes/TikTok/transport/token';

/**
 * Where n8n keeps the renewed TikTok tokens. TikTok replaces the refresh token at every renewal and the old one
 * stops working, and n8n saves what a credential's `preAuthentication` returns only for credentials that are not
 * OAuth2 (and have an expirable hidden field). So the TikTok OAuth2 API credential keeps the grant from Connect,
 * and this one keeps the newest tokens of that grant: the TikTok node selects both. Nothing to fill in.
 * (docs/decisions/credential-refresh.md)
 */
export class TikTokTokenStoreApi implements ICredentialType {
	name = 'tikTokTokenStoreApi';

	displayName = 'TikTok Token Store API';

	icon: Icon = { light: 'file:../icons/tiktok.svg', dark: 'file:../icons/tiktok.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-tiktok-publisher/n8n-nodes-tiktok-publisher#staying-connected';

	properties: INodeProperties[] = [
		{
			displayName:
				'Nothing to fill in: just save. TikTok replaces the refresh token every time the access token is renewed. The TikTok node saves the newest tokens here, so the connection survives n8n restarts and works on every queue-mode worker. Select this credential in each TikTok node that uses the account; connect (and reconnect) the account in the TikTok OAuth2 API credential.',
			name: 'storeNotice',
			type: 'notice',
			default: '',
		},
		{
			// Empty = "save what preAuthentication returns" (n8n's expirable field); the node empties it to save.
			displayName: 'Saved At',
			name: STORE_SAVED_AT,
			type: 'hidden',
			typeOptions: { expirable: true },
			default: '',
		},
		{
			displayName: 'Client Key',
			name: 'clientId',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'hidden',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'TikTok API URL',
			name: 'apiBaseUrl',
			type: 'hidden',
			default: '',
		},
		{
			// The newest tokens (JSON), written by n8n when the TikTok node renews them.
			displayName: 'Tokens',
			name: STORE_TOKENS,
			type: 'hidden',
			typeOptions: { password: true },
			default: '',
		},
		{
			// The OAuth2 credential's refresh token when this chain started: a Reconnect changes it.
			displayName: 'Grant',
			name: 'grantRefreshToken',
			type: 'hidden',
			typeOptions: { password: true },
			default: '',
		},
		{
			// The OAuth2 credential (id, name) and account (open_id) this chain belongs to: a store serves one grant.
			displayName: 'Credential ID',
			name: 'credentialId',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Credential Name',
			name: 'credentialName',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Open ID',
			name: 'openId',
			type: 'hidden',
			default: '',
		},
		{
			// A node's claim to renew now (JSON: holder, until), so no other process presents the same refresh token.
			displayName: 'Renewal Lease',
			name: 'lease',
			type: 'hidden',
			default: '',
		},
		{
			// A refresh token TikTok refused: no process presents it again (the grant needs a Reconnect).
			displayName: 'Refused Refresh Token',
			name: 'refusedRefreshToken',
			type: 'hidden',
			typeOptions: { password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		return (await preAuthenticateStore(this, credentials as IDataObject)) as IDataObject;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const tokenData = storedTokensOf(credentials as IDataObject) ?? {};
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				Authorization: `Bearer ${String(tokenData.access_token ?? '')}`,
			},
		};
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: secureUrlExpression(
				'($credentials.apiBaseUrl || "https://open.tiktokapis.com")',
				'',
				'tiktok-api-url-must-use-https',
			),
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
						'No working TikTok token here yet: the store fills in the first time a TikTok node that selects it renews the connection. If it has worked before, reconnect the TikTok OAuth2 API credential.',
				},
			},
		],
	};
}
