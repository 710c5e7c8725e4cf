/**
 * The agent's one use of @peculiar/x509: a fresh P-256 key (node's WebCrypto) and a PKCS#10
 * certificate signing request naming the agent's target (subject CN `<target>`, URI SAN
 * `spiffe://gitfleet/target/<target>`). The only module that imports the library: it needs
 * reflect-metadata loaded first and its crypto provider set once.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { targetUri } from '@gitfleet/proto/domain';

x509.cryptoProvider.set(webcrypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A new key and the request for its certificate. `keyPem` is secret: never log it. */
export interface KeyAndCsr {
  /** The private key, PEM PKCS#8. */
  readonly keyPem: string;
  /** The public key, DER SubjectPublicKeyInfo (to recognise it in the issued certificate). */
  readonly publicKeySpki: Buffer;
  /** The certificate signing request, PEM. */
  readonly csrPem: string;
}

function pem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Generates a P-256 key and a CSR for `target`'s agent certificate. */
export async function newKeyAndCsr(target: string): Promise<KeyAndCsr> {
  const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${target}`,
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: targetUri(target) }]),
    ],
  });
  const [pkcs8, spki] = await Promise.all([
    webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
    webcrypto.subtle.exportKey('spki', keys.publicKey),
  ]);
  return {
    keyPem: pem(pkcs8, 'PRIVATE KEY'),
    publicKeySpki: Buffer.from(spki),
    csrPem: csr.toString('pem'),
  };
}
