/**
 * The bench's command line, its fixed settings, and number formatting for what it prints.
 *
 *   npm run bench -- --sizes=2000000000,256000000   sizes in bytes (default: these two)
 *   npm run bench -- --no-write                      do not touch docs/benchmarks.md
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DOC = join(ROOT, 'docs', 'benchmarks.md');
export const COMMAND = 'npm run bench';
export const DEFAULT_SIZES = [2_000_000_000, 256_000_000];
/** The emulator account the bench posts as. */
export const ACCOUNT = 'private_creator';
/** How long the Wait node idles between Read File and TikTok: the memory baseline is taken there. */
export const WAIT_SECONDS = 5;
/** How often the n8n process's RSS is sampled. */
export const SAMPLE_MS = 100;

export interface BenchOptions {
	sizes: number[];
	writeDoc: boolean;
}

export function parseOptions(args: string[]): BenchOptions {
	const sizesArg = args.find((arg) => arg.startsWith('--sizes='));
	return {
		sizes: sizesArg ? sizesArg.slice('--sizes='.length).split(',').map(Number) : DEFAULT_SIZES,
		writeDoc: !args.includes('--no-write'),
	};
}

export function say(line = ''): void {
	process.stdout.write(`${line}\n`);
}

/** MB = 1,000,000 bytes everywhere. */
export const MB = 1_000_000;
export const now = (): number => performance.timeOrigin + performance.now();
export const mb = (bytes: number): number => bytes / MB;
export const kbToMb = (kb: number): number => (kb * 1024) / MB;
export const fixed = (value: number, digits = 1): string =>
	Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
export const median = (values: number[]): number => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
