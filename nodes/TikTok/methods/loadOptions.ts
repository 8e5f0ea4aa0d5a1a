import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { adviceForApiError } from '../helpers/errorMap';
import { privacyLabel } from '../helpers/validation';
import { TikTokApiError } from '../transport';
import { fetchCreatorInfo } from '../actions/shared/api';

/** The privacy levels the connected account offers right now (TikTok: no fixed list, no default). */
export async function getPrivacyLevels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	try {
		const info = await fetchCreatorInfo(this);
		return (info.privacy_level_options ?? []).map((level) => ({
			name: privacyLabel(level),
			value: level,
			description: level,
		}));
	} catch (error) {
		if (error instanceof TikTokApiError) {
			const advice = adviceForApiError(error.code, error.tiktokMessage);
			throw new NodeOperationError(this.getNode(), advice.message, { description: advice.description });
		}
		throw new NodeOperationError(this.getNode(), error as Error);
	}
}
