/**
 * Simulated agents: one process that opens `--count` real AgentLink streams to a hub, each on its
 * own HTTP/2 connection (`grpc.use_local_subchannel_pool`: grpc-js would otherwise share one
 * subchannel between channels with the same target and options), each authenticated as target
 * `<prefix><i>` with the token in `<tokens-dir>/<prefix><i>.token`. No cluster: each speaks the
 * protocol as proto/README.md says and the real agent does (agent/src/link/hub-link.ts), and
 * pretends every assignment applied at once:
 *
 * - Hello with what it holds (app, version, revision, digest, hash of its last acked report);
 *   Welcome → ready; reports for the plan's report_requests; unacked reports resent at once.
 * - Assignment: a higher version than held is taken (held in memory), acked, and answered with a
 *   StatusReport Synced/Healthy at its revision; a version ≤ held is acked again (dedup).
 *   AppRemoval: dropped from held, acked. SyncRequest: acked and reported.
 * - Heartbeat when nothing was sent for the Welcome's interval; the hub silent for 3 intervals →
 *   reconnect. Any stream error → reconnect with the real agent's backoff.
 * - The first connect of all agents is paced (`--connect-concurrency` handshakes at a time);
 *   reconnects are not (they back off like the real agent).
 *
 * Progress goes to stdout, one JSON line `{"sim":"progress",...}` whenever something changed
 * (at most every `--progress-ms`), see {@link SimProgress}. Times are wall-clock ms (Date.now),
 * so the parent can compare them with its own.
 *
 * With `--events-file FILE`, one JSON line per (target, app) event is appended to FILE (see
 * {@link SimEvent}): `assigned` when a fresh assignment is taken (and acked), `reported` when the
 * hub acks its Synced/Healthy report. Per-target times, e.g. for the rollout benchmark's waves.
 *
 * With `--ca-file CA --certs-dir DIR` each agent speaks mTLS instead: the hub's certificate checked
 * against CA (server name localhost, test/src/fleet/certs.ts), its own client certificate
 * `<certs-dir>/<prefix><i>.pem` and key `.key`, and no token unless `--tokens-dir` is given too.
 * With `--await-certs` as well, an agent's first connect waits until its certificate file appears
 * (written after its key, each renamed into place): agents that register first (the trust
 * benchmark) connect as their certificates arrive. The files are read at an agent's first connect.
 *
 * Usage: node sim-agents.ts --hub HOST:PORT --tokens-dir DIR [--from 0] [--count 1]
 *          [--prefix sim-] [--connect-concurrency 200] [--progress-ms 100] [--events-file FILE]
 */
import { createWriteStream, readdirSync, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  PROTOCOL_VERSION,
  STALE_AFTER_MISSED_HEARTBEATS,
  ackId,
  agentLinkGrpc,
  bearerMetadata,
  heartbeatId,
  helloId,
  objectRef,
  onHubMessage,
  statusHash,
  statusReportId,
  writeAgentMessage,
  type AgentLinkClient,
  type AgentLinkClientStream,
  type AgentPayload,
  type Assignment,
  type HubMessage,
  type ObjectRef,
  type StatusReport,
} from '@gitfleet/proto';
import { backoffDelayMs, DEFAULT_RECONNECT_BACKOFF } from '../../../agent/src/core/backoff.ts';
import type { SimEvent, SimProgress, SimRevisionProgress } from './progress.ts';

