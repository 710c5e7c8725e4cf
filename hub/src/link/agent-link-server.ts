/**
 * The hub's end of the AgentLink stream (proto/README.md): knows each agent by its client
 * certificate (or, on a hub that accepts them, its static token: ./peer-identity.ts), refuses
 * undeclared targets and foreign Hellos, ends the streams of targets that leave the fleet, refuses
 * revoked certificates and ends their streams and those whose certificate expired, serves the
 * Registration service beside AgentLink when the hub has an agent CA, runs
 * the resync handshake through the pure `planResync`, streams the target's outbox (from the
 * HubStore: latest-wins per app), records acks, rejections and reports, sends heartbeats and
 * closes stale sessions.
 *
 * Any replica can serve any agent: all state is in the store. `deliver(target, app)` is what the
 * delivery queue's worker calls; it sends when the target's stream is on this replica and
 * otherwise leaves the message pending in the store, where the owning replica's resend or the
 * next resync picks it up.
 *
 * What goes out on a stream, with its backpressure and resends, is ./outbound.ts: a session
 * keeps at most one queued message per app (newest wins), so a slow agent cannot grow hub memory
 * without bound.
 *
 * Quotas (proto/README.md, "Limits and quotas"; the decisions are in ../core/link): messages
 * above MAX_MESSAGE_BYTES are refused by grpc-js; each stream has a message rate limit (over it,
 * the stream ends with RESOURCE_EXHAUSTED before the excess is handled); reports are stored only
 * for apps assigned to the stream's target; a target's stream taken over too often refuses
 * further takeovers for a while. Refusals are logged and counted (`metrics`).
 */
import { Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_STREAM_QUOTA,
  DEFAULT_TAKEOVER_POLICY,
  ErrorCode,
  PROTOCOL_VERSION,
  STALE_AFTER_MISSED_HEARTBEATS,
  ackId,
  agentLinkGrpc,
  noopTracer,
  onAgentMessage,
  toGitfleetError,
  welcomeId,
  type AgentLinkServerStream,
  type AgentMessage,
  type Hello,
  type Logger,
  type StatusReport,
  type StreamQuota,
  type TakeoverPolicy,
  type TraceCarrier,
  type Tracer,
  registrationGrpc,
  type RegistrationHandlers,
} from '@gitfleet/proto';
import { streamCertificateVerdict, type CertificateValidity } from '../core/registration/index.ts';
import { DeliveryLatency } from '../metrics.ts';
import type { HubStore } from '../store/port.ts';
import { applyResync, resyncDeliveries } from './apply-resync.ts';
import { helloRefusal } from './hello.ts';
import { Inbound } from './inbound.ts';
import { Outbound } from './outbound.ts';
import { streamIdentity } from './peer-identity.ts';
import { AGENT_LINK_SERVER_OPTIONS } from './server-options.ts';
import type { RegistrationMetrics } from './registration-metrics.ts';
import type { RevocationWatch } from './registration-revocations.ts';
import { Session, peerOf } from './session.ts';
import {
  StreamGuard,
  supersededMessage,
  type AgentLinkMetrics,
  type Refusal,
} from './stream-guard.ts';

export type { AgentLinkMetrics } from './stream-guard.ts';

export interface AgentLinkServerOptions {
  /** This replica's id (recorded with each session). */
  readonly replica: string;
  readonly heartbeatIntervalMs?: number;
  /** First resend of an unacked message; doubles up to 60 s. */
  readonly resendAfterMs?: number;
  /**
   * How often each stream's pending deliveries are read back from the store and whatever this
   * stream has not sent is sent (default 15 s). Redis, not the job queue, is what must reach the
   * agent: a job lost with a killed replica (or parked behind one) cannot hold a change back.
   */
  readonly pendingSweepMs?: number;
  /** Message rate limit of each stream. @defaultValue DEFAULT_STREAM_QUOTA */
  readonly streamQuota?: StreamQuota;
  /** When takeovers of a target's stream are refused. @defaultValue DEFAULT_TAKEOVER_POLICY */
  readonly takeoverPolicy?: TakeoverPolicy;
}

