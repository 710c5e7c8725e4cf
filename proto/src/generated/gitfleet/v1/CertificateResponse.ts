// Original file: proto/gitfleet/v1/registration.proto

import type { Long } from '@grpc/proto-loader';

export interface CertificateResponse {
  /**
   * The agent's certificate, PEM: CN and URI SAN name the target, client-auth only.
   */
  'certificatePem'?: (string);
  /**
   * The CA bundle that signs agents' certificates (PEM), for the agent to check the answer.
   */
  'caPem'?: (string);
  /**
   * When the certificate expires, unix ms. Agents renew at two thirds of its lifetime.
   */
  'notAfterUnixMs'?: (number | string | Long);
}

export interface CertificateResponse__Output {
  /**
   * The agent's certificate, PEM: CN and URI SAN name the target, client-auth only.
   */
  'certificatePem': (string);
  /**
   * The CA bundle that signs agents' certificates (PEM), for the agent to check the answer.
   */
  'caPem': (string);
  /**
   * When the certificate expires, unix ms. Agents renew at two thirds of its lifetime.
   */
  'notAfterUnixMs': (string);
}
