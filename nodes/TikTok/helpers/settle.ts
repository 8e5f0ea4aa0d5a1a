/**
 * A promise's outcome as a value. The strict lint rules allow only NodeApiError/NodeOperationError to be
 * thrown inside catch blocks, so failures are inspected here and rethrown outside one.
 */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
	return await promise.then(
		(value) => ({ ok: true as const, value }),
		(error: unknown) => ({ ok: false as const, error }),
	);
}
