import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** Fields and steps the analytics operations share: the video fields, and the post URL lookup Publish and Get Status offer. */
import type { PostLookup } from '../../helpers/analytics';
import { DEFAULT_VIDEO_FIELDS, VIDEO_FIELDS, planVideoFields } from '../../helpers/analytics';
import { postUrl } from '../../helpers/publishResult';
import { findPostByCaption } from '../../transport/displayApi';

const FIELD_LABELS: Record<string, string> = {
	id: 'ID',
	create_time: 'Create Time',
	title: 'Title',
	video_description: 'Video Description',
	duration: 'Duration (Seconds)',
	height: 'Height',
	width: 'Width',
	cover_image_url: 'Cover Image URL (Valid 6 Hours)',
	share_url: 'Share URL',
	embed_html: 'Embed HTML',
	embed_link: 'Embed Link',
	view_count: 'View Count',
	like_count: 'Like Count',
	comment_count: 'Comment Count',
	share_count: 'Share Count',
};

export const videoFieldsProperty: INodeProperties = {
	displayName: 'Fields',
	name: 'videoFields',
	type: 'multiOptions',
	options: VIDEO_FIELDS.map((value) => ({ name: FIELD_LABELS[value], value })).sort((a, b) =>
		a.name.localeCompare(b.name),
	),
	default: [...DEFAULT_VIDEO_FIELDS],
	description:
		'Which fields of each video to return (the ID always comes back). All of them need the video.list scope.',
};

export function readVideoFields(ctx: IExecuteFunctions, itemIndex: number): string[] {
	return planVideoFields(
		ctx.getNodeParameter('videoFields', itemIndex, DEFAULT_VIDEO_FIELDS) as string[],
	);
}

/**
 * When TikTok finished a public post but its status gave no post id: looks the post up in video/list by the rule
 * of `findPostedVideo` and returns what to add to the output, marked as derived. A failed lookup (no video.list
 * scope, TikTok down) never turns the finished publish into an error: it is reported in `post_url_lookup`.
 */
export async function derivePostUrl(
	ctx: IExecuteFunctions,
	lookup: PostLookup,
	username: string | undefined,
): Promise<IDataObject> {
	const outcome = await findPostByCaption(ctx, lookup).then(
		(match) => ({ match }),
		(error: unknown) => ({ failure: String((error as Error)?.message ?? error) }),
	);
	if ('failure' in outcome) return { post_url_lookup: `failed: ${outcome.failure}` };
	const { match } = outcome;
	if (!match.found)
		return {
			post_url_lookup:
				match.candidates > 1
					? `ambiguous: ${match.candidates} videos match the caption`
					: 'not_found',
		};
	const id = match.found.id;
	return {
		post_url: postUrl(username, id) ?? match.found.share_url,
		derived_post_id: id,
		post_url_derived: true,
		post_url_lookup: 'found',
	};
}

/** Whether a Publish or Get Status output lacks the post id the lookup could find. */
export function needsPostLookup(output: IDataObject): boolean {
	return (
		output.status === 'PUBLISH_COMPLETE' && (output.post_ids as unknown[] | undefined)?.length === 0
	);
}
