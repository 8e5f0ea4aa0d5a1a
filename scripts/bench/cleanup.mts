/**
 * Cleanup on signals: the harness kills n8n's process groups and exits on SIGINT/SIGTERM/SIGHUP; these handlers are
 * installed first (before the stack starts), so they run first and remove what the bench created (synchronously)
 * and stop curl.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';

/** Files and folders the bench created; removed on a signal and at the end. */
export const cleanupPaths = new Set<string>();
/** Child processes (curl, link relays) to kill on a signal. */
export const children = new Set<ChildProcess>();
/** Synchronous teardowns (the emulated link's namespaces) run on a signal before the paths are removed. */
export const cleanupActions = new Set<() => void>();

export function installSignalCleanup(): void {
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			for (const child of children) child.kill('SIGKILL');
			for (const action of [...cleanupActions]) {
				try {
					action();
				} catch {
					// keep cleaning
				}
			}
			for (const path of cleanupPaths) rmSync(path, { recursive: true, force: true });
			process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
		});
	}
}

export async function removeCleanupPaths(): Promise<void> {
	for (const path of cleanupPaths) await rm(path, { recursive: true, force: true });
}
