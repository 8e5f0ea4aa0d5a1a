import type { IDataObject } from 'n8n-workflow';

import type { ErrorAdvice, MediaCheckCode, RequestTarget } from './errorMap';
import {
	CREDENTIAL_ERRORS,
	MEDIA_CHECKS,
	NOT_SENT_ERRORS,
	OAUTH_ERRORS,
	SOURCE_ERRORS,
	TOKEN_STORE_STEP,
	adviceForApiError,
	adviceForFailReason,
	adviceForNetworkFailure,
	adviceForRedirect,
	adviceForUploadStatus,
} from './errorMap';
import { classifyNetworkFailure, hostOf, redirectDestination } from './networkErrors';
import { redactUrl } from './redact';

/** The code of every failure the user fixes in the node's input (shown as NodeOperationError, not NodeApiError). */
export const INVALID_INPUT = 'invalid_input';

/**
 * What a failed item carries under `details`, next to the fix (`description`): TikTok's raw code (or the node's
 * own: invalid_input, network_error, upload_http_503, publish_outcome_unknown…), its log_id, the HTTP status and,
 * once a publish has started, its publish_id.
 */
export interface ErrorDetails extends IDataObject {
	code: string;
	http_status?: number;
	log_id?: string;
	publish_id?: string;
}

/**
 * The package's one error type. It is raised where the failure happens, already carrying what the user reads
 * (`advice`: message and fix) and what a workflow branches on (`details`). The router turns it into n8n's error
 * or error item without looking inside.
 */
export class TikTokError extends Error {
	constructor(
		readonly advice: ErrorAdvice,
		readonly details: ErrorDetails,
	) {
		super(advice.message);
	}

	/** Whether the user fixes this in the node's input (parameters or media) rather than at TikTok or in the network. */
	get isInputError(): boolean {
		return (
			this.details.code === INVALID_INPUT ||
			Object.prototype.hasOwnProperty.call(MEDIA_CHECKS, this.details.code)
		);
	}
}

export function isTikTokError(error: unknown, code?: string): error is TikTokError {
	return error instanceof TikTokError && (code === undefined || error.details.code === code);
}

/** Something in the node's input (parameters, media) that TikTok would refuse: nothing was sent. */
export function invalidInput(message: string, description: string): TikTokError {
	return new TikTokError({ message, description }, { code: INVALID_INPUT });
}

/**
 * Media that TikTok's documented limits would fail after the upload, refused before anything was sent: `code` is
 * one of MEDIA_CHECKS; `details` names the file and the number found (image_position, width, frame_rate…).
 */
export function mediaRefused(
	code: MediaCheckCode,
	message: string,
	description: string,
	details: IDataObject = {},
): TikTokError {
	return new TikTokError({ message, description }, { ...details, code });
}

/**
 * A TikTok answer that is not `error.code: "ok"` (or an HTTP failure with no envelope). TikTok's own message is
 * added to the fix when it says more than the node's message.
 */
export function apiError(
	code: string,
	tiktokMessage: string,
	response: { logId?: string; httpStatus?: number } = {},
): TikTokError {
	const advice = adviceForApiError(code, tiktokMessage);
	const description =
		tiktokMessage && advice.message !== tiktokMessage
			? `${advice.description} TikTok said: "${tiktokMessage}".`
			: advice.description;
	return new TikTokError(
		{ message: advice.message, description },
		{ code, log_id: response.logId, http_status: response.httpStatus },
	);
}

/** n8n stopped the execution (its Stop button, or the workflow's timeout): nothing more is sent to TikTok. */
export function executionCancelled(): TikTokError {
	return new TikTokError(
		{
			message: 'The execution was cancelled',
			description:
				'n8n stopped the execution (Stop button, or the workflow timeout), so the node sent nothing more to TikTok.',
		},
		{ code: 'execution_cancelled' },
	);
}

/**
 * Media bytes that did not match their size: `code` is source_too_short or source_too_long. (A request that got no
 * answer is `networkFailed`.)
 */
