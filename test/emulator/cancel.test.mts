import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import { mp4Source } from './media.mts';
import type { MediaServer } from './mediaServer.mts';
import {
	api,
	directFileBody,
	poll,
	pollToEnd,
	postInfo,
	putChunk,
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

async function pull(path: string) {
	const r = await api(emu, 'video/init', token, {
		post_info: postInfo(),
		source_info: { source: 'PULL_FROM_URL', video_url: `${media.url}${path}` },
	});
	assert.equal(r.status, 200, r.text);
	return r.json.data.publish_id as string;
}

const cancel = (id: string, t = token) => api(emu, 'cancel', t, { publish_id: id });

describe('cancel', () => {
	it('cancels a PULL_FROM_URL task in PROCESSING_DOWNLOAD: ok, then FAILED publish_cancelled, download aborted', async () => {
		media.files['/stall.mp4'] = {
			body: Buffer.alloc(100_000),
			contentType: 'video/mp4',
			stallAfterBytes: 1000,
		};
		const id = await pull('/stall.mp4');
		await sleep(30);
		assert.equal((await poll(emu, token, id)).json.data.status, 'PROCESSING_DOWNLOAD');
		const r = await cancel(id);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.error.code, 'ok');
		await emu.waitForPulls(); // resolves only because the download was aborted
		const d = (await poll(emu, token, id)).json.data;
		assert.equal(d.status, 'FAILED');
		assert.equal(d.fail_reason, 'publish_cancelled');
	});

	it('refuses to cancel a finished task with 400 publish_not_cancellable', async () => {
		const src = mp4Source({ size: 1000, durationSec: 1 });
		media.files['/v.mp4'] = { body: () => src.stream(), size: src.size, contentType: 'video/mp4' };
		const id = await pull('/v.mp4');
		await emu.waitForPulls();
		await pollToEnd(emu, token, id);
		const r = await cancel(id);
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'publish_not_cancellable');
	});

	it('refuses to cancel a pull whose download is done and that is processing', async () => {
		const src = mp4Source({ size: 1000, durationSec: 1 });
		media.files['/v.mp4'] = { body: () => src.stream(), size: src.size, contentType: 'video/mp4' };
		const id = await pull('/v.mp4');
		await emu.waitForPulls();
		const r = await cancel(id);
		assert.equal(r.json.error.code, 'publish_not_cancellable');
		assert.match(r.json.error.message, /processing/);
	});

	it('refuses to cancel a FILE_UPLOAD task (downloads only)', async () => {
		const init = await api(emu, 'video/init', token, directFileBody(1000));
		const r = await cancel(init.json.data.publish_id);
		assert.equal(r.status, 400);
		assert.equal(r.json.error.code, 'publish_not_cancellable');
		// and the upload still works
		const src = mp4Source({ size: 1000, durationSec: 1 });
		assert.equal((await putChunk(init.json.data.upload_url, src, 0, 999)).status, 201);
	});

	it('answers invalid_publish_id and token_not_authorized_for_specified_publish_id like status/fetch', async () => {
		assert.equal((await cancel('v_pub_url~v2.1')).json.error.code, 'invalid_publish_id');
		media.files['/stall.mp4'] = {
			body: Buffer.alloc(10_000),
			contentType: 'video/mp4',
			stallAfterBytes: 10,
		};
		const id = await pull('/stall.mp4');
		const r = await cancel(id, tokenFor(emu, 'restricted_creator'));
		assert.equal(r.json.error.code, 'token_not_authorized_for_specified_publish_id');
	});
});