export interface AgentLinkServerDeps {
  readonly store: HubStore;
  /**
   * The target a static bearer token belongs to (constant-time comparison is the caller's), or
   * undefined. Absent: no token is accepted, every agent presents its client certificate.
   */
  readonly authenticate?: (token: string) => string | undefined;
  /**
   * Whether the target is declared in the fleet in force; undefined while no fleet definition is
   * in force yet (the agent is told to come back).
   */
  readonly isDeclared: (target: string) => boolean | undefined;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Spans for reports (children of the agent's apply span, so a change is one trace). */
  readonly tracer?: Tracer;
  /**
   * Revoked targets (./registration-revocations.ts): a revoked certificate is refused at Hello
   * and its open streams end. Absent: no revocation is enforced (a stream still ends when its
   * certificate expires).
   */
  readonly revocations?: Pick<RevocationWatch, 'cached' | 'current'>;
  /** The Registration service served on the same port (the hub has an agent CA). */
  readonly registration?: RegistrationHandlers;
  /** Counts refusals for a certificate (revoked, expired). */
  readonly registrationMetrics?: RegistrationMetrics;
  /** Wall clock, for certificate times. @defaultValue Date.now */
  readonly wallClock?: () => number;
  /**
   * Rows of the fleet status may have changed: of (target, app) after a report, ack or
   * rejection; of every app of the target (app undefined) when its stream opened or ended.
   */
  readonly changed?: (target: string, app?: string) => void;
}

/** Liveness writes to the store at most this often per stream (and twice per heartbeat). */
const TOUCH_EVERY_MS = 1_000;

export class AgentLinkServer {
  private readonly opts: Required<AgentLinkServerOptions>;
  private readonly store: HubStore;
  private readonly authenticate: ((token: string) => string | undefined) | undefined;
  private readonly isDeclared: (target: string) => boolean | undefined;
  private readonly logger: Logger;
  private readonly tracer: Tracer;
  /** First send of an assignment or removal → the agent's ack (it holds it durably), seconds. */
  readonly deliveryLatency = new DeliveryLatency();
  private readonly guard: StreamGuard;
  private readonly outbound: Outbound;
  private readonly inbound: Inbound;
  private readonly now: () => number;
  private readonly sessions = new Map<string, Session>();
  /** The validity of each certificate-authenticated session's client certificate. */
  private readonly certificates = new WeakMap<Session, CertificateValidity>();
  private readonly revocations: AgentLinkServerDeps['revocations'];
  private readonly registration: RegistrationHandlers | undefined;
  private readonly registrationMetrics: RegistrationMetrics | undefined;
  private readonly wallClock: () => number;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly changed: (target: string, app?: string) => void;

  constructor(opts: AgentLinkServerOptions, deps: AgentLinkServerDeps) {
    this.opts = {
      replica: opts.replica,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      resendAfterMs: opts.resendAfterMs ?? 10_000,
      pendingSweepMs: opts.pendingSweepMs ?? 15_000,
      streamQuota: opts.streamQuota ?? DEFAULT_STREAM_QUOTA,
      takeoverPolicy: opts.takeoverPolicy ?? DEFAULT_TAKEOVER_POLICY,
    };
    this.guard = new StreamGuard(
      this.opts.streamQuota,
      this.opts.takeoverPolicy,
      deps.logger.child({ component: 'agent-link' }),
    );
    this.store = deps.store;
    this.authenticate = deps.authenticate;
    this.isDeclared = deps.isDeclared;
    this.logger = deps.logger.child({ component: 'agent-link' });
    this.tracer = deps.tracer ?? noopTracer;
    this.now = deps.now ?? Date.now;
    this.revocations = deps.revocations;
    this.registration = deps.registration;
    this.registrationMetrics = deps.registrationMetrics;
    this.wallClock = deps.wallClock ?? Date.now;
    this.outbound = new Outbound(this.opts, {
      store: deps.store,
      guard: this.guard,
      logger: this.logger,
      now: this.now,
    });
    this.inbound = new Inbound({
      store: deps.store,
      outbound: this.outbound,
      latency: this.deliveryLatency,
      tracer: this.tracer,
      logger: this.logger,
      now: this.now,
      ...(deps.changed === undefined ? {} : { changed: deps.changed }),
    });
    this.changed = deps.changed ?? (() => undefined);
  }

