/**
 * A small hub for agent tests: a real AgentLink gRPC server on 127.0.0.1 that speaks the real
 * gitfleet.v1 protocol (auth, Hello → Welcome with a resync plan, acked assignments/removals/sync
 * requests with resend, acked reports, heartbeats). Desired state is set by the test directly
 * instead of from Git and Redis, and signed as the hub signs it (with the test process's key,
 * ./signing.ts, unless told otherwise). It can be stopped and restarted on the same port to
 * simulate a hub outage.
 */
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import {
  ackId,
  agentLinkGrpc,
  appRemovalId,
  assignmentId,
  contentDigest,
  heartbeatId,
  onAgentMessage,
  readBearerToken,
  sessionId,
  signMessage,
  syncRequestId,
  welcomeId,
  writeHubMessage,
  type AgentLinkServerStream,
  type AppRemoval,
  type AppVersion,
  type Assignment,
  type AssignmentPolicies,
  type DeletionMode,
  type HubMessage,
  type HubPayload,
  type HubSigningKey,
  type KubeObject,
  type StatusReport,
  type SyncRequest,
} from '@gitfleet/proto';
import { testSigningKey } from './signing.ts';
import { waitFor } from './wait.ts';

export const DEFAULT_POLICIES: AssignmentPolicies = {
  sync: 'automated',
  prune: { enabled: true, allowEmpty: false },
  drift: { mode: 'correct', overrides: [] },
  ignore: [],
  unmanaged: { mode: 'ignore', allow: [] },
  conflict: 'force',
  deletion: 'delete',
};

export interface MiniHubOptions {
  /** target → token */
  readonly targets: Readonly<Record<string, string>>;
  readonly heartbeatIntervalMs?: number;
  readonly resendAfterMs?: number;
  readonly port?: number;
  /** Signs assignments, removals and sync requests; null: sends them unsigned. Default: testSigningKey(). */
  readonly signingKey?: HubSigningKey | null;
}

interface Session {
  readonly id: string;
  readonly target: string;
  readonly stream: AgentLinkServerStream;
  seq: number;
  heartbeats: number;
  lastSentMs: number;
}

interface Pending {
  readonly message: HubMessage;
  sentAtMs: number;
}

