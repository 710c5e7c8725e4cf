// Original file: proto/gitfleet/v1/agent_link.proto

import type { Long } from '@grpc/proto-loader';

/**
 * An app at a version.
 */
export interface AppVersion {
  /**
   * App name.
   */
  'app'?: (string);
  /**
   * Version in the (target, app) sequence.
   */
  'version'?: (number | string | Long);
}

/**
 * An app at a version.
 */
export interface AppVersion__Output {
  /**
   * App name.
   */
  'app': (string);
  /**
   * Version in the (target, app) sequence.
   */
  'version': (string);
}
