import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import {
	mp4Source,
	notAVideoSource,
	patternSource,
	sha256Of,
	webmSource,
	type ByteSource,
} from './media.mts';
import {
	api,
	directFileBody,
	poll,
	pollToEnd,
	putChunk,
	request,
	tokenFor,
	uploadAll,
	emulatorForEachTest,
} from './testkit.mts';

let emu: TikTokEmulator;
let token: string;
emulatorForEachTest((test) => ({ emu, token } = test));

async function initUpload(
	size: number,
	chunk = size,
	total = 1,
	account?: string,
	info: Record<string, unknown> = {},
) {
	const t = account ? tokenFor(emu, account) : token;
	const r = await api(emu, 'video/init', t, directFileBody(size, chunk, total, info));
	assert.equal(r.status, 200, r.text);
	return {
		publishId: r.json.data.publish_id as string,
		uploadUrl: r.json.data.upload_url as string,
		token: t,
	};
}

const SMALL = 1000;
const small = (seed = 9) => mp4Source({ size: SMALL, durationSec: 5, seed });

describe('upload PUT: the happy path', () => {
	it('streams a ~12 MB video in 2 chunks: 206 with Content-Range bytes 0-{last}/{total}, then 201, and a byte-exact sha256', async () => {
		const size = 12_345_678;
		const source = mp4Source({ size, durationSec: 30 });
		const { publishId, uploadUrl } = await initUpload(size, 6_000_000, 2);
		const first = await putChunk(uploadUrl, source, 0, 5_999_999);
		assert.equal(first.status, 206);
		assert.equal(first.headers['content-range'], `bytes 0-5999999/${size}`);
		const second = await putChunk(uploadUrl, source, 6_000_000, size - 1);
		assert.equal(second.status, 201);
		assert.equal(second.text, '');
		const p = emu.state.publishes.get(publishId)!;
		assert.equal(p.uploadedBytes, size);
		assert.equal(p.chunksReceived, 2);
		assert.equal(p.sha256, await sha256Of(source));
		assert.equal(p.detectedFormat, 'mp4');
		assert.equal(p.detectedDurationSec, 30);
	});

	it('accepts a whole small video in one PUT (201)', async () => {
		const { publishId, uploadUrl } = await initUpload(SMALL);
		assert.equal((await putChunk(uploadUrl, small(), 0, SMALL - 1)).status, 201);
		assert.equal(emu.state.publishes.get(publishId)?.sha256, await sha256Of(small()));
	});

	it('ignores an Authorization header (records that one was sent to the upload host)', async () => {
		const { publishId, uploadUrl } = await initUpload(SMALL);
		const r = await putChunk(uploadUrl, small(), 0, SMALL - 1, {
			headers: { Authorization: 'Bearer nonsense' },
		});
		assert.equal(r.status, 201);
		assert.equal(emu.state.publishes.get(publishId)?.uploadAuthorizationHeaderSeen, true);
	});

	it('accepts video/quicktime and video/webm as Content-Type', async () => {
		for (const type of ['video/quicktime', 'video/webm']) {
			const { uploadUrl } = await initUpload(SMALL);
			assert.equal(
				(await putChunk(uploadUrl, small(), 0, SMALL - 1, { contentType: type })).status,
				201,
				type,
			);
		}
	});

	it('shows PROCESSING_UPLOAD with uploaded_bytes while chunks arrive', async () => {
		const size = 10_485_760;
		const source = patternSource(size);
		const { publishId, uploadUrl } = await initUpload(size, 5_242_880, 2);
		await putChunk(uploadUrl, source, 0, 5_242_879);
		const r = await poll(emu, token, publishId);
		assert.equal(r.json.data.status, 'PROCESSING_UPLOAD');
		assert.equal(r.json.data.uploaded_bytes, 5_242_880);
	});
});

