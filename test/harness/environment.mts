// The environment every n8n process of an instance gets: isolated folder, ports, database, nothing from outside.
import { join } from 'node:path';

import type { N8nInstall } from './install.mts';
import { PG, REDIS } from './services.mts';
import type { N8nMode } from './types.mts';

/** Environment inherited from the test process minus anything that would configure n8n. */
function baseEnvironment(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value === undefined) continue;
		if (
			/^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_PATH$|npm_)/.test(
				key,
			)
		) {
			continue;
		}
		env[key] = value;
	}
	return env;
}

export interface InstanceLayout {
	install: N8nInstall;
	mode: N8nMode;
	userFolder: string;
	filesFolder: string;
	url: string;
	port: number;
	brokerPort: number;
	encryptionKey: string;
	database?: string;
	redisPrefix?: string;
}

/** n8n's settings for one instance; `overrides` win, and an override of undefined removes a setting. */
export function instanceEnvironment(
	layout: InstanceLayout,
	overrides: Record<string, string | undefined> = {},
): Record<string, string> {
	const { install, mode, userFolder, url, port } = layout;
	const major = Number(install.version.split('.')[0]);
	const env: Record<string, string> = {
		...baseEnvironment(),
		PATH: `${join(install.nodeBin, '..')}:${process.env.PATH ?? ''}`,
		TZ: 'UTC',
		GENERIC_TIMEZONE: 'UTC',
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: layout.encryptionKey,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `${url}/`,
		WEBHOOK_URL: `${url}/`,
		N8N_RUNNERS_BROKER_PORT: String(layout.brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
		N8N_RESTRICT_FILE_ACCESS_TO: layout.filesFolder,
		EXECUTIONS_MODE: mode,
	};
	// mcp-registry (2.x) fetches https://api.n8n.io on start; keep everything local.
	if (major >= 2) env.N8N_DISABLED_MODULES = 'mcp-registry';
	// n8n 1.123's default expression engine ('vm') needs isolated-vm 6, which has no
	// build for Node < 22 (and does not compile against Node 20's V8); n8n then refuses
	// to start. Node 20 users of n8n 1.x must use the legacy engine.
	if (major < 2 && Number(install.nodeVersion.split('.')[0]) < 22) {
		env.N8N_EXPRESSION_ENGINE = 'legacy';
	}
	if (mode === 'queue') {
		Object.assign(env, {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: PG.host,
			DB_POSTGRESDB_PORT: PG.port,
			DB_POSTGRESDB_USER: PG.user,
			DB_POSTGRESDB_PASSWORD: '',
			DB_POSTGRESDB_DATABASE: layout.database,
			QUEUE_BULL_REDIS_HOST: REDIS.host,
			QUEUE_BULL_REDIS_PORT: REDIS.port,
			// Both prefixes: Bull's keys use QUEUE_BULL_PREFIX, but pub/sub channels
			// (`<prefix>:n8n.commands`) and the Redis cache use N8N_REDIS_KEY_PREFIX.
			QUEUE_BULL_PREFIX: layout.redisPrefix,
			N8N_REDIS_KEY_PREFIX: layout.redisPrefix,
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		});
	} else {
		Object.assign(env, { DB_TYPE: 'sqlite', DB_SQLITE_POOL_SIZE: '2' });
	}
	for (const [key, value] of Object.entries(overrides)) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	return env;
}
