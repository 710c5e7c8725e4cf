/**
 * Proof: the gitfleet.v1 contract works between two processes over a real gRPC stream on loopback.
 * This process runs a scripted AgentLink hub on 127.0.0.1:0; a child Node process
 * (grpc-agent-child.ts) acts as the agent. Every step is checked on both ends: ids, seqs, version,
 * digest, objects and the status hash survive the trip, and the child exits 0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ackId,
  agentLinkGrpc,
  assignmentId,
  contentDigest,
  onAgentMessage,
  readBearerToken,
  sessionId,
  statusHash,
  statusReportId,
  welcomeId,
  writeHubMessage,
} from '@gitfleet/proto';
import type {
  AgentLinkHandlers,
  AgentMessage,
  Assignment,
  HubMessage,
  HubPayload,
  KubeObject,
  StatusReport,
} from '@gitfleet/proto';

const CHILD = path.join(import.meta.dirname, 'grpc-agent-child.ts');
const TOKEN = 'proof-token-edge-1';
const REVISION = '9fceb02d0ae598e95dc970b74767f19372d61af8';
const OBJECTS: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
        spec: {
          containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
        },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config', namespace: 'shop' },
    data: { 'note.txt': 'ünïcödé\nline 2 "quoted"', empty: '' },
  },
];
const ASSIGNMENT: Assignment = {
  kind: 'assignment',
  target: 'edge-1',
  app: 'web',
  version: 3,
  revision: REVISION,
  contentDigest: contentDigest(OBJECTS),
  objects: OBJECTS,
  policies: {
    sync: 'automated',
    prune: { enabled: true, allowEmpty: false },
    drift: { mode: 'correct', overrides: [{ selector: { kind: 'ConfigMap' }, mode: 'warn' }] },
    ignore: [{ selector: { group: 'apps', kind: 'Deployment' }, jsonPointers: ['/spec/replicas'] }],
    unmanaged: { mode: 'warn', allow: [{ group: '', kind: 'Secret' }] },
    conflict: 'report',
    deletion: 'delete',
  },
};

/** A scripted hub: Welcome + one Assignment on Hello, an Ack for every StatusReport. */
interface ScriptedHub {
  readonly server: Server;
  readonly port: number;
  readonly tokens: (string | undefined)[];
  readonly received: AgentMessage[];
  readonly sent: HubMessage[];
  readonly violations: string[];
}

async function startScriptedHub(): Promise<ScriptedHub> {
  const server = new Server();
  const hub = {
    server,
    port: 0,
    tokens: [] as (string | undefined)[],
    received: [] as AgentMessage[],
    sent: [] as HubMessage[],
    violations: [] as string[],
  };
  const handlers: AgentLinkHandlers = {
    Connect: (stream) => {
      const token = readBearerToken(stream.metadata);
      hub.tokens.push(token);
      if (token !== TOKEN) {
        stream.emit('error', {
          code: status.UNAUTHENTICATED,
          details: 'edge-1: unknown bearer token',
        });
        return;
      }
      const session = sessionId('edge-1', `n${String(hub.tokens.length)}`);
      let seq = 0;
      const send = (messageId: string, payload: HubPayload): void => {
        const sequenced = payload.kind !== 'ack' && payload.kind !== 'heartbeat';
        const message: HubMessage = {
          messageId,
          seq: sequenced ? ++seq : 0,
          sentAtUnixMs: Date.now(),
          trace: {},
          payload,
        };
        hub.sent.push(message);
        writeHubMessage(stream, message);
      };
      onAgentMessage(
        stream,
        (message) => {
          hub.received.push(message);
          const p = message.payload;
          if (p.kind === 'hello') {
            send(welcomeId(session), {
              kind: 'welcome',
              sessionId: session,
              protocolVersion: p.protocolVersion,
              heartbeatIntervalMs: 10_000,
              resync: {
                assignments: [{ app: ASSIGNMENT.app, version: ASSIGNMENT.version }],
                removals: [],
                reportRequests: [],
                upToDate: [],
              },
            });
            send(assignmentId(ASSIGNMENT.target, ASSIGNMENT.app, ASSIGNMENT.version), ASSIGNMENT);
          } else if (p.kind === 'statusReport') {
            send(ackId(message.messageId), {
              kind: 'ack',
              ackedMessageId: message.messageId,
              ackedSeq: message.seq,
            });
          }
        },
        (err) => {
          hub.violations.push(err.message);
          stream.emit('error', { code: status.INVALID_ARGUMENT, details: err.message });
        },
      );
      stream.on('end', () => stream.end());
    },
  };
  server.addService(agentLinkGrpc().service, handlers);
  hub.port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
      if (err === null) resolve(port);
      else reject(err);
    });
  });
  return hub;
}

interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let child: ChildProcess | undefined;
let hub: ScriptedHub | undefined;

function runAgentChild(port: number, token: string): Promise<ChildRun> {
  const proc = spawn(process.execPath, [CHILD, `127.0.0.1:${String(port)}`, token], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

afterEach(async () => {
  // Runs on failure too: nothing may outlive the test.
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
  child = undefined;
  hub?.server.forceShutdown();
  hub = undefined;
  await Promise.resolve();
});

describe('AgentLink between two processes over loopback', () => {
  it('speaks the contract: Hello → Welcome + Assignment → Ack → StatusReport → Ack', async () => {
    hub = await startScriptedHub();
    const run = await runAgentChild(hub.port, TOKEN);
    expect(run.code, `child stderr:\n${run.stderr}`).toBe(0);
    expect(hub.violations).toStrictEqual([]);
    expect(hub.tokens).toStrictEqual([TOKEN]);

    // The hub → agent direction: the child decoded exactly what the hub sent.
    const childReceived = run.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { received: HubMessage }).received);
    expect(childReceived).toStrictEqual(hub.sent);
    const [welcome, assignment, reportAck] = hub.sent;
    expect(welcome?.seq).toBe(1);
    expect(welcome?.payload.kind).toBe('welcome');
    expect(assignment).toMatchObject({ messageId: 'edge-1.web.v3', seq: 2 });
    const delivered = childReceived[1]?.payload as Assignment;
    expect(delivered.objects).toStrictEqual(OBJECTS);
    expect(delivered.version).toBe(3);
    expect(contentDigest(delivered.objects)).toBe(ASSIGNMENT.contentDigest);

    // The agent → hub direction.
    const [hello, ack, report] = hub.received;
    expect(hello).toMatchObject({
      messageId: 'edge-1.proof-agent-1.hello.0',
      seq: 1,
      payload: { kind: 'hello', target: 'edge-1', protocolVersion: 1, held: [] },
    });
    expect(ack).toMatchObject({
      messageId: 'edge-1.web.v3.ack',
      seq: 0,
      payload: { kind: 'ack', ackedMessageId: 'edge-1.web.v3', ackedSeq: 2 },
    });
    expect(ack?.payload).not.toHaveProperty('error');
    expect(report?.seq).toBe(2);
    expect(report?.trace['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const status = report?.payload as StatusReport;
    expect(report?.messageId).toBe(statusReportId(status));
    expect(status).toMatchObject({
      kind: 'statusReport',
      target: 'edge-1',
      app: 'web',
      assignmentVersion: 3,
      revision: REVISION,
      contentDigest: ASSIGNMENT.contentDigest,
      syncState: 'Synced',
      health: { status: 'Healthy', message: '' },
    });
    expect(statusHash(status)).toBe(status.statusHash);
    expect(status.objects.map((o) => o.ref)).toStrictEqual([
      { group: '', version: 'v1', kind: 'Namespace', namespace: '', name: 'shop' },
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web-config' },
    ]);
    expect(reportAck).toMatchObject({
      seq: 0,
      payload: { kind: 'ack', ackedMessageId: report?.messageId, ackedSeq: 2 },
    });
  }, 10_000);

  it('refuses an agent without a valid bearer token with UNAUTHENTICATED', async () => {
    hub = await startScriptedHub();
    const run = await runAgentChild(hub.port, 'wrong-token');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/UNAUTHENTICATED/);
    expect(hub.tokens).toStrictEqual(['wrong-token']);
    expect(hub.received).toStrictEqual([]);
  }, 10_000);
});
