// Original file: proto/gitfleet/v1/registration.proto


export interface RenewRequest {
  /**
   * PKCS#10 certificate signing request for a new key, PEM; names the target of the client
   * certificate presented on the call, as in RegisterRequest.
   */
  'csrPem'?: (string);
}

export interface RenewRequest__Output {
  /**
   * PKCS#10 certificate signing request for a new key, PEM; names the target of the client
   * certificate presented on the call, as in RegisterRequest.
   */
  'csrPem': (string);
}
