/**
 * npm run demo: the whole job on a fresh machine, no TikTok account needed.
 * Builds and packs the package, starts the TikTok emulator and a real n8n with the package installed like a
 * community package, imports a connected credential and a sample workflow
 * (Manual Trigger → read a sample video → TikTok Video Publish → TikTok Get Status), runs it and prints the outcome.
 */
import {
	BINARY_VIDEO_DIRECT,
	filePath,
	readFileNode,
	startStack,
	tiktokNode,
} from '../test/e2e/stack.mts';
import { writeMp4 } from '../test/fixtures/video.mts';
import { nodeOutput } from '../test/harness/index.mts';

function say(line: string) {
	process.stdout.write(`${line}\n`);
}

async function main() {
	say(
		'Starting the TikTok emulator and a real n8n with n8n-nodes-tiktok-publisher installed (the first run installs n8n, a few minutes)…',
	);
	const stack = await startStack({ emulator: { statusPolls: { processing: 1 } } });
	try {
		const credential = await stack.connect('public_creator', { name: 'TikTok (emulator)' });
		const video = filePath(stack, 'sample-video.mp4');
		const sha256 = await writeMp4(video, { sizeBytes: 12_000_000, durationSec: 15 });
		say(`Sample video: ${video} (12,000,000 bytes, sha256 ${sha256.slice(0, 16)}…)`);
		const run = await stack.run(
			[
				readFileNode(video, 'Read Sample Video'),
				{
					...tiktokNode(credential, {
						...BINARY_VIDEO_DIRECT,
						caption: 'Posted from n8n with n8n-nodes-tiktok-publisher #n8n #automation',
						privacyLevel: 'PUBLIC_TO_EVERYONE',
						allowComment: true,
						waitForPublish: true,
						waitOptions: { intervalSeconds: 3, timeoutMinutes: 2 },
					}),
					name: 'Publish Video',
				},
				{
					...tiktokNode(credential, {
						resource: 'post',
						operation: 'getStatus',
						publishId: '={{ $json.publish_id }}',
					}),
					name: 'Get Status',
				},
			],
			'Demo: publish a video to TikTok',
		);
		if (!run.ok) {
			say(`The workflow failed: ${run.error?.message}\n${run.error?.description ?? ''}`);
			process.exitCode = 1;
			return;
		}
		const [published] = nodeOutput(run, 'Publish Video');
		const [status] = nodeOutput(run, 'Get Status');
		const received = stack.emu.state.publishes.get(String(published.publish_id));
		say('');
		say('Published through real n8n into the TikTok emulator:');
		say(`  publish id:    ${published.publish_id}`);
		say(
			`  upload:        ${(published.video as Record<string, unknown>)?.chunks} chunk(s); TikTok received ${received?.uploadedBytes} bytes, sha256 ${received?.sha256 === sha256 ? 'matches the file' : 'DOES NOT MATCH'}`,
		);
		say(`  final status:  ${status.status}`);
		say(`  post ids:      ${(status.post_ids as string[]).join(', ')}`);
		say(`  post URL:      ${status.post_url}`);
		if (status.status !== 'PUBLISH_COMPLETE' || received?.sha256 !== sha256) process.exitCode = 1;
	} finally {
		await stack.stop();
	}
}

main().catch((error: Error) => {
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});
