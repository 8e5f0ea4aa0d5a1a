import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import type { TikTokEmulator } from './index.mts';
import { mp4Source, sha256Of } from './media.mts';
import {
	api,
	directFileBody,
	poll,
	pollToEnd,
	postForm,
	putChunk,
	pollStatuses,
	tokenFor,
	uploadAll,
	emulatorForEachTest,
} from './testkit.mts';

let emu: TikTokEmulator;
let token: string;
emulatorForEachTest((test) => ({ emu, token } = test));

const SIZE = 12_345_678;
const CHUNK = 6_000_000;

async function initTwoChunks() {
	const r = await api(emu, 'video/init', token, directFileBody(SIZE, CHUNK, 2));
	return { id: r.json.data.publish_id as string, url: r.json.data.upload_url as string };
}

/** A raw POST whose outcome may be a reset or a timeout rather than a response. */
function rawInit(timeoutMs: number): Promise<string> {
	return new Promise((resolve) => {
		const body = JSON.stringify(directFileBody(1000));
		const req = http.request(`${emu.baseUrl}/v2/post/publish/video/init/`, {
			method: 'POST',
			agent: false,
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
		});
		req.setTimeout(timeoutMs, () => {
			resolve('timeout');
			req.destroy();
		});
		req.on('response', (res) => {
			res.resume();
			resolve(`status ${res.statusCode}`);
		});
		req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
		req.end(body);
	});
}

describe('fault injection: chunk faults', () => {
	it('chunk5xx answers 5xx without counting the chunk; a retry of the same range succeeds and the sha256 stays exact', async () => {
		const src = mp4Source({ size: SIZE, durationSec: 10 });
		emu.config.faults.push({ type: 'chunk5xx', chunkIndex: 1, status: 503 });
		const { id, url } = await initTwoChunks();
		assert.equal((await putChunk(url, src, 0, CHUNK - 1)).status, 206);
		assert.equal((await putChunk(url, src, CHUNK, SIZE - 1)).status, 503);
		assert.equal(emu.state.publishes.get(id)?.chunksReceived, 1);
		assert.equal((await putChunk(url, src, CHUNK, SIZE - 1)).status, 201);
		assert.equal(emu.state.publishes.get(id)?.sha256, await sha256Of(src));
		assert.deepEqual(
			emu.state.faults.map((f) => [f.type, f.chunkIndex, f.status, f.publishId]),
			[['chunk5xx', 1, 503, id]],
		);
		assert.equal(emu.config.faults.length, 0);
	});

	it('chunk5xx defaults to 500', async () => {
		emu.config.faults.push({ type: 'chunk5xx', chunkIndex: 0 });
		const { url } = await initTwoChunks();
		assert.equal(
			(await putChunk(url, mp4Source({ size: SIZE, durationSec: 1 }), 0, CHUNK - 1)).status,
			500,
		);
	});

	it('chunkDrop destroys the socket mid-body without counting the chunk; a retry succeeds byte-exactly', async () => {
		const src = mp4Source({ size: SIZE, durationSec: 10 });
		emu.config.faults.push({ type: 'chunkDrop', chunkIndex: 0 });
		const { id, url } = await initTwoChunks();
		await assert.rejects(putChunk(url, src, 0, CHUNK - 1), /ECONNRESET|socket hang up|EPIPE/);
		assert.equal(emu.state.publishes.get(id)?.uploadedBytes, 0);
		assert.deepEqual(await uploadAll(url, src, CHUNK, 2), [206, 201]);
		assert.equal(emu.state.publishes.get(id)?.sha256, await sha256Of(src));
		assert.equal(emu.state.faults[0].type, 'chunkDrop');
	});
});

