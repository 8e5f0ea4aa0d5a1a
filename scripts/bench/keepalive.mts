/**
 * tsx scripts/bench/keepalive.mts — can a node get a kept-alive connection from n8n's request helper?
 *
 * For each installed n8n (2.41.1 and the newest 1.x), in that n8n's own Node, n8n's own `httpRequest` (the function
 * behind `this.helpers.httpRequest`) sends three PUTs to one local TLS server that keeps connections open, first as
 * the TikTok node does, then with `agentOptions: { keepAlive: true }` (the only agent setting IHttpRequestOptions
 * offers). The server counts TCP connections. Three connections for three requests in both cases means every request
 * pays a new TCP and TLS handshake and no option of the helper changes that: it builds new agents for every request.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loopbackCert } from '../../test/emulator/tls.mts';
import { ensureN8n } from '../../test/harness/index.mts';

// Plain CommonJS run by n8n's Node: argv = [n8n install dir, key file, cert file].
const probe = `
const https = require('node:https');
const fs = require('node:fs');
const [dir, keyFile, certFile] = process.argv.slice(2);
const candidates = [
	dir + '/node_modules/@n8n/backend-network/dist/http/axios/request.js',
	dir + '/node_modules/n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions.js',
];
const file = candidates.find((path) => fs.existsSync(path));
const { httpRequest } = require(file);
let connections = 0;
const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), keepAliveTimeout: 60000 }, (req, res) => {
	req.resume();
	req.on('end', () => res.end('ok'));
});
server.on('connection', () => connections++);
server.listen(0, '127.0.0.1', async () => {
	const url = 'https://127.0.0.1:' + server.address().port + '/upload/';
	const result = { helper: file.slice(dir.length + 1) };
	for (const [name, extra] of [['as the node sends', {}], ['agentOptions keepAlive', { agentOptions: { keepAlive: true, maxSockets: 1 } }]]) {
		const before = connections;
		for (let i = 0; i < 3; i++) {
			await httpRequest({ method: 'PUT', url, body: Buffer.alloc(1000, 1), headers: { 'Content-Length': '1000' }, json: false, returnFullResponse: true, disableFollowRedirect: true, ...extra });
		}
		result[name] = connections - before;
	}
	console.log(JSON.stringify(result));
	server.closeAllConnections();
	server.close();
});
`;

const dir = mkdtempSync(join(tmpdir(), 'tk-keepalive-'));
try {
	const cert = loopbackCert();
	const keyFile = join(dir, 'key.pem');
	const certFile = join(dir, 'cert.pem');
	const probeFile = join(dir, 'probe.cjs');
	writeFileSync(keyFile, cert.keyPem);
	writeFileSync(certFile, cert.certPem);
	writeFileSync(probeFile, probe);
	for (const spec of ['2.41.1', '1.x-latest']) {
		const install = await ensureN8n(spec);
		const run = spawnSync(install.nodeBin, [probeFile, install.dir, keyFile, certFile], {
			env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile, NODE_NO_WARNINGS: '1' },
			encoding: 'utf8',
			timeout: 60_000,
		});
		if (run.status !== 0) throw new Error(`probe failed on n8n ${install.version}: ${run.stderr}`);
		const result = JSON.parse(run.stdout) as Record<string, unknown>;
		console.log(
			`n8n ${install.version} (Node ${install.nodeVersion || process.versions.node}), ${result.helper}:`,
		);
		console.log(`  3 PUTs as the node sends them: ${result['as the node sends']} connection(s)`);
		console.log(
			`  3 PUTs with agentOptions { keepAlive: true }: ${result['agentOptions keepAlive']} connection(s)`,
		);
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}
