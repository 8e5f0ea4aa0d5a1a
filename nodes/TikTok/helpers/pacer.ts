/**
 * Keeps calls within a sliding-window rate limit (TikTok: 6 inits per minute per user token) by waiting
 * before a call instead of collecting 429s. Windows are per key (one per credential) and per process.
 */
export class SlidingWindowPacer {
	private calls = new Map<string, number[]>();

	constructor(
		private readonly limit: number,
		private readonly windowMs: number,
	) {}

	/** How long to wait before the next call under `key` may go. */
	delayFor(key: string, now = Date.now()): number {
		const recent = this.recent(key, now);
		if (recent.length < this.limit) return 0;
		return recent[recent.length - this.limit] + this.windowMs - now;
	}

	record(key: string, now = Date.now()): void {
		this.calls.set(key, [...this.recent(key, now), now]);
	}

	private recent(key: string, now: number): number[] {
		return (this.calls.get(key) ?? []).filter((time) => time > now - this.windowMs);
	}
}
