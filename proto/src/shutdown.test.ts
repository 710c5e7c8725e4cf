import { describe, expect, it } from 'vitest';
import { jsonLogger } from './domain/logger.ts';
import { ShutdownSequence } from './shutdown.ts';

function logger() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: jsonLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>)) };
}
const never = (): Promise<void> => new Promise<void>(() => undefined);

describe('ShutdownSequence: ordered steps within a budget', () => {
  it('runs every step in order when each finishes', async () => {
    const order: string[] = [];
    const { log } = logger();
    const s = new ShutdownSequence(
      ['a', 'b', 'c'].map((name) => ({ name, run: () => void order.push(name) })),
      { budgetMs: 1_000, logger: log },
    );
    expect(s.unfinished()).toEqual(['a', 'b', 'c']);
    const report = await s.run();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(report).toMatchObject({ timedOut: [], skipped: [], failed: [] });
    expect(s.unfinished()).toEqual([]);
    expect(await s.run()).toBe(report);
  });

  it('leaves a step that hangs behind after its timeout, forces it, and goes on', async () => {
    const { log, lines } = logger();
    let forced = false;
    const ran: string[] = [];
    const s = new ShutdownSequence(
      [
        { name: 'hangs', run: never, timeoutMs: 50, onTimeout: () => (forced = true) },
        { name: 'after', run: () => void ran.push('after') },
      ],
      { budgetMs: 5_000, logger: log },
    );
    const t0 = Date.now();
    const report = await s.run();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(report.timedOut).toEqual(['hangs']);
    expect(forced).toBe(true);
    expect(ran).toEqual(['after']);
    expect(s.unfinished()).toEqual(['hangs']);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(/did not finish/) as string,
        step: 'hangs',
      }),
    );
  });

  it('a failing step is logged and the next one runs', async () => {
    const { log, lines } = logger();
    const ran: string[] = [];
    const report = await new ShutdownSequence(
      [
        {
          name: 'throws',
          run: () => {
            throw new Error('socket gone');
          },
        },
        { name: 'rejects', run: () => Promise.reject(new Error('no answer')) },
        { name: 'next', run: () => void ran.push('next') },
      ],
      { budgetMs: 1_000, logger: log },
    ).run();
    expect(report.failed).toEqual(['throws', 'rejects']);
    expect(ran).toEqual(['next']);
    expect(lines.map((l) => l['error'])).toEqual(['socket gone', 'no answer']);
  });

  it('once the budget is spent only `always` steps run; a step timeout may be computed late', async () => {
    const { log } = logger();
    const ran: string[] = [];
    let short = false;
    const s = new ShutdownSequence(
      [
        { name: 'learn', run: () => void (short = true) },
        { name: 'slow', run: never, timeoutMs: () => (short ? 20 : 60_000) },
        { name: 'eats the budget', run: never },
        { name: 'skipped', run: () => void ran.push('skipped') },
        { name: 'disconnect', run: () => void ran.push('disconnect'), always: true },
      ],
      { budgetMs: 150, logger: log },
    );
    const t0 = Date.now();
    const report = await s.run();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(report.timedOut).toEqual(['slow', 'eats the budget']);
    expect(report.skipped).toEqual(['skipped']);
    expect(ran).toEqual(['disconnect']);
    expect(s.unfinished()).toEqual(['slow', 'eats the budget', 'skipped']);
  });
});
