// Fault injection: faults sit in config.faults and are consumed when they fire.
import type { Ctx } from './context.mts';
import type { Fault, FaultRecord } from './types.mts';

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
	if ((fault.type === 'http429' || fault.type === 'http5xx' || fault.type === 'httpDrop') && (fault.count ?? 1) > 1) {
		fault.count = (fault.count ?? 1) - 1;
	} else {
		faults.splice(index, 1);
	}
	ctx.state.faults.push({ time: ctx.now(), type: fault.type, ...details });
	return fault as T;
}
