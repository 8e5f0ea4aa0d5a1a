/**
 * The n8n process's memory: the `n8n execute` process of an instance, found through /proc, its /proc/<pid>/status
 * (VmRSS, VmHWM) sampled every SAMPLE_MS, and marks taken at given moments, which can restart the kernel's peak
 * counter.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

import { SAMPLE_MS, now } from './cli.mts';

export interface Sample {
	t: number;
	rssKb: number;
	hwmKb: number;
}

/** Finds the `n8n execute` process of this instance: its environment holds the instance's N8N_USER_FOLDER. */
function findExecutePid(userFolder: string): number | undefined {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			if (!cmdline.includes('execute') || !cmdline.some((part) => part.endsWith('/n8n'))) continue;
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
			if (environ.includes(`N8N_USER_FOLDER=${userFolder}`)) return Number(entry);
		} catch {
			// gone or not ours
		}
	}
	return undefined;
}

function readStatus(pid: number): { rssKb: number; hwmKb: number } | undefined {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = /VmRSS:\s+(\d+) kB/.exec(status);
		const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
		return rss && hwm ? { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) } : undefined;
	} catch {
		return undefined;
	}
}

/** Resets the kernel's peak-RSS counter (VmHWM) of a process to its current RSS (`echo 5 > clear_refs`). */
function resetPeak(pid: number): boolean {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

export class RssSampler {
	pid: number | undefined;
	samples: Sample[] = [];
	/** Samples taken synchronously when the TikTok node's first API call and first chunk request reached the emulator. */
	marks: Record<string, Sample & { peakReset: boolean }> = {};
	private timer: NodeJS.Timeout;

	constructor(private userFolder: string) {
		this.timer = setInterval(() => this.sample(), SAMPLE_MS);
	}

	sample(): Sample | undefined {
		this.pid ??= findExecutePid(this.userFolder);
		if (this.pid === undefined) return undefined;
		const status = readStatus(this.pid);
		if (!status) return undefined;
		const sample = { t: now(), ...status };
		this.samples.push(sample);
		return sample;
	}

	/** Takes a sample now and, when asked, restarts the kernel's peak counter from here. */
	mark(name: string, restartPeak: boolean): void {
		const sample = this.sample();
		if (sample && this.pid !== undefined)
			this.marks[name] = { ...sample, peakReset: restartPeak && resetPeak(this.pid) };
	}

	/** The samples taken from `from` to `to` (ms since the epoch). */
	within(from: number, to: number): Sample[] {
		return this.samples.filter((sample) => sample.t >= from && sample.t <= to);
	}

	stop(): void {
		clearInterval(this.timer);
	}
}