  /**
   * Serves on `address` (host:port; port 0 picks one). Resolves with the bound port. Plaintext
   * unless `credentials` say otherwise (the binary's are ./transport.ts's).
   */
  async listen(address: string, credentials = ServerCredentials.createInsecure()): Promise<number> {
    // a message above MAX_MESSAGE_BYTES is refused by grpc-js (RESOURCE_EXHAUSTED) from its
    // length prefix, before it is buffered; the call ends, the server stays up
    const server = new Server({ ...AGENT_LINK_SERVER_OPTIONS });
    server.addService(agentLinkGrpc().service, {
      Connect: (stream: AgentLinkServerStream) => this.onConnect(stream),
    });
    if (this.registration !== undefined) {
      server.addService(registrationGrpc().service, this.registration);
    }
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    this.timer = setInterval(
      () => void this.tick(),
      Math.min(1_000, this.opts.heartbeatIntervalMs),
    );
    this.timer.unref();
    return port;
  }

  /** The quota counters so far. */
  metrics(): AgentLinkMetrics {
    return this.guard.metrics();
  }

  /** Targets with a live stream on this replica. */
  connectedTargets(): string[] {
    return [...this.sessions.values()].filter((s) => s.state === 'ready').map((s) => s.target);
  }

  /**
   * Sends the current pending message of (target, app) if the target's stream is on this replica.
   * 'no-session' leaves it pending in the store for the replica holding the stream (its resend) or
   * the agent's next resync; 'refused': it names another target (never sent, logged, counted).
   */
  async deliver(
    target: string,
    app: string,
    trace?: TraceCarrier,
  ): Promise<'sent' | 'queued' | 'no-session' | 'nothing-pending' | 'refused'> {
    const s = this.sessions.get(target);
    if (s === undefined || s.state !== 'ready') return 'no-session';
    const pending = await this.store.pendingOf(target, app);
    if (pending === undefined) return 'nothing-pending';
    // the delivery's own span (when given) becomes the parent of the agent's apply
    const withTrace = trace?.['traceparent'] === undefined ? pending : { ...pending, trace };
    return this.outbound.sendPending(s, withTrace);
  }

