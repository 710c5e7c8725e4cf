/**
 * The agent's side of registration and renewal over real gRPC on loopback TLS: a small
 * Registration server in this file signs CSRs with a test CA (@peculiar/x509), the way the hub
 * does, and the agent's own code registers, retries a hub it cannot reach, refuses an answer
 * signed by another CA, renews at two thirds of a short lifetime without a restart (the files
 * replaced, the next call presenting the new certificate), stops on UNIMPLEMENTED, says a new
 * token is needed once its certificate expired; and the binary exits non-zero with the hub's
 * refusal and how to get a new token.
 */
import 'reflect-metadata';
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Metadata, Server, experimental, status, type ServiceError } from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  ReloadingCertificateProvider,
  decodeRegisterRequest,
  decodeRenewRequest,
  isGitfleetError,
  jsonLogger,
  registrationGrpc,
  targetOfUri,
  targetUri,
  type Logger,
  type RegistrationHandlers,
} from '@gitfleet/proto';
import { ensureCertificate } from '../../../agent/src/link/enrollment.ts';
import { ownCertificateOf } from '../../../agent/src/link/registration-client.ts';
import { CertificateRenewer } from '../../../agent/src/link/renewal.ts';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { spawnManaged } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';

x509.cryptoProvider.set(webcrypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

interface TestCa {
  readonly pem: string;
  /** Signs a CSR's key into a client certificate for `target`, valid from now for `ttlMs`. */
  sign(csrPem: string, target: string, ttlMs: number): Promise<string>;
}

async function testCa(name: string): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(EC, false, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return {
    pem: cert.toString('pem'),
    async sign(csrPem, target, ttlMs) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      if (!(await csr.verify())) throw new Error('CSR signature does not hold');
      const from = Date.now();
      const issued = await x509.X509CertificateGenerator.create({
        serialNumber: `7${randomBytes(8).toString('hex')}`,
        subject: `CN=${target}`,
        issuer: cert.subject,
        notBefore: new Date(from),
        notAfter: new Date(from + ttlMs),
        signingAlgorithm: SIGNING,
        publicKey: csr.publicKey,
        signingKey: keys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: targetUri(target) }]),
        ],
      });
      return issued.toString('pem');
    },
  };
}

/** What the loopback Registration server does, changed by each test. */
interface ServerState {
  /** token → target; a token is consumed by the first Register presenting it. */
  readonly tokens: Map<string, string>;
  /** Register answers UNAVAILABLE this many more times (the token left unconsumed). */
  unavailable: number;
  /** The CA the answer names: the one that signed, or another. */
  answerCa: 'signer' | 'other';
  renewUnimplemented: boolean;
  ttlMs: number;
  registers: number;
  /** The serial of the certificate presented on each Renew. */
  readonly renewedFrom: string[];
}

function refusal(code: status, details: string): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, ErrorCode.RegistrationRefused);
  return { code, details, metadata };
}

let pki: TestPki;
let ca: TestCa;
let otherCa: TestCa;
let server: Server;
let provider: ReloadingCertificateProvider;
let address: string;
let dir: string;
const state: ServerState = {
  tokens: new Map(),
  unavailable: 0,
  answerCa: 'signer',
  renewUnimplemented: false,
  ttlMs: 3_600_000,
  registers: 0,
  renewedFrom: [],
};

const newToken = (target: string): string => {
  const token = `gfreg_${randomBytes(32).toString('base64url')}`;
  state.tokens.set(token, target);
  return token;
};

type Answer = Parameters<RegistrationHandlers['Register']>[1];

