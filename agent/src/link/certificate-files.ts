/**
 * The agent's own key and certificate on disk (--tls-key-file, --tls-cert-file) when it registers
 * and renews: what the files hold, the check of a certificate the hub issued (our key, our target,
 * signed by the CA the answer names, valid now), and the atomic replacement of both files (each
 * written to a temporary file beside it and renamed over it, the key first, the key mode 0600).
 * Nothing of a key is ever in a message.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { constants, accessSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  ErrorCode,
  GitfleetError,
  summarizeCertificate,
  type CertificateResponse,
  type CertificateSummary,
} from '@gitfleet/proto';
import {
  certificateTargets,
  type CertificateNames,
  type HeldCertificate,
} from '../core/enrollment.ts';

/** Where the agent keeps its key and certificate. */
export interface CertificatePaths {
  readonly certFile: string;
  readonly keyFile: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The names of a certificate that may name a target. */
export function certificateNames(cert: X509Certificate): CertificateNames {
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  const uris = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('URI:'))
    .map((n) => n.slice('URI:'.length));
  return { commonName: cn, uris };
}

function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

/** What the files hold: missing (either file absent), unreadable, or a certificate read. */
export function readHeldCertificate(paths: CertificatePaths): HeldCertificate & {
  readonly certificate?: X509Certificate;
} {
  let certPem: Buffer;
  let keyPem: Buffer;
  try {
    certPem = readFileSync(paths.certFile);
    keyPem = readFileSync(paths.keyFile);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', problem: `cannot read the files (${errnoOf(err)})` };
  }
  let cert: X509Certificate;
  try {
    const first = certPem.toString('utf8').match(PEM_CERTIFICATE)?.[0];
    if (first === undefined)
      return { kind: 'unreadable', problem: `${paths.certFile}: no PEM certificate` };
    cert = new X509Certificate(first);
  } catch {
    return { kind: 'unreadable', problem: `${paths.certFile}: the certificate does not parse` };
  }
  let keyMatches: boolean;
  try {
    keyMatches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    // the parser's message may quote what it read: never echo a key file
    return { kind: 'unreadable', problem: `${paths.keyFile}: not an unencrypted PEM private key` };
  }
  return {
    kind: 'read',
    names: certificateNames(cert),
    notBeforeMs: cert.validFromDate.getTime(),
    notAfterMs: cert.validToDate.getTime(),
    keyMatches,
    certificate: cert,
  };
}

function badAnswer(problem: string): GitfleetError {
  return new GitfleetError(ErrorCode.ProtocolViolation, `the hub's certificate ${problem}`, {
    terminal: true,
  });
}

/**
 * Checks a certificate the hub issued for this agent and returns its summary (for the log).
 *
 * @throws GitfleetError PROTOCOL_VIOLATION naming what does not hold
 */
export function checkIssuedCertificate(
  answer: CertificateResponse,
  expected: { readonly target: string; readonly publicKeySpki: Buffer; readonly nowMs: number },
): CertificateSummary & { readonly serial: string } {
  const parse = (block: string, what: string): X509Certificate => {
    try {
      return new X509Certificate(block);
    } catch {
      throw badAnswer(`answer: ${what} does not parse`);
    }
  };
  const leafPem = answer.certificatePem.match(PEM_CERTIFICATE)?.[0];
  if (leafPem === undefined) throw badAnswer('answer holds no PEM certificate');
  const leaf = parse(leafPem, 'the certificate');
  const cas = (answer.caPem.match(PEM_CERTIFICATE) ?? []).map((b, i) =>
    parse(b, `CA certificate ${String(i + 1)}`),
  );
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!spki.equals(expected.publicKeySpki)) {
    throw badAnswer('is not for the key this agent generated');
  }
  const targets = certificateTargets(certificateNames(leaf));
  if (targets.length !== 1 || targets[0] !== expected.target) {
    throw badAnswer(
      `names ${targets.length === 0 ? 'no target' : targets.join(', ')}, not ${expected.target}`,
    );
  }
  if (!cas.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) {
    throw badAnswer(
      `(issuer ${leaf.issuer.replaceAll('\n', ', ')}) is not signed by the CA of the answer`,
    );
  }
  if (leaf.validToDate.getTime() <= expected.nowMs) {
    throw badAnswer(`expired at ${leaf.validTo}`);
  }
  return { ...summarizeCertificate(leaf), serial: leaf.serialNumber };
}

/** Whether the agent can replace both files (their directories are writable). */
export function certificateFilesWritable(paths: CertificatePaths): boolean {
  try {
    for (const f of [paths.keyFile, paths.certFile]) accessSync(path.dirname(f), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${String(process.pid)}.${Date.now().toString(36)}.tmp`;
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new GitfleetError(ErrorCode.Internal, `cannot write ${file} (${errnoOf(err)})`, {
      cause: err,
    });
  }
}

/**
 * Replaces the key (mode 0600) and then the certificate, each atomically: a reader sees the old
 * file or the new one, never a part of one.
 *
 * @throws GitfleetError INTERNAL naming the file that could not be written
 */
export async function writeKeyAndCertificate(
  paths: CertificatePaths,
  keyPem: string,
  certificatePem: string,
): Promise<void> {
  await writeAtomically(paths.keyFile, keyPem, 0o600);
  await writeAtomically(paths.certFile, certificatePem, 0o644);
}