const { values: args } = parseArgs({
  options: {
    hub: { type: 'string' },
    'tokens-dir': { type: 'string' },
    from: { type: 'string', default: '0' },
    count: { type: 'string', default: '1' },
    prefix: { type: 'string', default: 'sim-' },
    'connect-concurrency': { type: 'string', default: '200' },
    'progress-ms': { type: 'string', default: '100' },
    'events-file': { type: 'string' },
    'ca-file': { type: 'string' },
    'certs-dir': { type: 'string' },
    'await-certs': { type: 'boolean', default: false },
  },
});
const hubAddress = args.hub;
const tokensDir = args['tokens-dir'];
const caFile = args['ca-file'];
const certsDir = args['certs-dir'];
const awaitCerts = args['await-certs'] === true;
if (
  hubAddress === undefined ||
  (tokensDir === undefined && certsDir === undefined) ||
  (awaitCerts && certsDir === undefined)
) {
  process.stderr.write('usage: sim-agents.ts --hub HOST:PORT --tokens-dir DIR [--count N]\n');
  process.exit(64);
}
const FROM = Number(args.from);
const COUNT = Number(args.count);
const PREFIX = args.prefix;
const CONNECT_CONCURRENCY = Number(args['connect-concurrency']);
const PROGRESS_MS = Number(args['progress-ms']);
const AGENT_VERSION = '0.0.0-sim';
const REPORT_RESEND_MS = 10_000;
const REPORT_RESEND_MAX_MS = 60_000;
const eventsFile = args['events-file'];
const eventsOut =
  eventsFile === undefined ? undefined : createWriteStream(eventsFile, { flags: 'a' });

function recordEvent(e: SimEvent): void {
  eventsOut?.write(`${JSON.stringify(e)}\n`);
}

// ------------------------------------------------------------------------------ statistics

interface RevisionStats {
  /** (target/app) that took an assignment at this revision (a new version, then acked). */
  readonly acked: Set<string>;
  ackedAtMs: number;
  /** (target/app) whose Synced report at this revision the hub acked. */
  readonly reported: Set<string>;
  reportedAtMs: number;
}

const revisions = new Map<string, RevisionStats>();
const stats = {
  sessions: 0,
  drops: 0,
  dropReasons: new Map<string, number>(),
  rejectedReports: 0,
  removals: 0,
  duplicates: 0,
  lastReadyAtMs: 0,
};

function revisionStats(revision: string): RevisionStats {
  let r = revisions.get(revision);
  if (r === undefined) {
    r = { acked: new Set(), ackedAtMs: 0, reported: new Set(), reportedAtMs: 0 };
    revisions.set(revision, r);
  }
  return r;
}

// ------------------------------------------------------------------------------ one agent

interface Held {
  readonly version: number;
  readonly revision: string;
  readonly contentDigest: string;
  readonly refs: readonly ObjectRef[];
}

interface PendingReport {
  readonly id: string;
  readonly report: StatusReport;
  sentAtMs: number;
  attempt: number;
}

type State = 'disconnected' | 'handshaking' | 'ready';

const { Client } = agentLinkGrpc();
const insecure = credentials.createInsecure();
const caPem = caFile === undefined ? undefined : readFileSync(caFile);

/** The agent's channel credentials: its client certificate with --certs-dir, else plaintext. */
function channelCredentials(target: string): ChannelCredentials {
  if (certsDir === undefined) return insecure;
  return credentials.createSsl(
    caPem ?? null,
    readFileSync(path.join(certsDir, `${target}.key`)),
    readFileSync(path.join(certsDir, `${target}.pem`)),
  );
}

class SimAgent {
  readonly target: string;
  readonly token: string | undefined;
  /** Made at once, or with --await-certs at the first connect (no certificate before). */
  client: AgentLinkClient | undefined;
  readonly instanceId: string;
  state: State = 'disconnected';
  stream: AgentLinkClientStream | undefined;
  seq = 0;
  sessionId = '';
  heartbeatMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  heartbeats = 0;
  lastSentMs = 0;
  lastReceivedMs = 0;
  attempt = 0;
  hellos = 0;
  readyAtMs = 0;
  /** True until the first handshake ends (either way): holds a slot of the initial pacing. */
  initial = true;
  readonly held = new Map<string, Held>();
  /** Hash of the last report per app that the hub acked. */
  readonly ackedHash = new Map<string, string>();
  /** Unacked report per app (newest wins). */
  readonly pending = new Map<string, PendingReport>();

  constructor(target: string, token: string | undefined) {
    this.target = target;
    this.token = token;
    this.instanceId = `sim.${target}`;
    if (!awaitCerts) this.client = this.newClient();
  }

