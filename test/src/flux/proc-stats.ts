/** /proc readings of a supervised process: which pid is the real program, its RSS and CPU time. */
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { ManagedProcess } from '../fleet/processes.ts';

/** The pid below the supervisor whose executable is `exe` (e.g. "node", "source-controller"). */
export function pidOf(proc: ManagedProcess, exe: string): number | undefined {
  return proc.descendants().find((p) => {
    try {
      return path.basename(readlinkSync(`/proc/${p}/exe`)) === exe;
    } catch {
      return false;
    }
  });
}

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

export interface MemoryReading {
  /** Resident set size now, MB. */
  readonly rssMb: number;
  /** Peak resident set size since start (VmHWM), MB. */
  readonly peakMb: number;
  /** CPU time (user + system) since start, ms. */
  readonly cpuMs: number;
}

export function memoryOf(pid: number | undefined): MemoryReading {
  if (pid === undefined) return { rssMb: 0, peakMb: 0, cpuMs: 0 };
  let cpu = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpu = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    // gone
  }
  return {
    rssMb: statusKb(pid, 'VmRSS') / 1024,
    peakMb: statusKb(pid, 'VmHWM') / 1024,
    cpuMs: cpu,
  };
}
