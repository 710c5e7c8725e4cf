/**
 * Closing an ioredis connection at shutdown without waiting on a Redis that is gone: QUIT when
 * the connection is ready (bounded by a timeout), otherwise drop it at once.
 */
import type { Redis } from 'ioredis';

/** Closes `conn`: QUIT when it answers within `quitTimeoutMs`, else at once. */
export async function closeRedis(conn: Redis, quitTimeoutMs: number): Promise<void> {
  if (conn.status === 'end') return;
  if (conn.status !== 'ready') {
    conn.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    conn.quit().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, quitTimeoutMs))),
  ]);
  clearTimeout(timer);
  // after a QUIT that was answered this is a no-op; after one that was not, it ends the retrying
  conn.disconnect();
}

/** True when the connection answers a PING within `ms` (never throws). */
export async function answersWithin(conn: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const answered = await Promise.race([
    conn.ping().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return answered;
}
