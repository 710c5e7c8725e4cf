/**
 * The hub's agent CA (`--agent-ca-cert-file`, `--agent-ca-key-file`): the certificate and PKCS#8
 * private key that sign agents' client certificates at registration and renewal. Both come from
 * files and never go to Redis; they are re-read every `--tls-reload-interval-ms`, like the TLS
 * files, so a rotated CA signs from then on (a change into something unusable is reported and the
 * previous CA stays in use). The checks of the files are here too, for the configuration loader:
 * every problem named, nothing of a key echoed.
 */
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  type KeyObject,
  type webcrypto,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, GitfleetError, summarizeCertificate, type Logger } from '@gitfleet/proto';
import type { CertificateProfile } from '../core/registration/index.ts';
import { x509 } from './x509.ts';

/** The agent CA's files and how often they are re-read. */
export interface AgentCaFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly reloadIntervalMs: number;
}

type ReadFile = (path: string) => string | Buffer;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PKCS8 = '-----BEGIN PRIVATE KEY-----';

/** What was read and checked. */
interface Material {
  readonly cert: X509Certificate;
  readonly certPem: string;
  readonly key: KeyObject;
  readonly digest: string;
}

const text = (b: string | Buffer): string => (typeof b === 'string' ? b : b.toString('utf8'));

function readText(file: string, readFile: ReadFile): string {
  try {
    return text(readFile(file));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Error(`cannot read ${file}${typeof code === 'string' ? ` (${code})` : ''}`, {
      cause: err,
    });
  }
}

/** The key's kind, when the agent CA may sign with it. */
function keyProblem(key: KeyObject): string | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    return d.namedCurve === 'prime256v1' || d.namedCurve === 'secp384r1'
      ? undefined
      : `an EC key on ${d.namedCurve ?? 'an unknown curve'}`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    return (d.modulusLength ?? 0) >= 2048
      ? undefined
      : `an RSA key of ${String(d.modulusLength ?? 0)} bits`;
  }
  return `a ${key.asymmetricKeyType ?? 'unknown'} key`;
}