describe('upload PUT: 400 malformed requests', () => {
	it('requires a video Content-Type (application/octet-stream → 400)', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		assert.equal(
			(
				await putChunk(uploadUrl, small(), 0, SMALL - 1, {
					contentType: 'application/octet-stream',
				})
			).status,
			400,
		);
		assert.equal(
			(await putChunk(uploadUrl, small(), 0, SMALL - 1, { contentType: null })).status,
			400,
		);
	});

	it('requires Content-Length (a chunked body → 400)', async () => {
		const { publishId, uploadUrl } = await initUpload(SMALL);
		const r = await request(uploadUrl, {
			method: 'PUT',
			headers: {
				'Content-Type': 'video/mp4',
				'Content-Range': `bytes 0-${SMALL - 1}/${SMALL}`,
				'Transfer-Encoding': 'chunked',
			},
			body: small().stream(),
		});
		assert.equal(r.status, 400);
		assert.match(String(r.headers['x-emulator-detail']), /Content-Length/);
		assert.equal(emu.state.publishes.get(publishId)?.uploadedBytes, 0);
	});

	it('requires Content-Range in the form "bytes a-b/total"', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		for (const range of ['bytes=0-999/1000', '0-999/1000', 'bytes 0-999/*']) {
			const r = await putChunk(uploadUrl, small(), 0, SMALL - 1, {
				headers: { 'Content-Range': range },
			});
			assert.equal(r.status, 400, range);
		}
	});

	it('answers 400 when Content-Length differs from b − a + 1', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		const r = await request(uploadUrl, {
			method: 'PUT',
			headers: {
				'Content-Type': 'video/mp4',
				'Content-Length': 999,
				'Content-Range': `bytes 0-${SMALL - 1}/${SMALL}`,
			},
			body: small().stream(0, 999),
		});
		assert.equal(r.status, 400);
	});

	it('answers 400 when the body is shorter than Content-Length, without counting the chunk; a retry then succeeds', async () => {
		const { publishId, uploadUrl } = await initUpload(SMALL);
		const url = new URL(uploadUrl);
		const reply = await new Promise<string>((resolve) => {
			const socket = net.connect(Number(url.port), url.hostname, () => {
				socket.write(
					`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: video/mp4\r\n` +
						`Content-Length: ${SMALL}\r\nContent-Range: bytes 0-${SMALL - 1}/${SMALL}\r\n\r\n`,
				);
				socket.end(Buffer.alloc(500));
			});
			let text = '';
			socket.on('data', (d) => (text += d.toString('latin1')));
			socket.on('close', () => resolve(text));
		});
		assert.match(reply, /^HTTP\/1\.1 400/);
		assert.equal(emu.state.publishes.get(publishId)?.uploadedBytes, 0);
		assert.equal((await putChunk(uploadUrl, small(), 0, SMALL - 1)).status, 201);
	});

	it('answers 400 when a non-final chunk is not exactly chunk_size', async () => {
		const size = 12_000_000;
		const { uploadUrl } = await initUpload(size, 6_000_000, 2);
		const r = await putChunk(uploadUrl, patternSource(size), 0, 4_999_999);
		assert.equal(r.status, 400);
		assert.match(String(r.headers['x-emulator-detail']), /exactly chunk_size/);
	});

	it('answers 400 when the final chunk does not carry the remainder (no extra trailing chunk)', async () => {
		const size = 12_345_678;
		const source = patternSource(size);
		const { uploadUrl } = await initUpload(size, 6_000_000, 2);
		assert.equal((await putChunk(uploadUrl, source, 0, 5_999_999)).status, 206);
		const r = await putChunk(uploadUrl, source, 6_000_000, 11_999_999);
		assert.equal(r.status, 400);
		assert.match(String(r.headers['x-emulator-detail']), /remainder/);
	});
});

