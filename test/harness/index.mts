// Real-n8n test harness: see test/harness/README.md.
export {
	DEFAULT_N8N_VERSION,
	N8N_1X_LATEST_KNOWN,
	NODE24_PACKAGE_VERSION,
	ensureN8n,
	resolveN8nVersion,
	type EnsureN8nOptions,
	type N8nInstall,
} from './install.mts';
export { packPackage, type PackOptions } from './pack.mts';
export {
	N8nInstance,
	nodeOutput,
	type CredentialInput,
	type ExecuteResult,
	type ExecutionErrorInfo,
	type ExecutionItem,
	type ExecutionSummary,
	type HttpResponse,
	type N8nInstanceOptions,
	type N8nMode,
	type NodeResult,
	type OwnerAccount,
	type TaskData,
	type WorkflowInput,
} from './instance.mts';
export { parseFlatted } from './util.mts';