describe('fault injection: a chunk that arrived but was never answered, an upload link that expires', () => {
	it('chunkDropAfterReceive on the final chunk: the upload is complete and byte-exact, the client only sees a reset; a retry is answered 404 and status/fetch shows every byte', async () => {
		const src = mp4Source({ size: SIZE, durationSec: 10 });
		emu.config.faults.push({ type: 'chunkDropAfterReceive', chunkIndex: 1 });
		const { id, url } = await initTwoChunks();
		assert.equal((await putChunk(url, src, 0, CHUNK - 1)).status, 206);
		await assert.rejects(putChunk(url, src, CHUNK, SIZE - 1), /ECONNRESET|socket hang up|EPIPE/);
		assert.equal(
			emu.state.publishes.get(id)?.sha256,
			await sha256Of(src),
			'TikTok has the whole video',
		);
		const retry = await putChunk(url, src, CHUNK, SIZE - 1);
		assert.equal(retry.status, 404, 'the upload task is finished');
		const status = (await poll(emu, token, id)).json.data;
		assert.equal(status.uploaded_bytes, SIZE);
		assert.equal((await pollToEnd(emu, token, id)).statuses.at(-1), 'PUBLISH_COMPLETE');
		assert.deepEqual(
			emu.state.faults.map((f) => [f.type, f.chunkIndex]),
			[['chunkDropAfterReceive', 1]],
		);
	});

	it('chunkDropAfterReceive on a middle chunk: the chunk counts; the same range again is answered 416, status/fetch shows its bytes, and the next chunk completes the upload', async () => {
		const src = mp4Source({ size: SIZE, durationSec: 10 });
		emu.config.faults.push({ type: 'chunkDropAfterReceive', chunkIndex: 0 });
		const { id, url } = await initTwoChunks();
		await assert.rejects(putChunk(url, src, 0, CHUNK - 1), /ECONNRESET|socket hang up|EPIPE/);
		assert.equal((await putChunk(url, src, 0, CHUNK - 1)).status, 416);
		assert.equal((await poll(emu, token, id)).json.data.uploaded_bytes, CHUNK);
		assert.equal((await putChunk(url, src, CHUNK, SIZE - 1)).status, 201);
		assert.equal(emu.state.publishes.get(id)?.sha256, await sha256Of(src));
	});

	it('chunkExpired: the upload link expires before that chunk, which and every later PUT get 403', async () => {
		const src = mp4Source({ size: SIZE, durationSec: 10 });
		emu.config.faults.push({ type: 'chunkExpired', chunkIndex: 1 });
		const { id, url } = await initTwoChunks();
		assert.equal((await putChunk(url, src, 0, CHUNK - 1)).status, 206);
		const refused = await putChunk(url, src, CHUNK, SIZE - 1);
		assert.equal(refused.status, 403);
		assert.match(refused.text, /expired/);
		assert.equal((await putChunk(url, src, CHUNK, SIZE - 1)).status, 403);
		assert.equal(emu.state.publishes.get(id)?.sha256, null, 'TikTok never got the whole video');
		assert.equal((await poll(emu, token, id)).json.data.status, 'PROCESSING_UPLOAD');
	});

	it("faults that name an account fire only for that account: chunk faults by the publish's owner, endpoint faults by the caller", async () => {
		const src = mp4Source({ size: SIZE, durationSec: 10 });
		emu.config.faults.push(
			{ type: 'chunk5xx', chunkIndex: 0, status: 503, account: 'private_creator' },
			{ type: 'http5xx', endpoint: 'status', account: 'private_creator' },
		);
		const { id, url } = await initTwoChunks();
		assert.deepEqual(
			await uploadAll(url, src, CHUNK, 2),
			[206, 201],
			"public_creator's upload is untouched",
		);
		assert.equal((await poll(emu, token, id)).status, 200);
		assert.equal(emu.config.faults.length, 2, 'neither fault fired');

		const other = tokenFor(emu, 'private_creator');
		const theirs = await api(
			emu,
			'video/init',
			other,
			directFileBody(SIZE, CHUNK, 2, { disable_duet: true, disable_stitch: true }),
		);
		assert.equal(theirs.status, 200, theirs.text);
		const theirUrl = theirs.json.data.upload_url as string;
		assert.equal((await putChunk(theirUrl, src, 0, CHUNK - 1)).status, 503);
		assert.equal((await poll(emu, other, theirs.json.data.publish_id)).status, 500);
		assert.equal(emu.config.faults.length, 0);
	});
});

