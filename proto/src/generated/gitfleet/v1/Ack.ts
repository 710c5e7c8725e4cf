// Original file: proto/gitfleet/v1/agent_link.proto

import type { ErrorDetail as _gitfleet_v1_ErrorDetail, ErrorDetail__Output as _gitfleet_v1_ErrorDetail__Output } from '../../gitfleet/v1/ErrorDetail.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Acknowledges one sequenced message. Sent for duplicates too (the sender may have missed the
 * first ack). Ack means "received and durably taken over", not "applied": apply results arrive
 * in StatusReport.
 */
export interface Ack {
  /**
   * message_id of the acked message.
   */
  'ackedMessageId'?: (string);
  /**
   * seq of the acked message as received.
   */
  'ackedSeq'?: (number | string | Long);
  /**
   * Why the message was rejected; absent when it was accepted. A rejection is final for that
   * message: the sender must not resend it unchanged.
   */
  'error'?: (_gitfleet_v1_ErrorDetail | null);
}

/**
 * Acknowledges one sequenced message. Sent for duplicates too (the sender may have missed the
 * first ack). Ack means "received and durably taken over", not "applied": apply results arrive
 * in StatusReport.
 */
export interface Ack__Output {
  /**
   * message_id of the acked message.
   */
  'ackedMessageId': (string);
  /**
   * seq of the acked message as received.
   */
  'ackedSeq': (string);
  /**
   * Why the message was rejected; absent when it was accepted. A rejection is final for that
   * message: the sender must not resend it unchanged.
   */
  'error': (_gitfleet_v1_ErrorDetail__Output | null);
}
