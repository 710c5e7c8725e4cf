/**
 * runBinary with a real child process (./__fixtures__/binary-child.ts, shutdown deadline 1 s):
 * the deadline ends a shutdown or a start that hangs (exit 3, naming what did not finish); a
 * stray rejection is logged as JSON and counted, and the process keeps running; an uncaught
 * exception is logged and the process shuts down (exit 4). Every line on stderr is JSON.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';

const CHILD = path.join(import.meta.dirname, '__fixtures__', 'binary-child.ts');

interface Child {
  readonly lines: () => Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; ms: number }>;
  readonly term: () => void;
  readonly waitLog: (msg: string) => Promise<void>;
}

const children: (() => void)[] = [];
afterEach(() => {
  for (const kill of children.splice(0)) kill();
});

function start(mode: string): Child {
  const proc = spawn(process.execPath, [CHILD, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(() => proc.kill('SIGKILL'));
  let stderr = '';
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  let t0 = 0;
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    proc.on('exit', (code) => resolve({ code, ms: Date.now() - t0 })),
  );
  const lines = (): Record<string, unknown>[] => {
    expect(out).toBe('');
    return stderr
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return {
    lines,
    exited,
    term: () => {
      t0 = Date.now();
      proc.kill('SIGTERM');
    },
    waitLog: async (msg) => {
      const deadline = Date.now() + 10_000;
      while (!lines().some((l) => l['msg'] === msg)) {
        if (Date.now() > deadline) throw new Error(`no "${msg}" in ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

it('a shutdown that hangs ends at the deadline: exit 3, naming what did not finish', async () => {
  const c = start('hang-close');
  await c.waitLog('started');
  c.term();
  const { code, ms } = await c.exited;
  expect(code).toBe(3);
  expect(ms).toBeGreaterThanOrEqual(900);
  expect(ms).toBeLessThan(3_000);
  expect(c.lines().at(-1)).toMatchObject({
    level: 'error',
    msg: 'shutdown deadline passed; exiting without waiting any longer',
    code: 'TIMEOUT',
    deadlineMs: 1_000,
    unfinished: ['stuck step'],
  });
});

it('a start that hangs is ended by a signal within the deadline, naming the start', async () => {
  const c = start('hang-start');
  await c.waitLog('starting');
  c.term();
  const { code, ms } = await c.exited;
  expect(code).toBe(3);
  expect(ms).toBeLessThan(3_000);
  expect(c.lines().at(-1)).toMatchObject({ unfinished: ['start'] });
});

it('a stray rejection is logged as JSON and counted; the process keeps running', async () => {
  const c = start('rejection');
  await c.waitLog('still running');
  expect(c.lines()).toContainEqual(
    expect.objectContaining({
      level: 'error',
      kind: 'unhandledRejection',
      code: 'INTERNAL',
      error: 'a stray rejection',
      stack: expect.stringContaining('binary-child.ts') as string,
    }),
  );
  expect(c.lines().find((l) => l['msg'] === 'still running')).toMatchObject({
    unexpectedErrors: 1,
  });
  c.term();
  expect((await c.exited).code).toBe(0);
  expect(c.lines().map((l) => l['msg'])).toContain('closed');
});

it('an uncaught exception is logged, then the process shuts down gracefully with exit 4', async () => {
  const c = start('uncaught');
  const { code } = await c.exited;
  expect(code).toBe(4);
  const lines = c.lines();
  expect(lines).toContainEqual(
    expect.objectContaining({ kind: 'uncaughtException', error: 'thrown out of a timer' }),
  );
  expect(lines.map((l) => l['msg'])).toEqual(expect.arrayContaining(['shutting down', 'closed']));
  expect(lines.find((l) => l['msg'] === 'shutting down')).toMatchObject({
    signal: 'uncaughtException',
  });
});
