/**
 * The agent's outbox of status reports: at most one pending report per app (a newer report replaces
 * an unacked older one — newest wins), bounded in the number of apps, resent after a timeout
 * (10 s doubling to 60 s) and immediately after a reconnect. It also remembers the status hash of
 * the last report the hub acked per app, which Hello carries.
 */
import type { StatusReport, TraceCarrier } from '@gitfleet/proto';

export const RESEND_INITIAL_MS = 10_000;
export const RESEND_MAX_MS = 60_000;

interface Pending {
  readonly messageId: string;
  readonly report: StatusReport;
  /** Trace context the report continues (the apply it reports on), or empty. */
  readonly trace: TraceCarrier;
  sentAtMs: number | undefined;
  attempt: number;
}

export class ReportOutbox {
  private readonly pending = new Map<string, Pending>();
  private readonly ackedHash = new Map<string, string>();
  private readonly maxApps: number;
  /** Reports dropped because the outbox was full (oldest app's report evicted). */
  dropped = 0;

  constructor(opts: { maxApps?: number } = {}) {
    this.maxApps = opts.maxApps ?? 10_000;
  }

  /** Queues a report, replacing any unacked one of the same app. */
  put(messageId: string, report: StatusReport, trace: TraceCarrier = {}): void {
    this.pending.delete(report.app); // re-insert at the end: Map order = age
    this.pending.set(report.app, { messageId, report, trace, sentAtMs: undefined, attempt: 0 });
    while (this.pending.size > this.maxApps) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.pending.delete(oldest);
      this.dropped++;
    }
  }

  /** Marks the report acked (ok or rejected: a rejected report is replaced by the next one). */
  ack(messageId: string, ok: boolean): StatusReport | undefined {
    for (const [app, p] of this.pending) {
      if (p.messageId === messageId) {
        this.pending.delete(app);
        if (ok) this.ackedHash.set(app, p.report.statusHash);
        return p.report;
      }
    }
    return undefined;
  }

  /** Reports due now: never sent on this stream, or unacked past their resend timeout. */
  due(nowMs: number): { messageId: string; report: StatusReport; trace: TraceCarrier }[] {
    const out: { messageId: string; report: StatusReport; trace: TraceCarrier }[] = [];
    for (const p of this.pending.values()) {
      const wait = Math.min(RESEND_MAX_MS, RESEND_INITIAL_MS * 2 ** p.attempt);
      if (p.sentAtMs === undefined || nowMs - p.sentAtMs >= wait) {
        out.push({ messageId: p.messageId, report: p.report, trace: p.trace });
      }
    }
    return out;
  }

  markSent(messageId: string, nowMs: number): void {
    for (const p of this.pending.values()) {
      if (p.messageId === messageId) {
        if (p.sentAtMs !== undefined) p.attempt++;
        p.sentAtMs = nowMs;
      }
    }
  }

  /** After a reconnect: acks from the old stream never arrive, so everything is due again. */
  resetForNewStream(): void {
    for (const p of this.pending.values()) {
      p.sentAtMs = undefined;
      p.attempt = 0;
    }
  }

  /** Forgets an app (removed): its pending report and acked hash. */
  forget(app: string): void {
    this.pending.delete(app);
    this.ackedHash.delete(app);
  }

  lastAckedHash(app: string): string | undefined {
    return this.ackedHash.get(app);
  }

  get size(): number {
    return this.pending.size;
  }

  pendingApps(): string[] {
    return [...this.pending.keys()];
  }
}
