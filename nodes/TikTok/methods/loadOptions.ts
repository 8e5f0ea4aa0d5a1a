import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { TikTokError } from '../helpers/errors';
import { safeMessage } from '../helpers/networkErrors';
import { privacyLabel } from '../helpers/postSettings';
import { fetchCreatorInfo } from '../transport/publishApi';

/** The privacy levels the connected account offers right now (TikTok: no fixed list, no default). */
export async function getPrivacyLevels(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	try {
		const info = await fetchCreatorInfo(this);
		return (info.privacy_level_options ?? []).map((level) => ({
			name: privacyLabel(level),
			value: level,
			description: level,
		}));
	} catch (error) {
		if (error instanceof TikTokError) {
			throw new NodeOperationError(this.getNode(), error.advice.message, {
				description: error.advice.description,
			});
		}
		// The message only: a raw failure keeps its request, Authorization header included.
		throw new NodeOperationError(this.getNode(), safeMessage(error));
	}
}
