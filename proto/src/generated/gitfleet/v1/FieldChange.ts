// Original file: proto/gitfleet/v1/status.proto


/**
 * One field that differs between the desired and the live object.
 */
export interface FieldChange {
  /**
   * RFC 6901 JSON pointer of the field ("/spec/replicas").
   */
  'path'?: (string);
  /**
   * Desired value as JSON; "" when the field is absent in the desired state. Secret values masked.
   */
  'desired'?: (string);
  /**
   * Live value as JSON; "" when the field is absent in the live object. Secret values masked.
   */
  'live'?: (string);
}

/**
 * One field that differs between the desired and the live object.
 */
export interface FieldChange__Output {
  /**
   * RFC 6901 JSON pointer of the field ("/spec/replicas").
   */
  'path': (string);
  /**
   * Desired value as JSON; "" when the field is absent in the desired state. Secret values masked.
   */
  'desired': (string);
  /**
   * Live value as JSON; "" when the field is absent in the live object. Secret values masked.
   */
  'live': (string);
}
