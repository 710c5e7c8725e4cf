/**
 * The hub's Registration service on the AgentLink port (proto/gitfleet/v1/registration.proto,
 * docs/security.md "Registration, renewal and revocation"): Register signs a certificate for an
 * agent presenting a one-time registration token and a CSR; Renew signs a new one for an agent
 * presenting its current, verified client certificate. The decisions are pure
 * (../core/registration); this adapter reads the call, the store and the CSR, waits when a
 * revocation of the same second asks it to, signs with the agent CA, and logs and counts the
 * outcome — the target, serial and expiry, never the token, never a key.
 *
 * A refusal is PERMISSION_DENIED (UNAUTHENTICATED for a Renew without a certificate), its message
 * saying what to do, with the trailer `gitfleet-error-code: REGISTRATION_REFUSED`; a malformed
 * field is INVALID_ARGUMENT; a store that cannot be reached is UNAVAILABLE (try again).
 */
import { randomBytes } from 'node:crypto';
import { Metadata, status, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  GitfleetError,
  decodeRegisterRequest,
  decodeRenewRequest,
  toGitfleetError,
  type Logger,
  type RegistrationHandlers,
} from '@gitfleet/proto';
import { certificateIdentity } from '../core/link/identity.ts';
import {
  certificateProfile,
  csrRefusal,
  renewRefusal,
  tokenRefusal,
} from '../core/registration/index.ts';
import type { AgentCa } from '../pki/agent-ca.ts';
import { readCsr } from '../pki/csr.ts';
import type { RegistrationStorePort } from '../store/registration-store.ts';
import { peerCertificate } from './peer-identity.ts';
import type { RegistrationCall, RegistrationMetrics } from './registration-metrics.ts';

export interface RegistrationServiceDeps {
  readonly ca: Pick<AgentCa, 'issue'>;
  readonly store: Pick<RegistrationStorePort, 'consumeToken' | 'cutoffOf'>;
  /** Whether the target is declared in the fleet in force (undefined: none in force yet). */
  readonly isDeclared: (target: string) => boolean | undefined;
  /** Lifetime of an issued certificate (`--agent-cert-ttl`). */
  readonly certTtlMs: number;
  readonly metrics: RegistrationMetrics;
  readonly logger: Logger;
  /** Wall clock (certificate times are wall-clock times). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type RegisterCall = Parameters<RegistrationHandlers['Register']>[0];
type RenewCall = Parameters<RegistrationHandlers['Renew']>[0];
type Answer = Parameters<RegistrationHandlers['Register']>[1];
type Response = NonNullable<Parameters<Answer>[1]>;

const refused = (message: string): GitfleetError =>
  new GitfleetError(ErrorCode.RegistrationRefused, message, { terminal: true });

export class RegistrationService {
  private readonly deps: RegistrationServiceDeps;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(deps: RegistrationServiceDeps) {
    this.deps = deps;
    this.logger = deps.logger.child({ component: 'registration' });
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The grpc-js handlers of gitfleet.v1.Registration. */
  handlers(): RegistrationHandlers {
    return {
      Register: (call, callback) =>
        this.answer('register', call, callback, () => this.register(call.request)),
      Renew: (call, callback) => this.answer('renew', call, callback, () => this.renew(call)),
    };
  }

  private async register(wire: RegisterCall['request']): Promise<Response> {
    const req = decodeRegisterRequest(wire);
    // consumed before anything else is checked: one presentation per token, whatever the outcome
    const record = await this.deps.store.consumeToken(req.token, this.now());
    const tokenProblem = tokenRefusal(
      record,
      req.target,
      this.now(),
      this.deps.isDeclared(req.target),
    );
    if (tokenProblem !== undefined) throw refused(tokenProblem);
    return this.issue('register', req.target, req.csrPem, 'agent registered');
  }

  private async renew(call: RenewCall): Promise<Response> {
    const cert = peerCertificate(call);
    if (cert === undefined) {
      throw new GitfleetError(
        ErrorCode.AgentUnauthenticated,
        'Renew needs the verified client certificate of the agent: a new agent registers with a registration token (Register)',
        { terminal: true },
      );
    }
    const identity = certificateIdentity(cert.names);
    if ('refused' in identity) throw refused(identity.message);
    const { target } = identity;
    const req = decodeRenewRequest(call.request);
    const cutoff = await this.deps.store.cutoffOf(target);
    const problem = renewRefusal(target, cert.validity, cutoff, this.deps.isDeclared(target));
    if (problem !== undefined) throw refused(problem);
    return this.issue('renew', target, req.csrPem, 'agent certificate renewed');
  }

  /** Checks the CSR for `target` and signs the certificate of the profile. */
  private async issue(
    call: RegistrationCall,
    target: string,
    csrPem: string,
    what: string,
  ): Promise<Response> {
    const csr = await readCsr(csrPem);
    const csrProblem = csrRefusal(csr.facts, target);
    if (csrProblem !== undefined) throw refused(csrProblem);
    const cutoffMs = await this.deps.store.cutoffOf(target);
    const profile = certificateProfile({
      target,
      nowMs: this.now(),
      ttlMs: this.deps.certTtlMs,
      cutoffMs,
      serialBytes: randomBytes(16),
    });
    if ('refused' in profile) throw refused(profile.refused);
    if (profile.waitMs > 0) await this.sleep(profile.waitMs);
    const issued = await this.deps.ca.issue(profile, csr.request.publicKey);
    this.logger.info(what, {
      target,
      call,
      serial: profile.serialHex,
      notBefore: new Date(profile.notBeforeMs).toISOString(),
      notAfter: new Date(issued.notAfterMs).toISOString(),
    });
    return {
      certificatePem: issued.certificatePem,
      caPem: issued.caPem,
      notAfterUnixMs: String(issued.notAfterMs),
    };
  }

  /** Runs a call: its answer, or its refusal as a gRPC status; logged and counted either way. */
  private answer(
    call: RegistrationCall,
    unary: Pick<ServerUnaryCall<unknown, Response>, 'getPeer'>,
    callback: Answer,
    run: () => Promise<Response>,
  ): void {
    run().then(
      (response) => {
        this.deps.metrics.call(call, 'issued');
        callback(null, response);
      },
      (err: unknown) => {
        const e = toGitfleetError(err);
        const code = statusOf(e.code);
        const outcome =
          code === status.UNAVAILABLE || code === status.INTERNAL ? 'failed' : 'refused';
        this.deps.metrics.call(call, outcome);
        this.logger.warn(call === 'register' ? 'registration refused' : 'renewal refused', {
          reason: e.message,
          code: e.code,
          peer: unary.getPeer(),
        });
        const trailer = new Metadata();
        trailer.set(ERROR_CODE_METADATA_KEY, e.code);
        const failure: Partial<ServiceError> = {
          code,
          details:
            outcome === 'failed' ? `the hub could not answer (${e.message}): try again` : e.message,
          metadata: trailer,
        };
        callback(failure);
      },
    );
  }
}

/** The gRPC status of a failure's code. */
function statusOf(code: ErrorCode): status {
  switch (code) {
    case ErrorCode.RegistrationRefused:
      return status.PERMISSION_DENIED;
    case ErrorCode.AgentUnauthenticated:
      return status.UNAUTHENTICATED;
    case ErrorCode.ProtocolViolation:
      return status.INVALID_ARGUMENT;
    case ErrorCode.Internal:
      return status.INTERNAL;
    default:
      return status.UNAVAILABLE;
  }
}