describe('upload PUT: other methods and impossible ranges', () => {
	it('answers 405 to anything but PUT', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		assert.equal((await request(uploadUrl, { method: 'POST', body: 'x' })).status, 405);
	});

	it('answers 400 when the last byte comes before the first', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		const r = await putChunk(uploadUrl, small(), 0, SMALL - 1, {
			headers: { 'Content-Range': `bytes 10-5/${SMALL}` },
		});
		assert.equal(r.status, 400);
	});

	it('answers 416 when the range ends beyond the video', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		const r = await request(uploadUrl, {
			method: 'PUT',
			headers: { 'Content-Type': 'video/mp4', 'Content-Range': `bytes 0-${SMALL}/${SMALL}` },
			body: Buffer.alloc(SMALL + 1),
		});
		assert.equal(r.status, 416);
	});
});

describe('upload PUT: 416 range out of step', () => {
	it('answers 416 when the Content-Range total differs from video_size', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		const r = await putChunk(uploadUrl, small(), 0, SMALL - 1, {
			headers: { 'Content-Range': `bytes 0-${SMALL - 1}/${SMALL + 1}` },
		});
		assert.equal(r.status, 416);
	});

	it('answers 416 when the first byte is not the number of bytes received so far (skipping ahead)', async () => {
		const size = 12_000_000;
		const { uploadUrl } = await initUpload(size, 6_000_000, 2);
		const r = await putChunk(uploadUrl, patternSource(size), 6_000_000, size - 1);
		assert.equal(r.status, 416);
	});

	it('answers 416 when an accepted chunk is sent again', async () => {
		const size = 12_000_000;
		const source = patternSource(size);
		const { publishId, uploadUrl } = await initUpload(size, 6_000_000, 2);
		await putChunk(uploadUrl, source, 0, 5_999_999);
		assert.equal((await putChunk(uploadUrl, source, 0, 5_999_999)).status, 416);
		assert.equal(emu.state.publishes.get(publishId)?.chunksReceived, 1);
	});

	it('answers 416 to a second chunk while the previous one is still in flight (uploads are sequential)', async () => {
		const size = 10_485_760;
		const source = patternSource(size);
		const { uploadUrl } = await initUpload(size, 5_242_880, 2);
		const slow = new PassThrough();
		const inflight = request(uploadUrl, {
			method: 'PUT',
			headers: {
				'Content-Type': 'video/mp4',
				'Content-Length': 5_242_880,
				'Content-Range': `bytes 0-5242879/${size}`,
			},
			body: slow,
		});
		slow.write(Buffer.alloc(1000));
		await new Promise((r) => setTimeout(r, 50));
		const second = await putChunk(uploadUrl, source, 0, 5_242_879);
		assert.equal(second.status, 416);
		slow.end(Buffer.alloc(5_242_880 - 1000));
		assert.equal((await inflight).status, 206);
	});
});

describe('upload PUT: 403 and 404', () => {
	it('answers 403 once the upload_url is older than 1 hour (emulator clock)', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		emu.advanceTime(3601);
		assert.equal((await putChunk(uploadUrl, small(), 0, SMALL - 1)).status, 403);
	});

	it('still accepts the upload just before the hour is over', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		emu.advanceTime(3599);
		assert.equal((await putChunk(uploadUrl, small(), 0, SMALL - 1)).status, 201);
	});

	it('answers 404 for an unknown upload_id or a wrong upload_token', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		const u = new URL(uploadUrl);
		const wrongToken = new URL(uploadUrl);
		wrongToken.searchParams.set('upload_token', 'x');
		const unknownId = new URL(uploadUrl);
		unknownId.searchParams.set('upload_id', '1');
		const noQuery = `${u.origin}${u.pathname}`;
		for (const url of [wrongToken.toString(), unknownId.toString(), noQuery]) {
			assert.equal((await putChunk(url, small(), 0, SMALL - 1)).status, 404, url);
		}
	});

	it('answers 404 once the upload is finished', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		await putChunk(uploadUrl, small(), 0, SMALL - 1);
		assert.equal((await putChunk(uploadUrl, small(), 0, SMALL - 1)).status, 404);
	});

	it('serves uploads only on the upload origin (the API origin has no /upload/)', async () => {
		const { uploadUrl } = await initUpload(SMALL);
		const onApi = uploadUrl.replace(emu.uploadBaseUrl, emu.baseUrl);
		assert.equal((await putChunk(onApi, small(), 0, SMALL - 1)).status, 404);
	});
});

