/**
 * Small shared pieces of the benchmarks: progress logging on stderr, percentiles, a run-time
 * bound, command-line flags and /proc readings.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Log = (msg: string) => void;

/** Progress lines on stderr, prefixed with the benchmark's name (stdout is for the result). */
export function benchLog(name: string): Log {
  return (msg) => {
    process.stderr.write(`[bench ${name}] ${msg}\n`);
  };
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `body` but gives up after `ms`: the returned promise rejects with a TIMEOUT naming the
 * benchmark, so the caller's `finally` stops everything even if `body` hangs.
 */
export async function bounded<T>(what: string, ms: number, body: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      body(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: gave up after ${Math.round(ms / 1000)} s`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `--name` present among the benchmark's arguments. */
export function flag(args: readonly string[], name: string): boolean {
  return args.includes(`--${name}`);
}

/** `--name=N` (or `--name N`) as a number, else `def`. */
export function numberArg(args: readonly string[], name: string, def: number): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    let v: string | undefined;
    if (a.startsWith(`--${name}=`)) v = a.slice(name.length + 3);
    else if (a === `--${name}`) v = args[i + 1];
    if (v !== undefined) {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${name}=${v}: not a number`);
      return n;
    }
  }
  return def;
}

/** Every `--name=VALUE` (or `--name VALUE`) among the arguments, in order. */
export function stringArgs(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
    else if (a === `--${name}` && args[i + 1] !== undefined) out.push(args[++i] ?? '');
  }
  return out;
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

/** Resident set size of `pid` in MB (0 when it is gone). */
export function rssMb(pid: number): number {
  return statusField(pid, 'VmRSS') / 1024;
}

/** Peak resident set size (VmHWM) of `pid` in MB. */
export function peakRssMb(pid: number): number {
  return statusField(pid, 'VmHWM') / 1024;
}

/** CPU time (user + system) of `pid` in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** The executable of `pid` (basename of /proc/<pid>/exe), or '' when it is gone. */
export function exeOf(pid: number): string {
  try {
    return path.basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return '';
  }
}

/** What the figures ran on. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    mem_gb: Math.round(os.totalmem() / 1024 ** 3),
    kernel: os.release(),
    node: process.version,
  };
}
