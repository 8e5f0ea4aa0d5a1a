/**
 * Every outcome after TikTok accepted an init, in real n8n against the emulator with faults at each point: an upload
 * failing at the first, a middle or the final chunk, a chunk's answer lost, status polling failing for a while or
 * for the whole wait, a wait that times out, an execution stopped by the user or by its timeout. Each item keeps
 * the publish_id and TikTok's last status, never says to run it again while a post may come of it, and no item makes
 * more than one init.
 *
 * The cases run at the same time in one n8n (each on its own account, its faults scoped to that account), so the
 * minute-long waits overlap; each test awaits its own case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Fault } from '../emulator/index.mts';
import { jpegSource } from '../emulator/media.mts';
import type { MediaServer } from '../emulator/mediaServer.mts';
import { startMediaServer } from '../emulator/mediaServer.mts';
import { writeMp4 } from '../fixtures/video.mts';
import type { ExecuteResult, ExecutionItem } from '../harness/index.mts';
import type { FaultRow } from './ledger.mts';
import { countFor, recordFault } from './ledger.mts';
import type { Stack } from './stack.mts';
import {
	BINARY_VIDEO_DIRECT,
	filePath,
	readFileNode,
	splitByOutcome,
	startStack,
	tiktokNode,
} from './stack.mts';

/** What must never be said once a publish exists (issue #13). */
const RUN_AGAIN = /run the item again|again to start/i;
/** The shortest wait the node offers: checks every 3 s, gives up after a minute. */
const SHORT_WAIT = { waitForPublish: true, waitOptions: { intervalSeconds: 3, timeoutMinutes: 1 } };
const WAIT_MS = 60_000;
/**
 * How long a case may take before it counts as a hang in the ledger. All cases share one n8n at the same time, so
 * their times include waiting for each other: an upload case (at most six attempts of a chunk, 31 s of backoff)
 * within two minutes, a wait case within its minute plus one, a stopped one within a minute.
 */
const UPLOAD_BOUND_MS = 120_000;
const WAIT_BOUND_MS = WAIT_MS + 60_000;
const STOP_BOUND_MS = 60_000;
const THREE_CHUNK_BYTES = 24_000_000; // Chunk Size 8 MB: three chunks of 8,000,000

/** What a case's checks get: the run, its items, and (when one came out) the item and its details. */
interface Outcome {
	account: string;
	ms: number;
	run: ExecuteResult;
	succeeded: ExecutionItem[];
	failed: ExecutionItem[];
	/** The publish this case's account made (the emulator's id). */
	publishId?: string;
}

interface Case {
	/** The test's title: what must hold. */
	title: string;
	/** The 300 KB one-chunk video (default) or the 24 MB one in three chunks; ignored with `photos`. */
	video?: 'small' | 'three';
	photos?: boolean;
	/** Injected for this case's account only. */
	faults?: Fault[];
	/** Runs alongside the execution (e.g. to inject a fault once TikTok has answered a poll). */
	during?: (account: string) => Promise<void>;
	/** Stops the execution once TikTok has answered this many polls, as the editor's Stop button does. */
	stopAfterPolls?: number;
	/** Workflow settings (n8n's own timeout, `executionTimeout` in seconds). */
	settings?: Record<string, unknown>;
	/** The ledger row, but for what the run measured. */
	row: Omit<FaultRow, 'ms' | 'inits' | 'posts' | 'itemsIn' | 'itemsOut' | 'outcome'>;
	/** The case's own assertions; returns the ledger's outcome column. */
	check: (outcome: Outcome) => Promise<string> | string;
}

