// Turning what n8n reports (the CLI's printed run, the REST API's execution) into one ExecuteResult shape.
import type { ExecuteResult, ExecutionErrorInfo, NodeResult, TaskData } from './types.mts';
import type { RunResult } from './util.mts';

/** Execution statuses after which nothing more happens. */
export const FINISHED_STATUSES = new Set(['success', 'error', 'canceled', 'crashed']);

function errorInfo(raw: unknown, fallbackNode?: string): ExecutionErrorInfo | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const error = raw as Record<string, unknown>;
	const node = error.node as Record<string, unknown> | undefined;
	return {
		message: String(error.message ?? ''),
		description: (error.description as string | null | undefined) ?? undefined,
		name: (error.name as string | undefined) ?? undefined,
		node: (node?.name as string | undefined) ?? fallbackNode,
		httpCode: (error.httpCode as string | null | undefined) ?? undefined,
		context: (error.context as Record<string, unknown> | undefined) ?? undefined,
		raw: error,
	};
}

/** Builds the uniform result from an IRun-like object ({ data: { resultData }, status }). */
export function resultFromRun(
	runObject: Record<string, unknown> | undefined,
	extra: Partial<ExecuteResult> & { stdout: string; stderr: string },
): ExecuteResult {
	const data = runObject?.data as Record<string, unknown> | undefined;
	const resultData = (data?.resultData ?? {}) as Record<string, unknown>;
	const runData = (resultData.runData ?? {}) as Record<string, TaskData[]>;
	const nodes: Record<string, NodeResult> = {};
	for (const [name, runs] of Object.entries(runData)) {
		const last = runs[runs.length - 1] ?? {};
		const items = (last.data?.main ?? []).map((output) => output ?? []);
		nodes[name] = {
			status: last.executionStatus,
			items,
			outputs: items.map((output) => output.map((item) => item.json)),
			error: errorInfo(last.error, name),
			runs: runs.length,
		};
	}
	const lastNodeExecuted = resultData.lastNodeExecuted as string | undefined;
	const status = runObject?.status as string | undefined;
	const workflowError = errorInfo(resultData.error);
	return {
		ok: status === 'success' && !workflowError && cleanExit(extra, runObject !== undefined),
		status,
		runData,
		nodes,
		lastNodeExecuted,
		lastNodeOutput: lastNodeExecuted ? (nodes[lastNodeExecuted]?.outputs[0] ?? []) : [],
		error: workflowError,
		raw: runObject,
		...extra,
	};
}

/**
 * A CLI run ended as n8n ends a successful run. n8n 2.41.1 on Node 24 now and then dies with SIGSEGV while exiting,
 * after it printed (and stored) the whole run: that crash is n8n's own exit, not the run's outcome, which the
 * printed run states. A crash before the run was printed is a failure.
 */
function cleanExit(extra: Partial<ExecuteResult>, runPrinted: boolean): boolean {
	if (extra.exitCode === undefined || extra.exitCode === 0) return true;
	return runPrinted && extra.exitSignal === 'SIGSEGV';
}

/** json of one node's output items (default: first output of the last run). */
export function nodeOutput(
	result: ExecuteResult,
	nodeName: string,
	options: { output?: number; run?: number } = {},
): Array<Record<string, unknown>> {
	const runs = result.runData[nodeName];
	if (!runs || runs.length === 0) return [];
	const runIndex = options.run ?? runs.length - 1;
	const output = runs[runIndex]?.data?.main?.[options.output ?? 0] ?? [];
	return output.map((item) => item.json);
}

/** The most useful error line of a failed `n8n execute`. */
export function cliErrorMessage(result: RunResult): string {
	const lines = (result.stdout + '\n' + result.stderr).split('\n').map((line) => line.trim());
	const marker = lines.lastIndexOf('====================================');
	if (marker >= 0) {
		const next = lines.slice(marker + 1).find((line) => line.length > 0);
		if (next) return next;
	}
	const meaningful = lines.filter((line) => line.length > 0 && !line.startsWith('at '));
	return (
		meaningful[meaningful.length - 1] ?? `n8n execute exited with ${result.code ?? result.signal}`
	);
}