  private newClient(): AgentLinkClient {
    // The real agent's channel options, plus a subchannel of its own: one HTTP/2 connection each.
    return new Client(hubAddress ?? '', channelCredentials(this.target), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.use_local_subchannel_pool': 1,
      // the test hub's certificate names localhost, not the IP address dialled
      ...(certsDir === undefined ? {} : { 'grpc.ssl_target_name_override': 'localhost' }),
    });
  }

  connect(): void {
    this.client ??= this.newClient();
    this.state = 'handshaking';
    this.seq = 0;
    this.heartbeats = 0;
    const stream = this.client.Connect(
      this.token === undefined ? new Metadata() : bearerMetadata(this.token),
    );
    this.stream = stream;
    this.lastReceivedMs = Date.now();
    onHubMessage(
      stream,
      (m) => this.onMessage(stream, m),
      (v) => this.drop(stream, `protocol violation: ${v.message}`),
    );
    stream.on('error', (err: ServiceError) => this.drop(stream, `grpc ${String(err.code)}`));
    stream.on('end', () => this.drop(stream, 'ended by hub'));
    this.send(
      {
        kind: 'hello',
        target: this.target,
        agentVersion: AGENT_VERSION,
        agentInstanceId: this.instanceId,
        protocolVersion: PROTOCOL_VERSION,
        held: [...this.held].map(([app, h]) => {
          const hash = this.ackedHash.get(app);
          return {
            app,
            assignmentVersion: h.version,
            revision: h.revision,
            contentDigest: h.contentDigest,
            ...(hash === undefined ? {} : { statusHash: hash }),
          };
        }),
      },
      helloId(this.target, this.instanceId, this.hellos++),
    );
  }

  drop(stream: AgentLinkClientStream, reason: string): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    try {
      stream.cancel();
    } catch {
      // already ended
    }
    this.endInitial();
    if (this.readyAtMs > 0 && Date.now() - this.readyAtMs > 10_000) this.attempt = 0;
    this.readyAtMs = 0;
    this.state = 'disconnected';
    stats.drops++;
    stats.dropReasons.set(reason, (stats.dropReasons.get(reason) ?? 0) + 1);
    if (shuttingDown) return;
    const delay = backoffDelayMs(this.attempt++, DEFAULT_RECONNECT_BACKOFF, Math.random);
    setTimeout(() => this.connect(), delay).unref();
  }

  send(payload: AgentPayload, messageId: string): void {
    const s = this.stream;
    if (s === undefined) return;
    const sequenced = payload.kind !== 'ack' && payload.kind !== 'heartbeat';
    this.lastSentMs = Date.now();
    writeAgentMessage(s, {
      messageId,
      seq: sequenced ? ++this.seq : 0,
      sentAtUnixMs: this.lastSentMs,
      trace: {},
      payload,
    });
  }

  /** Called every second: staleness, heartbeat, report resends. */
  tick(now: number): void {
    const s = this.stream;
    if (s === undefined) return;
    if (now - this.lastReceivedMs > STALE_AFTER_MISSED_HEARTBEATS * this.heartbeatMs) {
      this.drop(s, 'hub stale');
      return;
    }
    if (this.state !== 'ready') return;
    for (const p of this.pending.values()) {
      const wait = Math.min(REPORT_RESEND_MAX_MS, REPORT_RESEND_MS * 2 ** p.attempt);
      if (now - p.sentAtMs >= wait) this.sendReport(p, now, p.attempt + 1);
    }
    if (now - this.lastSentMs >= this.heartbeatMs) {
      this.send({ kind: 'heartbeat' }, heartbeatId(this.sessionId, 'agent', ++this.heartbeats));
    }
  }

  private endInitial(): void {
    if (!this.initial) return;
    this.initial = false;
    initialInFlight--;
    pump();
  }

  private onMessage(stream: AgentLinkClientStream, m: HubMessage): void {
    if (this.stream !== stream) return;
    const now = Date.now();
    this.lastReceivedMs = now;
    const p = m.payload;
    switch (p.kind) {
      case 'welcome': {
        if (this.state !== 'handshaking') return;
        this.state = 'ready';
        this.sessionId = p.sessionId;
        if (p.heartbeatIntervalMs > 0) this.heartbeatMs = p.heartbeatIntervalMs;
        this.readyAtMs = now;
        stats.sessions++;
        stats.lastReadyAtMs = now;
        this.endInitial();
        for (const app of p.resync.reportRequests) {
          const h = this.held.get(app);
          if (h !== undefined) this.queueReport(app, h);
        }
        // everything unacked goes again on the new stream (acks from a dead stream never come)
        for (const r of this.pending.values()) this.sendReport(r, now, 0);
        return;
      }
      case 'heartbeat':
        return;
      case 'ack': {
        for (const [app, r] of this.pending) {
          if (r.id !== p.ackedMessageId) continue;
          this.pending.delete(app);
          if (p.error !== undefined) {
            stats.rejectedReports++;
            return;
          }
          this.ackedHash.set(app, r.report.statusHash);
          const rs = revisionStats(r.report.revision);
          rs.reported.add(`${this.target}/${app}`);
          rs.reportedAtMs = now;
          recordEvent({
            kind: 'reported',
            target: this.target,
            app,
            revision: r.report.revision,
            atMs: now,
          });
          return;
        }
        return;
      }
      case 'assignment': {
        const h = this.held.get(p.app);
        const fresh = h === undefined || p.version > h.version;
        let taken: Held | undefined;
        if (fresh) {
          taken = {
            version: p.version,
            revision: p.revision,
            contentDigest: p.contentDigest,
            refs: refsOf(p),
          };
          this.held.set(p.app, taken);
        } else {
          stats.duplicates++;
        }
        this.ack(m);
        if (taken !== undefined) {
          const rs = revisionStats(p.revision);
          rs.acked.add(`${this.target}/${p.app}`);
          rs.ackedAtMs = now;
          recordEvent({
            kind: 'assigned',
            target: this.target,
            app: p.app,
            revision: p.revision,
            atMs: now,
          });
          this.queueReport(p.app, taken);
        }
        return;
      }
      case 'appRemoval': {
        const h = this.held.get(p.app);
        if (h === undefined || p.version > h.version) {
          this.held.delete(p.app);
          this.pending.delete(p.app);
          this.ackedHash.delete(p.app);
          stats.removals++;
        }
        this.ack(m);
        return;
      }
      case 'syncRequest': {
        this.ack(m);
        const h = this.held.get(p.app);
        if (h !== undefined) this.queueReport(p.app, h);
        return;
      }
    }
  }

  private ack(m: HubMessage): void {
    this.send({ kind: 'ack', ackedMessageId: m.messageId, ackedSeq: m.seq }, ackId(m.messageId));
  }

  private queueReport(app: string, h: Held): void {
    const content: Omit<StatusReport, 'statusHash' | 'observedAtUnixMs'> = {
      kind: 'statusReport',
      target: this.target,
      app,
      assignmentVersion: h.version,
      revision: h.revision,
      contentDigest: h.contentDigest,
      syncState: 'Synced',
      health: { status: 'Healthy', message: '' },
      objects: h.refs.map((ref) => ({
        ref,
        action: 'configured',
        health: { status: 'Healthy', message: '' },
        message: '',
      })),
      drift: [],
      unmanaged: [],
    };
    const report: StatusReport = {
      ...content,
      statusHash: statusHash(content),
      observedAtUnixMs: Date.now(),
    };
    const pending: PendingReport = {
      id: statusReportId(report),
      report,
      sentAtMs: 0,
      attempt: 0,
    };
    this.pending.set(app, pending);
    if (this.state === 'ready') this.sendReport(pending, Date.now(), 0);
  }

  private sendReport(p: PendingReport, now: number, attempt: number): void {
    p.sentAtMs = now;
    p.attempt = attempt;
    this.send(p.report, p.id);
  }
}

