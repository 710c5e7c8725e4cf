/**
 * Reads a PKCS#10 certificate signing request into the facts the pure policy judges
 * (../core/registration/csr-policy.ts): its subject CNs, the alternative names it asks for, its
 * public key's type and size, and whether its signature holds under that key (proof that the
 * requester holds the private key). Nothing of a CSR is secret; nothing of it is logged either.
 */
import { createPublicKey } from 'node:crypto';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import type { CsrFacts, CsrKey } from '../core/registration/index.ts';
import { x509 } from './x509.ts';

const SAN_OID = '2.5.29.17';

function keyOf(spki: ArrayBuffer): CsrKey {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    return {
      type: 'ec',
      curve: curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve,
    };
  }
  if (key.asymmetricKeyType === 'rsa') return { type: 'rsa', bits: details.modulusLength ?? 0 };
  return { type: 'other', name: key.asymmetricKeyType ?? 'unknown' };
}

/** The parsed request (for its public key) and the facts the policy judges. */
export interface ReadCsr {
  readonly request: x509.Pkcs10CertificateRequest;
  readonly facts: CsrFacts;
}

/**
 * The facts of a CSR in PEM.
 *
 * @throws GitfleetError REGISTRATION_REFUSED when it does not parse, or asks for names the hub
 *   cannot read
 */
export async function readCsr(pem: string): Promise<ReadCsr> {
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw new GitfleetError(
      ErrorCode.RegistrationRefused,
      'the CSR is not a PKCS#10 request in PEM',
      {
        terminal: true,
      },
    );
  }
  let altNames: CsrFacts['altNames'];
  try {
    const sans = request.extensions.filter((e) => e.type === SAN_OID);
    altNames = sans.flatMap((e) =>
      new x509.SubjectAlternativeNameExtension(e.rawData).names.items.map((n) => ({
        type: n.type,
        value: n.value,
      })),
    );
  } catch {
    throw new GitfleetError(
      ErrorCode.RegistrationRefused,
      'the CSR asks for alternative names of a kind the hub does not read: ask for the URI SAN of the target only',
      { terminal: true },
    );
  }
  let key: CsrKey;
  let signatureValid: boolean;
  try {
    key = keyOf(request.publicKey.rawData);
    signatureValid = await request.verify();
  } catch {
    key = { type: 'other', name: 'unreadable' };
    signatureValid = false;
  }
  return {
    request,
    facts: {
      commonNames: request.subjectName.getField('CN'),
      altNames,
      key,
      signatureValid,
    },
  };
}
