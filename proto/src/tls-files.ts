/**
 * TLS of the AgentLink port from PEM files, shared by hub and agent: the check of the files when
 * the configuration is read (every problem named, nothing of a key echoed), and a grpc-js
 * certificate provider that re-reads them while the binary runs, so that a rotated certificate (a
 * Kubernetes Secret updated in place, a renewal by cert-manager) serves new connections without a
 * restart. Files that change into something unusable (a certificate without its new key, a
 * truncated file) are reported and the last good certificate stays in use.
 */
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { experimental } from '@grpc/grpc-js';
import { ErrorCode, GitfleetError } from './domain/errors.ts';

/** The PEM files of one end of a TLS connection. */
export interface TlsFiles {
  /** Certificate chain, leaf first; set with keyFile, or neither (no certificate of one's own). */
  readonly certFile?: string | undefined;
  /** Unencrypted private key of certFile's leaf. */
  readonly keyFile?: string | undefined;
  /** CA bundle that verifies the peer's certificate; undefined = the system's CAs. */
  readonly caFile?: string | undefined;
}

/** How often the files are re-read by default. */
export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 60_000;

/** What may be logged of a certificate: nothing of it is secret. */
export interface CertificateSummary {
  readonly subject: string;
  readonly subjectAltName: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint256: string;
}

interface Loaded {
  readonly identity: { readonly certificate: Buffer; readonly privateKey: Buffer } | undefined;
  readonly ca: Buffer;
  readonly leaf: X509Certificate | undefined;
  /** Digest of every byte read: a change of any file changes it. */
  readonly digest: string;
}

type ReadFile = (path: string) => Buffer | string;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function read(file: string, readFile: ReadFile): Buffer {
  try {
    const content = readFile(file);
    return typeof content === 'string' ? Buffer.from(content) : content;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Error(
      `cannot read ${file}${typeof code === 'string' ? ` (${code})` : `: ${err instanceof Error ? err.message : String(err)}`}`,
      { cause: err },
    );
  }
}

/** Every certificate of a PEM bundle; a problem when there is none or one does not parse. */
function certificatesOf(file: string, pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error(`${file}: no PEM certificate in it`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch {
      throw new Error(`${file}: certificate ${i + 1} of ${blocks.length} does not parse`);
    }
  });
}

function privateKeyOf(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // the parser's message may quote what it read: never echo a key file
    throw new Error(`${file}: not an unencrypted PEM private key`);
  }
}

/** The files' bytes, as read. */
interface Read {
  readonly certificate: Buffer | undefined;
  readonly privateKey: Buffer | undefined;
  readonly ca: Buffer | undefined;
  /** Digest of every byte read: a change of any file changes it. */
  readonly digest: string;
}

function readAll(files: TlsFiles, readFile: ReadFile): Read {
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    throw new Error('a certificate and its key are set together, or neither');
  }
  const certificate = files.certFile === undefined ? undefined : read(files.certFile, readFile);
  const privateKey = files.keyFile === undefined ? undefined : read(files.keyFile, readFile);
  const ca = files.caFile === undefined ? undefined : read(files.caFile, readFile);
  const digest = createHash('sha256');
  for (const b of [certificate, privateKey, ca]) digest.update(b ?? '').update('\0');
  return { certificate, privateKey, ca, digest: digest.digest('hex') };
}

/** Checks what was read; throws an Error naming the file and the problem. */
function check(files: TlsFiles, raw: Read): Loaded {
  let identity: Loaded['identity'];
  let leaf: X509Certificate | undefined;
  if (
    files.certFile !== undefined &&
    files.keyFile !== undefined &&
    raw.certificate !== undefined &&
    raw.privateKey !== undefined
  ) {
    leaf = certificatesOf(files.certFile, raw.certificate)[0];
    const key = privateKeyOf(files.keyFile, raw.privateKey);
    if (leaf === undefined || !leaf.checkPrivateKey(key)) {
      throw new Error(`${files.keyFile} is not the private key of ${files.certFile}`);
    }
    identity = { certificate: raw.certificate, privateKey: raw.privateKey };
  }
  if (files.caFile !== undefined && raw.ca !== undefined) certificatesOf(files.caFile, raw.ca);
  const ca = raw.ca ?? Buffer.from(rootCertificates.join('\n'));
  try {
    createSecureContext({ ca, cert: identity?.certificate, key: identity?.privateKey });
  } catch (err) {
    // OpenSSL's reason (an unsupported algorithm, a key too weak), never the files' content
    const reason = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 200) : '';
    throw new Error(
      `${[files.certFile, files.caFile].filter((f) => f !== undefined).join(', ')}: not usable for TLS (${reason})`,
      { cause: err },
    );
  }
  return { identity, ca, leaf, digest: raw.digest };
}

const load = (files: TlsFiles, readFile: ReadFile): Loaded =>
  check(files, readAll(files, readFile));

