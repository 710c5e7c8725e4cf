import { ErrorCode, GitfleetError } from '@gitfleet/proto';

/**
 * Polls `check` until it returns a value other than undefined/false, or throws TIMEOUT naming
 * `what` and the last error seen. `abortIf` lets a dead process end the wait early.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    const reason = opts.abortIf?.();
    if (reason !== undefined)
      throw new GitfleetError(ErrorCode.ProcessFailed, `${what}: ${reason}`);
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `: last error: ${last.message}` : '';
      throw new GitfleetError(
        ErrorCode.Timeout,
        `timed out after ${opts.timeoutMs} ms waiting for ${what}${detail}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