async function answer(target: string, csrPem: string, done: Answer): Promise<void> {
  const certificatePem = await ca.sign(csrPem, target, state.ttlMs);
  done(null, {
    certificatePem,
    caPem: state.answerCa === 'signer' ? ca.pem : otherCa.pem,
    notAfterUnixMs: new X509Certificate(certificatePem).validToDate.getTime(),
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-enroll-'));
  pki = await createTestPki([]);
  [ca, otherCa] = await Promise.all([testCa('agents-ca'), testCa('another-ca')]);
  const agentCaFile = path.join(dir, 'agents-ca.pem');
  await writeFile(agentCaFile, ca.pem);
  provider = new ReloadingCertificateProvider({
    certFile: pki.hub.certFile,
    keyFile: pki.hub.keyFile,
    caFile: agentCaFile,
  });
  server = new Server();
  const handlers: RegistrationHandlers = {
    Register(call, done) {
      let req;
      try {
        req = decodeRegisterRequest(call.request);
      } catch (err) {
        return done({ code: status.INVALID_ARGUMENT, details: String(err) });
      }
      if (state.unavailable > 0) {
        state.unavailable--;
        return done({ code: status.UNAVAILABLE, details: 'the store is not reachable: try again' });
      }
      const target = state.tokens.get(req.token);
      state.tokens.delete(req.token);
      if (target !== req.target) {
        return done(
          refusal(
            status.PERMISSION_DENIED,
            'this registration token is unknown, already used, expired or for another target',
          ),
        );
      }
      state.registers++;
      void answer(target, req.csrPem, done);
    },
    Renew(call, done) {
      if (state.renewUnimplemented) {
        return done({ code: status.UNIMPLEMENTED, details: 'no agent CA' });
      }
      const peer = call.getAuthContext().sslPeerCertificate;
      if (peer === undefined) return done(refusal(status.UNAUTHENTICATED, 'no client certificate'));
      const target = (peer.subjectaltname ?? '')
        .split(', ')
        .map((n) => (n.startsWith('URI:') ? targetOfUri(n.slice(4)) : undefined))
        .find((t) => t !== undefined);
      if (target === undefined) return done(refusal(status.PERMISSION_DENIED, 'names no target'));
      state.renewedFrom.push(peer.serialNumber.toLowerCase());
      void answer(target, decodeRenewRequest(call.request).csrPem, done);
    },
  };
  server.addService(registrationGrpc().service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      experimental.createCertificateProviderServerCredentials(provider, provider, false),
      (err, p) => (err === null ? resolve(p) : reject(err)),
    ),
  );
  address = `127.0.0.1:${String(port)}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((r) => (server === undefined ? r() : server.tryShutdown(() => r())));
  provider?.close();
  await pki?.remove();
  await rm(dir, { recursive: true, force: true });
});

/** A logger whose lines the test reads. */
function capture(): {
  logger: Logger;
  lines: { msg: string; level: string; [k: string]: unknown }[];
} {
  const lines: { msg: string; level: string }[] = [];
  const logger = jsonLogger((l) => lines.push(JSON.parse(l) as { msg: string; level: string }), {
    level: 'debug',
  });
  return { logger, lines };
}

let n = 0;
/** Fresh paths for an agent of `target` (nothing in them yet) and its token file. */
async function agentFiles(target: string, token?: string) {
  n++;
  const certFile = path.join(dir, `agent-${String(n)}.pem`);
  const keyFile = path.join(dir, `agent-${String(n)}.key`);
  const tokenFile = path.join(dir, `token-${String(n)}`);
  await writeFile(tokenFile, `${token ?? newToken(target)}\n`, { mode: 0o600 });
  const own = ownCertificateOf(
    { certFile, keyFile, caFile: pki.caFile, serverName: 'localhost' },
    address,
  );
  if (own === undefined) throw new Error('no own certificate setup');
  return { certFile, keyFile, tokenFile, own };
}

const serialOf = async (file: string): Promise<string> =>
  new X509Certificate(await readFile(file)).serialNumber.toLowerCase();

describe('registration', () => {
  it('registers: the key (0600) and a certificate for its target, signed by the CA, then stays registered', async () => {
    const f = await agentFiles('edge-1');
    const { logger, lines } = capture();
    const before = state.registers;
    await ensureCertificate({ target: 'edge-1', tokenFile: f.tokenFile, ...f.own }, { logger });
    expect(state.registers).toBe(before + 1);
    expect((await stat(f.keyFile)).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(await readFile(f.certFile));
    expect(cert.subjectAltName).toBe(`URI:${targetUri('edge-1')}`);
    expect(cert.verify(new X509Certificate(ca.pem).publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(await readFile(f.keyFile)))).toBe(true);
    const registered = lines.find((l) => l.msg.startsWith('registered'));
    expect(registered).toMatchObject({
      serial: cert.serialNumber,
      notAfter: cert.validToDate.toISOString(),
    });
    // nothing of the key or the token in the log
    const log = JSON.stringify(lines);
    expect(log).not.toContain((await readFile(f.tokenFile, 'utf8')).trim());
    expect(log).not.toContain('PRIVATE KEY');

    // a restart with the certificate on disk does not register (the token is spent anyway)
    await ensureCertificate({ target: 'edge-1', tokenFile: f.tokenFile, ...f.own }, { logger });
    expect(state.registers).toBe(before + 1);
  });

  it('retries a hub it cannot reach (UNAVAILABLE), saying why, then registers', async () => {
    const f = await agentFiles('edge-2');
    const { logger, lines } = capture();
    state.unavailable = 2;
    await ensureCertificate({ target: 'edge-2', tokenFile: f.tokenFile, ...f.own }, { logger });
    const retries = lines.filter((l) => l.msg.includes('retrying'));
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({
      level: 'warn',
      grpcStatus: 'UNAVAILABLE',
    });
    expect(retries[0]?.['error']).toContain('the store is not reachable');
    expect(new X509Certificate(await readFile(f.certFile)).subjectAltName).toBe(
      `URI:${targetUri('edge-2')}`,
    );
  });

  it('refuses an answer signed by another CA than the one it names: fatal, nothing written', async () => {
    const f = await agentFiles('edge-3');
    state.answerCa = 'other';
    try {
      const err = await ensureCertificate(
        { target: 'edge-3', tokenFile: f.tokenFile, ...f.own },
        { logger: capture().logger },
      ).catch((e: unknown) => e);
      expect(isGitfleetError(err, ErrorCode.RegistrationRefused)).toBe(true);
      expect((err as Error).message).toContain('is not signed by the CA of the answer');
      expect((err as Error).message).toContain('gitfleet-hub registration-token --target edge-3');
      await expect(stat(f.certFile)).rejects.toThrow(/ENOENT/);
      await expect(stat(f.keyFile)).rejects.toThrow(/ENOENT/);
    } finally {
      state.answerCa = 'signer';
    }
  });

  it('a refused token: the binary exits non-zero with the hub’s reason and how to get a new token', async () => {
    const f = await agentFiles('edge-4', `gfreg_${'A'.repeat(43)}`);
    const proc = await spawnManaged(
      'agent-refused',
      path.join(REPO_ROOT, 'agent/bin/gitfleet-agent'),
      {
        logDir: dir,
        args: [
          ...['--target', 'edge-4', '--hub', address, '--kubeconfig', path.join(dir, 'none')],
          ...['--hub-ca-file', pki.caFile, '--hub-server-name', 'localhost'],
          ...['--tls-cert-file', f.certFile, '--tls-key-file', f.keyFile],
          ...['--registration-token-file', f.tokenFile],
        ],
      },
    );
    try {
      expect(await proc.exited).toBe(1);
    } finally {
      await proc.stop();
    }
    const records = (await readFile(proc.logFile, 'utf8'))
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; code?: string; error?: string });
    const failed = records.find((r) => r.msg === 'agent failed to start');
    expect(failed?.code).toBe(ErrorCode.RegistrationRefused);
    expect(failed?.error).toContain('PERMISSION_DENIED (REGISTRATION_REFUSED)');
    expect(failed?.error).toContain('unknown, already used, expired or for another target');
    expect(failed?.error).toContain('gitfleet-hub registration-token --target edge-4');
    expect(failed?.error).toContain('gitfleet registration-token edge-4');
    expect(failed?.error).not.toContain('A'.repeat(43));
  });
});

describe('renewal', () => {
  it('renews at two thirds of a short lifetime, without a restart: files replaced, the next call presents the new certificate', async () => {
    const f = await agentFiles('edge-5');
    state.ttlMs = 15_000;
    const { logger, lines } = capture();
    let reloads = 0;
    let renewer: CertificateRenewer | undefined;
    try {
      await ensureCertificate({ target: 'edge-5', tokenFile: f.tokenFile, ...f.own }, { logger });
      const first = await serialOf(f.certFile);
      const firstKey = await readFile(f.keyFile, 'utf8');
      const issuedAt = Date.now();
      renewer = new CertificateRenewer(
        { target: 'edge-5', ...f.own },
        { logger, onRenewed: () => reloads++ },
      );
      renewer.start();
      // what the first renewal gets is short: the second one comes seconds later
      state.ttlMs = 4_000;
      await waitFor('first renewal', () => reloads >= 1, { timeoutMs: 20_000 });
      // by 2/3 of 15 s, not before 0.6 of it (less the second lost to X.509's resolution)
      const took = Date.now() - issuedAt;
      expect(took).toBeGreaterThanOrEqual(8_000 - 1_000);
      expect(took).toBeLessThan(12_000);
      expect(state.renewedFrom.at(-1)).toBe(first);
      const second = await serialOf(f.certFile);
      expect(second).not.toBe(first);
      expect(await readFile(f.keyFile, 'utf8')).not.toBe(firstKey);
      expect((await stat(f.keyFile)).mode & 0o777).toBe(0o600);
      const renewed = lines.find((l) => l.msg.startsWith('client certificate renewed'));
      expect(String(renewed?.['serial']).toLowerCase()).toBe(second);
      expect(renewed?.['notAfter']).toBe(
        new X509Certificate(await readFile(f.certFile)).validToDate.toISOString(),
      );

      // the next renewal presents the renewed certificate, read from the files
      await waitFor('second renewal', () => reloads >= 2, { timeoutMs: 15_000 });
      expect(state.renewedFrom.at(-1)).toBe(second);
      expect(JSON.stringify(lines)).not.toContain('PRIVATE KEY');
    } finally {
      await renewer?.close();
      state.ttlMs = 3_600_000;
    }
  }, 60_000);

  it('a hub that answers UNIMPLEMENTED: logged once, renewal stops', async () => {
    const f = await agentFiles('edge-6');
    state.ttlMs = 3_000;
    const { logger, lines } = capture();
    let renewer: CertificateRenewer | undefined;
    try {
      await ensureCertificate({ target: 'edge-6', tokenFile: f.tokenFile, ...f.own }, { logger });
      state.renewUnimplemented = true;
      renewer = new CertificateRenewer(
        { target: 'edge-6', ...f.own },
        { logger, onRenewed: () => undefined },
      );
      renewer.start();
      await waitFor('renewal off', () => lines.some((l) => l.msg.includes('renewal is off')), {
        timeoutMs: 10_000,
      });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(lines.filter((l) => l.msg.includes('renewal is off'))).toHaveLength(1);
      expect(lines.filter((l) => l.msg.includes('renewal failed'))).toHaveLength(0);
    } finally {
      await renewer?.close();
      state.renewUnimplemented = false;
      state.ttlMs = 3_600_000;
    }
  });

  it('a certificate that expired: an error saying a new registration token is needed', async () => {
    const f = await agentFiles('edge-7');
    state.ttlMs = 2_000;
    const { logger, lines } = capture();
    let renewer: CertificateRenewer | undefined;
    try {
      state.renewUnimplemented = true; // no renewal before it expires
      await ensureCertificate({ target: 'edge-7', tokenFile: f.tokenFile, ...f.own }, { logger });
      await new Promise((r) => setTimeout(r, 3_100));
      state.renewUnimplemented = false;
      renewer = new CertificateRenewer(
        { target: 'edge-7', ...f.own },
        { logger, onRenewed: () => undefined },
      );
      renewer.start();
      await waitFor('expiry error', () => lines.some((l) => l.level === 'error'), {
        timeoutMs: 5_000,
      });
      const error = lines.find((l) => l.level === 'error');
      expect(error?.msg).toContain('expired');
      expect(error?.msg).toContain('gitfleet-hub registration-token --target edge-7');
    } finally {
      await renewer?.close();
      state.renewUnimplemented = false;
      state.ttlMs = 3_600_000;
    }
  });
});
