import { X509Certificate, generateKeyPairSync, webcrypto } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '@gitfleet/proto';
import { certificateProfile } from '../core/registration/index.ts';
import { AgentCa, agentCaProblems } from './agent-ca.ts';
import { readCsr } from './csr.ts';
import { x509 } from './x509.ts';

type Keys = webcrypto.CryptoKeyPair;

const toPem = (label: string, der: ArrayBuffer | Buffer): string =>
  `-----BEGIN ${label}-----\n${(Buffer.isBuffer(der) ? der : Buffer.from(der))
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END ${label}-----\n`;

async function ecKeys(curve = 'P-256'): Promise<{ keys: Keys; pkcs8: string }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, [
    'sign',
    'verify',
  ]);
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, pkcs8: toPem('PRIVATE KEY', der) };
}

async function selfSigned(keys: Keys, ca: boolean, hash = 'SHA-256'): Promise<string> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=test agent CA',
    keys: keys as never,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: { name: keys.privateKey.algorithm.name, hash },
    extensions: [new x509.BasicConstraintsExtension(ca, undefined, true)],
  });
  return cert.toString('pem');
}

function files(map: Record<string, string>): (p: string) => string {
  return (p) => {
    const v = map[p];
    if (v === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return v;
  };
}

const caKeys = await ecKeys();
const caPem = await selfSigned(caKeys.keys, true);
const other = await ecKeys();
const notCa = await selfSigned(other.keys, false);
const p521 = await ecKeys('P-521');
const p521Ca = await selfSigned(p521.keys, true, 'SHA-512');
const pkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

describe('agentCaProblems', () => {
  const base = {
    '/ca.pem': caPem,
    '/ca.key': caKeys.pkcs8,
    '/client-ca.pem': `${notCa}${caPem}`,
    '/other-ca.pem': notCa,
    '/not-ca.pem': notCa,
    '/other.key': other.pkcs8,
    '/pkcs1.key': pkcs1,
    '/p521.pem': p521Ca,
    '/p521.key': p521.pkcs8,
  };
  const cases: readonly [string, Record<string, string | undefined>, RegExp | undefined][] = [
    ['neither file', { certFile: undefined, keyFile: undefined }, undefined],
    ['a usable CA in the client bundle', {}, undefined],
    ['only the certificate', { keyFile: undefined }, /set together, or neither/],
    ['not a CA', { certFile: '/not-ca.pem', keyFile: '/other.key' }, /not a CA certificate/],
    [
      'a key of another certificate',
      { keyFile: '/other.key' },
      /\/other.key is not the private key of \/ca.pem/,
    ],
    ['a PKCS#1 key', { keyFile: '/pkcs1.key' }, /not an unencrypted PKCS#8 PEM key/],
    ['a P-521 key', { certFile: '/p521.pem', keyFile: '/p521.key' }, /an EC key on secp521r1/],
    ['not in the client bundle', { clientCaFile: '/other-ca.pem' }, /is not in --client-ca-file/],
    ['no TLS', { clientCaFile: undefined }, /needs TLS on the AgentLink port/],
    ['a missing file', { certFile: '/nope.pem' }, /cannot read \/nope.pem \(ENOENT\)/],
  ];
  it.each(cases)('%s', (_, change, problem) => {
    const o = {
      certFile: '/ca.pem',
      keyFile: '/ca.key',
      clientCaFile: '/client-ca.pem',
      ...change,
    };
    const problems = agentCaProblems(o, files(base));
    if (problem === undefined) expect(problems).toEqual([]);
    else expect(problems.join('\n')).toMatch(problem);
    // nothing of a key is ever quoted
    expect(problems.join('\n')).not.toContain(caKeys.pkcs8.split('\n')[1]);
  });
});

describe('AgentCa.issue', () => {
  const logger = jsonLogger(() => undefined);
  const cas: AgentCa[] = [];
  afterAll(() => cas.forEach((c) => c.close()));

  it.each(['ec', 'rsa'] as const)('signs the profile with a %s CA', async (kind) => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-agent-ca-'));
    try {
      let certPem = caPem;
      let keyPem = caKeys.pkcs8;
      if (kind === 'rsa') {
        const keys = await webcrypto.subtle.generateKey(
          {
            name: 'RSASSA-PKCS1-v1_5',
            modulusLength: 2048,
            publicExponent: new Uint8Array([1, 0, 1]),
            hash: 'SHA-256',
          },
          true,
          ['sign', 'verify'],
        );
        certPem = await selfSigned(keys, true);
        keyPem = toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
      }
      await writeFile(path.join(dir, 'ca.pem'), certPem);
      await writeFile(path.join(dir, 'ca.key'), keyPem);
      const ca = AgentCa.open(
        {
          certFile: path.join(dir, 'ca.pem'),
          keyFile: path.join(dir, 'ca.key'),
          reloadIntervalMs: 60_000,
        },
        logger,
      );
      cas.push(ca);
      const agent = await ecKeys();
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=edge-1',
        keys: agent.keys as never,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      });
      const read = await readCsr(csr.toString('pem'));
      expect(read.facts).toEqual({
        commonNames: ['edge-1'],
        altNames: [],
        key: { type: 'ec', curve: 'P-256' },
        signatureValid: true,
      });
      const now = Date.now();
      const profile = certificateProfile({
        target: 'edge-1',
        nowMs: now,
        ttlMs: 3_600_000,
        cutoffMs: undefined,
        serialBytes: new Uint8Array(16).fill(0xf1),
      });
      if ('refused' in profile) throw new Error(profile.refused);
      const issued = await ca.issue(profile, read.request.publicKey);
      const cert = new X509Certificate(issued.certificatePem);
      expect(cert.verify(new X509Certificate(certPem).publicKey)).toBe(true);
      expect(cert.subject).toBe('CN=edge-1');
      expect(cert.subjectAltName).toBe('URI:spiffe://gitfleet/target/edge-1');
      expect(cert.serialNumber).toBe('F1'.repeat(16));
      expect(cert.ca).toBe(false);
      expect(issued.caPem.trim()).toBe(certPem.trim());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a CSR whose signature does not hold as such', async () => {
    const agent = await ecKeys();
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=edge-1',
      keys: agent.keys as never,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const der = Buffer.from(csr.rawData);
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
    const read = await readCsr(toPem('CERTIFICATE REQUEST', der));
    expect(read.facts.signatureValid).toBe(false);
  });
});
