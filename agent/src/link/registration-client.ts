/**
 * The agent's calls of the hub's Registration service (proto/gitfleet/v1/registration.proto):
 * Register over TLS that verifies the hub and presents no client certificate, Renew over mTLS with
 * the certificate the agent holds. Each call dials a fresh channel (the files as they are then)
 * and closes it; a failure is a GitfleetError whose `details.grpcStatus` names the gRPC status (no
 * status: the answer did not decode), for ../core/enrollment.ts `callFailure` to judge.
 */
import { readFileSync } from 'node:fs';
import {
  credentials as grpcCredentials,
  status,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  GitfleetError,
  decodeCertificateResponse,
  registrationGrpc,
  toGitfleetError,
  type CertificateResponse,
  type RegistrationGrpc,
} from '@gitfleet/proto';
import type { CertificatePaths } from './certificate-files.ts';

/** How the agent reaches the hub for Registration calls. */
export interface RegistrationEndpoint {
  /** The hub's addresses (replicas): attempt n dials address n modulo their number. */
  readonly addresses: readonly string[];
  /** CA bundle of the hub's certificate; undefined = the system's CAs. */
  readonly caFile: string | undefined;
  /** The name the hub's certificate must hold; undefined = the address's host. */
  readonly serverName: string | undefined;
}

/** How long one call may take. */
export const REGISTRATION_CALL_DEADLINE_MS = 15_000;

/** The gRPC status name of a failed call, when it has one. */
export function grpcStatusOf(err: GitfleetError): string | undefined {
  const s = err.details['grpcStatus'];
  return typeof s === 'string' ? s : undefined;
}

function errorCodeOf(code: status): ErrorCode {
  switch (code) {
    case status.PERMISSION_DENIED:
    case status.UNAUTHENTICATED:
      return ErrorCode.RegistrationRefused;
    case status.DEADLINE_EXCEEDED:
      return ErrorCode.Timeout;
    case status.INVALID_ARGUMENT:
      return ErrorCode.ProtocolViolation;
    default:
      return ErrorCode.Internal;
  }
}

export class RegistrationClient {
  private readonly grpc: RegistrationGrpc = registrationGrpc();
  private readonly endpoint: RegistrationEndpoint;

  constructor(endpoint: RegistrationEndpoint) {
    this.endpoint = endpoint;
  }

  /** The address attempt `attempt` dials. */
  address(attempt: number): string {
    const a = this.endpoint.addresses;
    return a[attempt % a.length] ?? '';
  }

  /** Register with a one-time token; no client certificate. */
  register(
    attempt: number,
    request: { readonly target: string; readonly token: string; readonly csrPem: string },
    signal?: AbortSignal,
  ): Promise<CertificateResponse> {
    const creds = grpcCredentials.createSsl(this.ca());
    return this.call(attempt, creds, signal, (client, deadline, done) =>
      client.Register(request, { deadline }, done),
    );
  }

  /** Renew with the certificate and key in `paths` as the client certificate. */
  renew(
    attempt: number,
    paths: CertificatePaths,
    csrPem: string,
    signal?: AbortSignal,
  ): Promise<CertificateResponse> {
    let creds: ChannelCredentials;
    try {
      creds = grpcCredentials.createSsl(
        this.ca(),
        readFileSync(paths.keyFile),
        readFileSync(paths.certFile),
      );
    } catch (err) {
      return Promise.reject(toGitfleetError(err));
    }
    return this.call(attempt, creds, signal, (client, deadline, done) =>
      client.Renew({ csrPem }, { deadline }, done),
    );
  }

  private ca(): Buffer | null {
    const f = this.endpoint.caFile;
    return f === undefined ? null : readFileSync(f);
  }

  private call(
    attempt: number,
    creds: ChannelCredentials,
    signal: AbortSignal | undefined,
    invoke: (
      client: InstanceType<RegistrationGrpc['Client']>,
      deadline: Date,
      done: (err: ServiceError | null, value?: unknown) => void,
    ) => { cancel(): void },
  ): Promise<CertificateResponse> {
    const name = this.endpoint.serverName;
    const client = new this.grpc.Client(
      this.address(attempt),
      creds,
      name === undefined ? {} : { 'grpc.ssl_target_name_override': name },
    );
    return new Promise<CertificateResponse>((resolve, reject) => {
      const deadline = new Date(Date.now() + REGISTRATION_CALL_DEADLINE_MS);
      const call = invoke(client, deadline, (err, value) => {
        signal?.removeEventListener('abort', abort);
        client.close();
        if (err !== null) {
          const statusName = status[err.code];
          const hubCode = err.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
          const label = typeof hubCode === 'string' ? `${statusName} (${hubCode})` : statusName;
          reject(
            new GitfleetError(errorCodeOf(err.code), `${label}: ${err.details || err.message}`, {
              cause: err,
              details: { grpcStatus: statusName },
            }),
          );
          return;
        }
        try {
          resolve(
            decodeCertificateResponse(value as Parameters<typeof decodeCertificateResponse>[0]),
          );
        } catch (e) {
          reject(toGitfleetError(e, ErrorCode.ProtocolViolation));
        }
      });
      const abort = (): void => call.cancel();
      signal?.addEventListener('abort', abort, { once: true });
    });
  }
}

/** Where the agent keeps its certificate and how it reaches the hub for Registration calls. */
export interface OwnCertificate {
  readonly paths: CertificatePaths;
  readonly endpoint: RegistrationEndpoint;
}

/** The agent's own certificate setup, when the link presents a client certificate. */
export function ownCertificateOf(
  tls:
    | {
        readonly certFile: string | undefined;
        readonly keyFile: string | undefined;
        readonly caFile: string | undefined;
        readonly serverName: string | undefined;
      }
    | undefined,
  hubAddress: string,
): OwnCertificate | undefined {
  if (tls?.certFile === undefined || tls.keyFile === undefined) return undefined;
  return {
    paths: { certFile: tls.certFile, keyFile: tls.keyFile },
    endpoint: {
      addresses: hubAddress.split(',').map((a) => a.trim()),
      caFile: tls.caFile,
      serverName: tls.serverName,
    },
  };
}
