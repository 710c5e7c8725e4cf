/**
 * The agent's end of the AgentLink stream. It only dials out: connect → Hello → Welcome → Ready,
 * then streams hub messages to the handler (acking each once the handler has durably taken it
 * over) and status reports from the outbox to the hub. On any failure it reconnects with
 * exponential backoff and full jitter and redoes the resync handshake. The cluster keeps being
 * reconciled while the link is down: the link only carries messages.
 *
 * A started link keeps the process alive until close(): an agent whose hub is unreachable (not
 * yet started, partitioned, misconfigured) waits for it indefinitely, logging one JSON line per
 * band of failed attempts (see `reconnectLogDue`) with the reason and what to check.
 *
 * States: disconnected → connecting → handshaking → ready → (disconnected …) ; closed is final.
 */
import { randomUUID } from 'node:crypto';
import {
  Metadata,
  credentials as grpcCredentials,
  status,
  type ChannelCredentials,
} from '@grpc/grpc-js';
import {
  AGENT_LINK_MESSAGE_OPTIONS,
  ErrorCode,
  GitfleetError,
  PROTOCOL_VERSION,
  STALE_AFTER_MISSED_HEARTBEATS,
  ackId,
  agentLinkGrpc,
  bearerMetadata,
  heartbeatId,
  helloId,
  onHubMessage,
  statusReportId,
  toErrorDetail,
  toGitfleetError,
  writeAgentMessage,
  type AgentLinkClient,
  type AgentLinkClientStream,
  type AgentPayload,
  type AppRemoval,
  type Assignment,
  type HeldApp,
  type HubMessage,
  type Logger,
  type StatusReport,
  type SyncRequest,
  type TraceCarrier,
  type Welcome,
} from '@gitfleet/proto';
import {
  backoffDelayMs,
  DEFAULT_RECONNECT_BACKOFF,
  reconnectLogDue,
  type BackoffOptions,
} from '../core/backoff.ts';
import { ReportOutbox } from './outbox.ts';

export type LinkState = 'disconnected' | 'connecting' | 'handshaking' | 'ready' | 'closed';

/** What the link needs from the agent. Each `take*` resolves once the message is durably held. */
export interface LinkHandler {
  /** Apps the agent holds, for Hello (status hash filled in by the link from its acked reports). */
  held(): readonly Omit<HeldApp, 'statusHash'>[];
  /** `trace`: the delivery's trace context (the apply continues it). */
  takeAssignment(assignment: Assignment, trace: TraceCarrier): Promise<void>;
  takeRemoval(removal: AppRemoval): Promise<void>;
  takeSyncRequest(request: SyncRequest): Promise<void>;
  /** The hub asked for fresh reports of these apps (their status hash differs from its copy). */
  reportsRequested(apps: readonly string[]): void;
}

export interface HubLinkOptions {
  /** The hub's address, or several replicas' comma-separated: each reconnect tries the next. */
  readonly address: string;
  readonly target: string;
  /** Static bearer token (a hub with --allow-static-tokens); none: the client certificate. */
  readonly token?: string;
  readonly agentVersion: string;
  /** Plaintext when absent (./transport.ts makes the binary's). */
  readonly credentials?: ChannelCredentials;
  /** Extra channel options (the TLS server name). */
  readonly channelOptions?: Readonly<Record<string, string | number>>;
  readonly backoff?: BackoffOptions;
  /** Heartbeat interval until the Welcome says otherwise. */
  readonly heartbeatIntervalMs?: number;
  readonly maxPendingReports?: number;
}

