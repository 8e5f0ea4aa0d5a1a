// harness.json: what an instance leaves in its user folder so that a later test process can undo it when the
// process that made it died without destroy() (its folder, database, Redis keys and n8n processes).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { deleteRedisKeys, dropDatabase } from './services.mts';
import { TMP_DIR, killGroup, log, pidAlive } from './util.mts';

export interface InstanceState {
	/** The test process that owns the instance; 0 once it is kept on purpose (N8N_HARNESS_KEEP=1). */
	ownerPid: number;
	database?: string;
	redisPrefix?: string;
	/** Every n8n process the instance runs now. */
	pids: number[];
}

export async function writeInstanceState(userFolder: string, state: InstanceState): Promise<void> {
	await writeFile(join(userFolder, 'harness.json'), JSON.stringify(state, null, 2)).catch(
		() => undefined,
	);
}

/** The Redis keys an instance's prefix covers, with and without Redis's `{…}` hash tag. */
export const redisKeysOf = (prefix: string): string[] => [`${prefix}:*`, `{${prefix}:*`];

/**
 * Removes user folders (and databases, Redis keys, leftover n8n processes) of instances whose test process died
 * without destroy().
 */
export async function cleanupStaleInstances(): Promise<void> {
	if (!existsSync(TMP_DIR)) return;
	for (const entry of readdirSync(TMP_DIR)) {
		if (!entry.startsWith('n8n-')) continue;
		const folder = join(TMP_DIR, entry);
		let state: Partial<InstanceState>;
		try {
			state = JSON.parse(readFileSync(join(folder, 'harness.json'), 'utf8')) as typeof state;
		} catch {
			continue;
		}
		if (!state.ownerPid || pidAlive(state.ownerPid)) continue;
		for (const pid of state.pids ?? []) {
			// Only processes that are provably this instance's n8n (its user folder in their environment).
			try {
				const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
				if (environ.split('\0').includes(`N8N_USER_FOLDER=${folder}`)) killGroup(pid, 'SIGKILL');
			} catch {
				// gone
			}
		}
		if (state.database) await dropDatabase(state.database);
		if (state.redisPrefix) await deleteRedisKeys(redisKeysOf(state.redisPrefix));
		await rm(folder, { recursive: true, force: true });
		log(`removed stale instance folder ${folder}`);
	}
}