function refsOf(a: Assignment): ObjectRef[] {
  return a.objects.map((o) => objectRef(o));
}

// ------------------------------------------------------------------------------ the fleet

const agents: SimAgent[] = [];
for (let i = FROM; i < FROM + COUNT; i++) {
  const target = `${PREFIX}${i}`;
  const token =
    tokensDir === undefined
      ? undefined
      : readFileSync(path.join(tokensDir, `${target}.token`), 'utf8').trim();
  agents.push(new SimAgent(target, token));
}

// pace the first connects; reconnects back off on their own
const toStart = awaitCerts ? [] : [...agents];
/** --await-certs: the agents whose certificate has not appeared yet, by its file name. */
const awaiting = new Map(awaitCerts ? agents.map((a) => [`${a.target}.pem`, a]) : []);
let initialInFlight = 0;
function pump(): void {
  while (initialInFlight < CONNECT_CONCURRENCY && toStart.length > 0) {
    const a = toStart.shift();
    if (a === undefined) return;
    initialInFlight++;
    a.connect();
  }
}

/** Queues the awaiting agents whose certificate is among `files` for their first connect. */
function certificatesArrived(files: readonly string[]): void {
  for (const f of files) {
    const a = awaiting.get(f);
    if (a === undefined) continue;
    awaiting.delete(f);
    toStart.push(a);
  }
  pump();
}
const certWatch =
  awaitCerts && certsDir !== undefined
    ? watch(certsDir, (_, f) => {
        if (f !== null) certificatesArrived([f]);
      })
    : undefined;
