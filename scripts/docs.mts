/**
 * `npm run docs`: writes docs/troubleshooting.md from the node's own error map (nodes/TikTok/helpers/errorMap.ts),
 * so the troubleshooting guide says exactly what the node says. `--check` exits 1 when the file is out of date
 * (the unit suite runs it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { ErrorAdvice } from '../nodes/TikTok/helpers/errorMap.ts';
import { API_ERRORS, FAIL_REASONS, INVALID_PARAMS_BY_MESSAGE, OAUTH_ERRORS, SOURCE_ERRORS, UPLOAD_STATUS_ERRORS } from '../nodes/TikTok/helpers/errorMap.ts';

export const TROUBLESHOOTING_PATH = join(import.meta.dirname, '..', 'docs', 'troubleshooting.md');

function table(rows: Record<string | number, ErrorAdvice>, codeLabel: string): string {
	const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
	const lines = Object.entries(rows)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([code, advice]) => `| \`${code}\` | ${cell(advice.message)} | ${cell(advice.description)} |`);
	return [`| ${codeLabel} | What the node says | What to do |`, '|---|---|---|', ...lines].join('\n');
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
${table(INVALID_PARAMS_BY_MESSAGE, 'TikTok\'s message')}

## Publishing finished with FAILED (\`fail_reason\` of Get Status)
${table(FAIL_REASONS, '`fail_reason`')}

## Video upload link (HTTP status of a chunk upload)
${table(UPLOAD_STATUS_ERRORS, 'HTTP status')}

## A video n8n downloads from a URL (the node's own \`code\`)
${table(SOURCE_ERRORS, '`code`')}
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
