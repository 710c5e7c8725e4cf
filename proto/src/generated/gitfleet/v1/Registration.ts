// Original file: proto/gitfleet/v1/registration.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CertificateResponse as _gitfleet_v1_CertificateResponse, CertificateResponse__Output as _gitfleet_v1_CertificateResponse__Output } from '../../gitfleet/v1/CertificateResponse.js';
import type { RegisterRequest as _gitfleet_v1_RegisterRequest, RegisterRequest__Output as _gitfleet_v1_RegisterRequest__Output } from '../../gitfleet/v1/RegisterRequest.js';
import type { RenewRequest as _gitfleet_v1_RenewRequest, RenewRequest__Output as _gitfleet_v1_RenewRequest__Output } from '../../gitfleet/v1/RenewRequest.js';

/**
 * The hub's service, on the AgentLink port. Agents dial the hub; the hub never dials agents.
 */
export interface RegistrationClient extends grpc.Client {
  /**
   * A new agent: a one-time, expiring registration token for its target and a certificate
   * signing request for a key it generated. Needs no client certificate. A token is consumed by
   * the first request that presents it, whatever the outcome of the request.
   */
  Register(argument: _gitfleet_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _gitfleet_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _gitfleet_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _gitfleet_v1_RegisterRequest, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A new agent: a one-time, expiring registration token for its target and a certificate
   * signing request for a key it generated. Needs no client certificate. A token is consumed by
   * the first request that presents it, whatever the outcome of the request.
   */
  register(argument: _gitfleet_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _gitfleet_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _gitfleet_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _gitfleet_v1_RegisterRequest, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * An agent whose client certificate is still valid (and presented on this call): a CSR for a
   * fresh key, answered with a certificate for the same target.
   */
  Renew(argument: _gitfleet_v1_RenewRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _gitfleet_v1_RenewRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _gitfleet_v1_RenewRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _gitfleet_v1_RenewRequest, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * An agent whose client certificate is still valid (and presented on this call): a CSR for a
   * fresh key, answered with a certificate for the same target.
   */
  renew(argument: _gitfleet_v1_RenewRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _gitfleet_v1_RenewRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _gitfleet_v1_RenewRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _gitfleet_v1_RenewRequest, callback: grpc.requestCallback<_gitfleet_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * The hub's service, on the AgentLink port. Agents dial the hub; the hub never dials agents.
 */
export interface RegistrationHandlers extends grpc.UntypedServiceImplementation {
  /**
   * A new agent: a one-time, expiring registration token for its target and a certificate
   * signing request for a key it generated. Needs no client certificate. A token is consumed by
   * the first request that presents it, whatever the outcome of the request.
   */
  Register: grpc.handleUnaryCall<_gitfleet_v1_RegisterRequest__Output, _gitfleet_v1_CertificateResponse>;
  
  /**
   * An agent whose client certificate is still valid (and presented on this call): a CSR for a
   * fresh key, answered with a certificate for the same target.
   */
  Renew: grpc.handleUnaryCall<_gitfleet_v1_RenewRequest__Output, _gitfleet_v1_CertificateResponse>;
  
}

export interface RegistrationDefinition extends grpc.ServiceDefinition {
  Register: MethodDefinition<_gitfleet_v1_RegisterRequest, _gitfleet_v1_CertificateResponse, _gitfleet_v1_RegisterRequest__Output, _gitfleet_v1_CertificateResponse__Output>
  Renew: MethodDefinition<_gitfleet_v1_RenewRequest, _gitfleet_v1_CertificateResponse, _gitfleet_v1_RenewRequest__Output, _gitfleet_v1_CertificateResponse__Output>
}