/** Reads and checks the CA files; throws an Error naming the file and the problem. */
function load(files: AgentCaFiles, readFile: ReadFile): Material {
  const certText = readText(files.certFile, readFile);
  const keyText = readText(files.keyFile, readFile);
  const [certPem] = certText.match(PEM_CERTIFICATE) ?? [];
  if (certPem === undefined) throw new Error(`${files.certFile}: no PEM certificate in it`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new Error(`${files.certFile}: the certificate does not parse`);
  }
  if (!cert.ca) {
    throw new Error(
      `${files.certFile}: not a CA certificate (basicConstraints CA:TRUE): the agent CA signs agents' certificates`,
    );
  }
  if (!keyText.includes(PKCS8)) {
    throw new Error(
      `${files.keyFile}: not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with openssl pkcs8 -topk8 -nocrypt`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch {
    // the parser's message may quote what it read: never echo a key file
    throw new Error(`${files.keyFile}: not an unencrypted PEM private key`);
  }
  const kind = keyProblem(key);
  if (kind !== undefined) {
    throw new Error(
      `${files.keyFile}: ${kind}: the agent CA key is EC P-256 or P-384, or RSA of at least 2048 bits`,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw new Error(`${files.keyFile} is not the private key of ${files.certFile}`);
  }
  const digest = createHash('sha256').update(certText).update('\0').update(keyText).digest('hex');
  return { cert, certPem, key, digest };
}

/**
 * The problems of the agent CA options together, for the configuration loader: both files or
 * neither; TLS on the AgentLink port (registration is over TLS); the certificate a CA whose key is
 * the key file; and the certificate in the client CA bundle (else the certificates it issues
 * would not open a stream).
 */
export function agentCaProblems(
  o: {
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
    /** The client CA bundle of the AgentLink port; undefined = plaintext (no TLS). */
    readonly clientCaFile: string | undefined;
  },
  readFile: ReadFile,
): string[] {
  if (o.certFile === undefined && o.keyFile === undefined) return [];
  if (o.certFile === undefined || o.keyFile === undefined) {
    return ['--agent-ca-cert-file and --agent-ca-key-file are set together, or neither'];
  }
  const problems: string[] = [];
  let material: Material | undefined;
  try {
    material = load({ certFile: o.certFile, keyFile: o.keyFile, reloadIntervalMs: 0 }, readFile);
  } catch (err) {
    problems.push(`agent CA: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (o.clientCaFile === undefined) {
    problems.push(
      '--agent-ca-cert-file needs TLS on the AgentLink port (--tls-cert-file, --tls-key-file, --client-ca-file): agents register over TLS',
    );
  } else if (material !== undefined) {
    let bundle: string;
    try {
      bundle = readText(o.clientCaFile, readFile);
    } catch {
      bundle = '';
    }
    const raw = material.cert.raw;
    const inBundle = (bundle.match(PEM_CERTIFICATE) ?? []).some((b) => {
      try {
        return new X509Certificate(b).raw.equals(raw);
      } catch {
        return false;
      }
    });
    if (!inBundle) {
      problems.push(
        `agent CA: ${o.certFile} is not in --client-ca-file ${o.clientCaFile}: add it to that bundle, or the certificates it issues open no stream`,
      );
    }
  }
  return problems;
}

/** An issued certificate and the CA that signed it (PEM). */
export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly caPem: string;
  readonly notAfterMs: number;
}

interface Signer {
  readonly material: Material;
  readonly caCert: x509.X509Certificate;
  readonly signingKey: webcrypto.CryptoKey;
  readonly algorithm: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

function signerOf(material: Material): Signer {
  const d = material.key.asymmetricKeyDetails ?? {};
  const isEc = material.key.asymmetricKeyType === 'ec';
  const p384 = d.namedCurve === 'secp384r1';
  const signingKey = material.key.toCryptoKey(
    isEc
      ? { name: 'ECDSA', namedCurve: p384 ? 'P-384' : 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return {
    material,
    caCert: new x509.X509Certificate(material.certPem),
    signingKey,
    algorithm: isEc
      ? { name: 'ECDSA', hash: p384 ? 'SHA-384' : 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5' },
  };
}

/** The agent CA of a running hub: signs agents' certificates, re-reads its files. */
export class AgentCa {
  private signer: Signer;
  private readonly files: AgentCaFiles;
  private readonly logger: Logger;
  private readonly timer: NodeJS.Timeout;
  private refused: string | undefined;

  private constructor(files: AgentCaFiles, signer: Signer, logger: Logger) {
    this.files = files;
    this.signer = signer;
    this.logger = logger;
    this.timer = setInterval(() => this.reload(), Math.max(100, files.reloadIntervalMs));
    this.timer.unref();
  }

  /** @throws GitfleetError CONFIG_INVALID when the files are not usable */
  static open(files: AgentCaFiles, logger: Logger): AgentCa {
    const log = logger.child({ component: 'agent-ca' });
    let material: Material;
    try {
      material = load(files, (p) => readFileSync(p));
    } catch (err) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `agent CA: ${err instanceof Error ? err.message : String(err)}`,
        { terminal: true },
      );
    }
    const ca = new AgentCa(files, signerOf(material), log);
    log.info('agent CA loaded: agents may register and renew', {
      ...summarizeCertificate(material.cert),
    });
    return ca;
  }

  /** The CA certificate (PEM) agents receive with their certificate. */
  get caPem(): string {
    return this.signer.material.certPem;
  }

  /** Signs a certificate of `profile` for the CSR's public key. */
  async issue(profile: CertificateProfile, publicKey: x509.PublicKey): Promise<IssuedCertificate> {
    const { caCert, signingKey, algorithm, material } = this.signer;
    // a certificate outlives its CA in no verifier: it ends with the CA at the latest
    const notAfterMs = Math.min(profile.notAfterMs, Date.parse(material.cert.validTo));
    const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: profile.serialHex,
      subject: `CN=${profile.commonName}`,
      issuer: caCert.subjectName,
      notBefore: new Date(profile.notBeforeMs),
      notAfter: new Date(notAfterMs),
      publicKey,
      signingKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(profile.ca, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: profile.uri }], false),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        caSki === null
          ? await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey)
          : new x509.AuthorityKeyIdentifierExtension(caSki.keyId),
      ],
    });
    return { certificatePem: cert.toString('pem'), caPem: this.caPem, notAfterMs };
  }

  /** Re-reads the files; a change into something unusable is reported once and ignored. */
  reload(): void {
    try {
      const material = load(this.files, (p) => readFileSync(p));
      if (material.digest === this.signer.material.digest) {
        this.refused = undefined;
        return;
      }
      this.signer = signerOf(material);
      this.refused = undefined;
      this.logger.info('agent CA files changed: new certificates are signed with them', {
        ...summarizeCertificate(material.cert),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.refused !== message) {
        this.refused = message;
        this.logger.warn('agent CA files changed but are not usable: the previous CA signs', {
          problem: message,
        });
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