const rescanCertificates = (): void => {
  if (awaiting.size > 0 && certsDir !== undefined) certificatesArrived(readdirSync(certsDir));
};

let shuttingDown = false;

const ticker = setInterval(() => {
  const now = Date.now();
  for (const a of agents) a.tick(now);
  // an event the watch missed would strand an agent: the directory is read again every second
  rescanCertificates();
}, 1_000);

function snapshot(): SimProgress {
  let ready = 0;
  let handshaking = 0;
  let disconnected = 0;
  let pendingReports = 0;
  const heldBy = new Map<string, number>();
  for (const a of agents) {
    if (a.state === 'ready') ready++;
    else if (a.state === 'handshaking') handshaking++;
    else disconnected++;
    pendingReports += a.pending.size;
    for (const h of a.held.values()) heldBy.set(h.revision, (heldBy.get(h.revision) ?? 0) + 1);
  }
  const revs: Record<string, SimRevisionProgress> = {};
  for (const [rev, r] of revisions) {
    revs[rev] = {
      held: heldBy.get(rev) ?? 0,
      acked: r.acked.size,
      ackedAtMs: r.ackedAtMs,
      reported: r.reported.size,
      reportedAtMs: r.reportedAtMs,
    };
  }
  return {
    sim: 'progress',
    atMs: Date.now(),
    pid: process.pid,
    agents: agents.length,
    notStarted: toStart.length + awaiting.size,
    ready,
    handshaking,
    disconnected,
    sessions: stats.sessions,
    lastReadyAtMs: stats.lastReadyAtMs,
    drops: stats.drops,
    dropReasons: Object.fromEntries(stats.dropReasons),
    duplicates: stats.duplicates,
    removals: stats.removals,
    rejectedReports: stats.rejectedReports,
    pendingReports,
    revisions: revs,
  };
}

let lastLine = '';
function emit(force = false): void {
  const { atMs: _t, ...rest } = snapshot();
  const key = JSON.stringify(rest);
  if (!force && key === lastLine) return;
  lastLine = key;
  process.stdout.write(`${JSON.stringify({ ...rest, atMs: Date.now() })}\n`);
}
const progress = setInterval(() => emit(), PROGRESS_MS);

function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  clearInterval(ticker);
  clearInterval(progress);
  certWatch?.close();
  emit(true);
  for (const a of agents) {
    const s = a.stream;
    a.stream = undefined;
    try {
      s?.cancel();
    } catch {
      // gone
    }
    a.client?.close();
  }
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

emit(true);
rescanCertificates();
pump();
