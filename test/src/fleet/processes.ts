/**
 * Real processes for the test fleet: each runs in its own process group under scripts/lib/supervise,
 * which ends it when this process dies (even by SIGKILL). stop() sends TERM to the whole group,
 * waits, then KILLs. A registry of every live group lets `stopAll` (test teardown, signal handlers,
 * process exit) leave nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';

const SUPERVISE = path.resolve(import.meta.dirname, '../../../scripts/lib/supervise');

export interface SpawnOptions {
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Directory for `<name>.log` (stdout+stderr). */
  readonly logDir: string;
  /** Grace period between TERM and KILL on stop. */
  readonly stopGraceMs?: number;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;
  private stopping: Promise<void> | undefined;
  private readonly graceMs: number;

  constructor(name: string, child: ChildProcess, logFile: string, graceMs: number) {
    this.name = name;
    this.child = child;
    this.logFile = logFile;
    this.graceMs = graceMs;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        live.delete(this);
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Pids of the supervised command and everything below it (from /proc), supervisor excluded. */
  descendants(): number[] {
    return descendantsOf(this.pid);
  }

  /** Last lines of the log, for error messages. */
  tail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** TERM the process group, then KILL after the grace period. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (!this.running) return;
    // keep the event loop alive until the process is really gone
    this.child.ref();
    signalGroup(this.pid, 'SIGTERM');
    const killed = await Promise.race([
      this.exited.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), this.graceMs)),
    ]);
    if (!killed) signalGroup(this.pid, 'SIGKILL');
    await this.exited;
    // the group may still hold grandchildren that ignored TERM
    signalGroup(this.pid, 'SIGKILL');
  }
}

const live = new Set<ManagedProcess>();

function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() ?? -1;
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter((x) => x !== '')
        .map(Number);
    } catch {
      // gone
    }
    out.push(...kids);
    stack.push(...kids);
  }
  return out;
}

/** True while a process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // group already gone
  }
}

/** Starts `command` supervised, in its own process group, logging to `<logDir>/<name>.log`. */
export async function spawnManaged(
  name: string,
  command: string,
  opts: SpawnOptions,
): Promise<ManagedProcess> {
  await mkdir(opts.logDir, { recursive: true });
  const logFile = path.join(opts.logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(SUPERVISE, [command, ...(opts.args ?? [])], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true,
      stdio: ['pipe', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  // Never write to the pipe: it only signals our death by closing. Do not let it keep us alive.
  child.stdin?.on('error', () => undefined);
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.unref();
  const proc = new ManagedProcess(name, child, logFile, opts.stopGraceMs ?? 5_000);
  live.add(proc);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) =>
      reject(
        new GitfleetError(
          ErrorCode.ProcessFailed,
          `${name}: could not start ${command}: ${err.message}`,
          {
            cause: err,
          },
        ),
      ),
    );
  });
  return proc;
}

/** Stops every process this module started and that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** Synchronous last resort on exit: KILL every live group. */
function killAllNow(): void {
  for (const p of live) signalGroup(p.pid, 'SIGKILL');
}
process.once('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAllNow();
    process.kill(process.pid, sig);
  });
}

/** Appends a line to a log stream (used by in-process servers that want a log file). */
export function openLog(file: string): NodeJS.WritableStream {
  return createWriteStream(file, { flags: 'a' });
}
