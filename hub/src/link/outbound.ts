/**
 * What the hub writes on an agent stream (./agent-link-server.ts owns the streams): sequenced
 * and unsequenced messages, the target's pending deliveries with their backpressure (at most one
 * queued message per app while the stream is saturated, newest wins), and keeping a live stream
 * up to date — resending what stayed unacked, sending pending deliveries no job brought, and a
 * heartbeat when the hub has been quiet.
 */
import {
  appRemovalId,
  assignmentId,
  heartbeatId,
  writeHubMessage,
  type AppRemoval,
  type Assignment,
  type HubPayload,
  type Logger,
} from '@gitfleet/proto';
import type { HubStore, PendingDelivery } from '../store/port.ts';
import type { Session } from './session.ts';
import type { StreamGuard } from './stream-guard.ts';

/** Resends back off from `resendAfterMs`, doubling up to this. */
const RESEND_MAX_MS = 60_000;

export interface OutboundOptions {
  readonly heartbeatIntervalMs: number;
  /** First resend of an unacked message; doubles up to 60 s. */
  readonly resendAfterMs: number;
  /** How often a stream's pending deliveries are read back from the store. */
  readonly pendingSweepMs: number;
}

export interface OutboundDeps {
  readonly store: Pick<HubStore, 'pendingOf' | 'pendingFor'>;
  readonly guard: Pick<StreamGuard, 'outbound'>;
  readonly logger: Logger;
  readonly now: () => number;
}

/** The message id of a delivery: the same for every send of one version. */
function deliveryId(target: string, payload: Assignment | AppRemoval): string {
  return payload.kind === 'assignment'
    ? assignmentId(target, payload.app, payload.version)
    : appRemovalId(target, payload.app, payload.version);
}

export class Outbound {
  private readonly opts: OutboundOptions;
  private readonly deps: OutboundDeps;

  constructor(opts: OutboundOptions, deps: OutboundDeps) {
    this.opts = opts;
    this.deps = deps;
  }

  /** Writes a message without a trace (false: not sent, or the stream is saturated). */
  send(s: Session, payload: HubPayload, messageId: string): boolean {
    if (s.state === 'closed') return false;
    const sequenced = payload.kind !== 'ack' && payload.kind !== 'heartbeat';
    return this.write(s, payload, messageId, sequenced, {});
  }

  /**
   * Sends one pending message unless the stream is saturated (then it queues the app) or the
   * message names another target (refused).
   */
  sendPending(s: Session, p: PendingDelivery): 'sent' | 'queued' | 'refused' {
    const payload: Assignment | AppRemoval = p.payload;
    if (!this.deps.guard.outbound(s, payload)) return 'refused';
    if (s.draining) {
      s.queued.add(payload.app);
      return 'queued';
    }
    const id = deliveryId(s.target, payload);
    const now = this.deps.now();
    // a newer version of the app replaces an unacked older one
    for (const [k, v] of s.sent) if (v.app === payload.app && k !== id) s.sent.delete(k);
    const prior = s.sent.get(id);
    s.sent.set(id, {
      app: payload.app,
      version: payload.version,
      kind: payload.kind,
      sentAtMs: now,
      firstSentMs: prior?.firstSentMs ?? now,
      attempt: prior === undefined ? 0 : prior.attempt + 1,
    });
    if (!this.write(s, payload, id, true, p.trace)) s.draining = true;
    return 'sent';
  }

  /** The stream drained: sends what queued up meanwhile, until it saturates again. */
  async drain(s: Session): Promise<void> {
    s.draining = false;
    const apps = [...s.queued];
    s.queued.clear();
    for (const app of apps) {
      const p = await this.deps.store.pendingOf(s.target, app).catch(() => undefined);
      if (p !== undefined) this.sendPending(s, p);
      if (s.draining) return;
    }
  }

  /**
   * Keeps a live stream up to date at `now`: resends what stayed unacked (the newest pending
   * version of each app, backing off), every `pendingSweepMs` sends the pending deliveries this
   * stream has not sent, and sends a heartbeat after a heartbeat interval of silence.
   */
  async keepUp(s: Session, now: number): Promise<void> {
    for (const [id, v] of [...s.sent]) {
      const wait = Math.min(RESEND_MAX_MS, this.opts.resendAfterMs * 2 ** v.attempt);
      if (now - v.sentAtMs < wait) continue;
      const p = await this.deps.store.pendingOf(s.target, v.app).catch(() => undefined);
      if (p === undefined) s.sent.delete(id);
      else this.sendPending(s, p);
    }
    if (now - s.lastSweepMs >= this.opts.pendingSweepMs) {
      s.lastSweepMs = now;
      for (const p of await this.deps.store.pendingFor(s.target).catch(() => [])) {
        const id = deliveryId(s.target, p.payload);
        if (s.sent.has(id) || s.queued.has(p.payload.app)) continue;
        this.deps.logger.info('sending a pending delivery no job brought', {
          target: s.target,
          app: p.payload.app,
          version: p.payload.version,
        });
        this.sendPending(s, p);
      }
    }
    if (now - s.lastSentMs >= this.opts.heartbeatIntervalMs) {
      this.send(s, { kind: 'heartbeat' }, heartbeatId(s.id, 'hub', ++s.heartbeats));
    }
  }

  private write(
    s: Session,
    payload: HubPayload,
    messageId: string,
    sequenced: boolean,
    trace: Readonly<Record<string, string>>,
  ): boolean {
    s.lastSentMs = this.deps.now();
    return writeHubMessage(s.stream, {
      messageId,
      seq: sequenced ? ++s.seq : 0,
      sentAtUnixMs: s.lastSentMs,
      trace,
      payload,
    });
  }
}
