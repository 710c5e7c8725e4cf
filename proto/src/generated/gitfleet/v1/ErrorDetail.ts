// Original file: proto/gitfleet/v1/types.proto


/**
 * A structured error, as carried by a negative Ack or a failed report.
 */
export interface ErrorDetail {
  /**
   * Stable machine-readable code from the gitfleet ErrorCode vocabulary ("APPLY_FAILED").
   */
  'code'?: (string);
  /**
   * Human-readable message; names the subject first ("Deployment/web: ...").
   */
  'message'?: (string);
}

/**
 * A structured error, as carried by a negative Ack or a failed report.
 */
export interface ErrorDetail__Output {
  /**
   * Stable machine-readable code from the gitfleet ErrorCode vocabulary ("APPLY_FAILED").
   */
  'code': (string);
  /**
   * Human-readable message; names the subject first ("Deployment/web: ...").
   */
  'message': (string);
}
