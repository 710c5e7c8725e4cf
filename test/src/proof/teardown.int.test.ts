/**
 * No process is left behind even when the test process dies without cleaning up (SIGKILL: no
 * handler runs). Every fleet process is supervised by a pipe to its parent (scripts/lib/supervise).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { isListening } from '../fleet/ports.ts';
import { isAlive } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';

let child: ReturnType<typeof spawn> | undefined;
// the killed child cannot remove its temp dirs: it makes them under one the test owns
let childTmp: string | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  if (childTmp !== undefined) await rm(childTmp, { recursive: true, force: true });
});

it('a SIGKILLed test process takes its clusters and Redis with it', async () => {
  childTmp = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-teardown-'));
  child = spawn(process.execPath, [path.join(import.meta.dirname, 'crash-child.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: childTmp },
  });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const [line] = (await once(lines, 'line')) as [string];
  const { pids, redisPort } = JSON.parse(line) as { pids: number[]; redisPort: number };
  expect(pids.length).toBeGreaterThanOrEqual(10);
  expect(pids.every(isAlive)).toBe(true);
  expect(await isListening(redisPort)).toBe(true);

  child.kill('SIGKILL');
  await waitFor(
    'every fleet process to exit after its parent was killed',
    () => pids.every((p) => !isAlive(p)),
    {
      timeoutMs: 15_000,
      intervalMs: 100,
    },
  );
  // redis is not in `pids` (only cluster processes are listed): its port must close too
  await waitFor('redis to stop listening', async () => !(await isListening(redisPort)), {
    timeoutMs: 10_000,
  });
});
