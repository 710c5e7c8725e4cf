/**
 * Registration at start (docs/agent.md, "Registration and renewal"): with --registration-token-file,
 * an agent that holds no usable certificate for its target generates a key, sends a CSR with its
 * one-time token to the hub's Registration service, checks the certificate it gets, and writes
 * key and certificate where --tls-key-file and --tls-cert-file say; then the link connects with
 * them. Only a hub that could not be reached (UNAVAILABLE, deadline) is retried, with backoff; any
 * other failure ends the start with a message saying why and how to get a new token (a token is
 * consumed by the first request that reaches the hub, whatever its outcome). The token is never
 * logged.
 */
import { readFileSync } from 'node:fs';
import {
  ErrorCode,
  GitfleetError,
  isRegistrationToken,
  toGitfleetError,
  type Logger,
} from '@gitfleet/proto';
import { backoffDelayMs } from '../core/backoff.ts';
import {
  REGISTRATION_RETRY_BACKOFF,
  callFailure,
  enrollmentNeed,
  registrationRefusedMessage,
} from '../core/enrollment.ts';
import {
  checkIssuedCertificate,
  readHeldCertificate,
  writeKeyAndCertificate,
  type CertificatePaths,
} from './certificate-files.ts';
import {
  RegistrationClient,
  grpcStatusOf,
  type RegistrationEndpoint,
} from './registration-client.ts';
import { newKeyAndCsr } from './x509.ts';

export interface EnrollmentOptions {
  readonly target: string;
  /** The file holding the one-time registration token. */
  readonly tokenFile: string;
  readonly paths: CertificatePaths;
  readonly endpoint: RegistrationEndpoint;
}

export interface EnrollmentDeps {
  readonly logger: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The token in `file`, checked for its form; never echoed. */
function readToken(target: string, file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      registrationRefusedMessage(
        target,
        file,
        `there is no usable certificate and the registration token file cannot be read (${typeof code === 'string' ? code : String(err)})`,
      ),
      { terminal: true },
    );
  }
  if (!isRegistrationToken(token)) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      registrationRefusedMessage(
        target,
        file,
        `${file} does not hold a registration token (gfreg_ and 43 base64url characters)`,
      ),
      { terminal: true },
    );
  }
  return token;
}

/**
 * Makes sure the agent holds a usable certificate for its target, registering when it does not.
 *
 * @throws GitfleetError REGISTRATION_REFUSED (or CONFIG_INVALID for the token file) saying why and
 *   how to get a new token, when registration cannot succeed
 */
export async function ensureCertificate(o: EnrollmentOptions, deps: EnrollmentDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const log = deps.logger.child({ component: 'registration' });
  const need = enrollmentNeed(readHeldCertificate(o.paths), o.target, now());
  if (!need.register) {
    log.info('client certificate on disk is usable: no registration', {
      certFile: o.paths.certFile,
    });
    return;
  }
  const token = readToken(o.target, o.tokenFile);
  const client = new RegistrationClient(o.endpoint);
  log.info('registering with the hub', {
    reason: need.reason,
    hub: o.endpoint.addresses.join(','),
    certFile: o.paths.certFile,
  });
  const fresh = await newKeyAndCsr(o.target);
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await client.register(attempt, {
        target: o.target,
        token,
        csrPem: fresh.csrPem,
      });
      const issued = checkIssuedCertificate(answer, {
        target: o.target,
        publicKeySpki: fresh.publicKeySpki,
        nowMs: now(),
      });
      await writeKeyAndCertificate(o.paths, fresh.keyPem, answer.certificatePem);
      log.info('registered: the hub issued this agent’s certificate', {
        ...issued,
        certFile: o.paths.certFile,
        keyFile: o.paths.keyFile,
      });
      return;
    } catch (err) {
      const e = toGitfleetError(err);
      const grpcStatus = grpcStatusOf(e);
      if (grpcStatus !== undefined && callFailure(grpcStatus) === 'transient') {
        const retryInMs = backoffDelayMs(attempt, REGISTRATION_RETRY_BACKOFF, random);
        log.warn('registration failed: the hub was not reached; retrying', {
          grpcStatus,
          error: e.message,
          hub: client.address(attempt),
          attempt: attempt + 1,
          retryInMs,
        });
        await new Promise((r) => setTimeout(r, retryInMs));
        continue;
      }
      const why =
        grpcStatus === 'UNIMPLEMENTED'
          ? `the hub does not issue certificates (${e.message}; it needs --agent-ca-cert-file and --agent-ca-key-file)`
          : grpcStatus === undefined
            ? e.message
            : `the hub answered ${e.message}`;
      throw new GitfleetError(
        ErrorCode.RegistrationRefused,
        registrationRefusedMessage(o.target, o.tokenFile, why),
        {
          terminal: true,
          cause: e,
          details: { ...(grpcStatus === undefined ? {} : { grpcStatus }) },
        },
      );
    }
  }
}