describe('media checks after the upload (reported by status/fetch)', () => {
	async function uploadAndFinish(
		source: ByteSource,
		account?: string,
		info: Record<string, unknown> = {},
	) {
		const up = await initUpload(source.size, source.size, 1, account, info);
		assert.equal((await putChunk(up.uploadUrl, source, 0, source.size - 1)).status, 201);
		return (await pollToEnd(emu, up.token, up.publishId)).last.json.data;
	}

	it('fails a file that is neither MP4/MOV nor WebM with file_format_check_failed', async () => {
		const d = await uploadAndFinish(notAVideoSource(SMALL));
		assert.equal(d.status, 'FAILED');
		assert.equal(d.fail_reason, 'file_format_check_failed');
	});

	it('accepts a WebM file (EBML magic)', async () => {
		assert.equal((await uploadAndFinish(webmSource(SMALL))).status, 'PUBLISH_COMPLETE');
	});

	it("fails an MP4 longer than the creator's max_video_post_duration_sec with duration_check_failed", async () => {
		const info = { disable_comment: true, disable_duet: true };
		const d = await uploadAndFinish(
			mp4Source({ size: SMALL, durationSec: 61 }),
			'restricted_creator',
			info,
		);
		assert.equal(d.fail_reason, 'duration_check_failed');
		const ok = await uploadAndFinish(
			mp4Source({ size: SMALL, durationSec: 60 }),
			'restricted_creator',
			info,
		);
		assert.equal(ok.status, 'PUBLISH_COMPLETE');
	});

	it("fails a video narrower or shorter than 360 px, or wider or taller than 4096 px, with picture_size_check_failed (§7.3; the reason TikTok's own example gives for an upload)", async () => {
		const video = (width: number, height: number, extra = {}) =>
			mp4Source({ size: 2000, durationSec: 5, video: { width, height, fps: 30 }, ...extra });
		for (const [width, height] of [
			[320, 240],
			[359, 640],
			[640, 359],
			[4097, 2160],
			[2160, 4097],
		]) {
			const d = await uploadAndFinish(video(width, height));
			assert.deepEqual(
				[d.status, d.fail_reason],
				['FAILED', 'picture_size_check_failed'],
				`${width}×${height}`,
			);
		}
		for (const [width, height] of [
			[360, 360],
			[4096, 4096],
			[1080, 1920],
		]) {
			assert.equal(
				(await uploadAndFinish(video(width, height))).status,
				'PUBLISH_COMPLETE',
				`${width}×${height}`,
			);
		}
		const atEnd = await uploadAndFinish(video(320, 240, { moovAtEnd: true }));
		assert.equal(
			atEnd.fail_reason,
			'picture_size_check_failed',
			'a moov after the media data is read too',
		);
	});

	it('fails a frame rate outside 23–60 FPS with frame_rate_check_failed, and takes 23.976 and 60', async () => {
		const video = (fps: number) =>
			mp4Source({ size: 2000, durationSec: 4, video: { width: 1080, height: 1920, fps } });
		for (const fps of [15, 22, 120]) {
			const d = await uploadAndFinish(video(fps));
			assert.deepEqual(
				[d.status, d.fail_reason],
				['FAILED', 'frame_rate_check_failed'],
				`${fps} FPS`,
			);
		}
		for (const fps of [23, 23.976, 60])
			assert.equal((await uploadAndFinish(video(fps))).status, 'PUBLISH_COMPLETE', `${fps} FPS`);
	});

	it('records what it read (a portrait phone video stored rotated), and does not hold an unstated frame rate against a file', async () => {
		const up = await initUpload(2000);
		await putChunk(
			up.uploadUrl,
			mp4Source({
				size: 2000,
				durationSec: 4,
				video: { width: 1080, height: 1920, fps: 59.94, rotated: true },
			}),
			0,
			1999,
		);
		assert.deepEqual(emu.state.publishes.get(up.publishId)?.detectedPicture, {
			width: 1080,
			height: 1920,
			frameRate: 59.94,
			codec: 'avc1',
		});
		assert.equal(
			(
				await uploadAndFinish(
					mp4Source({ size: 2000, durationSec: 4, video: { width: 720, height: 1280, fps: null } }),
				)
			).status,
			'PUBLISH_COMPLETE',
		);
	});

	it('fails an MP4 whose moov has no video track (audio only) with file_format_check_failed', async () => {
		const d = await uploadAndFinish(mp4Source({ size: 2000, durationSec: 4, video: null }));
		assert.deepEqual([d.status, d.fail_reason], ['FAILED', 'file_format_check_failed']);
	});

	it('passes H.264, H.265, VP8 and VP9 and fails any other codec (AV1, ProRes, one it does not know) with file_format_check_failed', async () => {
		for (const codec of ['avc1', 'avc3', 'hvc1', 'hev1', 'vp08', 'vp09']) {
			assert.equal(
				(
					await uploadAndFinish(
						mp4Source({
							size: 2000,
							durationSec: 4,
							video: { width: 1080, height: 1920, fps: 30, codec },
						}),
					)
				).status,
				'PUBLISH_COMPLETE',
				codec,
			);
		}
		for (const codec of ['av01', 'apcn', 'xyz1']) {
			const d = await uploadAndFinish(
				mp4Source({
					size: 2000,
					durationSec: 4,
					video: { width: 1080, height: 1920, fps: 30, codec },
				}),
			);
			assert.deepEqual([d.status, d.fail_reason], ['FAILED', 'file_format_check_failed'], codec);
		}
		assert.equal(
			(
				await uploadAndFinish(
					webmSource(SMALL, { width: 1080, height: 1920, fps: 30, codec: 'V_VP8' }),
				)
			).status,
			'PUBLISH_COMPLETE',
		);
		assert.equal(
			(
				await uploadAndFinish(
					webmSource(SMALL, { width: 1080, height: 1920, fps: 30, codec: 'V_AV1' }),
				)
			).fail_reason,
			'file_format_check_failed',
		);
	});

	it('checks a WebM video track (PixelWidth/PixelHeight, DefaultDuration) the same way, and passes one that states no frame rate', async () => {
		assert.equal(
			(await uploadAndFinish(webmSource(SMALL, { width: 320, height: 240, fps: 30 }))).fail_reason,
			'picture_size_check_failed',
		);
		assert.equal(
			(await uploadAndFinish(webmSource(SMALL, { width: 1080, height: 1920, fps: 90 })))
				.fail_reason,
			'frame_rate_check_failed',
		);
		assert.equal(
			(await uploadAndFinish(webmSource(SMALL, { width: 1080, height: 1920, fps: null }))).status,
			'PUBLISH_COMPLETE',
		);
	});

	it('reads the duration when moov sits after a multi-chunk mdat (mvhd version 1)', async () => {
		const size = 10_485_760;
		const source = mp4Source({ size, durationSec: 700, moovAtEnd: true, mvhdVersion: 1 });
		const up = await initUpload(size, 5_242_880, 2);
		assert.deepEqual(await uploadAll(up.uploadUrl, source, 5_242_880, 2), [206, 201]);
		assert.equal(emu.state.publishes.get(up.publishId)?.detectedDurationSec, 700);
		const d = (await pollToEnd(emu, token, up.publishId)).last.json.data;
		assert.equal(d.fail_reason, 'duration_check_failed');
	});
});
