import { describe, expect, it } from 'vitest';
import {
  agentLinkGrpc,
  decodeAgentMessage,
  decodeHubMessage,
  encodeAgentMessage,
} from './codec.ts';
import { encodeHubMessage } from './codec.ts';
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import {
  AGENT_LINK_MESSAGE_OPTIONS,
  DEFAULT_STREAM_QUOTA,
  DEFAULT_TAKEOVER_POLICY,
  MAX_HELD_APPS,
  MAX_MESSAGE_BYTES,
} from './domain/limits.ts';
import type { AgentMessage, HeldApp, HubMessage, ResyncPlan } from './domain/messages.ts';
import { PROTOCOL_VERSION } from './domain/messages.ts';

const connect = agentLinkGrpc().service.Connect;
const REVISION = '3f786850e387550fdab836ed7e6dc881de23001b';
const DIGEST = `sha256:${'a'.repeat(64)}`;

function heldApps(n: number): HeldApp[] {
  return Array.from({ length: n }, (_, i) => ({
    app: `app-${String(i)}`,
    assignmentVersion: 1 + i,
    revision: REVISION,
    contentDigest: DIGEST,
    statusHash: `sha256:${'b'.repeat(64)}`,
  }));
}

function hello(held: HeldApp[]): AgentMessage {
  return {
    messageId: 'edge-1.i-1.hello.0',
    seq: 1,
    sentAtUnixMs: 1,
    trace: {},
    payload: {
      kind: 'hello',
      target: 'edge-1',
      agentVersion: '1.0.0',
      agentInstanceId: 'i-1',
      protocolVersion: PROTOCOL_VERSION,
      held,
    },
  };
}

function welcome(resync: ResyncPlan): HubMessage {
  return {
    messageId: 'edge-1.session.n1.welcome',
    seq: 1,
    sentAtUnixMs: 1,
    trace: {},
    payload: {
      kind: 'welcome',
      sessionId: 'edge-1.session.n1',
      protocolVersion: PROTOCOL_VERSION,
      heartbeatIntervalMs: 10_000,
      resync,
    },
  };
}

const wireOfAgent = (m: AgentMessage) => connect.requestSerialize(encodeAgentMessage(m));
const decodeAgent = (m: AgentMessage) =>
  decodeAgentMessage(connect.requestDeserialize(wireOfAgent(m)));
const decodeHub = (m: HubMessage) =>
  decodeHubMessage(connect.responseDeserialize(connect.responseSerialize(encodeHubMessage(m))));

function limitError(fn: () => unknown): GitfleetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GitfleetError) return err;
    throw err;
  }
  throw new Error('expected a LIMIT_EXCEEDED error, got none');
}

describe('AgentLink limits', () => {
  it('applies the message size limit in both directions through one set of grpc-js options', () => {
    expect(AGENT_LINK_MESSAGE_OPTIONS).toEqual({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
    expect(MAX_MESSAGE_BYTES).toBe(16 * 1024 * 1024);
  });

  it('fits a Hello listing the most held apps allowed into one message', () => {
    const bytes = wireOfAgent(hello(heldApps(MAX_HELD_APPS))).length;
    expect(bytes).toBeLessThan(MAX_MESSAGE_BYTES / 4);
  });

  it.each([
    ['no held apps', 0, true],
    ['one held app', 1, true],
    ['exactly MAX_HELD_APPS', MAX_HELD_APPS, true],
    ['one more than MAX_HELD_APPS', MAX_HELD_APPS + 1, false],
  ])('Hello with %s (%i apps): accepted %s', (_what, n, accepted) => {
    const m = hello(heldApps(n));
    if (accepted) {
      const decoded = decodeAgent(m);
      expect(decoded.payload.kind === 'hello' && decoded.payload.held.length).toBe(n);
      return;
    }
    const err = limitError(() => decodeAgent(m));
    expect(err.code).toBe(ErrorCode.LimitExceeded);
    expect(err.message).toBe(
      `AgentMessage edge-1.i-1.hello.0: hello.held lists ${String(n)} apps, more than the limit of ${String(MAX_HELD_APPS)} (MAX_HELD_APPS); a target cannot hold more apps than that`,
    );
    expect(err.details).toMatchObject({ field: 'hello.held', limit: 'MAX_HELD_APPS' });
  });

  it.each(['assignments', 'removals', 'reportRequests', 'upToDate'] as const)(
    'refuses a Welcome whose resync.%s names more than MAX_HELD_APPS apps',
    (list) => {
      const names = Array.from({ length: MAX_HELD_APPS + 1 }, (_, i) => `app-${String(i)}`);
      const plan: ResyncPlan = {
        assignments: list === 'assignments' ? names.map((app) => ({ app, version: 1 })) : [],
        removals: list === 'removals' ? names.map((app) => ({ app, version: 1 })) : [],
        reportRequests: list === 'reportRequests' ? names : [],
        upToDate: list === 'upToDate' ? names : [],
      };
      const err = limitError(() => decodeHub(welcome(plan)));
      expect(err.code).toBe(ErrorCode.LimitExceeded);
      expect(err.message).toContain(`welcome.resync.${list} lists ${String(MAX_HELD_APPS + 1)}`);
    },
  );

  it('has quotas a legitimate agent stays within', () => {
    // a reconnect of a target with n apps: an ack and up to two reports per app, plus Hello
    const n = 2_000;
    const burst = DEFAULT_STREAM_QUOTA.burstMessages + DEFAULT_STREAM_QUOTA.burstPerApp * n;
    expect(burst).toBeGreaterThanOrEqual(1 + 3 * n);
    expect(DEFAULT_STREAM_QUOTA.messagesPerSecond).toBeGreaterThan(0);
    expect(DEFAULT_TAKEOVER_POLICY.maxPenaltyMs).toBeGreaterThanOrEqual(
      DEFAULT_TAKEOVER_POLICY.basePenaltyMs,
    );
  });
});
