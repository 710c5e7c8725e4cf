import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import { jsonLogger } from './domain/logger.ts';
import { errorLogFields, installProcessGuard } from './process-guard.ts';

function setup() {
  const lines: Record<string, unknown>[] = [];
  const logger = jsonLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const target = new EventEmitter();
  const printed: string[] = [];
  // stands for Node's own warning printer, which the guard replaces
  target.on('warning', (w: Error) => printed.push(w.message));
  let t = 0;
  const fatal: GitfleetError[] = [];
  const guard = installProcessGuard({
    logger,
    target,
    now: () => t,
    onUncaughtException: (e) => fatal.push(e),
  });
  return { lines, target, printed, fatal, guard, at: (ms: number) => (t = ms) };
}

describe('installProcessGuard', () => {
  it('logs an unhandled rejection as JSON (code, message, stack), counts it, keeps running', () => {
    const g = setup();
    g.target.emit(
      'unhandledRejection',
      new GitfleetError(ErrorCode.LimitExceeded, 'big.yaml: 5 MB, limit maxFileBytes', {
        details: { file: 'big.yaml', limit: 'maxFileBytes' },
      }),
    );
    expect(g.guard.unexpectedErrors()).toBe(1);
    expect(g.fatal).toEqual([]);
    expect(g.lines).toHaveLength(1);
    expect(g.lines[0]).toMatchObject({
      level: 'error',
      kind: 'unhandledRejection',
      code: 'LIMIT_EXCEEDED',
      error: 'big.yaml: 5 MB, limit maxFileBytes',
      details: { file: 'big.yaml', limit: 'maxFileBytes' },
      unexpectedErrors: 1,
    });
    expect(String(g.lines[0]?.['stack'])).toContain('process-guard.test.ts');
  });

  it('throttles repeats of one message but counts every one', () => {
    const g = setup();
    for (let i = 0; i < 5; i++) g.target.emit('unhandledRejection', new Error('same'));
    g.target.emit('unhandledRejection', 'not an Error');
    expect(g.guard.unexpectedErrors()).toBe(6);
    expect(g.lines.map((l) => l['error'])).toEqual(['same', 'not an Error']);
    g.at(10_000);
    g.target.emit('unhandledRejection', new Error('same'));
    expect(g.lines[2]).toMatchObject({ error: 'same', suppressedRepeats: 4, unexpectedErrors: 7 });
  });

  it('logs an uncaught exception, counts it and asks the process to stop', () => {
    const g = setup();
    const err = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
    g.target.emit('uncaughtException', err);
    expect(g.guard.unexpectedErrors()).toBe(1);
    expect(g.fatal.map((e) => e.message)).toEqual(['write after end']);
    expect(g.lines[0]).toMatchObject({
      kind: 'uncaughtException',
      code: 'INTERNAL',
      errno: 'ERR_STREAM_WRITE_AFTER_END',
      error: 'write after end',
    });
  });

  it("turns process warnings into JSON lines instead of Node's printer, and gives it back", () => {
    const g = setup();
    const w = new Error('possible EventEmitter memory leak');
    w.name = 'MaxListenersExceededWarning';
    g.target.emit('warning', w);
    expect(g.printed).toEqual([]);
    expect(g.lines[0]).toMatchObject({
      level: 'warn',
      msg: 'process warning',
      warning: 'MaxListenersExceededWarning',
    });
    g.guard.uninstall();
    g.target.emit('warning', w);
    expect(g.printed).toEqual(['possible EventEmitter memory leak']);
    expect(g.target.listenerCount('unhandledRejection')).toBe(0);
    expect(g.target.listenerCount('uncaughtException')).toBe(0);
  });

  it.each<[string, unknown, Record<string, unknown>]>([
    [
      'a GitfleetError',
      new GitfleetError(ErrorCode.Timeout, 'redis: no answer', { details: { ms: 5 } }),
      { code: 'TIMEOUT', error: 'redis: no answer', details: { ms: 5 } },
    ],
    [
      'a system error',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      { code: 'INTERNAL', errno: 'ECONNREFUSED', error: 'connect ECONNREFUSED' },
    ],
    ['a string', 'boom', { code: 'INTERNAL', error: 'boom' }],
  ])('errorLogFields of %s', (_name, err, expected) => {
    expect(errorLogFields(err)).toMatchObject(expected);
  });
});