describe('after TikTok accepted an init, in real n8n', { timeout: 600_000 }, () => {
	let stack: Stack;
	let media: MediaServer;
	let small: string;
	let threeChunks: string;
	const runs = new Map<string, Promise<Outcome>>();

	function publishesOf(account: string) {
		const openId = stack.emu.openIdOf(account);
		return [...stack.emu.state.publishes.values()].filter((p) => p.openId === openId);
	}

	/** Waits (polling the emulator) until this account's publish has been polled `polls` times. */
	async function afterPolls(account: string, polls: number): Promise<void> {
		const deadline = Date.now() + 60_000;
		while (!(publishesOf(account)[0]?.statusPolls >= polls)) {
			if (Date.now() > deadline) throw new Error(`${account}: no status poll seen`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	/** A case's workflow: a direct Only Me post of its video (or two photos), "On Error: Continue (using error output)". */
	function caseNodes(
		credential: { id: string; name: string },
		c: Case,
	): Array<Record<string, unknown>> {
		const parameters = c.photos
			? {
					resource: 'photo',
					operation: 'publish',
					postMode: 'direct',
					imagesInput: 'list',
					images: { image: [0, 1].map((n) => ({ url: `${media.url}/verified/slide-${n}.jpg` })) },
					ignoreSslIssues: true,
					title: 'Carousel',
				}
			: {
					...BINARY_VIDEO_DIRECT,
					...(c.video === 'three' ? { requestOptions: { chunkSize: '8' } } : {}),
				};
		return [
			...(c.photos ? [] : [readFileNode(c.video === 'three' ? threeChunks : small)]),
			tiktokNode(
				credential,
				{ ...parameters, privacyLevel: 'SELF_ONLY', ...SHORT_WAIT },
				{ onError: 'continueErrorOutput' },
			),
		];
	}

	/** Starts the workflow, stops it once TikTok answered `polls` polls, and returns what n8n stored. */
	async function stopped(
		nodes: Array<Record<string, unknown>>,
		account: string,
		polls: number,
	): Promise<ExecuteResult> {
		const executionId = await stack.start(nodes, { name: account });
		await afterPolls(account, polls);
		const stop = await stack.n8n.stopExecution(executionId);
		assert.equal(stop.status, 200, stop.text);
		return await stack.n8n.finishedExecution(executionId);
	}

	/** Runs a case on its account, its faults scoped to that account. */
	async function runCase(
		account: string,
		credential: { id: string; name: string },
		c: Case,
	): Promise<Outcome> {
		stack.emu.config.faults.push(...(c.faults ?? []).map((fault) => ({ ...fault, account })));
		const started = Date.now();
		const nodes = caseNodes(credential, c);
		const execution =
			c.stopAfterPolls === undefined
				? stack.run(nodes, { name: account, settings: c.settings })
				: stopped(nodes, account, c.stopAfterPolls);
		const [run] = await Promise.all([execution, c.during?.(account)]);
		const ms = Date.now() - started;
		// Faults this case did not use stay with its account; drop them.
		stack.emu.config.faults = stack.emu.config.faults.filter(
			(fault) => !('account' in fault) || fault.account !== account,
		);
		const { succeeded, failed } = splitByOutcome(stack, run);
		return { account, ms, run, succeeded, failed, publishId: publishesOf(account)[0]?.publishId };
	}

	/** The one item of a case, with the checks every item gets: one out, one init, the publish_id kept, no re-run. */
	function itemOf(outcome: Outcome): {
		item: Record<string, unknown>;
		details: Record<string, unknown>;
	} {
		const items = [...outcome.succeeded, ...outcome.failed];
		assert.equal(items.length, 1, `one item in, one out (${outcome.run.error?.message ?? ''})`);
		assert.equal(countFor(stack.emu, outcome.account).inits, 1, 'exactly one init');
		const item = items[0].json;
		const details = (item.details ?? {}) as Record<string, unknown>;
		assert.equal(
			item.publish_id ?? details.publish_id,
			outcome.publishId,
			'the item names the publish TikTok accepted',
		);
		assert.doesNotMatch(JSON.stringify(item), RUN_AGAIN);
		return { item, details };
	}

	/** A success item: PUBLISH_COMPLETE, and TikTok holds exactly one post. */
	function postedOnce(outcome: Outcome): Record<string, unknown> {
		const { item } = itemOf(outcome);
		assert.equal(outcome.succeeded.length, 1, String(outcome.failed[0]?.json.error));
		assert.equal(item.status, 'PUBLISH_COMPLETE');
		assert.deepEqual(countFor(stack.emu, outcome.account), { inits: 1, posts: 1 });
		return item;
	}

	/** An error item that says nothing will be posted from the publish (and TikTok indeed holds no post). */
	function nothingPosted(outcome: Outcome, code: string): Record<string, unknown> {
		const { item, details } = itemOf(outcome);
		assert.equal(details.code, code);
		assert.equal(
			details.status,
			'PROCESSING_UPLOAD',
			"TikTok's own status, asked after the failure",
		);
		assert.match(
			String(details.description),
			/Nothing will be posted from this publish \(publish_id .+\): TikTok never received the whole video, so publishing it again is safe/,
		);
		assert.equal(countFor(stack.emu, outcome.account).posts, 0);
		return item;
	}

	/** An error item that says a post may still come of the publish: check Post → Get Status first. */
	function checkFirst(details: Record<string, unknown>, causeCode: string, status: string): void {
		assert.equal(details.code, 'publish_outcome_unknown');
		assert.equal(details.cause_code, causeCode);
		assert.equal(details.status, status);
		assert.match(
			String(details.description),
			new RegExp(
				`TikTok accepted this publish \\(publish_id ${String(details.publish_id).replace(/[.~]/g, '\\$&')}\\) and may still post it`,
			),
		);
		assert.match(String(details.description), /check Post → Get Status with that publish_id/);
	}

	/**
	 * A stopped execution: n8n's cancel handler saves the execution at once, with what had finished, while the stopped
	 * node is still returning (n8n-core's WorkflowExecute.setupCancellation). The node's error item is kept only when it
	 * lands before that save; the node also writes the publish_id and the next step to n8n's log, which is all that is
	 * left otherwise. Returns the ledger's outcome column, saying which happened.
	 */
	function stoppedMidWait(outcome: Outcome): string {
		assert.equal(outcome.run.status, 'canceled');
		assert.equal(countFor(stack.emu, outcome.account).inits, 1);
		const warning = stack.n8n
			.logs()
			.split('\n')
			.find((line) => line.includes(String(outcome.publishId)));
		assert.ok(warning, "n8n's log names the publish");
		assert.match(
			warning,
			/The execution was cancelled.*check Post → Get Status with that publish_id/,
		);
		assert.doesNotMatch(warning, RUN_AGAIN);
		if (outcome.run.runData.TikTok === undefined) {
			assert.equal(outcome.succeeded.length + outcome.failed.length, 0);
			return "n8n saved the stopped execution without the node's item (its own race); publish_id + check Get Status in n8n's log";
		}
		checkFirst(itemOf(outcome).details, 'execution_cancelled', 'PROCESSING_UPLOAD');
		return "error item kept by n8n: publish_outcome_unknown + publish_id + PROCESSING_UPLOAD; the same in n8n's log";
	}

	const expired = (index: number, where: string): Case => ({
		title: `an upload link that expires before the ${where} of three chunks: the publish_id, and nothing will be posted`,
		video: 'three',
		faults: [{ type: 'chunkExpired', chunkIndex: index }],
		row: {
			area: 'upload',
			fault: `upload link expired before the ${where} of 3 chunks (403)`,
			boundMs: UPLOAD_BOUND_MS,
		},
		check: (outcome) => {
			nothingPosted(outcome, 'upload_http_403');
			return 'error item: upload_http_403 + publish_id + PROCESSING_UPLOAD, "nothing will be posted"';
		},
	});

	const ridesOut = (faults: Fault[], fault: string): Case => ({
		title: `${fault}: ridden out within the wait, PUBLISH_COMPLETE, posted once`,
		faults,
		row: { area: 'status polling', fault, boundMs: WAIT_BOUND_MS },
		check: (outcome) => {
			postedOnce(outcome);
			return 'retried within the wait → PUBLISH_COMPLETE';
		},
	});

	/** An execution stopped (`how`) while the node waits for a status TikTok keeps processing. */
	const stoppedMidWaitCase = (
		how: Pick<Case, 'stopAfterPolls' | 'settings'>,
		by: string,
		fault: string,
	): Case => ({
		title: `${by} stops the execution while the node waits: the publish_id reaches the error item or n8n's log`,
		faults: [{ type: 'statusStuck', polls: 1000 }],
		...how,
		row: {
			area: 'cancellation',
			fault: `${fault} while the node waits for the status`,
			boundMs: STOP_BOUND_MS,
		},
		check: stoppedMidWait,
	});

	const CASES: Record<string, Case> = {
		// The minute-long cases first, so their waits overlap everything else.
		unreachable_wait: {
			title:
				'status/fetch unreachable for the whole wait: an error item with the publish_id, status UNKNOWN, check before publishing again',
			faults: [{ type: 'httpDrop', endpoint: 'status', count: 1000 }],
			row: {
				area: 'status polling',
				fault: 'status/fetch connection reset on every poll for the whole wait (1 min)',
				boundMs: WAIT_BOUND_MS,
			},
			check: (outcome) => {
				checkFirst(itemOf(outcome).details, 'network_error', 'UNKNOWN');
				// The last poll is the one that leaves a full interval (3 s) before the wait ends.
				assert.ok(
					outcome.ms >= WAIT_MS - 3_000,
					`polled through the whole minute (${outcome.ms} ms)`,
				);
				return 'error item: publish_outcome_unknown + publish_id + UNKNOWN, check Get Status';
			},
		},
		wait_timeout: {
			title:
				'a wait that times out while TikTok processes: a success item with the publish_id, the status and a next step that is no re-run',
			faults: [{ type: 'statusStuck', polls: 1000 }],
			row: {
				area: 'status polling',
				fault: 'TikTok still processing when the wait (1 min) ends',
				boundMs: WAIT_BOUND_MS,
			},
			check: (outcome) => {
				const { item } = itemOf(outcome);
				assert.equal(outcome.succeeded.length, 1);
				assert.deepEqual([item.status, item.wait_timed_out], ['PROCESSING_UPLOAD', true]);
				assert.match(String(item.next_step), /Post → Get Status with this publish_id later/);
				return 'success item: publish_id + PROCESSING_UPLOAD + wait_timed_out, next step Get Status';
			},
		},
		photo_status_lost: {
			title:
				'a photo carousel whose status turns to 502 after the first poll: the publish_id and the last status TikTok gave',
			photos: true,
			// The first poll answers; from then on every poll gets a 502 gateway page.
			during: async (account) => {
				await afterPolls(account, 1);
				stack.emu.config.faults.push({
					type: 'http5xx',
					endpoint: 'status',
					status: 502,
					count: 1000,
					account,
				});
			},
			row: {
				area: 'status polling',
				fault:
					'photo carousel: status/fetch answered 502 from the second poll to the end of the wait',
				boundMs: WAIT_BOUND_MS,
			},
			check: (outcome) => {
				const { details } = itemOf(outcome);
				checkFirst(details, 'http_502', 'PROCESSING_DOWNLOAD');
				assert.match(String(details.publish_id), /^p_pub_url~/);
				return 'error item: publish_outcome_unknown + publish_id + PROCESSING_DOWNLOAD, check Get Status';
			},
		},
		middle_exhausted: {
			title:
				'a middle chunk whose connection drops on all 6 attempts: the publish_id, and nothing will be posted',
			video: 'three',
			faults: Array.from({ length: 6 }, () => ({ type: 'chunkDrop' as const, chunkIndex: 1 })),
			row: {
				area: 'upload',
				fault: 'middle chunk: connection dropped on all 6 attempts',
				boundMs: UPLOAD_BOUND_MS,
			},
			check: (outcome) => {
				assert.match(
					String(nothingPosted(outcome, 'network_error').error),
					/Chunk 2 of 3 could not be sent/,
				);
				return 'error item: network_error + publish_id, "nothing will be posted"';
			},
		},
		final_exhausted: {
			title:
				"a final chunk answered 503 on all 6 attempts may have arrived: TikTok's status is asked, and the item says to check before publishing again",
			video: 'three',
			faults: Array.from({ length: 6 }, () => ({
				type: 'chunk5xx' as const,
				chunkIndex: 2,
				status: 503 as const,
			})),
			row: {
				area: 'upload',
				fault: 'final chunk answered 503 on all 6 attempts',
				boundMs: UPLOAD_BOUND_MS,
			},
			check: (outcome) => {
				const { details } = itemOf(outcome);
				checkFirst(details, 'upload_http_503', 'PROCESSING_UPLOAD');
				assert.equal(details.uploaded_bytes, 16_000_000, 'TikTok said it had the first two chunks');
				assert.equal(countFor(stack.emu, outcome.account).posts, 0);
				return 'error item: publish_outcome_unknown + publish_id + PROCESSING_UPLOAD (16 of 24 MB), check Get Status';
			},
		},
		first_expired: expired(0, 'first'),
		middle_expired: expired(1, 'middle'),
		final_expired: expired(2, 'final'),
		final_answer_lost: {
			title:
				'the final chunk arrives but its answer is lost, the retry gets 404: status/fetch shows every byte, so the item succeeds, posted once',
			video: 'three',
			faults: [{ type: 'chunkDropAfterReceive', chunkIndex: 2 }],
			row: {
				area: 'upload',
				fault: 'final chunk received, connection dropped before the 201, retry answered 404',
				boundMs: UPLOAD_BOUND_MS,
			},
			check: (outcome) => {
				assert.equal((postedOnce(outcome).video as Record<string, number>).chunk_retries, 1);
				assert.ok(
					stack.emu.state.requests.some((r) => r.server === 'upload' && r.status === 404),
					'the retry was answered 404',
				);
				return 'status/fetch asked: every byte arrived → PUBLISH_COMPLETE, one post';
			},
		},
		middle_answer_lost: {
			title:
				'a middle chunk arrives but its answer is lost, the retry gets 416: status/fetch shows its bytes, the upload goes on, posted once',
			video: 'three',
			faults: [{ type: 'chunkDropAfterReceive', chunkIndex: 1 }],
			row: {
				area: 'upload',
				fault: 'middle chunk received, connection dropped before the 206, retry answered 416',
				boundMs: UPLOAD_BOUND_MS,
			},
			check: (outcome) => {
				postedOnce(outcome);
				return 'status/fetch asked: the chunk arrived → upload went on → PUBLISH_COMPLETE, one post';
			},
		},
		final_lost_status_unreachable: {
			title:
				'the final chunk arrives, its answer is lost, and status/fetch cannot be reached either: UNKNOWN, check before publishing again',
			faults: [
				{ type: 'chunkDropAfterReceive', chunkIndex: 0 },
				{ type: 'httpDrop', endpoint: 'status', count: 4 },
			],
			row: {
				area: 'upload',
				fault: 'final chunk received, connection dropped, retry 404, status/fetch reset 4 times',
				boundMs: UPLOAD_BOUND_MS,
			},
			check: (outcome) => {
				checkFirst(itemOf(outcome).details, 'upload_http_404', 'UNKNOWN');
				// TikTok has the video: had the item said "run again", this would now be posted twice.
				assert.deepEqual(countFor(stack.emu, outcome.account), { inits: 1, posts: 1 });
				return 'error item: publish_outcome_unknown + publish_id + UNKNOWN, check Get Status (TikTok has the video)';
			},
		},
		status_resets: ridesOut(
			[{ type: 'httpDrop', endpoint: 'status', count: 3 }],
			'status/fetch connection reset on 3 polls',
		),
		status_5xx_storm: ridesOut(
			[
				{ type: 'http5xx', endpoint: 'status', status: 500, count: 2 },
				{ type: 'http5xx', endpoint: 'status', status: 503, count: 2 },
				{ type: 'http429', endpoint: 'status', count: 1 },
			],
			'status/fetch answered 500, 500, 503, 503, 429',
		),
		stopped_by_user: stoppedMidWaitCase(
			{ stopAfterPolls: 2 },
			'the Stop button',
			"execution stopped with n8n's Stop button",
		),
		stopped_by_n8n_timeout: stoppedMidWaitCase(
			{ settings: { executionTimeout: 8 } },
			"the workflow's own timeout (8 s)",
			'workflow timeout (8 s) ends the execution',
		),
	};

	before(async () => {
		// Binary data on disk (n8n 2.x's default; 1.x keeps it in memory), so 24 MB videos in parallel stay light.
		stack = await startStack({
			emulator: { statusPolls: { processing: 1 } },
			env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' },
		});
		small = filePath(stack, 'small.mp4');
		threeChunks = filePath(stack, 'three-chunks.mp4');
		await writeMp4(small, { sizeBytes: 300_000, durationSec: 5 });
		await writeMp4(threeChunks, { sizeBytes: THREE_CHUNK_BYTES, durationSec: 20 });
		media = await startMediaServer({
			https: true,
			files: Object.fromEntries(
				[0, 1].map((n) => {
					const source = jpegSource(3000 + n);
					return [
						`/verified/slide-${n}.jpg`,
						{ body: () => source.stream(), size: source.size, contentType: 'image/jpeg' },
					];
				}),
			),
		});
		stack.emu.config.verifiedPrefixes = [`${media.url}/verified/`];
		stack.emu.config.pullTrustedCaPem = media.caPem;

		const accounts = Object.keys(CASES);
		for (const account of accounts) stack.emu.addAccount(account, { isPrivate: true });
		const credentials = await stack.connectAll(accounts);
		accounts.forEach((account, index) => {
			const outcome = runCase(account, credentials[index], CASES[account]);
			outcome.catch(() => undefined); // reported by the test that awaits it
			runs.set(account, outcome);
		});
	});
	after(async () => {
		await media?.stop();
		await stack?.stop();
	});

	for (const [account, c] of Object.entries(CASES)) {
		it(c.title, async () => {
			const outcome = await (runs.get(account) as Promise<Outcome>);
			const result = await c.check(outcome);
			recordFault({
				...c.row,
				outcome: result,
				ms: outcome.ms,
				...countFor(stack.emu, account),
				itemsIn: 1,
				itemsOut: outcome.succeeded.length + outcome.failed.length,
			});
		});
	}
});
