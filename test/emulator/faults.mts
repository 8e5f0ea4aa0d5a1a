// Fault injection: faults sit in config.faults and are consumed when they fire.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx } from './context.mts';
import type { Fault, FaultEndpoint, FaultRecord } from './types.mts';

/** Whether a fault applies to `account`: faults that name no account apply to every account. */
export function forAccount(fault: Fault, account: string): boolean {
	return !('account' in fault) || fault.account === undefined || fault.account === account;
}

/**
 * Finds the first fault matching `match`, consumes it (or one of its `count`) and records it.
 * Returns the fault, or undefined when none applies.
 */
export function takeFault<T extends Fault = Fault>(
	ctx: Ctx,
	match: (f: Fault) => boolean,
	details: Omit<FaultRecord, 'time' | 'type'> = {},
): T | undefined {
	const faults = ctx.config.faults;
	const index = faults.findIndex(match);
	if (index < 0) return undefined;
	const fault = faults[index];
	if (
		(fault.type === 'http429' || fault.type === 'http5xx' || fault.type === 'httpDrop') &&
		(fault.count ?? 1) > 1
	) {
		fault.count = (fault.count ?? 1) - 1;
	} else {
		faults.splice(index, 1);
	}
	ctx.state.faults.push({ time: ctx.now(), type: fault.type, ...details });
	return fault as T;
}

/** The endpoint a request is for, as faults name it (the upload host is one endpoint, "upload"). */
const API_ENDPOINTS: Record<string, FaultEndpoint> = {
	'/v2/post/publish/creator_info/query/': 'creatorInfo',
	'/v2/post/publish/video/init/': 'init',
	'/v2/post/publish/inbox/video/init/': 'init',
	'/v2/post/publish/content/init/': 'init',
	'/v2/post/publish/status/fetch/': 'status',
	'/v2/post/publish/cancel/': 'cancel',
	'/v2/oauth/token/': 'token',
	'/v2/user/info/': 'userInfo',
	'/v2/video/list/': 'videoList',
	'/v2/video/query/': 'videoQuery',
};

/**
 * A `redirect` fault for this request: answered with its status (307 by default) and `Location` before anything
 * else happens (no authentication, no effect), as a misconfigured proxy or a moved host would, once the request body
 * has arrived. Returns whether
 * it answered.
 */
export function answerRedirectFault(
	ctx: Ctx,
	server: 'api' | 'upload',
	path: string,
	req: IncomingMessage,
	res: ServerResponse,
): boolean {
	const endpoint = server === 'upload' ? 'upload' : API_ENDPOINTS[path];
	if (!endpoint) return false;
	const fault = takeFault<Extract<Fault, { type: 'redirect' }>>(
		ctx,
		(f) => f.type === 'redirect' && f.endpoint === endpoint,
		{ endpoint },
	);
	if (!fault) return false;
	const status = fault.status ?? 307;
	ctx.state.faults[ctx.state.faults.length - 1].status = status;
	// Answered once the request has arrived whole, as a proxy that reads the request first does: answering while a
	// streamed chunk body is still being sent would make the client's write fail first, a different fault.
	req.on('end', () => {
		res.writeHead(status, { Location: fault.location, 'Content-Length': 0 });
		res.end();
	});
	req.resume();
	return true;
}
