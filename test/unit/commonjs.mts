/**
 * Loads the node's modules the way n8n loads the package: as CommonJS. A module a test imports from an ES module is
 * loaded by tsx as a second copy next to the one the node's own `require`s share, so `instanceof` across the two
 * fails; classes a test checks with `instanceof` come from here.
 */
import { createRequire } from 'node:module';

export const requireAsN8n = createRequire(import.meta.url);

export const { TikTokError } = requireAsN8n(
	'../../nodes/TikTok/helpers/errors.ts',
) as typeof import('../../nodes/TikTok/helpers/errors.ts');
