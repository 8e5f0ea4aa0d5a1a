// Run once by test/run.mjs before any suite: packs the package (one tarball for the whole run) and installs
// the n8n versions named on the command line. Prints {"tarball": "..."} as its last line.
import { ensureN8n } from './install.mts';
import { packPackage } from './pack.mts';

const versions = process.argv.slice(2);
const [tarball] = await Promise.all([
	packPackage({ fresh: true }),
	...versions.map(async (version) => await ensureN8n(version)),
]);
process.stdout.write(`${JSON.stringify({ tarball })}\n`);
