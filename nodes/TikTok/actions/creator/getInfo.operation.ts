import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { privacyLabel } from '../../helpers/postSettings';
import { fetchCreatorInfo } from '../../transport/publishApi';

const properties: INodeProperties[] = [];

export const description = updateDisplayOptions(
	{ show: { resource: ['creator'], operation: ['getInfo'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const info = await fetchCreatorInfo(this);
	return [
		{
			json: {
				nickname: info.creator_nickname,
				username: info.creator_username,
				avatar_url: info.creator_avatar_url,
				privacy_level_options: info.privacy_level_options,
				privacy_level_labels: (info.privacy_level_options ?? []).map(privacyLabel),
				comment_disabled: info.comment_disabled ?? false,
				duet_disabled: info.duet_disabled ?? false,
				stitch_disabled: info.stitch_disabled ?? false,
				max_video_post_duration_sec: info.max_video_post_duration_sec,
			},
			pairedItem: { item: itemIndex },
		},
	];
}
