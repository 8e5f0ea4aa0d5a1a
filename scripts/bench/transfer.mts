/**
 * The emulator's side of every upload the bench measures: a direct post's `video/init` for a chunk plan, and the
 * transfer the emulator saw (`PublishRecord.chunkArrivals`): first body byte of the first chunk → last body byte of
 * the final chunk, with a byte-exact check (emulator sha256 == file sha256).
 */
import type { ChunkPlan } from '../../nodes/TikTok/helpers/chunkPlan.ts';
import type { Stack } from '../../test/e2e/stack.mts';
import type { PublishRecord } from '../../test/emulator/types.mts';
import { mb } from './cli.mts';

export interface Transfer {
	bytes: number;
	/** First body byte of the first chunk → last body byte of the final chunk, ms. */
	ms: number;
	mbPerSec: number;
	chunks: number;
	/** Mean time a chunk's body took to arrive, ms, and the rate inside chunks. */
	meanChunkMs: number;
	inChunkMbPerSec: number;
	/** Mean time between one chunk's last byte and the next chunk's first byte (client-side work + request setup). */
	meanGapMs: number;
	firstByteAt: number;
	lastByteAt: number;
	sha256Ok: boolean;
}

export function transferOf(record: PublishRecord, expectedSha256: string): Transfer {
	const arrivals = record.chunkArrivals;
	if (record.uploadedBytes !== record.videoSize || arrivals.length !== record.totalChunkCount) {
		throw new Error(
			`upload ${record.publishId} incomplete: ${record.uploadedBytes}/${record.videoSize} bytes, ${arrivals.length}/${record.totalChunkCount} chunks`,
		);
	}
	const first = arrivals[0].firstByteAt;
	const last = arrivals[arrivals.length - 1].lastByteAt;
	const inChunk = arrivals.reduce((sum, chunk) => sum + (chunk.lastByteAt - chunk.firstByteAt), 0);
	const gaps = arrivals
		.slice(1)
		.reduce((sum, chunk, index) => sum + (chunk.firstByteAt - arrivals[index].lastByteAt), 0);
	const bytes = record.uploadedBytes;
	return {
		bytes,
		ms: last - first,
		mbPerSec: mb(bytes) / ((last - first) / 1000),
		chunks: arrivals.length,
		meanChunkMs: inChunk / arrivals.length,
		inChunkMbPerSec: mb(bytes) / (inChunk / 1000),
		meanGapMs: arrivals.length > 1 ? gaps / (arrivals.length - 1) : 0,
		firstByteAt: first,
		lastByteAt: last,
		sha256Ok: record.sha256 === expectedSha256,
	};
}

/** The emulator's record of an upload, or an error if it has none. */
export function publishRecord(stack: Stack, publishId: string): PublishRecord {
	const record = stack.emu.state.publishes.get(publishId);
	if (!record) throw new Error(`the emulator does not know ${publishId}`);
	return record;
}

/** The HTTP statuses TikTok answers a plan's chunk PUTs with: 206 for each but the final chunk, 201 for that. */
export function expectedChunkStatuses(plan: ChunkPlan): string {
	const N = plan.totalChunkCount;
	return Array.from({ length: N }, (_, index) => (index === N - 1 ? 201 : 206)).join(',');
}

const POST_INFO = {
	title: 'bench',
	privacy_level: 'SELF_ONLY',
	disable_comment: true,
	disable_duet: true,
	disable_stitch: true,
	brand_content_toggle: false,
	brand_organic_toggle: false,
};

async function initDirect(
	stack: Stack,
	accessToken: string,
	plan: ChunkPlan,
): Promise<{ publishId: string; uploadUrl: string }> {
	const response = await fetch(`${stack.emu.baseUrl}/v2/post/publish/video/init/`, {
		method: 'POST',
		headers: {
			Authorization: `Bearer ${accessToken}`,
			'Content-Type': 'application/json; charset=UTF-8',
		},
		body: JSON.stringify({
			post_info: POST_INFO,
			source_info: {
				source: 'FILE_UPLOAD',
				video_size: plan.videoSize,
				chunk_size: plan.chunkSize,
				total_chunk_count: plan.totalChunkCount,
			},
		}),
	});
	const body = (await response.json()) as {
		data?: { publish_id?: string; upload_url?: string };
		error?: { code?: string; message?: string };
	};
	if (!response.ok || !body.data?.publish_id || !body.data.upload_url) {
		throw new Error(
			`video/init for ${plan.videoSize} bytes failed: HTTP ${response.status} ${body.error?.code} ${body.error?.message}`,
		);
	}
	return { publishId: body.data.publish_id, uploadUrl: body.data.upload_url };
}

/**
 * A direct post's `video/init` for `plan` made by the bench itself, then `upload(uploadUrl)` PUTs the chunks
 * (curl, or the ceiling node in n8n); returns what the emulator saw, checked against `sha256`.
 */
export async function measureDirectUpload(
	stack: Stack,
	accessToken: string,
	plan: ChunkPlan,
	sha256: string,
	upload: (uploadUrl: string) => Promise<void>,
): Promise<Transfer> {
	const { publishId, uploadUrl } = await initDirect(stack, accessToken, plan);
	await upload(uploadUrl);
	return transferOf(publishRecord(stack, publishId), sha256);
}