/**
 * The problems of a set of TLS files, for a configuration loader (empty: usable). Nothing of the
 * files' content is ever in a message.
 */
export function tlsFileProblems(
  files: TlsFiles,
  readFile: ReadFile = (p) => readFileSync(p),
): string[] {
  try {
    load(files, readFile);
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** Subject, names, validity and fingerprint of a certificate, for logs. */
export function summarizeCertificate(cert: X509Certificate): CertificateSummary {
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    subjectAltName: cert.subjectAltName ?? '',
    notBefore: new Date(cert.validFromDate).toISOString(),
    notAfter: new Date(cert.validToDate).toISOString(),
    fingerprint256: cert.fingerprint256,
  };
}

/** True for a HOST:PORT whose host is loopback: localhost, 127.0.0.0/8 or [::1]. */
export function isLoopbackAddress(hostPort: string): boolean {
  const host = hostPort.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface ReloadingCertificateProviderOptions {
  /** How often the files are re-read. @defaultValue DEFAULT_TLS_RELOAD_INTERVAL_MS */
  readonly reloadIntervalMs?: number;
  /** The files changed and were loaded: new connections use them. */
  readonly onReload?: (leaf: CertificateSummary | undefined) => void;
  /** The files changed into something unusable: the last good ones stay in use. */
  readonly onProblem?: (message: string) => void;
}

/**
 * A grpc-js certificate provider over PEM files (`experimental.CertificateProvider`): its
 * certificate, key and CA bundle are read when it is made (a problem throws) and re-read every
 * `reloadIntervalMs` while credentials use it. Give it as both the CA and the identity provider
 * of `experimental.createCertificateProvider{Server,Channel}Credentials`.
 */
export class ReloadingCertificateProvider implements experimental.CertificateProvider {
  private current: Loaded;
  private readonly files: TlsFiles;
  private readonly intervalMs: number;
  private readonly opts: ReloadingCertificateProviderOptions;
  private readonly caListeners = new Set<experimental.CaCertificateUpdateListener>();
  private readonly identityListeners = new Set<experimental.IdentityCertificateUpdateListener>();
  private timer: NodeJS.Timeout | undefined;
  /** The problem of the last unusable files, reported once. */
  private refused: string | undefined;

  /** @throws GitfleetError CONFIG_INVALID naming the file and the problem when it is not usable. */
  constructor(files: TlsFiles, opts: ReloadingCertificateProviderOptions = {}) {
    this.files = files;
    this.opts = opts;
    this.intervalMs = opts.reloadIntervalMs ?? DEFAULT_TLS_RELOAD_INTERVAL_MS;
    try {
      this.current = load(files, (p) => readFileSync(p));
    } catch (err) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `TLS: ${err instanceof Error ? err.message : String(err)}`,
        { terminal: true },
      );
    }
  }

  /** The certificate in use (undefined: none of its own, only a CA bundle). */
  certificate(): CertificateSummary | undefined {
    return this.current.leaf === undefined ? undefined : summarizeCertificate(this.current.leaf);
  }

  /** Re-reads the files now; true when they changed and were loaded. */
  reload(): boolean {
    let next: Loaded;
    try {
      const raw = readAll(this.files, (p) => readFileSync(p));
      if (raw.digest === this.current.digest) {
        this.refused = undefined;
        return false;
      }
      next = check(this.files, raw);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // the same problem is reported once, not at every interval
      if (this.refused !== message) {
        this.refused = message;
        this.opts.onProblem?.(message);
      }
      return false;
    }
    this.refused = undefined;
    this.current = next;
    for (const l of this.caListeners) l(this.caUpdate());
    for (const l of this.identityListeners) l(this.identityUpdate());
    this.opts.onReload?.(this.certificate());
    return true;
  }

  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.add(listener);
    this.watch();
    // grpc-js registers its watcher after adding the listener: the first update comes a tick later
    process.nextTick(() => this.caListeners.has(listener) && listener(this.caUpdate()));
  }

  removeCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.delete(listener);
    this.unwatchWhenUnused();
  }

  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.add(listener);
    this.watch();
    process.nextTick(() => this.identityListeners.has(listener) && listener(this.identityUpdate()));
  }

  removeIdentityCertificateListener(
    listener: experimental.IdentityCertificateUpdateListener,
  ): void {
    this.identityListeners.delete(listener);
    this.unwatchWhenUnused();
  }

  /** Stops re-reading (the credentials keep the certificate they hold). */
  close(): void {
    this.caListeners.clear();
    this.identityListeners.clear();
    this.unwatchWhenUnused();
  }

  private caUpdate(): experimental.CaCertificateUpdate {
    return { caCertificate: this.current.ca };
  }

  private identityUpdate(): experimental.IdentityCertificateUpdate | null {
    return this.current.identity ?? null;
  }

  private watch(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.reload(), this.intervalMs);
    this.timer.unref();
  }

  private unwatchWhenUnused(): void {
    if (this.caListeners.size > 0 || this.identityListeners.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
