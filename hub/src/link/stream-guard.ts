/**
 * The quotas of the hub's AgentLink streams (proto/README.md, "Limits and quotas"), between the
 * pure decisions of ../core/link and the server: it keeps the per-target takeover records and the
 * counters, logs every refusal, and answers what the server must do (go on, or refuse with a
 * gRPC status and a message). The server does the stream I/O.
 */
import { status } from '@grpc/grpc-js';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import type {
  AppRemoval,
  Assignment,
  Logger,
  StatusReport,
  StreamQuota,
  TakeoverPolicy,
} from '@gitfleet/proto';
import { LabeledCounter } from '../core/link/counters.ts';
import { RefusalReason, afterSend, checkOutbound, checkReport } from '../core/link/scope.ts';
import { quotaExceededMessage, quotaProblems, takeToken } from '../core/link/stream-quota.ts';
import {
  NO_TAKEOVERS,
  decideTakeover,
  takeoverRefusedMessage,
  type TakeoverState,
} from '../core/link/takeover.ts';
import type { Session } from './session.ts';

/** The link's quota counters (exposed on the hub's `/metrics` by ../metrics.ts). */
export interface AgentLinkMetrics {
  /** Messages or streams refused, by reason (core/link/scope.ts `RefusalReason`). */
  readonly refused: Readonly<Record<string, number>>;
  /** New streams that superseded another agent instance's live stream. */
  readonly takeovers: number;
}

/** What the server does with a message or stream the guard refused. */
export interface Refusal {
  /** gRPC status the stream ends with; undefined: only the message is rejected (ack error). */
  readonly code: status | undefined;
  readonly message: string;
}

export class StreamGuard {
  private readonly quota: StreamQuota;
  private readonly policy: TakeoverPolicy;
  private readonly logger: Logger;
  /** By reason; every reason is there (0) before its first refusal. */
  private readonly refused = new LabeledCounter<RefusalReason>(Object.values(RefusalReason));
  private takeoverCount = 0;
  private readonly takeovers = new Map<string, TakeoverState>();

  /** @throws GitfleetError CONFIG_INVALID when the quota is not usable */
  constructor(quota: StreamQuota, policy: TakeoverPolicy, logger: Logger) {
    const problems = quotaProblems(quota);
    if (problems.length > 0) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `agent link stream quota: ${problems.join('; ')}`,
        { terminal: true },
      );
    }
    this.quota = quota;
    this.policy = policy;
    this.logger = logger;
  }

  metrics(): AgentLinkMetrics {
    return { refused: this.refused.snapshot(), takeovers: this.takeoverCount };
  }

  /**
   * Takes a token for one received message (before it is handled). Out of tokens: the stream
   * must end with RESOURCE_EXHAUSTED, and the message and everything after it is not handled.
   */
  admit(s: Session, nowMs: number): Refusal | undefined {
    const taken = takeToken(s.bucket, this.quota, nowMs);
    s.bucket = taken.bucket;
    if (taken.ok) return undefined;
    this.refused.inc(RefusalReason.RateLimit);
    this.logger.warn('agent over its message quota: closing its stream', {
      target: s.target,
      peer: s.peer,
      session: s.id,
      messagesPerSecond: this.quota.messagesPerSecond,
      burst: s.bucket.capacity,
    });
    return {
      code: status.RESOURCE_EXHAUSTED,
      message: quotaExceededMessage(s.target, this.quota, s.bucket.capacity),
    };
  }

  /** A message the codec refused for a limit (LIMIT_EXCEEDED: the held-apps list). */
  overLimit(s: Session, message: string): Refusal {
    this.refused.inc(RefusalReason.HeldAppsLimit);
    this.logger.warn('agent message over a limit: closing its stream', {
      target: s.target,
      peer: s.peer,
      error: message,
    });
    return { code: status.RESOURCE_EXHAUSTED, message };
  }

  /**
   * Whether a report may be stored. For another target the stream ends (PERMISSION_DENIED); for
   * an app not assigned to the target, or a version never assigned, only the report is rejected.
   */
  report(s: Session, p: StatusReport): Refusal | undefined {
    const verdict = checkReport(s.target, s.assigned, p);
    if (verdict.ok) return undefined;
    this.refused.inc(verdict.reason);
    if (verdict.reason === RefusalReason.ForeignTarget) {
      this.logger.warn('agent refused: report for another target', {
        target: s.target,
        peer: s.peer,
        claimed: p.target,
      });
      return { code: status.PERMISSION_DENIED, message: verdict.message };
    }
    if (s.firstRefusalOf(p.app)) {
      this.logger.warn('report refused', {
        target: s.target,
        peer: s.peer,
        app: p.app,
        version: p.assignmentVersion,
        reason: verdict.reason,
        error: verdict.message,
      });
    }
    return { code: undefined, message: verdict.message };
  }

  /**
   * Before an assignment or removal goes out on the stream: false (logged, counted) when it names
   * another target; otherwise the stream now knows it (the apps it may report on, its quota).
   */
  outbound(s: Session, payload: Assignment | AppRemoval): boolean {
    const verdict = checkOutbound(s.target, payload);
    if (!verdict.ok) {
      this.refused.inc(verdict.reason);
      this.logger.error('not sending a message for another target', {
        target: s.target,
        app: payload.app,
        error: verdict.message,
      });
      return false;
    }
    afterSend(s.assigned, payload);
    s.carries(s.assigned.size, this.quota);
    return true;
  }

  /**
   * Whether `s` may take its target over from `live` (core/link/takeover.ts). Every takeover is
   * logged with the peers of both streams; a refused stream must end with RESOURCE_EXHAUSTED.
   */
  takeover(
    s: Session,
    live: Session | undefined,
    newcomer: string,
    nowMs: number,
  ): Refusal | undefined {
    const verdict = decideTakeover(
      this.takeovers.get(s.target) ?? NO_TAKEOVERS,
      { nowMs, holder: live?.instanceId, newcomer },
      this.policy,
    );
    this.takeovers.set(s.target, verdict.state);
    const streams = {
      target: s.target,
      takeoversInWindow: verdict.count,
      newPeer: s.peer,
      newSession: s.id,
      ...(live === undefined ? {} : { livePeer: live.peer, liveSession: live.id }),
    };
    if (!verdict.allow) {
      this.refused.inc(RefusalReason.TakeoverLimit);
      this.logger.warn('agent refused: its stream was taken over too often', {
        ...streams,
        retryAfterMs: verdict.retryAfterMs,
      });
      return {
        code: status.RESOURCE_EXHAUSTED,
        message: takeoverRefusedMessage(s.target, this.policy, verdict.retryAfterMs),
      };
    }
    if (verdict.takeover) {
      this.takeoverCount++;
      this.logger.warn('agent stream taken over by another agent instance', streams);
    }
    return undefined;
  }

  /** Forgets takeover records that no longer matter (no recent takeover, no penalty left). */
  prune(nowMs: number): void {
    for (const [target, t] of this.takeovers) {
      const quiet = t.times.every((at) => at <= nowMs - this.policy.windowMs);
      if (quiet && nowMs >= t.refusedUntilMs + this.policy.maxPenaltyMs) {
        this.takeovers.delete(target);
      }
    }
  }
}

/** What a superseded stream is told when it is closed (ABORTED). */
export function supersededMessage(newer: Session): string {
  return (
    `target ${newer.target}: this stream was superseded by a newer stream for the same target ` +
    `(from ${newer.peer}); if this agent did not reconnect, another process uses its token`
  );
}
