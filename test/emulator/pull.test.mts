import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import { mp4Source, notAVideoSource, sha256Of } from './media.mts';
import { startMediaServer, type MediaServer } from './mediaServer.mts';
import {
	api,
	poll,
	pollToEnd,
	postInfo,
	sleep,
	tokenFor,
	emulatorForEachTest,
} from './testkit.mts';

let emu: TikTokEmulator;
let media: MediaServer;
let token: string;
emulatorForEachTest(
	(test) => {
		({ emu, token } = test);
		media = test.media as MediaServer;
	},
	{},
	{ media: true },
);

async function pullInit(path: string, account?: string) {
	const r = await api(emu, 'video/init', account ? tokenFor(emu, account) : token, {
		post_info: postInfo(),
		source_info: { source: 'PULL_FROM_URL', video_url: `${media.url}${path}` },
	});
	assert.equal(r.status, 200, r.text);
	return r.json.data.publish_id as string;
}

async function pullToEnd(path: string) {
	const id = await pullInit(path);
	await emu.waitForPulls();
	return { id, data: (await pollToEnd(emu, token, id)).last.json.data };
}

describe('PULL_FROM_URL video downloads', () => {
	it('downloads the video over https (trusting pullTrustedCaPem), hashing it, then completes', async () => {
		const src = mp4Source({ size: 2_000_000, durationSec: 20 });
		media.files['/v.mp4'] = { body: () => src.stream(), size: src.size, contentType: 'video/mp4' };
		const { id, data } = await pullToEnd('/v.mp4');
		assert.equal(data.status, 'PUBLISH_COMPLETE');
		assert.equal(data.downloaded_bytes, src.size);
		assert.equal(data.uploaded_bytes, undefined);
		const p = emu.state.publishes.get(id)!;
		assert.equal(p.sha256, await sha256Of(src));
		assert.equal(p.downloadedBytes, src.size);
		assert.deepEqual(
			media.requests.map((r) => [r.method, r.path]),
			[['GET', '/v.mp4']],
		);
	});

	it('reads in ranges when pullReads is "ranges": consecutive 206 answers hashed as one file, downloaded_bytes the whole', async () => {
		const src = mp4Source({ size: 2_500_000, durationSec: 20 });
		const parts: Buffer[] = [];
		for await (const part of src.stream()) parts.push(part as Buffer);
		const bytes = Buffer.concat(parts);
		media.files['/r.mp4'] = { body: bytes, contentType: 'video/mp4', ranges: true };
		emu.config.pullReads = 'ranges';
		emu.config.pullRangeBytes = 1_000_000;
		const { id, data } = await pullToEnd('/r.mp4');
		assert.equal(data.status, 'PUBLISH_COMPLETE');
		assert.equal(data.downloaded_bytes, bytes.length);
		assert.equal(emu.state.publishes.get(id)!.sha256, await sha256Of(src));
		assert.deepEqual(
			media.requests.map((r) => r.range),
			['bytes=0-999999', 'bytes=1000000-1999999', 'bytes=2000000-2999999'],
		);
	});

	it('fails a ranged pull with video_pull_failed when the server answers 200 with the whole file', async () => {
		const src = mp4Source({ size: 1_500_000, durationSec: 20 });
		media.files['/whole.mp4'] = {
			body: () => src.stream(),
			size: src.size,
			contentType: 'video/mp4',
		};
		emu.config.pullReads = 'ranges';
		emu.config.pullRangeBytes = 1_000_000;
		const { data } = await pullToEnd('/whole.mp4');
		assert.equal(data.status, 'FAILED');
		assert.equal(data.fail_reason, 'video_pull_failed');
	});

	it('hashes a ~12 MB body sent without Content-Length (chunked) byte-exactly', async () => {
		const src = mp4Source({ size: 12_000_000, durationSec: 20, moovAtEnd: true });
		media.files['/big.mp4'] = {
			body: () => src.stream(),
			contentType: 'video/mp4',
			contentLength: false,
		};
		const { id, data } = await pullToEnd('/big.mp4');
		assert.equal(data.status, 'PUBLISH_COMPLETE');
		assert.equal(emu.state.publishes.get(id)?.sha256, await sha256Of(src));
		assert.equal(emu.state.publishes.get(id)?.detectedDurationSec, 20);
	});

	it('fails with video_pull_failed when the self-signed certificate is not trusted', async () => {
		emu.config.pullTrustedCaPem = undefined;
		media.files['/v.mp4'] = { body: Buffer.alloc(10), contentType: 'video/mp4' };
		const { data } = await pullToEnd('/v.mp4');
		assert.equal(data.status, 'FAILED');
		assert.equal(data.fail_reason, 'video_pull_failed');
	});

	it('does not follow redirects: a 302 fails with video_pull_failed and the target is never fetched', async () => {
		const src = mp4Source({ size: 1000, durationSec: 1 });
		media.files['/v.mp4'] = { body: () => src.stream(), size: src.size, contentType: 'video/mp4' };
		media.files['/moved.mp4'] = { status: 302, headers: { Location: `${media.url}/v.mp4` } };
		const { data } = await pullToEnd('/moved.mp4');
		assert.equal(data.fail_reason, 'video_pull_failed');
		assert.deepEqual(
			media.requests.map((r) => r.path),
			['/moved.mp4'],
		);
	});

	it('fails with video_pull_failed on a non-2xx answer (404)', async () => {
		const { data } = await pullToEnd('/missing.mp4');
		assert.equal(data.fail_reason, 'video_pull_failed');
	});

	it('fails with video_pull_failed when the host is unreachable', async () => {
		const gone = await startMediaServer({ https: true });
		await gone.stop();
		emu.config.verifiedPrefixes.push(`${gone.url}/`);
		const r = await api(emu, 'video/init', token, {
			post_info: postInfo(),
			source_info: { source: 'PULL_FROM_URL', video_url: `${gone.url}/v.mp4` },
		});
		await emu.waitForPulls();
		const d = (await pollToEnd(emu, token, r.json.data.publish_id)).last.json.data;
		assert.equal(d.fail_reason, 'video_pull_failed');
	});

	it('fails with video_pull_failed when the server goes silent for pullTimeoutMs', async () => {
		emu.config.pullTimeoutMs = 150;
		media.files['/stall.mp4'] = {
			body: Buffer.alloc(100_000),
			contentType: 'video/mp4',
			stallAfterBytes: 1000,
		};
		const { data } = await pullToEnd('/stall.mp4');
		assert.equal(data.fail_reason, 'video_pull_failed');
	});

	it('shows PROCESSING_DOWNLOAD with downloaded_bytes while downloading', async () => {
		media.files['/stall.mp4'] = {
			body: Buffer.alloc(100_000),
			contentType: 'video/mp4',
			stallAfterBytes: 4096,
		};
		const id = await pullInit('/stall.mp4');
		let d = (await poll(emu, token, id)).json.data;
		for (let i = 0; i < 50 && d.downloaded_bytes < 4096; i++) {
			await sleep(10);
			d = (await poll(emu, token, id)).json.data;
		}
		assert.equal(d.status, 'PROCESSING_DOWNLOAD');
		assert.equal(d.downloaded_bytes, 4096);
	});

	it('fails with video_pull_failed once the download passes the 1 h deadline (emulator clock)', async () => {
		media.files['/stall.mp4'] = {
			body: Buffer.alloc(100_000),
			contentType: 'video/mp4',
			stallAfterBytes: 1000,
		};
		const id = await pullInit('/stall.mp4');
		assert.equal((await poll(emu, token, id)).json.data.status, 'PROCESSING_DOWNLOAD');
		emu.advanceTime(3601);
		const d = (await poll(emu, token, id)).json.data;
		assert.equal(d.status, 'FAILED');
		assert.equal(d.fail_reason, 'video_pull_failed');
	});

	it('runs the container check on pulled media (not a video → file_format_check_failed)', async () => {
		const src = notAVideoSource(5000);
		media.files['/v.avi'] = { body: () => src.stream(), size: src.size, contentType: 'video/mp4' };
		const { data } = await pullToEnd('/v.avi');
		assert.equal(data.fail_reason, 'file_format_check_failed');
	});

	it("runs the duration check on pulled media (over the creator's maximum → duration_check_failed)", async () => {
		const src = mp4Source({ size: 5000, durationSec: 601 });
		media.files['/long.mp4'] = {
			body: () => src.stream(),
			size: src.size,
			contentType: 'video/mp4',
		};
		const { data } = await pullToEnd('/long.mp4');
		assert.equal(data.fail_reason, 'duration_check_failed');
	});

	it('pulls over plain http when pullRequiresHttps is false', async () => {
		const plain = await startMediaServer();
		try {
			const src = mp4Source({ size: 1000, durationSec: 1 });
			plain.files['/v.mp4'] = {
				body: () => src.stream(),
				size: src.size,
				contentType: 'video/mp4',
			};
			emu.config.pullRequiresHttps = false;
			emu.config.verifiedPrefixes.push(`${plain.url}/`);
			const r = await api(emu, 'inbox/video/init', token, {
				source_info: { source: 'PULL_FROM_URL', video_url: `${plain.url}/v.mp4` },
			});
			await emu.waitForPulls();
			const d = (await pollToEnd(emu, token, r.json.data.publish_id)).last.json.data;
			assert.equal(d.status, 'SEND_TO_USER_INBOX');
			assert.equal(d.downloaded_bytes, 1000);
		} finally {
			await plain.stop();
		}
	});
});