  /**
   * Ends every session on this replica; agents reconnect and resync (after a Redis wipe, the resync
   * moves the version counters past what each agent holds).
   */
  async dropAll(reason: string): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => this.endSession(s, reason)));
  }

  /** Stops accepting, ends every session (their unacked messages stay pending in the store). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await Promise.all(
        [...this.sessions.values()].map((s) => this.endSession(s, 'hub shutting down')),
      );
      const server = this.server;
      if (server !== undefined) {
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      }
    })();
    return this.closing;
  }

  // ------------------------------------------------------------------ connect and handshake

  private onConnect(stream: AgentLinkServerStream): void {
    const { decision, certificate, validity } = streamIdentity(stream, this.authenticate);
    if ('refused' in decision) {
      this.logger.warn('agent refused', {
        reason: decision.message,
        peer: peerOf(stream),
        ...(certificate === undefined ? {} : { certificate }),
      });
      const code =
        decision.refused === 'denied' ? status.PERMISSION_DENIED : status.UNAUTHENTICATED;
      this.fail(stream, code, decision.message);
      return;
    }
    const { target, via } = decision;
    const session = new Session(target, via, stream, this.now(), this.opts.streamQuota);
    if (validity !== undefined) this.certificates.set(session, validity);
    const helloDeadline = setTimeout(() => {
      if (session.state === 'handshaking') {
        this.fail(stream, status.INVALID_ARGUMENT, 'no Hello within 3 heartbeat intervals');
      }
    }, STALE_AFTER_MISSED_HEARTBEATS * this.opts.heartbeatIntervalMs);
    helloDeadline.unref();
    onAgentMessage(
      stream,
      (msg) => {
        if (this.admit(session)) void this.onMessage(session, msg);
      },
      (violation) => {
        if (violation.code === ErrorCode.LimitExceeded) {
          this.refuse(session, this.guard.overLimit(session, violation.message), 'over a limit');
          return;
        }
        this.logger.warn('protocol violation from agent', { target, error: violation.message });
        this.fail(stream, status.INVALID_ARGUMENT, violation.message);
        void this.endSession(session, 'protocol violation');
      },
    );
    const ended = (): void => void this.endSession(session, 'stream ended');
    stream.on('error', ended);
    stream.on('cancelled', ended);
    stream.on('end', ended);
    stream.on('drain', () => void this.outbound.drain(session));
  }

  /**
   * The stream's message quota: a token per received message, taken synchronously before the
   * message is handled. Out of tokens, the stream ends with RESOURCE_EXHAUSTED at once, so nothing
   * from the excess reaches the store.
   */
  private admit(s: Session): boolean {
    if (s.state === 'closed') return false;
    const refusal = this.guard.admit(s, this.now());
    if (refusal === undefined) return true;
    this.refuse(s, refusal, 'message quota exceeded');
    return false;
  }

  /** Ends the stream with the refusal's status (see StreamGuard). */
  private refuse(s: Session, refusal: Refusal, reason: string): void {
    this.fail(s.stream, refusal.code ?? status.INVALID_ARGUMENT, refusal.message);
    void this.endSession(s, reason);
  }

  private fail(stream: AgentLinkServerStream, code: status, details: string): void {
    const err: Partial<ServiceError> = { code, details, message: details };
    stream.emit('error', err);
  }

  private async onMessage(s: Session, msg: AgentMessage): Promise<void> {
    if (s.state === 'closed') return;
    const now = this.now();
    s.lastReceivedMs = now;
    const p = msg.payload;
    try {
      if (s.state === 'handshaking') {
        if (p.kind !== 'hello') {
          this.fail(
            s.stream,
            status.INVALID_ARGUMENT,
            `first message must be Hello, got ${p.kind}`,
          );
          return;
        }
        await this.onHello(s, p);
        return;
      }
      if (now - s.lastTouchMs >= Math.min(TOUCH_EVERY_MS, this.opts.heartbeatIntervalMs / 2)) {
        s.lastTouchMs = now;
        await this.store.touch(s.target, now, s.id);
      }
      switch (p.kind) {
        case 'hello':
          this.fail(s.stream, status.INVALID_ARGUMENT, 'Hello sent twice on one stream');
          return;
        case 'heartbeat':
          return;
        case 'ack':
          await this.inbound.ack(s, p.ackedMessageId, p.error);
          return;
        case 'statusReport': {
          if (this.reportInScope(s, msg, p)) await this.inbound.report(s, msg, p);
          return;
        }
      }
    } catch (err) {
      // the store is unreachable: say nothing (no ack), the agent resends after reconnecting
      this.logger.error('could not handle agent message', {
        target: s.target,
        kind: p.kind,
        error: toGitfleetError(err).message,
      });
    }
  }

  /**
   * Whether a report may be stored (StreamGuard.report): a refused one is acked with NOT_FOUND,
   * or ends the stream when it names another target.
   */
  private reportInScope(s: Session, msg: AgentMessage, p: StatusReport): boolean {
    const refusal = this.guard.report(s, p);
    if (refusal === undefined) return true;
    if (refusal.code !== undefined) {
      this.refuse(s, refusal, 'report for another target');
      return false;
    }
    const error = { code: ErrorCode.NotFound, message: refusal.message };
    const ack = { kind: 'ack', ackedMessageId: msg.messageId, ackedSeq: msg.seq, error } as const;
    this.outbound.send(s, ack, ackId(msg.messageId));
    return false;
  }

  private async onHello(s: Session, hello: Hello): Promise<void> {
    const refusal = helloRefusal(s.target, hello, this.isDeclared(s.target), s.via);
    if (refusal !== undefined) {
      if (refusal.warning !== undefined) {
        this.logger.warn(refusal.warning.message, refusal.warning.fields);
      }
      this.fail(s.stream, refusal.code, refusal.message);
      return;
    }
    const validity = this.certificates.get(s);
    if (validity !== undefined && this.revocations !== undefined) {
      const verdict = streamCertificateVerdict(
        s.target,
        validity,
        await this.revocations.current(s.target),
        this.wallClock(),
      );
      if (verdict.kind !== 'valid') {
        this.refuseCertificate(s, verdict);
        return;
      }
    }
    const live = this.sessions.get(s.target);
    const refused = this.guard.takeover(
      s,
      live !== undefined && live !== s && live.state !== 'closed' ? live : undefined,
      hello.agentInstanceId,
      this.now(),
    );
    if (refused !== undefined) {
      this.refuse(s, refused, 'takeover refused');
      return;
    }
    s.instanceId = hello.agentInstanceId;
    const { superseded } = await this.store.recordSession(s.target, {
      replica: this.opts.replica,
      session: s.id,
      connectedAtMs: this.now(),
    });
    if (s.closed) {
      // the stream ended during the handshake: it must not come back as the target's session
      await this.store.endSession(s.target, s.id, this.now()).catch(() => undefined);
      return;
    }
    const old = this.sessions.get(s.target);
    if (old !== undefined && old !== s) {
      this.fail(old.stream, status.ABORTED, supersededMessage(s));
      await this.endSession(old, 'superseded by a new stream');
    }
    this.sessions.set(s.target, s);
    if (superseded !== undefined && superseded.replica !== this.opts.replica) {
      this.logger.info('took over a stream from another replica', {
        target: s.target,
        from: superseded.replica,
      });
    }

    const { decision, assigned } = await applyResync(this.store, s.target, hello);
    if (s.closed) return;
    for (const [app, version] of assigned) s.assigned.set(app, version);
    s.carries(
      new Set([...hello.held.map((h) => h.app), ...s.assigned.keys()]).size,
      this.opts.streamQuota,
    );
    s.state = 'ready';
    // connected, and the resync may have moved desired versions and deliveries
    this.changed(s.target);
    this.outbound.send(
      s,
      {
        kind: 'welcome',
        sessionId: s.id,
        protocolVersion: PROTOCOL_VERSION,
        heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
        resync: decision.plan,
      },
      welcomeId(s.id),
    );
    this.logger.info('agent connected', {
      target: s.target,
      identifiedBy: s.via,
      session: s.id,
      held: hello.held.length,
      assign: decision.assign.length,
      remove: decision.remove.length,
      reportRequests: decision.plan.reportRequests.length,
    });
    for (const p of await resyncDeliveries(this.store, s.target, decision)) {
      this.outbound.sendPending(s, p);
    }
  }

  // ------------------------------------------------------------------ liveness

  private async tick(): Promise<void> {
    const now = this.now();
    this.guard.prune(now);
    for (const s of this.sessions.values()) {
      if (s.state !== 'ready') continue;
      if (this.isDeclared(s.target) === false) {
        // the target left the fleet: its certificate (or token) no longer opens a stream
        this.logger.warn('target no longer declared in the fleet: ending its stream', {
          target: s.target,
        });
        this.fail(
          s.stream,
          status.PERMISSION_DENIED,
          `target ${s.target} is no longer declared in the fleet`,
        );
        await this.endSession(s, 'target no longer declared');
        continue;
      }
      const validity = this.certificates.get(s);
      if (validity !== undefined) {
        const verdict = streamCertificateVerdict(
          s.target,
          validity,
          this.revocations?.cached(s.target),
          this.wallClock(),
        );
        if (verdict.kind !== 'valid') {
          this.refuseCertificate(s, verdict);
          await this.endSession(s, `client certificate ${verdict.kind}`);
          continue;
        }
      }
      if (now - s.lastReceivedMs > STALE_AFTER_MISSED_HEARTBEATS * this.opts.heartbeatIntervalMs) {
        this.logger.warn('agent stale: closing its stream', {
          target: s.target,
          silentMs: now - s.lastReceivedMs,
        });
        await this.endSession(s, 'agent stale');
        continue;
      }
      await this.outbound.keepUp(s, now);
    }
  }

  /** Refuses (or ends) a stream for its certificate: revoked or expired. */
  private refuseCertificate(
    s: Session,
    verdict: { readonly kind: 'revoked' | 'expired'; readonly message: string },
  ): void {
    this.registrationMetrics?.certificateRefused(verdict.kind);
    this.logger.warn(`agent refused: client certificate ${verdict.kind}`, {
      target: s.target,
      session: s.id,
    });
    this.fail(
      s.stream,
      verdict.kind === 'revoked' ? status.PERMISSION_DENIED : status.UNAUTHENTICATED,
      verdict.message,
    );
  }

  private async endSession(s: Session, reason: string): Promise<void> {
    if (s.state === 'closed') return;
    s.state = 'closed';
    if (this.sessions.get(s.target) === s) this.sessions.delete(s.target);
    try {
      s.stream.end();
    } catch {
      // already gone
    }
    await this.store.endSession(s.target, s.id, this.now()).catch(() => undefined);
    this.changed(s.target);
    this.logger.info('agent disconnected', { target: s.target, session: s.id, reason });
  }
}
