/**
 * One run of a render tool (kustomize in kubectl, helm) as a bounded child process: in its own
 * process group, killed whole when it runs longer than `timeoutMs` or writes more than
 * `maxOutputBytes` to stdout; stderr kept up to MAX_STDERR_BYTES for the problem message.
 * Never rejects: a tool that cannot be started is a failure naming the flag that chooses it.
 */
import { spawn } from 'node:child_process';

/** Most stderr kept for the problem message. */
export const MAX_STDERR_BYTES = 64 * 1024;

export interface BoundedRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** What to install, and the flag that names the command: in the message when it is missing. */
  readonly tool: string;
  readonly flag: string;
}

export type Spawned =
  | { readonly kind: 'ok'; readonly stdout: string }
  | { readonly kind: 'failed'; readonly stderr: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'too-large' };

export function spawnBounded(run: BoundedRun): Promise<Spawned> {
  return new Promise((resolve) => {
    const child = spawn(run.command, [...run.args], {
      cwd: run.cwd,
      env: run.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let stopped: 'timeout' | 'too-large' | undefined;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stopped ??= 'timeout';
      killGroup();
    }, run.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped !== undefined) return;
      outBytes += chunk.length;
      if (outBytes > run.maxOutputBytes) {
        stopped = 'too-large';
        out.length = 0;
        killGroup();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < MAX_STDERR_BYTES) err += chunk.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        kind: 'failed',
        stderr:
          e.code === 'ENOENT'
            ? `error: ${run.command} not found: install ${run.tool} or set ${run.flag}`
            : `error: ${run.command} could not be started: ${e.message}`,
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (stopped !== undefined) resolve({ kind: stopped });
      else if (code === 0) resolve({ kind: 'ok', stdout: Buffer.concat(out).toString('utf8') });
      else resolve({ kind: 'failed', stderr: err.slice(0, MAX_STDERR_BYTES) });
    });
  });
}
