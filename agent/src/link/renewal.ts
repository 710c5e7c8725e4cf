/**
 * Renewal of the agent's client certificate while it runs (docs/agent.md, "Registration and
 * renewal"): by two thirds of the certificate's lifetime (../core/renewal.ts) the agent generates
 * a fresh key, calls Registration.Renew over mTLS with the certificate it holds, checks the
 * answer, replaces both files atomically and has the link's credentials re-read them: the next
 * connection presents the new certificate, the running stream is left alone. Failures are retried
 * with backoff; a hub that answers UNIMPLEMENTED (no Registration, no agent CA) ends renewal, as
 * do files the agent cannot write (a mounted Secret: whoever writes it renews). The files are
 * read again at every step, so a certificate replaced from outside is picked up too.
 */
import { toGitfleetError, type Logger } from '@gitfleet/proto';
import { callFailure } from '../core/enrollment.ts';
import {
  expiredCertificateMessage,
  renewalDueMs,
  renewalRetryDelayMs,
  renewalStep,
} from '../core/renewal.ts';
import {
  certificateFilesWritable,
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

/** How often files that hold no usable certificate are read again. */
const RECHECK_MS = 60_000;

export interface RenewalOptions {
  readonly target: string;
  readonly paths: CertificatePaths;
  readonly endpoint: RegistrationEndpoint;
}

export interface RenewalDeps {
  readonly logger: Logger;
  /** The files were replaced: the link's credentials re-read them. */
  readonly onRenewed: () => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class CertificateRenewer {
  private readonly o: RenewalOptions;
  private readonly log: Logger;
  private readonly onRenewed: () => void;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly client: RegistrationClient;
  private readonly aborts = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Due time of the certificate with this fingerprint (drawn once per certificate). */
  private due: { readonly fingerprint: string; readonly atMs: number } | undefined;
  private failures = 0;
  /** The last problem logged, so that a state that lasts is logged once. */
  private lastLogged: string | undefined;
  private running: Promise<void> | undefined;

  constructor(o: RenewalOptions, deps: RenewalDeps) {
    this.o = o;
    this.log = deps.logger.child({ component: 'certificate-renewal' });
    this.onRenewed = deps.onRenewed;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.client = new RegistrationClient(o.endpoint);
  }

  /** Starts renewing, unless the files cannot be replaced. */
  start(): void {
    if (!certificateFilesWritable(this.o.paths)) {
      this.log.info(
        'the client certificate files are not writable (a mounted Secret?): the agent does not renew them; whoever writes them must',
        { certFile: this.o.paths.certFile },
      );
      return;
    }
    this.schedule(0);
  }

  /** Stops the timer and cancels a renewal in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.aborts.abort();
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const run = this.step();
      this.running = run;
      void run.finally(() => {
        if (this.running === run) this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private logOnce(key: string, write: () => void): void {
    if (this.lastLogged === key) return;
    this.lastLogged = key;
    write();
  }

  private async step(): Promise<void> {
    const held = readHeldCertificate(this.o.paths);
    if (held.kind !== 'read' || held.certificate === undefined) {
      const problem = held.kind === 'unreadable' ? held.problem : 'missing';
      this.logOnce(`unusable:${problem}`, () =>
        this.log.warn('no usable client certificate to renew; reading the files again later', {
          problem,
          certFile: this.o.paths.certFile,
        }),
      );
      this.schedule(RECHECK_MS);
      return;
    }
    const fingerprint = held.certificate.fingerprint256;
    if (this.due?.fingerprint !== fingerprint) {
      this.due = {
        fingerprint,
        atMs: renewalDueMs(held.notBeforeMs, held.notAfterMs, this.random),
      };
      this.failures = 0;
      this.log.info('client certificate renewal scheduled', {
        serial: held.certificate.serialNumber,
        notAfter: new Date(held.notAfterMs).toISOString(),
        renewAt: new Date(this.due.atMs).toISOString(),
      });
    }
    const step = renewalStep({
      notAfterMs: held.notAfterMs,
      dueMs: this.due.atMs,
      nowMs: this.now(),
    });
    if (step.kind === 'wait') return this.schedule(step.delayMs);
    if (step.kind === 'expired') {
      this.logOnce(`expired:${fingerprint}`, () =>
        this.log.error(expiredCertificateMessage(this.o.target, held.notAfterMs), {
          serial: held.certificate?.serialNumber ?? '',
        }),
      );
      return this.schedule(RECHECK_MS);
    }
    await this.renew(held.notAfterMs);
  }

  private async renew(notAfterMs: number): Promise<void> {
    const attempt = this.failures;
    try {
      const fresh = await newKeyAndCsr(this.o.target);
      const answer = await this.client.renew(
        attempt,
        this.o.paths,
        fresh.csrPem,
        this.aborts.signal,
      );
      const issued = checkIssuedCertificate(answer, {
        target: this.o.target,
        publicKeySpki: fresh.publicKeySpki,
        nowMs: this.now(),
      });
      if (this.closed) return;
      await writeKeyAndCertificate(this.o.paths, fresh.keyPem, answer.certificatePem);
      this.onRenewed();
      this.lastLogged = undefined;
      this.log.info('client certificate renewed: the next connection presents it', {
        serial: issued.serial,
        notAfter: issued.notAfter,
        fingerprint256: issued.fingerprint256,
      });
      this.schedule(0);
    } catch (err) {
      if (this.closed) return;
      const e = toGitfleetError(err);
      const grpcStatus = grpcStatusOf(e);
      if (grpcStatus !== undefined && callFailure(grpcStatus) === 'unimplemented') {
        this.log.info(
          'the hub does not renew certificates (no Registration service or no agent CA): renewal is off',
          { error: e.message },
        );
        return;
      }
      this.failures++;
      const retryInMs = renewalRetryDelayMs(attempt, this.now(), notAfterMs, this.random);
      this.log.warn('client certificate renewal failed; retrying', {
        code: e.code,
        ...(grpcStatus === undefined ? {} : { grpcStatus }),
        error: e.message,
        attempt: attempt + 1,
        retryInMs,
        notAfter: new Date(notAfterMs).toISOString(),
      });
      this.schedule(retryInMs);
    }
  }
}