export interface MiniHub {
  readonly address: string;
  readonly port: number;
  /** Sets the desired state of an app on a target (version + 1) and delivers it. */
  assign(
    target: string,
    app: string,
    objects: readonly KubeObject[],
    opts?: { policies?: Partial<AssignmentPolicies>; revision?: string },
  ): Assignment;
  remove(target: string, app: string, deletion?: DeletionMode): void;
  syncRequest(target: string, app: string): string;
  /**
   * Sends `payload` as it is under `messageId` (resent until acked), leaving the desired state
   * alone: a replayed or forged message.
   */
  deliverRaw(target: string, messageId: string, payload: HubPayload): void;
  latestReport(target: string, app: string): StatusReport | undefined;
  reports(target: string, app: string): readonly StatusReport[];
  waitForReport(
    target: string,
    app: string,
    pred: (r: StatusReport) => boolean,
    timeoutMs?: number,
  ): Promise<StatusReport>;
  isConnected(target: string): boolean;
  /** Hellos received per target (reconnects). */
  hellos(target: string): number;
  /** Acks received for hub messages, with their error if rejected. */
  readonly acks: { readonly messageId: string; readonly error?: string }[];
  /** Stops serving (agents see the hub go away). State is kept for restart(). */
  stop(): Promise<void>;
  /** Serves again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const ZERO_REVISION = '0000000000000000000000000000000000000000';

export async function startMiniHub(opts: MiniHubOptions): Promise<MiniHub> {
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 1_000;
  const signingKey = opts.signingKey === undefined ? testSigningKey().key : opts.signingKey;
  const signed = <T extends Assignment | AppRemoval | SyncRequest>(m: T): T =>
    signingKey === null ? m : signMessage(m, signingKey);
  const resendAfterMs = opts.resendAfterMs ?? 2_000;
  const desired = new Map<string, Map<string, Assignment>>(); // target → app → assignment
  const versions = new Map<string, number>(); // target/app → latest version (assign or remove)
  const deletionOf = new Map<string, DeletionMode>();
  const outbox = new Map<string, Map<string, Pending>>(); // target → id → pending
  const reports = new Map<string, StatusReport[]>(); // target/app → reports
  const sessions = new Map<string, Session>();
  const hellos = new Map<string, number>();
  const acks: { messageId: string; error?: string }[] = [];
  let server: Server | undefined;
  let port = opts.port ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const key = (t: string, a: string): string => `${t}/${a}`;
  const nextVersion = (t: string, a: string): number => {
    const v = (versions.get(key(t, a)) ?? 0) + 1;
    versions.set(key(t, a), v);
    return v;
  };

  const send = (s: Session, id: string, payload: HubPayload): void => {
    const sequenced = payload.kind !== 'ack' && payload.kind !== 'heartbeat';
    const message: HubMessage = {
      messageId: id,
      seq: sequenced ? ++s.seq : 0,
      sentAtUnixMs: Date.now(),
      trace: {},
      payload,
    };
    s.lastSentMs = Date.now();
    writeHubMessage(s.stream, message);
    if (
      payload.kind === 'assignment' ||
      payload.kind === 'appRemoval' ||
      payload.kind === 'syncRequest'
    ) {
      let box = outbox.get(s.target);
      if (box === undefined) outbox.set(s.target, (box = new Map<string, Pending>()));
      box.set(id, { message, sentAtMs: Date.now() });
    }
  };

  const deliver = (target: string, id: string, payload: HubPayload): void => {
    // latest wins per app for assignment/removal: drop older unacked versions of the same app
    const box = outbox.get(target);
    if (box !== undefined && (payload.kind === 'assignment' || payload.kind === 'appRemoval')) {
      for (const [k, p] of box) {
        const q = p.message.payload;
        if ((q.kind === 'assignment' || q.kind === 'appRemoval') && q.app === payload.app)
          box.delete(k);
      }
    }
    const s = sessions.get(target);
    if (s !== undefined) send(s, id, payload);
    else {
      let b = outbox.get(target);
      if (b === undefined) outbox.set(target, (b = new Map<string, Pending>()));
      b.set(id, {
        message: { messageId: id, seq: 0, sentAtUnixMs: 0, trace: {}, payload },
        sentAtMs: 0,
      });
    }
  };

  const onHello = (
    s: Session,
    held: readonly {
      app: string;
      assignmentVersion: number;
      contentDigest: string;
      statusHash?: string;
    }[],
  ): void => {
    const want = desired.get(s.target) ?? new Map<string, Assignment>();
    const assignments: AppVersion[] = [];
    const removals: AppVersion[] = [];
    const upToDate: string[] = [];
    const reportRequests: string[] = [];
    const heldApps = new Set(held.map((h) => h.app));
    const sendNow: [string, HubPayload][] = [];
    for (const h of held) {
      const a = want.get(h.app);
      if (a === undefined) {
        const v = Math.max(h.assignmentVersion, versions.get(key(s.target, h.app)) ?? 0) + 1;
        versions.set(key(s.target, h.app), v);
        removals.push({ app: h.app, version: v });
        const deletion = deletionOf.get(key(s.target, h.app)) ?? 'orphan';
        sendNow.push([
          appRemovalId(s.target, h.app, v),
          signed({ kind: 'appRemoval', target: s.target, app: h.app, version: v, deletion }),
        ]);
      } else if (h.assignmentVersion < a.version) {
        assignments.push({ app: h.app, version: a.version });
        sendNow.push([assignmentId(s.target, h.app, a.version), a]);
      } else {
        upToDate.push(h.app);
        const last = reports.get(key(s.target, h.app))?.at(-1);
        if (last === undefined || last.statusHash !== h.statusHash) reportRequests.push(h.app);
      }
    }
    for (const a of want.values()) {
      if (!heldApps.has(a.app)) {
        assignments.push({ app: a.app, version: a.version });
        sendNow.push([assignmentId(s.target, a.app, a.version), a]);
      }
    }
    send(s, welcomeId(s.id), {
      kind: 'welcome',
      sessionId: s.id,
      protocolVersion: 1,
      heartbeatIntervalMs,
      resync: { assignments, removals, reportRequests, upToDate },
    });
    const box = outbox.get(s.target) ?? new Map<string, Pending>();
    const planned = new Set(sendNow.map(([id]) => id));
    for (const [id, payload] of sendNow) send(s, id, payload);
    // then anything else still unacked (sync requests)
    for (const [id, p] of [...box]) {
      if (!planned.has(id) && p.message.payload.kind === 'syncRequest')
        send(s, id, p.message.payload);
    }
  };

  const handlers = {
    Connect: (stream: AgentLinkServerStream) => {
      const token = readBearerToken(stream.metadata);
      const target = Object.entries(opts.targets).find(([, t]) => t === token)?.[0];
      if (target === undefined) {
        stream.emit('error', { code: status.UNAUTHENTICATED, details: 'unknown token' });
        return;
      }
      const nonce = Math.random().toString(36).slice(2, 10);
      const s: Session = {
        id: sessionId(target, nonce),
        target,
        stream,
        seq: 0,
        heartbeats: 0,
        lastSentMs: Date.now(),
      };
      let ready = false;
      onAgentMessage(
        stream,
        (m) => {
          const p = m.payload;
          if (p.kind === 'hello') {
            if (p.target !== target) {
              stream.emit('error', {
                code: status.PERMISSION_DENIED,
                details: `token is not ${p.target}'s`,
              });
              return;
            }
            hellos.set(target, (hellos.get(target) ?? 0) + 1);
            const old = sessions.get(target);
            if (old !== undefined && old.stream !== stream) old.stream.end();
            sessions.set(target, s);
            ready = true;
            onHello(s, p.held);
          } else if (!ready) {
            stream.emit('error', {
              code: status.INVALID_ARGUMENT,
              details: 'first message must be hello',
            });
          } else if (p.kind === 'ack') {
            acks.push({
              messageId: p.ackedMessageId,
              ...(p.error === undefined ? {} : { error: `${p.error.code}: ${p.error.message}` }),
            });
            outbox.get(target)?.delete(p.ackedMessageId);
          } else if (p.kind === 'statusReport') {
            const k = key(target, p.app);
            const list = reports.get(k) ?? [];
            list.push(p);
            reports.set(k, list);
            send(s, ackId(m.messageId), {
              kind: 'ack',
              ackedMessageId: m.messageId,
              ackedSeq: m.seq,
            });
          }
        },
        (violation) => {
          stream.emit('error', { code: status.INVALID_ARGUMENT, details: violation.message });
        },
      );
      const drop = (): void => {
        if (sessions.get(target)?.stream === stream) sessions.delete(target);
      };
      stream.on('error', drop);
      stream.on('end', () => {
        drop();
        stream.end();
      });
      stream.on('cancelled', drop);
    },
  };

  const listen = async (): Promise<void> => {
    const srv = new Server();
    srv.addService(agentLinkGrpc().service, handlers);
    port = await new Promise<number>((resolve, reject) =>
      srv.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    server = srv;
    timer = setInterval(
      () => {
        const now = Date.now();
        for (const s of sessions.values()) {
          for (const p of outbox.get(s.target)?.values() ?? []) {
            if (now - p.sentAtMs >= resendAfterMs) send(s, p.message.messageId, p.message.payload);
          }
          if (now - s.lastSentMs >= heartbeatIntervalMs)
            send(s, heartbeatId(s.id, 'hub', ++s.heartbeats), { kind: 'heartbeat' });
        }
      },
      Math.min(250, heartbeatIntervalMs),
    );
  };

  const stop = (): Promise<void> => {
    clearInterval(timer);
    const srv = server;
    server = undefined;
    for (const s of sessions.values()) s.stream.destroy();
    sessions.clear();
    if (srv !== undefined) srv.forceShutdown();
    return Promise.resolve();
  };

  await listen();
  const hub: MiniHub = {
    get address() {
      return `127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    acks,
    assign(target, app, objects, o = {}) {
      const version = nextVersion(target, app);
      const policies = { ...DEFAULT_POLICIES, ...o.policies };
      const a: Assignment = signed({
        kind: 'assignment',
        target,
        app,
        version,
        revision:
          o.revision ?? ZERO_REVISION.slice(0, 40 - String(version).length) + String(version),
        contentDigest: contentDigest(objects),
        objects,
        policies,
      });
      let apps = desired.get(target);
      if (apps === undefined) desired.set(target, (apps = new Map<string, Assignment>()));
      apps.set(app, a);
      deletionOf.set(key(target, app), policies.deletion);
      deliver(target, assignmentId(target, app, version), a);
      return a;
    },
    remove(target, app, deletion) {
      const d = deletion ?? deletionOf.get(key(target, app)) ?? 'delete';
      desired.get(target)?.delete(app);
      const version = nextVersion(target, app);
      deliver(
        target,
        appRemovalId(target, app, version),
        signed<AppRemoval>({ kind: 'appRemoval', target, app, version, deletion: d }),
      );
    },
    syncRequest(target, app) {
      const a = desired.get(target)?.get(app);
      if (a === undefined) throw new Error(`no assignment for ${target}/${app}`);
      const requestId = Math.random().toString(36).slice(2, 10);
      const id = syncRequestId(target, app, a.version, requestId);
      deliver(
        target,
        id,
        signed<SyncRequest>({
          kind: 'syncRequest',
          target,
          app,
          assignmentVersion: a.version,
          requestId,
        }),
      );
      return id;
    },
    deliverRaw: (target, messageId, payload) => deliver(target, messageId, payload),
    latestReport: (t, a) => reports.get(key(t, a))?.at(-1),
    reports: (t, a) => reports.get(key(t, a)) ?? [],
    waitForReport: async (t, a, pred, timeoutMs = 30_000) => {
      try {
        return await waitFor(
          `a report from ${t}/${a} matching the condition`,
          () => {
            const r = reports.get(key(t, a))?.at(-1);
            return r !== undefined && pred(r) ? r : undefined;
          },
          { timeoutMs, intervalMs: 20 },
        );
      } catch (err) {
        const last = reports.get(key(t, a))?.at(-1);
        throw new Error(
          `${err instanceof Error ? err.message : String(err)}; last report: ${JSON.stringify(summary(last))}`,
          { cause: err },
        );
      }
    },
    isConnected: (t) => sessions.has(t),
    hellos: (t) => hellos.get(t) ?? 0,
    stop,
    async restart() {
      if (server === undefined) await listen();
    },
    close: stop,
  };
  return hub;
}

function summary(r: StatusReport | undefined): unknown {
  if (r === undefined) return undefined;
  return {
    v: r.assignmentVersion,
    sync: r.syncState,
    health: r.health,
    drift: r.drift,
    unmanaged: r.unmanaged,
    error: r.error?.message,
    objects: r.objects.map(
      (o) =>
        `${o.ref.kind}/${o.ref.name}: ${o.action} ${o.health.status} ${o.message} ${o.error?.message ?? ''}`,
    ),
  };
}