describe('fault injection: endpoint faults', () => {
	it('httpDrop reads the request, then resets the connection without an answer, count times', async () => {
		const init = await api(emu, 'video/init', token, directFileBody(1000));
		emu.config.faults.push({ type: 'httpDrop', endpoint: 'status', count: 2 });
		for (let i = 0; i < 2; i++) {
			await assert.rejects(
				poll(emu, token, init.json.data.publish_id),
				/ECONNRESET|socket hang up/,
			);
		}
		assert.equal((await poll(emu, token, init.json.data.publish_id)).status, 200);
		assert.deepEqual(
			emu.state.faults.map((f) => [f.type, f.endpoint]),
			[
				['httpDrop', 'status/fetch'],
				['httpDrop', 'status/fetch'],
			],
		);
	});

	it('http429 answers count requests with 429 rate_limit_exceeded, then lets requests through', async () => {
		emu.config.faults.push({ type: 'http429', endpoint: 'init', count: 2 });
		for (let i = 0; i < 2; i++) {
			const r = await api(emu, 'video/init', token, directFileBody(1000));
			assert.equal(r.status, 429);
			assert.equal(r.json.error.code, 'rate_limit_exceeded');
		}
		assert.equal((await api(emu, 'video/init', token, directFileBody(1000))).status, 200);
		assert.equal(emu.state.faults.filter((f) => f.type === 'http429').length, 2);
		assert.equal(emu.state.publishes.size, 1);
	});

	it('http5xx on status answers 500 internal_error in the envelope', async () => {
		const init = await api(emu, 'video/init', token, directFileBody(1000));
		emu.config.faults.push({ type: 'http5xx', endpoint: 'status' });
		const r = await poll(emu, token, init.json.data.publish_id);
		assert.equal(r.status, 500);
		assert.equal(r.json.error.code, 'internal_error');
		assert.equal((await poll(emu, token, init.json.data.publish_id)).status, 200);
	});

	it('http5xx with status 502 answers a non-JSON gateway page', async () => {
		emu.config.faults.push({ type: 'http5xx', endpoint: 'creatorInfo', status: 502 });
		const r = await api(emu, 'creator_info/query', token);
		assert.equal(r.status, 502);
		assert.equal(r.json, undefined);
		assert.match(r.text, /Bad Gateway/);
	});

	it('http5xx on the token endpoint answers server_error', async () => {
		emu.config.faults.push({ type: 'http5xx', endpoint: 'token' });
		const t = emu.issueTokens({ account: 'public_creator' });
		const form = {
			client_key: 'emu_client_key',
			client_secret: 'emu_client_secret',
			grant_type: 'refresh_token',
			refresh_token: t.refresh_token,
		};
		const r = await postForm(`${emu.baseUrl}/v2/oauth/token/`, form);
		assert.equal(r.status, 500);
		assert.equal(r.json.error, 'server_error');
		assert.equal((await postForm(`${emu.baseUrl}/v2/oauth/token/`, form)).status, 200);
	});

	it('http429 on the token endpoint answers 429 temporarily_unavailable', async () => {
		emu.config.faults.push({ type: 'http429', endpoint: 'token' });
		const r = await postForm(`${emu.baseUrl}/v2/oauth/token/`, { client_key: 'emu_client_key' });
		assert.equal(r.status, 429);
		assert.equal(r.json.error, 'temporarily_unavailable');
	});

	it('http429 on cancel answers 429 rate_limit_exceeded', async () => {
		emu.config.faults.push({ type: 'http429', endpoint: 'cancel' });
		const r = await api(emu, 'cancel', token, { publish_id: 'x' });
		assert.equal(r.status, 429);
		assert.equal(r.json.error.code, 'rate_limit_exceeded');
	});

	it('statusStuck keeps a processing publish processing for N extra polls', async () => {
		emu.config.statusPolls.processing = 0;
		emu.config.faults.push({ type: 'statusStuck', polls: 3 });
		const init = await api(emu, 'video/init', token, directFileBody(1000));
		await putChunk(init.json.data.upload_url, mp4Source({ size: 1000, durationSec: 1 }), 0, 999);
		const seen = await pollStatuses(emu, token, init.json.data.publish_id, 4);
		assert.deepEqual(seen, [
			'PROCESSING_UPLOAD',
			'PROCESSING_UPLOAD',
			'PROCESSING_UPLOAD',
			'PUBLISH_COMPLETE',
		]);
		assert.equal(emu.state.faults[0].type, 'statusStuck');
	});

	it('initHang creates the publish but never answers: the client times out', async () => {
		emu.config.faults.push({ type: 'initHang', afterCreate: true });
		assert.equal(await rawInit(300), 'timeout');
		assert.equal(emu.state.publishes.size, 1);
		const rec = emu.state.inits[0];
		assert.equal(rec.code, 'fault_initHang');
		assert.ok(rec.publishId && emu.state.publishes.has(rec.publishId));
		assert.equal(await rawInit(1000), 'status 200'); // consumed
	});

	it('initReset creates the publish, then destroys the socket', async () => {
		emu.config.faults.push({ type: 'initReset' });
		assert.match(await rawInit(1000), /ECONNRESET|socket hang up/);
		assert.equal(emu.state.publishes.size, 1);
		assert.equal(emu.state.inits[0].code, 'fault_initReset');
		assert.equal(emu.state.faults[0].type, 'initReset');
	});
});
