/**
 * The revocation state every replica enforces on AgentLink streams (docs/security.md,
 * "Registration, renewal and revocation"): the cutoff of each revoked target, read from Redis at
 * every Hello (so a revocation holds from the moment it is written) and polled every `pollMs`
 * for the streams already open, which end at the next tick of the link server.
 *
 * A short poll rather than pub/sub: one HGETALL of a small hash per replica per second is cheap,
 * it needs nothing of the writer (the `gitfleet-hub revoke` command only writes the hash), and a
 * replica whose Redis connection dropped catches up at its next read instead of missing a message
 * published meanwhile. A revoked target's streams end within about two seconds on every replica.
 */
import { errorLogFields, type Logger } from '@gitfleet/proto';
import type { RegistrationStorePort } from '../store/registration-store.ts';

/** How often the revocations are read for open streams. */
export const REVOCATION_POLL_MS = 1_000;

export class RevocationWatch {
  private readonly store: Pick<RegistrationStorePort, 'cutoffOf' | 'cutoffs'>;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private cutoffs: ReadonlyMap<string, number> = new Map();
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    store: Pick<RegistrationStorePort, 'cutoffOf' | 'cutoffs'>,
    logger: Logger,
    pollMs = REVOCATION_POLL_MS,
  ) {
    this.store = store;
    this.logger = logger.child({ component: 'revocations' });
    this.pollMs = pollMs;
  }

  /** Reads the revocations now and every pollMs from then on. */
  async start(): Promise<void> {
    await this.poll();
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The cutoff of `target` as last polled (for open streams). */
  cached(target: string): number | undefined {
    return this.cutoffs.get(target);
  }

  /** The cutoff of `target` read now (for a Hello or a Renew). */
  async current(target: string): Promise<number | undefined> {
    return this.store.cutoffOf(target);
  }

  private async poll(): Promise<void> {
    try {
      this.cutoffs = await this.store.cutoffs();
      if (this.failing) this.logger.info('revocations read again');
      this.failing = false;
    } catch (err) {
      // the last cutoffs read stay in force; said once per outage
      if (!this.failing) {
        this.logger.warn('cannot read the revocations: the last ones read stay in force', {
          ...errorLogFields(err),
        });
      }
      this.failing = true;
    }
  }
}
