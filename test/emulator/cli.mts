// `npm run emulator`: starts the TikTok emulator on 127.0.0.1 and prints what a developer needs
// to point the n8n credential at it. Stays up until SIGINT/SIGTERM.
//
//   --port N             API/OAuth port (default: env TIKTOK_EMULATOR_PORT, else 8787; 0 = any free port)
//   --upload-port N      upload host port (default: port + 1, or any free port when port is 0)
//   --redirect-uri URI   register a redirect URI for the default client (repeatable)
//   --verified-prefix P  verified URL prefix for PULL_FROM_URL (repeatable)
//   --verified-domain D  verified domain for PULL_FROM_URL (repeatable)
import { startEmulator } from './index.mts';

function parseArgs(argv: string[]): Map<string, string[]> {
	const args = new Map<string, string[]>();
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (!m) throw new Error(`unexpected argument ${argv[i]}`);
		const value = m[2] ?? argv[++i];
		if (value === undefined) throw new Error(`--${m[1]} needs a value`);
		args.set(m[1], [...(args.get(m[1]) ?? []), value]);
	}
	return args;
}

function portOf(value: string | undefined, name: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid ${name}: ${value}`);
	return n;
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const known = ['port', 'upload-port', 'redirect-uri', 'verified-prefix', 'verified-domain'];
	for (const key of args.keys())
		if (!known.includes(key)) throw new Error(`unknown option --${key}`);
	const port = portOf(args.get('port')?.[0] ?? process.env.TIKTOK_EMULATOR_PORT ?? '8787', 'port');
	const uploadPort = portOf(
		args.get('upload-port')?.[0] ?? String(port === 0 ? 0 : port + 1),
		'upload port',
	);

	const emu = await startEmulator({
		port,
		uploadPort,
		verifiedPrefixes: args.get('verified-prefix') ?? [],
		verifiedDomains: args.get('verified-domain') ?? [],
	});
	emu.config.clients[0].redirectUris.push(...(args.get('redirect-uri') ?? []));
	const client = emu.config.clients[0];
	const tokens = emu.issueTokens({ account: emu.config.defaultAccount });

	const lines = [
		'TikTok API emulator is running',
		`base URL:        ${emu.baseUrl}`,
		`upload base URL: ${emu.uploadBaseUrl}`,
		`authorize URL:   ${emu.baseUrl}/v2/auth/authorize/`,
		`token URL:       ${emu.baseUrl}/v2/oauth/token/`,
		`client key:      ${client.clientKey}`,
		`client secret:   ${client.clientSecret}`,
		`redirect URIs:   ${client.redirectUris.join(', ') || '(none)'}`,
		`account:         ${emu.config.defaultAccount} (open_id ${tokens.open_id})`,
		`access token:    ${tokens.access_token}`,
		`refresh token:   ${tokens.refresh_token}`,
		'Press Ctrl+C to stop.',
	];
	process.stdout.write(`${lines.join('\n')}\n`);

	let stopping = false;
	const shutdown = () => {
		if (stopping) return;
		stopping = true;
		emu.stop().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGINT', shutdown);
	process.on('SIGTERM', shutdown);
}

main().catch((err: Error) => {
	process.stderr.write(`tiktok emulator: ${err.message}\n`);
	process.exit(1);
});
