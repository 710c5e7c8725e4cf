// Child process for grpc-stream.int.test.ts: a minimal agent speaking gitfleet.v1 over a real
// AgentLink stream. Usage: node grpc-agent-child.ts <host:port> <token>
//
// Hello → (Welcome, Assignment) → Ack(assignment) → StatusReport → (Ack) → end of stream, exit 0.
// Every decoded hub message is printed to stdout as one JSON line {"received": HubMessage}. Any
// protocol violation, stream error or unexpected message exits non-zero with the reason on stderr.
// It exits on its own when the parent goes away (stdin closes) or after a hard deadline.
import { credentials } from '@grpc/grpc-js';
import {
  PROTOCOL_VERSION,
  ackId,
  agentLinkGrpc,
  bearerMetadata,
  helloId,
  objectRef,
  onHubMessage,
  statusHash,
  statusReportId,
  writeAgentMessage,
} from '@gitfleet/proto';
import type { AgentPayload, Assignment, HubMessage, StatusReport } from '@gitfleet/proto';

const DEADLINE_MS = 4_000;
const TARGET = 'edge-1';
const INSTANCE = 'proof-agent-1';

const [address, token] = process.argv.slice(2);
if (address === undefined || token === undefined) {
  process.stderr.write('usage: grpc-agent-child.ts <host:port> <token>\n');
  process.exit(64);
}

function fail(reason: string): never {
  process.stderr.write(`${reason}\n`);
  process.exit(1);
}

setTimeout(
  () => fail(`no clean end of stream within ${String(DEADLINE_MS)} ms`),
  DEADLINE_MS,
).unref();
process.stdin.on('close', () => process.exit(4));
process.stdin.resume();

const { Client } = agentLinkGrpc();
const client = new Client(address, credentials.createInsecure());
const stream = client.Connect(bearerMetadata(token));

let seq = 0;
const send = (messageId: string, payload: AgentPayload): void => {
  const sequenced = payload.kind !== 'ack' && payload.kind !== 'heartbeat';
  writeAgentMessage(stream, {
    messageId,
    seq: sequenced ? ++seq : 0,
    sentAtUnixMs: Date.now(),
    trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    payload,
  });
};

let reportId: string | undefined;

function report(assignment: Assignment): StatusReport {
  const content: Omit<StatusReport, 'statusHash' | 'observedAtUnixMs'> = {
    kind: 'statusReport',
    target: assignment.target,
    app: assignment.app,
    assignmentVersion: assignment.version,
    revision: assignment.revision,
    contentDigest: assignment.contentDigest,
    syncState: 'Synced',
    health: { status: 'Healthy', message: '' },
    objects: assignment.objects.map((o) => ({
      ref: objectRef(o),
      action: 'created',
      health: { status: 'Healthy', message: '' },
      message: '',
    })),
    drift: [],
    unmanaged: [],
  };
  return { ...content, statusHash: statusHash(content), observedAtUnixMs: Date.now() };
}

onHubMessage(
  stream,
  (message: HubMessage) => {
    process.stdout.write(`${JSON.stringify({ received: message })}\n`);
    const p = message.payload;
    switch (p.kind) {
      case 'welcome':
        return;
      case 'assignment': {
        send(ackId(message.messageId), {
          kind: 'ack',
          ackedMessageId: message.messageId,
          ackedSeq: message.seq,
        });
        const r = report(p);
        reportId = statusReportId(r);
        send(reportId, r);
        return;
      }
      case 'ack':
        if (p.ackedMessageId !== reportId || p.error !== undefined) {
          fail(`unexpected ack ${JSON.stringify(p)} (report id ${String(reportId)})`);
        }
        stream.end();
        return;
      default:
        fail(`unexpected ${p.kind}`);
    }
  },
  (err) => fail(`protocol violation: ${err.message}`),
);
stream.on('error', (err: Error) => fail(`stream error: ${err.message}`));
stream.on('status', (status: { code: number }) => {
  client.close();
  if (status.code !== 0) fail(`call ended with gRPC status ${String(status.code)}`);
  process.exit(reportId === undefined ? 1 : 0);
});

send(helloId(TARGET, INSTANCE, 0), {
  kind: 'hello',
  target: TARGET,
  agentVersion: '0.0.0-proof',
  agentInstanceId: INSTANCE,
  protocolVersion: PROTOCOL_VERSION,
  held: [],
});
