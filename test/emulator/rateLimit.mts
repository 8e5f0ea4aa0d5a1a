// Sliding one-minute windows per access token (tiktok-api.md §11.1), on the emulator clock.
import type { Ctx } from './context.mts';

export type RateBucket =
	'init' | 'creatorInfo' | 'status' | 'userInfo' | 'videoList' | 'videoQuery';

/**
 * Admits or refuses one request. Only admitted requests enter the window, so a client that
 * backs off gets through again once the oldest admitted request is older than the window.
 */
export function admit(ctx: Ctx, token: string, endpoint: string, bucket: RateBucket): boolean {
	const { rateLimits } = ctx.config;
	const limit = rateLimits[bucket];
	// Whether the three init endpoints share one budget is UNCONFIRMED (§15); shared is stricter.
	const scope = bucket === 'init' && !rateLimits.initSharedAcrossEndpoints ? endpoint : bucket;
	const key = `${token}|${scope}`;
	const now = ctx.now();
	const windowStart = now - rateLimits.windowSec * 1000;
	const log = (ctx.rateWindows.get(key) ?? []).filter((t) => t > windowStart);
	if (log.length >= limit) {
		ctx.rateWindows.set(key, log);
		ctx.state.rateLimited[endpoint] = (ctx.state.rateLimited[endpoint] ?? 0) + 1;
		return false;
	}
	log.push(now);
	ctx.rateWindows.set(key, log);
	return true;
}