export function transferFailed(code: string, message: string): TikTokError {
	return new TikTokError(
		{
			message,
			description:
				SOURCE_ERRORS[code]?.description ??
				'Check the network connection between n8n and TikTok, then run the item again.',
		},
		{ code },
	);
}

/**
 * A video n8n downloads that cannot be used as it is: `code` is one of SOURCE_ERRORS (its fix), `message` says
 * what happened to this URL.
 */
export function sourceProblem(
	code: string,
	message: string,
	details: { http_status?: number } = {},
): TikTokError {
	return new TikTokError(
		{ message, description: SOURCE_ERRORS[code].description },
		{ code, ...details },
	);
}

/** TikTok's upload server refused a chunk with `httpStatus` (`code` defaults to upload_http_<status>). */
export function uploadRefused(httpStatus: number, code = `upload_http_${httpStatus}`): TikTokError {
	return new TikTokError(adviceForUploadStatus(httpStatus), { code, http_status: httpStatus });
}

/** TikTok's token endpoint refused to renew the access token: `code` is its OAuth `error`. */
export function refreshRefused(code: string, logId?: string): TikTokError {
	return new TikTokError(OAUTH_ERRORS[code] ?? OAUTH_ERRORS.invalid_grant, {
		code,
		log_id: logId,
		http_status: 401,
	});
}

/** The node has no Token Store selected: it never renews (nor uses) a connection it could not save. */
export function tokenStoreMissing(): TikTokError {
	return new TikTokError(
		{
			message: 'This TikTok node has no TikTok Token Store selected',
			description: `Without one, a renewed token could not be saved and the next run would need a Reconnect. ${TOKEN_STORE_STEP}`,
		},
		{ code: 'token_store_missing' },
	);
}

/**
 * The selected Token Store keeps the token chain of another OAuth2 credential (another account's grant): refused
 * before any TikTok call, so neither chain is touched.
 */
export function tokenStoreOfAnotherCredential(store: {
	storeName: string;
	ownerName: string;
	ownerOpenId: string;
	credentialName: string;
	openId: string;
}): TikTokError {
	const account = (name: string, openId: string) =>
		`"${name}"${openId ? ` (account ${openId})` : ''}`;
	return new TikTokError(
		{
			message: `The TikTok Token Store "${store.storeName}" belongs to another TikTok credential`,
			description: `It keeps the tokens of ${account(store.ownerName, store.ownerOpenId)}, but this node uses ${account(store.credentialName, store.openId)}. Each TikTok account needs a Token Store of its own: in this node's "TikTok Token Store API" field choose "Create new credential" → Save, or select the store you made for this account.`,
		},
		{ code: 'token_store_mismatch' },
	);
}

/**
 * A request to `url` that got no answer, with the cause told apart (helpers/networkErrors.ts) and the fix for
 * where it went. Only the failure's codes and message are read: the raw failure (whose request carries the
 * Authorization header) is never kept. `step` names what was being done, before the message.
 */
export function networkFailed(
	target: RequestTarget,
	url: string,
	failure: unknown,
	step?: string,
): TikTokError {
	const { code, reason, systemCode } = classifyNetworkFailure(failure);
	const host = hostOf(url);
	const advice = adviceForNetworkFailure(code, target, host, reason);
	return new TikTokError(
		{
			message: step ? `${step}: ${advice.message}` : advice.message,
			description: advice.description,
		},
		{ code, host, ...(systemCode ? { network_code: systemCode } : {}) },
	);
}

/**
 * TikTok's API, token or upload host answered `url` with a redirect, which the node does not follow: n8n would
 * send the Authorization header (and a 307 the body with the client secret) to wherever it points.
 */
export function unexpectedRedirect(
	target: Exclude<RequestTarget, 'download'>,
	url: string,
	httpStatus: number,
	location: string | string[] | undefined,
): TikTokError {
	return new TikTokError(adviceForRedirect(target, redirectDestination(location, url)), {
		code: 'unexpected_redirect',
		http_status: httpStatus,
		host: hostOf(url),
	});
}

