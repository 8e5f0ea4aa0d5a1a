/**
 * Every source file is formatted by the repository's own Prettier config (`.prettierrc.js`), so a review shows logic,
 * not line breaks. Fix a failure with `npx prettier --write <file>`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import * as prettier from 'prettier';

const root = join(import.meta.dirname, '..', '..');
const SOURCE = /\.(ts|mts|mjs|js)$/;

/** The files git knows (tracked, or new and not ignored), as `prettier --check` would be given them. */
function sourceFiles(): string[] {
	const listed = execFileSync(
		'git',
		['ls-files', '--cached', '--others', '--exclude-standard', '--deduplicate'],
		{ cwd: root, encoding: 'utf8' },
	);
	return listed.split('\n').filter((file) => SOURCE.test(file));
}

/** The files among `files` that Prettier would change. */
async function unformatted(files: string[]): Promise<string[]> {
	const found: string[] = [];
	for (const file of files) {
		const path = join(root, file);
		const options = await prettier.resolveConfig(path);
		let text: string;
		try {
			text = await readFile(path, 'utf8');
		} catch {
			continue; // deleted in the work tree but still in the index
		}
		if (!(await prettier.check(text, { ...options, filepath: path }))) found.push(file);
	}
	return found;
}

describe('formatting', () => {
	it('every .ts, .mts, .mjs and .js file is formatted with the repository’s Prettier config', async () => {
		const files = sourceFiles();
		assert.ok(files.length > 100, `expected the whole tree, found ${files.length} files`);
		assert.deepEqual(await unformatted(files), [], 'run `npx prettier --write` on these files');
	});

	it('the check catches a line longer than the configured width', async () => {
		const options = await prettier.resolveConfig(join(root, 'nodes', 'x.ts'));
		assert.equal(options?.printWidth, 100);
		const long = `export const x = [${Array.from({ length: 40 }, (_, i) => `'${i}'`).join(', ')}];\n`;
		assert.equal(await prettier.check(long, { ...options, filepath: 'x.ts' }), false);
	});
});
