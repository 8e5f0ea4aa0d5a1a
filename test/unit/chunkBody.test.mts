import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { PassThrough, Writable, pipeline } from 'node:stream';
import { describe, it } from 'node:test';
import { isObjectEmpty } from 'n8n-workflow';

import { ChunkBody } from '../../nodes/TikTok/transport/chunkBody.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A slow socket-like sink: takes one piece per event-loop turn, and records how much ever waited in it. */
function slowSink(highWaterMark = 16 * 1024) {
	const received: Uint8Array[] = [];
	let mostWaiting = 0;
	const sink = new Writable({
		highWaterMark,
		write(piece: Uint8Array, _encoding, done) {
			received.push(piece);
			setImmediate(done);
		},
	});
	const write = sink.write.bind(sink);
	sink.write = ((piece: Uint8Array) => {
		const accepted = write(piece);
		mostWaiting = Math.max(mostWaiting, sink.writableLength);
		return accepted;
	}) as typeof sink.write;
	return { sink, received, mostWaiting: () => mostWaiting };
}

const finished = (stream: Writable) =>
	new Promise<void>((resolve, reject) => stream.on('finish', resolve).on('error', reject));

describe('chunk body (a chunk PUT streamed in slices of the chunk buffer)', () => {
	const chunk = randomFillSync(Buffer.alloc(5 * 1024 * 1024 + 123));

	it('delivers every byte in order as views of the chunk buffer, ends the request, then says end and close', async () => {
		const { sink, received } = slowSink();
		const body = new ChunkBody(chunk);
		const events: string[] = [];
		body.on('end', () => events.push('end')).on('close', () => events.push('close'));
		body.pipe(sink);
		await finished(sink);
		assert.equal(sha256(Buffer.concat(received)), sha256(chunk));
		assert.equal(received.length, 6, '5 MiB + 123 bytes in 1 MiB slices');
		assert.ok(
			received.every((piece) => piece.buffer === chunk.buffer),
			'no slice is a copy',
		);
		assert.deepEqual(events, ['end', 'close']);
	});

	it('waits for the request to take each slice before writing the next: one slice is the most that waits', async () => {
		const { sink, mostWaiting } = slowSink();
		new ChunkBody(chunk).pipe(sink);
		await finished(sink);
		assert.equal(mostWaiting(), 1024 * 1024);
	});

	it('works through stream.pipeline, as n8n 2.x hands the body to the request, leaving the end to the pipeline', async () => {
		const { sink, received } = slowSink();
		await new Promise<void>((resolve, reject) =>
			pipeline(
				[new ChunkBody(chunk) as unknown as NodeJS.ReadableStream, new PassThrough(), sink],
				(error) => (error ? reject(error) : resolve()),
			),
		);
		assert.equal(sha256(Buffer.concat(received)), sha256(chunk));
	});

	it('stops writing when the request is destroyed midway (a reset or a cancel), without an error', async () => {
		const { sink, received } = slowSink();
		const body = new ChunkBody(chunk);
		let ended = false;
		body.on('end', () => (ended = true));
		body.pipe(sink);
		await new Promise((resolve) => setImmediate(resolve));
		sink.destroy();
		await new Promise((resolve) => setTimeout(resolve, 50));
		assert.ok(
			received.length < 6,
			`only ${received.length} slice(s) reached the destroyed request`,
		);
		assert.equal(ended, false);
	});

	it('hands a write the request refuses to its error listeners (axios destroys the request with it)', async () => {
		const refusing = Object.assign(new PassThrough(), {
			write: () => {
				throw new Error('write after end');
			},
		});
		const body = new ChunkBody(chunk);
		const failure = new Promise<Error>((resolve) =>
			body.once('error', (error) => resolve(error as Error)),
		);
		body.pipe(refusing);
		assert.equal((await failure).message, 'write after end');
	});

	it('is sent once: a retry builds a new body', () => {
		const body = new ChunkBody(chunk);
		body.pipe(new PassThrough());
		assert.throws(() => body.pipe(new PassThrough()), /sent once/);
	});

	it('is a body n8n sends: not empty to n8n, a stream to axios (it has pipe)', () => {
		const body = new ChunkBody(chunk);
		assert.equal(isObjectEmpty(body), false);
		assert.equal(typeof body.pipe, 'function');
	});

	it('held, writes nothing (so the request sends not even its headers) until released, then the whole chunk', async () => {
		const { sink, received } = slowSink();
		const body = new ChunkBody(chunk, { held: true });
		body.pipe(sink);
		await new Promise((resolve) => setTimeout(resolve, 20));
		assert.deepEqual([received.length, body.wroteAny], [0, false]);
		body.release();
		await finished(sink);
		assert.equal(sha256(Buffer.concat(received)), sha256(chunk));
		assert.equal(body.wroteAny, true);
	});

	it('held and withdrawn, never writes and never ends the request', async () => {
		const { sink, received } = slowSink();
		const body = new ChunkBody(chunk, { held: true });
		let ended = false;
		body.on('end', () => (ended = true));
		body.pipe(sink);
		body.withdraw();
		await new Promise((resolve) => setTimeout(resolve, 20));
		assert.deepEqual([received.length, ended, sink.writableEnded], [0, false, false]);
	});

	it("says when its last slice is in the request (the rest of the way is the connection's)", async () => {
		const { sink, received } = slowSink();
		const body = new ChunkBody(chunk);
		let slicesAtHandover = -1;
		void body.handedOver.then(() => (slicesAtHandover = received.length));
		body.pipe(sink);
		await finished(sink);
		assert.ok(slicesAtHandover >= 5, `handed over after ${slicesAtHandover} slices had been taken`);
	});
});