/** A publish that TikTok finished as FAILED: `output` is the publish output (publish_id, status, fail_reason…). */
export function publishFailed(failReason: string | undefined, output: IDataObject): TikTokError {
	return new TikTokError(adviceForFailReason(failReason ?? 'unknown'), {
		...output,
		code: failReason ?? 'FAILED',
	});
}

/** An init that reached TikTok with no clear answer back: repeating it could post twice. */
export function publishOutcomeUnknown(httpStatus: number | undefined): TikTokError {
	return new TikTokError(
		{
			message: 'TikTok may or may not have started this publish',
			description:
				'The request reached TikTok but no clear answer came back. TikTok offers no way to make a repeat safe, so the node did not try again: doing so could post twice. Check the TikTok profile (or the inbox, for drafts) before running this item again.',
		},
		{ code: 'publish_outcome_unknown', http_status: httpStatus },
	);
}

/**
 * An init whose connection to TikTok was never made (the name did not resolve, or the connection was refused):
 * nothing reached TikTok, so, unlike `publishOutcomeUnknown`, running the item again is safe.
 */
export function publishNotSent(url: string, failure: unknown): TikTokError {
	const network = networkFailed('api', url, failure);
	const { message, description } = NOT_SENT_ERRORS.publish_not_sent;
	return new TikTokError(
		{
			message: message.replace('{cause}', network.advice.message),
			description: description.replace('{fix}', network.advice.description),
		},
		{ ...network.details, code: 'publish_not_sent', cause_code: network.details.code },
	);
}

/**
 * A credential address (`field`: its label) that is neither https nor on this machine: refused before anything is
 * sent, since the client secret or a token would travel in clear.
 */
export function insecureUrl(field: string, url: string, defaultUrl: string): TikTokError {
	const values: Record<string, string> = { field, url: redactUrl(url), default: defaultUrl };
	const fill = (text: string) =>
		text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
	const advice = CREDENTIAL_ERRORS.insecure_url;
	return new TikTokError(
		{ message: fill(advice.message), description: fill(advice.description) },
		{ code: 'insecure_url' },
	);
}

/**
 * Whether a failed call may succeed if made again later: no answer, TikTok busy (5xx) or limiting (429), or the
 * token endpoint out of reach. TikTok's other refusals (a revoked connection, an unknown publish_id) stay.
 */
export function mayPassLater(failure: unknown): boolean {
	if (!isTikTokError(failure)) return true;
	const httpStatus = failure.details.http_status;
	return httpStatus === undefined || httpStatus >= 500 || httpStatus === 429;
}

/** Where the analytics scopes are switched on, for every message that names a missing scope. */
export const ENABLE_ANALYTICS_SCOPES =
	'Enable it for your app in the TikTok developer portal (Manage apps → your app → Scopes; user.info.profile and user.info.stats come with Login Kit, video.list with the Display API), turn on "Analytics Scopes" in the TikTok credential, then click "Reconnect" and tick every permission on the consent page.';

/**
 * The connection lacks a scope an analytics call needs: found from the granted scopes before calling TikTok, or
 * TikTok answered `scope_not_authorized` / `scope_permission_missed` (`code`) for the fields requested.
 */
export function missingScope(
	scopes: readonly string[],
	response: { code?: string; logId?: string; httpStatus?: number } = {},
): TikTokError {
	const named = scopes.map((scope) => `"${scope}"`).join(' and ');
	return new TikTokError(
		{
			message: `The TikTok connection lacks the ${named} permission${scopes.length > 1 ? 's' : ''} this operation needs`,
			description: ENABLE_ANALYTICS_SCOPES.replace(
				'Enable it',
				scopes.length > 1 ? 'Enable them' : 'Enable it',
			),
		},
		{
			code: response.code ?? 'scope_not_authorized',
			missing_scopes: scopes.join(','),
			log_id: response.logId,
			http_status: response.httpStatus,
		},
	);
}
