/**
 * Limits and quotas of the AgentLink stream (proto/README.md, "Limits and quotas"): how large one
 * message may be, how many apps a handshake may list, how fast one stream may send and how often
 * a target's stream may be taken over. Both sides read them from here; the hub enforces them.
 */

const MIB = 1024 * 1024;

/**
 * Largest gRPC message either side of AgentLink sends or accepts, in bytes (after decompression).
 * The largest assignment the hub produces is bounded by its store's limit on rendered objects
 * (4 MiB of JSON by default) plus per-object framing and policies; a status report can carry
 * desired and live values of drifted fields, so up to about twice that. 16 MiB leaves room for
 * both; a larger message is refused by grpc-js with RESOURCE_EXHAUSTED before it is buffered.
 */
export const MAX_MESSAGE_BYTES = 16 * MIB;

/**
 * The grpc-js channel/server options that apply {@link MAX_MESSAGE_BYTES} in both directions; the
 * hub's server and the agent's client both spread these.
 */
export const AGENT_LINK_MESSAGE_OPTIONS = Object.freeze({
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
});

/**
 * Most apps one Hello may list as held, and one list of a ResyncPlan may name. A fleet holds at
 * most 10,000 fleet objects, so no target is ever assigned more apps than this.
 */
export const MAX_HELD_APPS = 10_000;

/**
 * Per-stream rate limit on what an agent sends (every message counts: reports, acks,
 * heartbeats, Hello). A token bucket: `burstMessages + burstPerApp × apps` tokens, refilled at
 * `messagesPerSecond`. `apps` is the number of apps the stream holds or is assigned, so a target
 * with many apps may catch up after a reconnect (an ack and a few reports per app) while a target
 * with few apps cannot flood. A stream that runs out of tokens is ended with RESOURCE_EXHAUSTED.
 */
export interface StreamQuota {
  readonly messagesPerSecond: number;
  readonly burstMessages: number;
  readonly burstPerApp: number;
}

export const DEFAULT_STREAM_QUOTA: StreamQuota = Object.freeze({
  messagesPerSecond: 100,
  burstMessages: 1_000,
  burstPerApp: 4,
});

/**
 * How often a target's live stream may be taken over by another agent instance (a new stream with
 * the same token and another `agent_instance_id`) before further takeovers are refused: more than
 * `maxTakeovers` within `windowMs` refuses new streams from other instances for `basePenaltyMs`,
 * doubling with each repeat up to `maxPenaltyMs`; the instance that held the stream before the
 * takeovers began may still reconnect. Takeovers by the same instance (a reconnect over a
 * half-dead connection) never count.
 */
export interface TakeoverPolicy {
  readonly maxTakeovers: number;
  readonly windowMs: number;
  readonly basePenaltyMs: number;
  readonly maxPenaltyMs: number;
}

export const DEFAULT_TAKEOVER_POLICY: TakeoverPolicy = Object.freeze({
  maxTakeovers: 5,
  windowMs: 60_000,
  basePenaltyMs: 30_000,
  maxPenaltyMs: 600_000,
});
