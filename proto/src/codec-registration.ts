/**
 * The Registration service on the wire (gitfleet/v1/registration.proto): its typed grpc-js
 * service and client, and the checks of each message's fields. A field that does not fit throws
 * a GitfleetError PROTOCOL_VIOLATION naming the message and the field; the meaning of the values
 * (is the token known, does the CSR name the target) is the hub's to decide.
 */
import { loadPackageDefinition } from '@grpc/grpc-js';
import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { isRegistrationToken } from './domain/agent-identity.ts';
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import { isDnsLabel } from './domain/ids.ts';
import { loadGitfleetPackageDefinition } from './load.ts';
import type { ProtoGrpcType } from './generated/registration.ts';
import type { CertificateResponse__Output as WireCertificateResponseOut } from './generated/gitfleet/v1/CertificateResponse.ts';
import type { RegisterRequest__Output as WireRegisterRequestOut } from './generated/gitfleet/v1/RegisterRequest.ts';
import type {
  RegistrationClient,
  RegistrationDefinition,
  RegistrationHandlers,
} from './generated/gitfleet/v1/Registration.ts';
import type { RenewRequest__Output as WireRenewRequestOut } from './generated/gitfleet/v1/RenewRequest.ts';

export type { RegistrationClient, RegistrationHandlers };

/** The longest CSR accepted (an RSA-4096 CSR in PEM is about 1.7 KB). */
export const MAX_CSR_PEM_BYTES = 16 * 1024;
/** The longest certificate or CA bundle accepted in an answer. */
export const MAX_CERTIFICATE_PEM_BYTES = 256 * 1024;

/** What hub and agent need to speak Registration over grpc-js. */
export interface RegistrationGrpc {
  readonly service: RegistrationDefinition;
  readonly Client: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ClientOptions,
  ) => RegistrationClient;
}

export function registrationGrpc(
  definition: PackageDefinition = loadGitfleetPackageDefinition(),
): RegistrationGrpc {
  const root = loadPackageDefinition(definition) as unknown as Partial<ProtoGrpcType>;
  const ctor = root.gitfleet?.v1.Registration;
  if (typeof ctor !== 'function' || typeof ctor.service !== 'object') {
    throw new GitfleetError(
      ErrorCode.Internal,
      'gitfleet.v1.Registration: not found in the package definition (wrong .proto files loaded?)',
    );
  }
  return { service: ctor.service, Client: ctor };
}

export interface RegisterRequest {
  readonly target: string;
  readonly token: string;
  readonly csrPem: string;
}

export interface RenewRequest {
  readonly csrPem: string;
}

export interface CertificateResponse {
  readonly certificatePem: string;
  readonly caPem: string;
  readonly notAfterUnixMs: number;
}

function violation(message: string, field: string, problem: string): GitfleetError {
  return new GitfleetError(ErrorCode.ProtocolViolation, `${message}: ${field} ${problem}`, {
    terminal: true,
    details: { message, field },
  });
}

function pem(message: string, field: string, value: string, label: string, max: number): string {
  if (Buffer.byteLength(value) > max) {
    throw violation(message, field, `is over ${String(max)} bytes`);
  }
  if (!value.includes(`-----BEGIN ${label}-----`)) {
    throw violation(message, field, `is not a PEM ${label}`);
  }
  return value;
}

/** @throws GitfleetError PROTOCOL_VIOLATION naming the field that does not fit */
export function decodeRegisterRequest(wire: WireRegisterRequestOut): RegisterRequest {
  const m = 'RegisterRequest';
  if (!isDnsLabel(wire.target)) throw violation(m, 'target', 'is not a target name (a DNS label)');
  if (!isRegistrationToken(wire.token)) {
    throw violation(m, 'token', 'is not a registration token (gfreg_ and 43 base64url characters)');
  }
  const csrPem = pem(m, 'csrPem', wire.csrPem, 'CERTIFICATE REQUEST', MAX_CSR_PEM_BYTES);
  return { target: wire.target, token: wire.token, csrPem };
}

/** @throws GitfleetError PROTOCOL_VIOLATION naming the field that does not fit */
export function decodeRenewRequest(wire: WireRenewRequestOut): RenewRequest {
  return {
    csrPem: pem('RenewRequest', 'csrPem', wire.csrPem, 'CERTIFICATE REQUEST', MAX_CSR_PEM_BYTES),
  };
}

/** @throws GitfleetError PROTOCOL_VIOLATION naming the field that does not fit */
export function decodeCertificateResponse(wire: WireCertificateResponseOut): CertificateResponse {
  const m = 'CertificateResponse';
  const certificatePem = pem(
    m,
    'certificatePem',
    wire.certificatePem,
    'CERTIFICATE',
    MAX_CERTIFICATE_PEM_BYTES,
  );
  const caPem = pem(m, 'caPem', wire.caPem, 'CERTIFICATE', MAX_CERTIFICATE_PEM_BYTES);
  const notAfterUnixMs = Number(wire.notAfterUnixMs);
  if (!Number.isSafeInteger(notAfterUnixMs) || notAfterUnixMs <= 0) {
    throw violation(m, 'notAfterUnixMs', 'is not a time (unix ms)');
  }
  return { certificatePem, caPem, notAfterUnixMs };
}
