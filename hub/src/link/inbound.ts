/**
 * What the hub does with an agent's acks and reports on a ready stream (./agent-link-server.ts
 * owns the streams and decides whether a report is in scope): an ack settles the delivery in
 * the store — delivered, or finally rejected — and a report is stored (newest wins) in a span
 * that continues the agent's apply trace, then acked.
 */
import {
  SpanKind,
  ackId,
  inSpan,
  type AgentMessage,
  type ErrorDetail,
  type Logger,
  type StatusReport,
  type Tracer,
} from '@gitfleet/proto';
import type { HubStore } from '../store/port.ts';
import type { Outbound } from './outbound.ts';
import type { Session } from './session.ts';

export interface InboundDeps {
  readonly store: Pick<HubStore, 'ack' | 'rejected' | 'putReport'>;
  readonly outbound: Pick<Outbound, 'send'>;
  /** Seconds from a delivery's first send to its ack. */
  readonly latency: { observe(seconds: number): void };
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly now: () => number;
  /** A row of the fleet status of (target, app) may have changed (the live event stream). */
  readonly changed?: (target: string, app: string) => void;
}

export class Inbound {
  private readonly deps: InboundDeps;

  constructor(deps: InboundDeps) {
    this.deps = deps;
  }

  /** The agent acked `messageId` (with `error`: rejected it for good). */
  async ack(s: Session, messageId: string, error: ErrorDetail | undefined): Promise<void> {
    const { store, logger } = this.deps;
    const sent = s.sent.get(messageId);
    if (sent === undefined) return; // an ack for something we did not send on this stream (or a heartbeat id)
    s.sent.delete(messageId);
    this.deps.latency.observe((this.deps.now() - sent.firstSentMs) / 1_000);
    if (error === undefined) {
      await store.ack(s.target, sent.app, sent.version);
      this.deps.changed?.(s.target, sent.app);
    } else {
      await store.rejected(s.target, sent.app, sent.version, error);
      this.deps.changed?.(s.target, sent.app);
      logger.warn('agent rejected a message', {
        target: s.target,
        app: sent.app,
        version: sent.version,
        code: error.code,
        error: error.message,
      });
    }
  }

  /** Stores a report (already in the stream's scope) and acks it. */
  async report(s: Session, msg: AgentMessage, p: StatusReport): Promise<void> {
    const result = await inSpan(
      this.deps.tracer,
      'gitfleet.report',
      {
        parent: msg.trace,
        kind: SpanKind.SERVER,
        attributes: {
          'gitfleet.target': p.target,
          'gitfleet.app': p.app,
          'gitfleet.sync': p.syncState,
          'gitfleet.health': p.health.status,
          'gitfleet.version': p.assignmentVersion,
        },
      },
      () => this.deps.store.putReport(p),
    );
    this.deps.changed?.(p.target, p.app);
    this.deps.outbound.send(
      s,
      { kind: 'ack', ackedMessageId: msg.messageId, ackedSeq: msg.seq },
      ackId(msg.messageId),
    );
    this.deps.logger.debug('report', {
      target: s.target,
      app: p.app,
      sync: p.syncState,
      health: p.health.status,
      result,
    });
  }
}