export interface HubLinkDeps {
  readonly handler: LinkHandler;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class HubLink {
  private readonly opts: HubLinkOptions;
  private readonly handler: LinkHandler;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private clients: AgentLinkClient[];
  /** The client credentials changed since the channels were made: the next connect makes new ones. */
  private credentialsStale = false;
  private addressIndex = 0;
  private readonly outbox: ReportOutbox;
  private readonly instanceId = randomUUID();
  private stateValue: LinkState = 'disconnected';
  private stream: AgentLinkClientStream | undefined;
  private seq = 0;
  private attempt = 0;
  private connects = 0;
  private heartbeatIntervalMs: number;
  private lastReceivedMs = 0;
  private lastSentMs = 0;
  private heartbeatsSent = 0;
  private sessionId = '';
  private timer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Holds the event loop open from start() to close() (every other timer is unref'd). */
  private lifetime: NodeJS.Timeout | undefined;
  private readyAtMs = 0;
  /** Failed attempts since the link was last ready, when the first of them failed, last line. */
  private failures = 0;
  private downSinceMs = 0;
  private lastDownLogMs = 0;
  /** gRPC status code of the last stream error (undefined: the stream ended without one). */
  private lastErrorCode: number | undefined;
  private readonly listeners = new Set<(s: LinkState) => void>();
  /** Serialises handler calls so messages are taken over in stream order. */
  private inbound: Promise<void> = Promise.resolve();

  constructor(opts: HubLinkOptions, deps: HubLinkDeps) {
    this.opts = opts;
    this.handler = deps.handler;
    this.logger = deps.logger.child({ component: 'hub-link', target: opts.target });
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 10_000;
    this.outbox = new ReportOutbox({ maxApps: opts.maxPendingReports ?? 10_000 });
    this.clients = this.makeClients();
  }

  /** One channel per hub address, each with its own connection (not shared through a pool). */
  private makeClients(): AgentLinkClient[] {
    const { Client } = agentLinkGrpc();
    const creds = this.opts.credentials ?? grpcCredentials.createInsecure();
    return this.opts.address
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .map(
        (a) =>
          new Client(a, creds, {
            ...this.opts.channelOptions,
            'grpc.keepalive_time_ms': 30_000,
            'grpc.keepalive_timeout_ms': 10_000,
            // a channel of its own: a new channel is a new TLS connection (see credentialsChanged)
            'grpc.use_local_subchannel_pool': 1,
            // MAX_MESSAGE_BYTES both ways (proto/README.md, "Limits and quotas")
            ...AGENT_LINK_MESSAGE_OPTIONS,
          }),
      );
  }

  /**
   * The client certificate changed (renewed, rotated): the stream that is up stays, and the next
   * connect dials new channels, whose TLS handshake presents the new certificate (a stream opened
   * on an established connection would present the certificate of that connection's handshake).
   */
  credentialsChanged(): void {
    this.credentialsStale = true;
  }

  get state(): LinkState {
    return this.stateValue;
  }

  /** Number of successful handshakes so far (tests and metrics). */
  get sessions(): number {
    return this.connects;
  }

  get pendingReports(): number {
    return this.outbox.size;
  }

  onStateChange(fn: (s: LinkState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (this.stateValue !== 'disconnected' || this.stream !== undefined) return;
    // while the hub is unreachable nothing else may keep the process running: the agent must
    // wait for its hub, not exit
    this.lifetime ??= setInterval(() => undefined, 2 ** 30);
    this.connect();
  }

  /** Queues a report (newest wins per app) and sends it now if the link is ready. */
  report(report: StatusReport, trace?: TraceCarrier): void {
    this.outbox.put(statusReportId(report), report, trace);
    this.flush();
  }

  /** The app is gone: drop its pending report and acked hash. */
  forget(app: string): void {
    this.outbox.forget(app);
  }

  lastAckedHash(app: string): string | undefined {
    return this.outbox.lastAckedHash(app);
  }

  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState('closed');
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.lifetime);
    const s = this.stream;
    this.stream = undefined;
    if (s !== undefined) {
      s.end();
      s.cancel();
    }
    await this.inbound.catch(() => undefined);
    for (const c of this.clients) c.close();
  }

  private setState(s: LinkState): void {
    if (this.stateValue === s) return;
    if (this.stateValue === 'closed') return;
    this.stateValue = s;
    this.logger.debug('link state', { state: s });
    for (const fn of this.listeners) fn(s);
  }

  private connect(): void {
    if (this.stateValue === 'closed') return;
    this.setState('connecting');
    this.seq = 0;
    this.heartbeatsSent = 0;
    if (this.credentialsStale) {
      this.credentialsStale = false;
      for (const c of this.clients) c.close();
      this.clients = this.makeClients();
    }
    const client = this.clients[this.addressIndex % this.clients.length];
    if (client === undefined) return;
    const token = this.opts.token;
    const stream = client.Connect(token === undefined ? new Metadata() : bearerMetadata(token));
    this.stream = stream;
    this.lastReceivedMs = this.now();
    onHubMessage(
      stream,
      (msg) => this.onMessage(stream, msg),
      (violation) => {
        this.logger.warn('protocol violation from hub', { error: violation.message });
        this.drop(stream, 'protocol violation');
      },
    );
    stream.on('error', (err: Error & { code?: number }) => {
      // logged by drop(), once per band of attempts
      if (this.stream === stream) this.lastErrorCode = err.code;
      this.logger.debug('link error', { code: err.code, error: err.message });
      this.drop(stream, err.message);
    });
    stream.on('end', () => this.drop(stream, 'stream ended by hub'));
    this.setState('handshaking');
    const held: HeldApp[] = this.handler.held().map((h) => {
      const hash = this.outbox.lastAckedHash(h.app);
      return hash === undefined ? h : { ...h, statusHash: hash };
    });
    this.send(
      {
        kind: 'hello',
        target: this.opts.target,
        agentVersion: this.opts.agentVersion,
        agentInstanceId: this.instanceId,
        protocolVersion: PROTOCOL_VERSION,
        held,
      },
      helloId(this.opts.target, this.instanceId, this.attempt),
    );
    this.startTicking();
  }

  /**
   * Ticks at half the heartbeat interval (at most 1 s): a heartbeat is due every interval, and
   * checking only once per interval would skip one whenever the timer runs a little early.
   */
  private startTicking(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), Math.min(1_000, this.heartbeatIntervalMs / 2));
    this.timer.unref();
  }

  /** Ends a broken stream (once) and schedules a reconnect with backoff. */
  private drop(stream: AgentLinkClientStream, reason: string): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    clearInterval(this.timer);
    try {
      stream.cancel();
    } catch {
      // already ended
    }
    if (this.stateValue === 'closed') return;
    const now = this.now();
    // a session that stayed up a while resets the backoff
    if (this.readyAtMs > 0 && now - this.readyAtMs > 10_000) this.attempt = 0;
    this.readyAtMs = 0;
    const address = this.addressOf(this.addressIndex);
    // with several hub replicas, the next attempt goes to the next one
    this.addressIndex = (this.addressIndex + 1) % Math.max(1, this.clients.length);
    const delay = backoffDelayMs(
      this.attempt++,
      this.opts.backoff ?? DEFAULT_RECONNECT_BACKOFF,
      this.random,
    );
    this.failures++;
    if (this.failures === 1) this.downSinceMs = now;
    const code = this.lastErrorCode;
    this.lastErrorCode = undefined;
    const meta = {
      hub: address,
      attempt: this.failures,
      downForMs: now - this.downSinceMs,
      retryInMs: delay,
      reason,
      ...(code === undefined ? {} : { code }),
      hint: this.hintFor(code),
    };
    if (reconnectLogDue(this.failures, now - this.lastDownLogMs)) {
      this.lastDownLogMs = now;
      this.logger.warn('hub link down; retrying', meta);
    } else {
      this.logger.debug('hub link down; retrying', meta);
    }
    this.setState('disconnected');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private addressOf(index: number): string {
    const all = this.opts.address
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    return all[index % Math.max(1, all.length)] ?? this.opts.address;
  }

  /** What to check, by the gRPC status of the failure. */
  private hintFor(code: number | undefined): string {
    switch (code) {
      case status.UNAUTHENTICATED:
      case status.PERMISSION_DENIED:
        return this.opts.token === undefined
          ? `the hub refused this agent as target ${this.opts.target}: check that ${this.opts.target} is declared in the fleet and that the client certificate (--tls-cert-file) names it (URI SAN spiffe://gitfleet/target/${this.opts.target} or CN ${this.opts.target}) and is signed by the hub's --client-ca-file`
          : `the hub refused the token of target ${this.opts.target}: check --token-file, the token the hub holds for this target, that the hub runs with --allow-static-tokens, and that ${this.opts.target} is declared in the fleet`;
      case status.UNAVAILABLE:
        return "the hub is not reachable: check --hub (host:port), that the hub runs, and the network path to it; with TLS, that --hub-ca-file signs the hub's certificate, that the certificate names the host of --hub (or --hub-server-name), and that the hub's --client-ca-file signs this agent's certificate; the agent keeps waiting and reconciles its persisted assignments meanwhile";
      default:
        return 'the agent keeps retrying with backoff and reconciles its persisted assignments meanwhile';
    }
  }

  private send(payload: AgentPayload, messageId: string, trace: TraceCarrier = {}): boolean {
    const s = this.stream;
    if (s === undefined) return false;
    const sequenced = payload.kind !== 'ack' && payload.kind !== 'heartbeat';
    this.lastSentMs = this.now();
    return writeAgentMessage(s, {
      messageId,
      seq: sequenced ? ++this.seq : 0,
      sentAtUnixMs: this.lastSentMs,
      trace,
      payload,
    });
  }

  private flush(): void {
    if (this.stateValue !== 'ready') return;
    const now = this.now();
    for (const { messageId, report, trace } of this.outbox.due(now)) {
      this.send(report, messageId, trace);
      this.outbox.markSent(messageId, now);
    }
  }

  private tick(): void {
    const stream = this.stream;
    if (stream === undefined) return;
    const now = this.now();
    if (now - this.lastReceivedMs > STALE_AFTER_MISSED_HEARTBEATS * this.heartbeatIntervalMs) {
      this.logger.warn('hub silent for 3 heartbeat intervals: reconnecting', {
        silentMs: now - this.lastReceivedMs,
      });
      this.drop(stream, 'hub stale');
      return;
    }
    if (this.stateValue === 'ready') {
      this.flush();
      if (now - this.lastSentMs >= this.heartbeatIntervalMs) {
        this.send(
          { kind: 'heartbeat' },
          heartbeatId(this.sessionId, 'agent', ++this.heartbeatsSent),
        );
      }
    }
  }

  private onMessage(stream: AgentLinkClientStream, msg: HubMessage): void {
    if (this.stream !== stream) return;
    this.lastReceivedMs = this.now();
    const p = msg.payload;
    if (
      (p.kind === 'assignment' || p.kind === 'appRemoval' || p.kind === 'syncRequest') &&
      p.target !== this.opts.target
    ) {
      // never act on another target's apps, whatever the hub sent: rejected (final), not handled
      const refused = new GitfleetError(
        ErrorCode.ProtocolViolation,
        `${p.kind} for app ${p.app} names target ${p.target}; this agent is ${this.opts.target}: refused`,
        { terminal: true, details: { target: p.target, app: p.app } },
      );
      this.take(msg, () => Promise.reject(refused));
      return;
    }
    switch (p.kind) {
      case 'welcome':
        this.onWelcome(p);
        return;
      case 'heartbeat':
        return;
      case 'ack':
        this.outbox.ack(p.ackedMessageId, p.error === undefined);
        if (p.error !== undefined) {
          this.logger.warn('hub rejected a report', {
            messageId: p.ackedMessageId,
            code: p.error.code,
            error: p.error.message,
          });
        }
        return;
      case 'assignment':
        this.take(msg, () => this.handler.takeAssignment(p, msg.trace));
        return;
      case 'appRemoval':
        this.take(msg, async () => {
          await this.handler.takeRemoval(p);
          this.outbox.forget(p.app);
        });
        return;
      case 'syncRequest':
        this.take(msg, () => this.handler.takeSyncRequest(p));
        return;
    }
  }

  private onWelcome(w: Welcome): void {
    if (this.stateValue !== 'handshaking') return;
    this.sessionId = w.sessionId;
    if (w.heartbeatIntervalMs > 0 && w.heartbeatIntervalMs !== this.heartbeatIntervalMs) {
      this.heartbeatIntervalMs = w.heartbeatIntervalMs;
      this.startTicking();
    }
    this.connects++;
    this.readyAtMs = this.now();
    this.outbox.resetForNewStream();
    this.setState('ready');
    const recovered =
      this.failures === 0
        ? {}
        : { afterAttempts: this.failures, downForMs: this.readyAtMs - this.downSinceMs };
    this.failures = 0;
    this.lastDownLogMs = 0;
    this.logger.info('link ready', {
      ...recovered,
      session: w.sessionId,
      assignments: w.resync.assignments.length,
      removals: w.resync.removals.length,
      reportRequests: w.resync.reportRequests.length,
    });
    if (w.resync.reportRequests.length > 0) this.handler.reportsRequested(w.resync.reportRequests);
    this.flush();
  }

  /** Runs the handler in stream order, then acks (with the error when it failed). */
  private take(msg: HubMessage, fn: () => Promise<void>): void {
    const stream = this.stream;
    const next = this.inbound.then(async () => {
      let error;
      try {
        await fn();
      } catch (err) {
        const e = toGitfleetError(err);
        if (!e.terminal) {
          // e.g. the apiserver is down so the assignment could not be persisted: no ack, so the
          // hub resends it (a rejected ack would be final)
          this.logger.warn('could not take hub message yet; leaving it unacked for a resend', {
            messageId: msg.messageId,
            code: e.code,
            error: e.message,
          });
          return;
        }
        error = toErrorDetail(e);
        this.logger.warn('rejected hub message', {
          messageId: msg.messageId,
          code: error.code,
          error: error.message,
        });
      }
      if (this.stream !== stream) return; // stream gone: the hub resends, and we dedupe by version
      this.send(
        {
          kind: 'ack',
          ackedMessageId: msg.messageId,
          ackedSeq: msg.seq,
          ...(error === undefined ? {} : { error }),
        },
        ackId(msg.messageId),
      );
    });
    // a failure here (the stream broke while acking) must neither float nor stop the messages
    // queued behind this one: it is logged, and the hub resends what was not acked
    this.inbound = next.catch((err: unknown) => {
      this.logger.warn('could not ack a hub message; the hub will resend it', {
        messageId: msg.messageId,
        error: toGitfleetError(err).message,
      });
    });
  }
}
