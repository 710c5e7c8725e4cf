// Original file: proto/gitfleet/v1/registration.proto


export interface RegisterRequest {
  /**
   * The target this agent is for (a DNS label, declared in the fleet).
   */
  'target'?: (string);
  /**
   * The registration token, as `gitfleet-hub registration-token` or the API printed it.
   */
  'token'?: (string);
  /**
   * PKCS#10 certificate signing request, PEM. Its subject CN, if any, and URI SANs, if any, must
   * name `target` (CN `<target>`, URI `spiffe://gitfleet/target/<target>`).
   */
  'csrPem'?: (string);
}

export interface RegisterRequest__Output {
  /**
   * The target this agent is for (a DNS label, declared in the fleet).
   */
  'target': (string);
  /**
   * The registration token, as `gitfleet-hub registration-token` or the API printed it.
   */
  'token': (string);
  /**
   * PKCS#10 certificate signing request, PEM. Its subject CN, if any, and URI SANs, if any, must
   * name `target` (CN `<target>`, URI `spiffe://gitfleet/target/<target>`).
   */
  'csrPem': (string);
}
