/**
 * A request that got no answer, told apart by the error code Node, axios or OpenSSL gave it (DNS, refused,
 * certificate, timeout, anything else), so the message can name the cause and the fix. Reads only `code`,
 * `message` and nested `cause`/`errors`: never the request (its headers carry the Authorization header).
 */
import type { NetworkErrorCode } from './errorMap';
import { redactUrl, redactUrlsIn } from './redact';

export interface NetworkFailure {
	code: NetworkErrorCode;
	/** The cause in a few words, for the message. */
	reason: string;
	/** The system's own code (ENOTFOUND, CERT_HAS_EXPIRED…), kept in the details when there is one. */
	systemCode?: string;
}

const DNS_REASONS: Record<string, string> = {
	ENOTFOUND: 'no such host name',
	EAI_NONAME: 'no such host name',
	EAI_NODATA: 'no such host name',
	EAI_AGAIN: 'the name lookup failed for now',
	EAI_FAIL: 'the name lookup failed',
};

/** OpenSSL's and Node's certificate verdicts, in words. */
const CERTIFICATE_REASONS: Record<string, string> = {
	DEPTH_ZERO_SELF_SIGNED_CERT: 'a self-signed certificate',
	SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate in its chain',
	UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'signed by a certificate authority n8n does not know',
	UNABLE_TO_GET_ISSUER_CERT: 'signed by a certificate authority n8n does not know',
	UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'signed by a certificate authority n8n does not know',
	CERT_UNTRUSTED: 'a certificate n8n does not trust',
	CERT_HAS_EXPIRED: 'the certificate has expired',
	CERT_NOT_YET_VALID: 'the certificate is not valid yet',
	ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is for another host name',
	HOSTNAME_MISMATCH: 'the certificate is for another host name',
	CERT_REVOKED: 'the certificate was revoked',
	CERT_SIGNATURE_FAILURE: 'the certificate signature is invalid',
};

const TIMEOUT_CODES = [
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
];

interface FailureLike {
	code?: unknown;
	message?: unknown;
	cause?: unknown;
	errors?: unknown;
}

/** Every `code` on the failure and its causes (an AggregateError's too), outermost first. */
function codesOf(failure: unknown, depth = 0): string[] {
	if (typeof failure !== 'object' || failure === null || depth > 4) return [];
	const { code, cause, errors } = failure as FailureLike;
	const nested = [cause, ...(Array.isArray(errors) ? errors : [])].flatMap((inner) =>
		codesOf(inner, depth + 1),
	);
	return typeof code === 'string' ? [code, ...nested] : nested;
}

/** A failure's message, any URL in it redacted (an upload URL's query is its signature). */
export function safeMessage(failure: unknown): string {
	const message =
		typeof failure === 'object' && failure !== null ? (failure as FailureLike).message : failure;
	return redactUrlsIn(String(message ?? 'no answer')).slice(0, 200);
}

/**
 * Whether a request that got no answer provably never left this machine: its host name did not resolve, or the
 * connection was refused. Anything later (reset, timeout, certificate) may have happened after it was written.
 */
export function wasNeverSent(failure: unknown): boolean {
	const { code } = classifyNetworkFailure(failure);
	return code === 'dns_lookup_failed' || code === 'connection_refused';
}

export function classifyNetworkFailure(failure: unknown): NetworkFailure {
	const codes = codesOf(failure);
	const message = safeMessage(failure);
	const dns = codes.find((code) => code in DNS_REASONS);
	if (dns) return { code: 'dns_lookup_failed', reason: DNS_REASONS[dns], systemCode: dns };
	if (codes.includes('ECONNREFUSED'))
		return { code: 'connection_refused', reason: 'connection refused', systemCode: 'ECONNREFUSED' };
	const certificate = codes.find((code) => code in CERTIFICATE_REASONS);
	if (certificate)
		return {
			code: 'certificate_rejected',
			reason: CERTIFICATE_REASONS[certificate],
			systemCode: certificate,
		};
	if (/certificate/i.test(message))
		return { code: 'certificate_rejected', reason: message, systemCode: codes[0] };
	const timeout = codes.find((code) => TIMEOUT_CODES.includes(code));
	if (timeout)
		return { code: 'timed_out', reason: 'the connection timed out', systemCode: timeout };
	// axios: ECONNABORTED with "timeout of 60000ms exceeded" when its own timer fired.
	const limit = /timeout of (\d+)\s*ms exceeded/i.exec(message);
	if (limit)
		return {
			code: 'timed_out',
			reason: `no answer within ${Math.round(Number(limit[1]) / 1000)} s`,
			systemCode: codes[0],
		};
	if (/time(d)? ?out/i.test(message))
		return { code: 'timed_out', reason: message, systemCode: codes[0] };
	return { code: 'network_error', reason: codes[0] ?? message, systemCode: codes[0] };
}

/** A URL's host (with its port), the only part of an address an error names; the text itself when it is no URL. */
export function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return redactUrl(url).slice(0, 80);
	}
}

export function isRedirectStatus(status: number): boolean {
	return status >= 300 && status < 400;
}

/** How a message names where a redirect pointed: its host in quotes (resolved against the request), never path or query. */
export function redirectDestination(
	location: string | string[] | undefined,
	requestUrl: string,
): string {
	const value = Array.isArray(location) ? location[0] : location;
	if (!value) return 'an address it did not name';
	try {
		return `"${new URL(value, requestUrl).host}"`;
	} catch {
		return 'an invalid address';
	}
}
