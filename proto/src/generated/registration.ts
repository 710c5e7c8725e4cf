import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CertificateResponse as _gitfleet_v1_CertificateResponse, CertificateResponse__Output as _gitfleet_v1_CertificateResponse__Output } from './gitfleet/v1/CertificateResponse.js';
import type { RegisterRequest as _gitfleet_v1_RegisterRequest, RegisterRequest__Output as _gitfleet_v1_RegisterRequest__Output } from './gitfleet/v1/RegisterRequest.js';
import type { RegistrationClient as _gitfleet_v1_RegistrationClient, RegistrationDefinition as _gitfleet_v1_RegistrationDefinition } from './gitfleet/v1/Registration.js';
import type { RenewRequest as _gitfleet_v1_RenewRequest, RenewRequest__Output as _gitfleet_v1_RenewRequest__Output } from './gitfleet/v1/RenewRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gitfleet: {
    v1: {
      CertificateResponse: MessageTypeDefinition<_gitfleet_v1_CertificateResponse, _gitfleet_v1_CertificateResponse__Output>
      RegisterRequest: MessageTypeDefinition<_gitfleet_v1_RegisterRequest, _gitfleet_v1_RegisterRequest__Output>
      /**
       * The hub's service, on the AgentLink port. Agents dial the hub; the hub never dials agents.
       */
      Registration: SubtypeConstructor<typeof grpc.Client, _gitfleet_v1_RegistrationClient> & { service: _gitfleet_v1_RegistrationDefinition }
      RenewRequest: MessageTypeDefinition<_gitfleet_v1_RenewRequest, _gitfleet_v1_RenewRequest__Output>
    }
  }
}

