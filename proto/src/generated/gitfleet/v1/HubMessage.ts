// Original file: proto/gitfleet/v1/agent_link.proto

import type { Welcome as _gitfleet_v1_Welcome, Welcome__Output as _gitfleet_v1_Welcome__Output } from '../../gitfleet/v1/Welcome.js';
import type { Assignment as _gitfleet_v1_Assignment, Assignment__Output as _gitfleet_v1_Assignment__Output } from '../../gitfleet/v1/Assignment.js';
import type { AppRemoval as _gitfleet_v1_AppRemoval, AppRemoval__Output as _gitfleet_v1_AppRemoval__Output } from '../../gitfleet/v1/AppRemoval.js';
import type { SyncRequest as _gitfleet_v1_SyncRequest, SyncRequest__Output as _gitfleet_v1_SyncRequest__Output } from '../../gitfleet/v1/SyncRequest.js';
import type { Ack as _gitfleet_v1_Ack, Ack__Output as _gitfleet_v1_Ack__Output } from '../../gitfleet/v1/Ack.js';
import type { Heartbeat as _gitfleet_v1_Heartbeat, Heartbeat__Output as _gitfleet_v1_Heartbeat__Output } from '../../gitfleet/v1/Heartbeat.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Everything the hub sends.
 */
export interface HubMessage {
  /**
   * Unique id of the message, deterministic where possible ("<target>.<app>.v<version>");
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
   * Answer to Hello; first hub message of every stream.
   */
  'welcome'?: (_gitfleet_v1_Welcome | null);
  /**
   * Desired state of one app; acked by the agent.
   */
  'assignment'?: (_gitfleet_v1_Assignment | null);
  /**
   * Removal of one app; acked by the agent.
   */
  'appRemoval'?: (_gitfleet_v1_AppRemoval | null);
  /**
   * Sync operation for one app; acked by the agent.
   */
  'syncRequest'?: (_gitfleet_v1_SyncRequest | null);
  /**
   * Acknowledges an agent message.
   */
  'ack'?: (_gitfleet_v1_Ack | null);
  /**
   * Liveness.
   */
  'heartbeat'?: (_gitfleet_v1_Heartbeat | null);
  /**
   * The message itself; exactly one must be set.
   */
  'payload'?: "welcome"|"assignment"|"appRemoval"|"syncRequest"|"ack"|"heartbeat";
}

/**
 * Everything the hub sends.
 */
export interface HubMessage__Output {
  /**
   * Unique id of the message, deterministic where possible ("<target>.<app>.v<version>");
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
   * Answer to Hello; first hub message of every stream.
   */
  'welcome'?: (_gitfleet_v1_Welcome__Output | null);
  /**
   * Desired state of one app; acked by the agent.
   */
  'assignment'?: (_gitfleet_v1_Assignment__Output | null);
  /**
   * Removal of one app; acked by the agent.
   */
  'appRemoval'?: (_gitfleet_v1_AppRemoval__Output | null);
  /**
   * Sync operation for one app; acked by the agent.
   */
  'syncRequest'?: (_gitfleet_v1_SyncRequest__Output | null);
  /**
   * Acknowledges an agent message.
   */
  'ack'?: (_gitfleet_v1_Ack__Output | null);
  /**
   * Liveness.
   */
  'heartbeat'?: (_gitfleet_v1_Heartbeat__Output | null);
  /**
   * The message itself; exactly one must be set.
   */
  'payload'?: "welcome"|"assignment"|"appRemoval"|"syncRequest"|"ack"|"heartbeat";
}
