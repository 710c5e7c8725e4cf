/**
 * One agent stream on the hub (proto/README.md, "Connection state machines"): its state, sequence
 * numbers, liveness times, unacked and queued deliveries, and what the stream's quotas need (the
 * apps assigned on it, its token bucket).
 */
import { randomBytes } from 'node:crypto';
import { sessionId, type AgentLinkServerStream, type StreamQuota } from '@gitfleet/proto';
import type { IdentitySource } from '../core/link/identity.ts';
import { newBucket, resizeBucket, type TokenBucket } from '../core/link/stream-quota.ts';

export interface Sent {
  readonly app: string;
  readonly version: number;
  readonly kind: 'assignment' | 'appRemoval';
  sentAtMs: number;
  /** First send on this stream (resends keep it). */
  firstSentMs: number;
  attempt: number;
}

export type SessionState = 'handshaking' | 'ready' | 'closed';

/** Distinct apps whose refused reports are logged per stream (all are counted). */
const LOGGED_REFUSALS_PER_STREAM = 20;

export class Session {
  readonly id: string;
  readonly target: string;
  /** How the target was read: the client certificate's URI SAN or CN, or a static token. */
  readonly via: IdentitySource;
  readonly stream: AgentLinkServerStream;
  /** The peer's address as grpc-js reports it (`ipv4:127.0.0.1:50412`). */
  readonly peer: string;
  /** `Hello.agent_instance_id`, once Hello arrived. */
  instanceId: string | undefined;
  state: SessionState = 'handshaking';
  seq = 0;
  heartbeats = 0;
  lastReceivedMs: number;
  lastSentMs: number;
  lastTouchMs = 0;
  /** Last read of the store's pending deliveries for this stream (see pendingSweepMs). */
  lastSweepMs: number;
  /** Unacked assignment/removal messages by message id. */
  readonly sent = new Map<string, Sent>();
  /** Apps waiting to be sent while the stream is saturated (newest wins: one entry per app). */
  readonly queued = new Set<string>();
  draining = false;
  /** App → highest version assigned to the target as far as this stream knows (see core/link/scope). */
  readonly assigned = new Map<string, number>();
  /** The message quota; its capacity follows the most apps the stream has carried. */
  bucket: TokenBucket;
  private apps = 0;
  private readonly loggedRefusals = new Set<string>();

  constructor(
    target: string,
    via: IdentitySource,
    stream: AgentLinkServerStream,
    nowMs: number,
    quota: StreamQuota,
  ) {
    this.target = target;
    this.via = via;
    this.stream = stream;
    this.peer = peerOf(stream);
    this.id = sessionId(target, randomBytes(6).toString('hex'));
    this.lastReceivedMs = nowMs;
    this.lastSentMs = nowMs;
    this.lastSweepMs = nowMs;
    this.bucket = newBucket(quota, 0, nowMs);
  }

  /** Whether the session ended (read after an await: the stream may have ended meanwhile). */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** The stream carries `apps` apps (the bucket grows with the most it has carried). */
  carries(apps: number, quota: StreamQuota): void {
    if (apps <= this.apps) return;
    this.apps = apps;
    this.bucket = resizeBucket(this.bucket, quota, apps);
  }

  /** True the first time a refusal about `app` is seen (up to a bound): log it then. */
  firstRefusalOf(app: string): boolean {
    if (this.loggedRefusals.has(app) || this.loggedRefusals.size >= LOGGED_REFUSALS_PER_STREAM) {
      return false;
    }
    this.loggedRefusals.add(app);
    return true;
  }
}

/** The peer's address as grpc-js reports it, or `unknown`. */
export function peerOf(stream: AgentLinkServerStream): string {
  try {
    return stream.getPeer();
  } catch {
    return 'unknown';
  }
}
