// A self-signed certificate for 127.0.0.1/localhost, made once with the openssl CLI and reused
// from .cache/tls/ (git-ignored), so tests can exercise TikTok's https-only pulls on loopback.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TLS_DIR = fileURLToPath(new URL('../../.cache/tls/', import.meta.url));
const CERT = join(TLS_DIR, 'loopback-cert.pem');
const KEY = join(TLS_DIR, 'loopback-key.pem');

export interface LoopbackCert {
	certPem: string;
	keyPem: string;
}

export function loopbackCert(): LoopbackCert {
	if (!existsSync(CERT) || !existsSync(KEY)) {
		mkdirSync(TLS_DIR, { recursive: true });
		// Generate into a temp dir and rename, so concurrent test processes never read half a file.
		const tmp = mkdtempSync(join(TLS_DIR, 'tmp-'));
		try {
			execFileSync(
				'openssl',
				[
					'req',
					'-x509',
					'-newkey',
					'rsa:2048',
					'-nodes',
					'-sha256',
					'-days',
					'3650',
					'-subj',
					'/CN=127.0.0.1',
					'-addext',
					'subjectAltName=IP:127.0.0.1,DNS:localhost',
					'-keyout',
					join(tmp, 'key.pem'),
					'-out',
					join(tmp, 'cert.pem'),
				],
				{ stdio: 'pipe' },
			);
			renameSync(join(tmp, 'key.pem'), KEY);
			renameSync(join(tmp, 'cert.pem'), CERT);
		} finally {
			rmSync(tmp, { recursive: true, force: true });
		}
	}
	return { certPem: readFileSync(CERT, 'utf8'), keyPem: readFileSync(KEY, 'utf8') };
}
