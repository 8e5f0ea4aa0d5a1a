/**
 * `npm run docs`: writes docs/troubleshooting.md from the node's own error map (nodes/TikTok/helpers/errorMap.ts),
 * so the troubleshooting guide says exactly what the node says. `--check` exits 1 when the file is out of date
 * (the unit suite runs it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type {
	ErrorAdvice,
	NetworkErrorCode,
	RequestTarget,
} from '../nodes/TikTok/helpers/errorMap.ts';
import {
	AFTER_INIT_ERRORS,
	API_ERRORS,
	FAIL_REASONS,
	INVALID_PARAMS_BY_MESSAGE,
	MEDIA_CHECKS,
	NETWORK_ERRORS,
	OAUTH_ERRORS,
	REDIRECT_ERRORS,
	REQUEST_TARGETS,
	SOURCE_ERRORS,
	UPLOAD_STATUS_ERRORS,
	adviceForNetworkFailure,
	adviceForRedirect,
	afterInitNextStep,
} from '../nodes/TikTok/helpers/errorMap.ts';

export const TROUBLESHOOTING_PATH = join(import.meta.dirname, '..', 'docs', 'troubleshooting.md');

function table(rows: Record<string | number, ErrorAdvice>, codeLabel: string): string {
	const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
	const lines = Object.entries(rows)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(
			([code, advice]) => `| \`${code}\` | ${cell(advice.message)} | ${cell(advice.description)} |`,
		);
	return [`| ${codeLabel} | What the node says | What to do |`, '|---|---|---|', ...lines].join(
		'\n',
	);
}

/** The node's own connection codes, one row per code and place the request went (HOST stands for the host, CAUSE for the cause). */
function connectionRows(): Record<string, ErrorAdvice> {
	const rows: Record<string, ErrorAdvice> = {};
	for (const code of Object.keys(NETWORK_ERRORS) as NetworkErrorCode[]) {
		for (const target of Object.keys(REQUEST_TARGETS) as RequestTarget[]) {
			rows[`${code} (${target})`] = adviceForNetworkFailure(code, target, 'HOST', 'CAUSE');
		}
	}
	for (const target of Object.keys(REDIRECT_ERRORS) as Array<keyof typeof REDIRECT_ERRORS>) {
		rows[`unexpected_redirect (${target})`] = adviceForRedirect(target, '"HOST"');
	}
	return rows;
}

export function troubleshootingMarkdown(): string {
	return `# Troubleshooting by TikTok error code

Generated from the node's error map by \`npm run docs\`: these are the messages the node shows. A failed item
(with **On Error → Continue (using error output)**) carries TikTok's raw \`code\` and \`log_id\` under \`details\`,
so a workflow can branch on the code, e.g. an **If** node on \`{{ $json.details.code }}\`.
Quote the \`log_id\` when you contact TikTok support.

## Connecting and renewing the connection (OAuth \`error\`)
${table(OAUTH_ERRORS, '`error`')}

## API calls (\`error.code\`)
${table(API_ERRORS, '`error.code`')}

## \`invalid_params\` told apart by TikTok's message (\`error.message\`)
${table(INVALID_PARAMS_BY_MESSAGE, "TikTok's message")}

## Publishing finished with FAILED (\`fail_reason\` of Get Status)
${table(FAIL_REASONS, '`fail_reason`')}

## Video upload link (HTTP status of a chunk upload)
${table(UPLOAD_STATUS_ERRORS, 'HTTP status')}

## A video n8n downloads from a URL (the node's own \`code\`)
${table(SOURCE_ERRORS, '`code`')}

## Media the node refused before publishing (\`details.code\`; nothing was sent to TikTok)
TikTok documents limits it checks only after the upload or download, failing the post with a \`fail_reason\` above.
The node reads what it can from the media's first bytes and refuses what those limits reject before anything is sent.
The message names the file (a photo by its position in the carousel and its URL) and the number found; a limit the
media gave no number for is not refused but listed in the output's \`warnings\`.

${table(MEDIA_CHECKS, '`details.code`')}

## Connection problems (the node's own \`code\`, by where the request went)
No answer came back, or TikTok's side answered with a redirect, which the node never follows (n8n would pass the
access token, or the client secret, on to wherever it points). \`details.host\` names the host and
\`details.network_code\` the system's own code (\`ENOTFOUND\`, \`CERT_HAS_EXPIRED\`…). Where the request went:
\`api\` TikTok's API, \`token\` its token service (renewing the access token), \`upload\` its upload server,
\`download\` the server of a video n8n downloads itself.

${table(connectionRows(), '`code` (where)')}
## After TikTok accepted a publish
Once TikTok has accepted a publish, every failure (an upload, checking the status, a cancelled execution) carries
the \`publish_id\` and TikTok's last \`status\` (\`UNKNOWN\` when it could not be read) under \`details\`. When the
video provably never reached TikTok whole, the item keeps its code and says: "${afterInitNextStep('<publish_id>', false)}"
Otherwise a post may still come of it:

${table(AFTER_INIT_ERRORS, '`details.code`')}

The failure behind it stays in \`details.cause_code\` (for example \`network_error\` or \`upload_http_404\`). The same
code without a \`publish_id\` means the request that starts a publish got no clear answer: TikTok may or may not have
started it, and the node did not repeat it.
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const wanted = troubleshootingMarkdown();
	if (process.argv.includes('--check')) {
		const current = await readFile(TROUBLESHOOTING_PATH, 'utf8').catch(() => '');
		if (current !== wanted) {
			console.error('docs/troubleshooting.md is out of date: run `npm run docs`');
			process.exit(1);
		}
		console.log('docs/troubleshooting.md is up to date');
	} else {
		await writeFile(TROUBLESHOOTING_PATH, wanted);
		console.log(`wrote ${TROUBLESHOOTING_PATH}`);
	}
}
