// What an instance does through n8n's own CLI while its server is stopped (or when a test asks for a new
// process): importing credentials and workflows, exporting a decrypted credential and the loaded node types,
// activating a workflow, and running one with `n8n execute`. Each takes the instance's `cli` and its folder.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { cliErrorMessage, resultFromRun } from './results.mts';
import type { CliOptions } from './server.mts';
import type { CredentialInput, ExecuteResult, WorkflowInput } from './types.mts';
import { extractJsonBlocks, n8nStyleId, randomId, sleep, tail, type RunResult } from './util.mts';

/** `n8n <args>` against one instance (N8nInstance.cli). */
export type Cli = (args: string[], options?: CliOptions) => Promise<RunResult>;

/** `n8n import:<kind> --input=<file>` with `data` written to a file in `folder` for the command. */
async function importWithCli(
	cli: Cli,
	folder: string,
	kind: 'credentials' | 'workflow',
	data: unknown,
): Promise<void> {
	const file = join(
		folder,
		`${kind === 'workflow' ? 'workflow' : 'credentials'}-${randomId()}.json`,
	);
	await writeFile(file, JSON.stringify(data, null, 2));
	try {
		const result = await cli([`import:${kind}`, `--input=${file}`]);
		if (result.code !== 0 || !/Successfully imported/i.test(result.stdout + result.stderr)) {
			throw new Error(
				`n8n import:${kind} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
			);
		}
	} finally {
		await rm(file, { force: true });
	}
}

/** Imports credentials (plain `data`, encrypted by n8n), ids generated where missing; returns their ids. */
export async function importCredentialsWithCli(
	cli: Cli,
	folder: string,
	credentials: CredentialInput[],
): Promise<string[]> {
	const list = credentials.map((credential) => ({
		...credential,
		id: credential.id ?? n8nStyleId(),
	}));
	await importWithCli(cli, folder, 'credentials', list);
	return list.map((credential) => credential.id);
}

/** Imports a workflow (id generated when missing, node ids filled in); returns its id. */
export async function importWorkflowWithCli(
	cli: Cli,
	folder: string,
	workflow: WorkflowInput,
): Promise<string> {
	const id = workflow.id ?? n8nStyleId();
	await importWithCli(cli, folder, 'workflow', {
		name: 'Harness workflow',
		settings: {},
		...workflow,
		id,
		nodes: workflow.nodes.map((node) => ({ id: randomUUID(), ...node })),
	});
	return id;
}

/** The decrypted `data` of a stored credential (`n8n export:credentials --id --decrypted`). */
export async function exportCredentialWithCli(
	cli: Cli,
	folder: string,
	id: string,
): Promise<Record<string, unknown>> {
	const file = join(folder, `credential-export-${randomId()}.json`);
	try {
		const result = await cli([
			'export:credentials',
			`--id=${id}`,
			'--decrypted',
			`--output=${file}`,
		]);
		if (result.code !== 0 || !existsSync(file)) {
			throw new Error(
				`n8n export:credentials failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
			);
		}
		const exported = JSON.parse(await readFile(file, 'utf8')) as Array<{
			id: string;
			data: unknown;
		}>;
		const credential = exported.find((entry) => entry.id === id);
		if (!credential) throw new Error(`credential ${id} not found`);
		const data = credential.data;
		return (typeof data === 'string' ? JSON.parse(data) : data) as Record<string, unknown>;
	} finally {
		await rm(file, { force: true });
	}
}

/** The node types n8n loads (`n8n export:nodes`, which also creates and migrates the database). */
export async function exportNodeTypesWithCli(
	cli: Cli,
	folder: string,
): Promise<Array<{ name: string }>> {
	const output = join(folder, 'node-types.json');
	const result = await cli(['export:nodes', `--output=${output}`], { timeoutMs: 180_000 });
	if (result.code !== 0 || !existsSync(output)) {
		throw new Error(
			`n8n export:nodes failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
		);
	}
	// export:nodes ends the write stream without awaiting it; give the file a moment.
	let types: Array<{ name: string }> | undefined;
	for (let attempt = 0; attempt < 20 && !types; attempt++) {
		try {
			types = JSON.parse(await readFile(output, 'utf8')) as Array<{ name: string }>;
		} catch {
			await sleep(100);
		}
	}
	await rm(output, { force: true });
	if (!types) throw new Error('n8n export:nodes wrote unreadable JSON');
	return types;
}

/**
 * Publishes (activates) a workflow on a stopped instance: `n8n publish:workflow --id` (2.x) or
 * `n8n update:workflow --id --active=true` (1.x); it takes effect on start.
 */
export async function activateWorkflowWithCli(
	cli: Cli,
	n8nVersion: string,
	workflowId: string,
): Promise<void> {
	const major = Number(n8nVersion.split('.')[0]);
	const args =
		major >= 2
			? ['publish:workflow', `--id=${workflowId}`]
			: ['update:workflow', `--id=${workflowId}`, '--active=true'];
	const result = await cli(args);
	if (result.code !== 0)
		throw new Error(`n8n ${args[0]} failed:\n${tail(result.stdout + result.stderr)}`);
}

/**
 * Runs a workflow from its Manual Trigger in a new n8n process (`n8n execute --id=<id> --rawOutput`; in queue
 * mode the CLI runs it in-process). Never throws for a failed workflow: see `ok`, `error`.
 */
export async function executeWithCli(
	cli: Cli,
	folder: string,
	workflowId: string,
	options: { timeoutMs?: number },
): Promise<ExecuteResult> {
	// The run (with n8n 1.x's in-memory binary data, megabytes of it) goes to a file: n8n exits right after printing it.
	const stdoutFile = join(folder, `execute-${randomId()}.out`);
	const result = await cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
		timeoutMs: options.timeoutMs ?? 300_000,
		stdoutFile,
	}).finally(() => rm(stdoutFile, { force: true }));
	const runObject = extractJsonBlocks(result.stdout)
		.reverse()
		.find((block): block is Record<string, unknown> => {
			const data = (block as Record<string, unknown> | null)?.data as
				Record<string, unknown> | undefined;
			return typeof data === 'object' && data !== null && 'resultData' in data;
		});
	const parsed = resultFromRun(runObject, {
		exitCode: result.code,
		exitSignal: result.signal,
		stdout: result.stdout,
		stderr: result.stderr,
	});
	if (!parsed.ok && !parsed.error) {
		parsed.error = { message: cliErrorMessage(result) };
	}
	return parsed;
}
