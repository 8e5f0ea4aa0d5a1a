/**
 * How every message and detail names a URL: scheme, host and path only. A query string or fragment can be a
 * signature (a presigned S3/R2 link, TikTok's upload URL) and userinfo a password; messages and details end up in
 * execution data and n8n's log, so they never carry either.
 */

/** A URL as messages name it: `https://host:port/path`, no userinfo, query or fragment. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.host) return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
	} catch {
		// Not a URL the WHATWG parser reads: cut it by hand below.
	}
	return url
		.replace(/[?#][\s\S]*$/, '')
		.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
		.slice(0, 200);
}

/** Text with every URL in it redacted (`redactUrl`): for messages that quote what a server or library said. */
export function redactUrlsIn(text: string): string {
	return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi, (url) => redactUrl(url));
}
