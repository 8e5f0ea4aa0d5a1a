// Child of link.test.mts: builds a link with the bench's signal cleanup installed, says "ready", waits for a signal.
import { installSignalCleanup } from '../../scripts/bench/cleanup.mts';
import { startLink } from '../../scripts/bench/link.mts';

installSignalCleanup();
await startLink({ name: 'signal', mbit: 10, rttMs: 10 }, 1);
process.stdout.write('ready\n');
setInterval(() => undefined, 1000);
