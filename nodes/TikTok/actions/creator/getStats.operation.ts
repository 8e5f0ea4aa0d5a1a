import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { ENABLE_ANALYTICS_SCOPES } from '../../helpers/errors';
import { USER_FIELD_SCOPES, planUserFields } from '../../helpers/analytics';
import { fetchUserInfo, grantedScopes } from '../../transport/displayApi';

const LABELS: Record<string, string> = {
	open_id: 'Open ID',
	union_id: 'Union ID',
	avatar_url: 'Avatar URL',
	avatar_url_100: 'Avatar URL (100 Px)',
	avatar_large_url: 'Avatar URL (Large)',
	display_name: 'Display Name',
	bio_description: 'Bio (Needs User.info.profile)',
	profile_deep_link: 'Profile Link (Needs User.info.profile)',
	is_verified: 'Verified (Needs User.info.profile)',
	username: 'Username (Needs User.info.profile)',
	follower_count: 'Follower Count',
	following_count: 'Following Count',
	likes_count: 'Likes Count',
	video_count: 'Public Video Count',
};

const properties: INodeProperties[] = [
	{
		displayName: 'Fields',
		name: 'userFields',
		type: 'multiOptions',
		options: Object.keys(USER_FIELD_SCOPES)
			.map((value) => ({ name: LABELS[value], value }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		default: [],
		description:
			'Leave empty for the four counts, the display name and avatar, and (when the connection has user.info.profile) the username, bio, profile link and verified flag. Chosen fields are requested exactly; one whose scope is missing fails with the scope named.',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['creator'], operation: ['getStats'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const plan = planUserFields(
		this.getNodeParameter('userFields', itemIndex, []) as string[],
		await grantedScopes(this),
	);
	const user = await fetchUserInfo(this, plan.fields);
	const json = { ...user, fetched_at: new Date().toISOString() };
	if (plan.skipped.length > 0) {
		Object.assign(json, {
			skipped_fields: plan.skipped.map(({ field }) => field),
			skipped_reason: `The connection lacks "user.info.profile". ${ENABLE_ANALYTICS_SCOPES.replace('Enable it', 'To get these fields, enable it')}`,
		});
	}
	return [{ json, pairedItem: { item: itemIndex } }];
}
