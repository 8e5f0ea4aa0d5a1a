// The machine's PostgreSQL and Redis, which queue mode needs: one database and one key prefix per instance.
import { run } from './util.mts';

export const PG = { host: '127.0.0.1', port: '5432', user: 'postgres' };
export const REDIS = { host: '127.0.0.1', port: '6379' };

export function psqlEnv(): NodeJS.ProcessEnv {
	return {
		...process.env,
		PGHOST: PG.host,
		PGPORT: PG.port,
		PGUSER: PG.user,
		PGCONNECT_TIMEOUT: '10',
	};
}

export async function dropDatabase(name: string): Promise<void> {
	await run('dropdb', ['--if-exists', '--force', name], { env: psqlEnv(), timeoutMs: 60_000 }).then(
		async (result) => {
			// PostgreSQL < 13 has no --force; retry without it.
			if (result.code !== 0 && /force/i.test(result.stderr)) {
				await run('dropdb', ['--if-exists', name], { env: psqlEnv(), timeoutMs: 60_000 });
			}
		},
	);
}

export async function deleteRedisKeys(patterns: string[]): Promise<void> {
	for (const pattern of patterns) {
		const scan = await run(
			'redis-cli',
			['-h', REDIS.host, '-p', REDIS.port, '--scan', '--pattern', pattern],
			{
				timeoutMs: 30_000,
			},
		).catch(() => undefined);
		const keys = scan?.code === 0 ? scan.stdout.split('\n').filter(Boolean) : [];
		for (let i = 0; i < keys.length; i += 200) {
			await run(
				'redis-cli',
				['-h', REDIS.host, '-p', REDIS.port, 'DEL', ...keys.slice(i, i + 200)],
				{
					timeoutMs: 30_000,
				},
			).catch(() => undefined);
		}
	}
}
