// Original file: proto/gitfleet/v1/agent_link.proto

import type { Hello as _gitfleet_v1_Hello, Hello__Output as _gitfleet_v1_Hello__Output } from '../../gitfleet/v1/Hello.js';
import type { Ack as _gitfleet_v1_Ack, Ack__Output as _gitfleet_v1_Ack__Output } from '../../gitfleet/v1/Ack.js';
import type { StatusReport as _gitfleet_v1_StatusReport, StatusReport__Output as _gitfleet_v1_StatusReport__Output } from '../../gitfleet/v1/StatusReport.js';
import type { Heartbeat as _gitfleet_v1_Heartbeat, Heartbeat__Output as _gitfleet_v1_Heartbeat__Output } from '../../gitfleet/v1/Heartbeat.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Everything an agent sends.
 */
export interface AgentMessage {
  /**
   * Unique id of the message, deterministic where possible ("<target>.<app>.v<version>.status.<hash>");
   * never contains ':'. A resent message keeps its id.
   */
  'messageId'?: (string);
  /**
   * Per-sender, per-session sequence number: 1 for the first sequenced message on a stream, +1 for
   * each next one. 0 on messages that are never acked (ack, heartbeat).
   */
  'seq'?: (number | string | Long);
  /**
   * When the message was (re)sent, unix ms (for propagation-latency metrics).
   */
  'sentAtUnixMs'?: (number | string | Long);
  /**
   * W3C trace context ("traceparent", "tracestate") of the operation that produced the message.
   */
  'trace'?: ({[key: string]: string});
  /**
   * First message of every stream.
   */
  'hello'?: (_gitfleet_v1_Hello | null);
  /**
   * Acknowledges a hub message.
   */
  'ack'?: (_gitfleet_v1_Ack | null);
  /**
   * Observed state of one app; acked by the hub.
   */
  'statusReport'?: (_gitfleet_v1_StatusReport | null);
  /**
   * Liveness.
   */
  'heartbeat'?: (_gitfleet_v1_Heartbeat | null);
  /**
   * The message itself; exactly one must be set.
   */
  'payload'?: "hello"|"ack"|"statusReport"|"heartbeat";
}

/**
 * Everything an agent sends.
 */
export interface AgentMessage__Output {
  /**
   * Unique id of the message, deterministic where possible ("<target>.<app>.v<version>.status.<hash>");
   * never contains ':'. A resent message keeps its id.
   */
  'messageId': (string);
  /**
   * Per-sender, per-session sequence number: 1 for the first sequenced message on a stream, +1 for
   * each next one. 0 on messages that are never acked (ack, heartbeat).
   */
  'seq': (string);
  /**
   * When the message was (re)sent, unix ms (for propagation-latency metrics).
   */
  'sentAtUnixMs': (string);
  /**
   * W3C trace context ("traceparent", "tracestate") of the operation that produced the message.
   */
  'trace': ({[key: string]: string});
  /**
   * First message of every stream.
   */
  'hello'?: (_gitfleet_v1_Hello__Output | null);
  /**
   * Acknowledges a hub message.
   */
  'ack'?: (_gitfleet_v1_Ack__Output | null);
  /**
   * Observed state of one app; acked by the hub.
   */
  'statusReport'?: (_gitfleet_v1_StatusReport__Output | null);
  /**
   * Liveness.
   */
  'heartbeat'?: (_gitfleet_v1_Heartbeat__Output | null);
  /**
   * The message itself; exactly one must be set.
   */
  'payload'?: "hello"|"ack"|"statusReport"|"heartbeat";
}
