import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ReloadingCertificateProvider,
  isLoopbackAddress,
  tlsFileProblems,
  type TlsFiles,
} from './tls-files.ts';

const FIXTURES = path.join(import.meta.dirname, '__fixtures__', 'tls');
const fx = (name: string): string => path.join(FIXTURES, name);
const keyBody = (name: string): string =>
  readFileSync(fx(name), 'utf8').split('\n').slice(2, 4).join('\n');

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1:7443', true],
    ['127.10.0.3:1', true],
    ['localhost:7443', true],
    ['[::1]:7443', true],
    ['0.0.0.0:7443', false],
    ['10.0.0.1:7443', false],
    ['hub.example:443', false],
    ['127.0.0.1.example:443', false],
    ['[::]:7443', false],
  ])('%s → %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
});

describe('tlsFileProblems', () => {
  it.each<[string, TlsFiles, RegExp | undefined]>([
    [
      'a certificate, its key and a CA',
      { certFile: fx('server.pem'), keyFile: fx('server.key'), caFile: fx('ca.pem') },
      undefined,
    ],
    ['a CA alone (no certificate of its own)', { caFile: fx('ca.pem') }, undefined],
    [
      'a certificate and its key, the system CAs',
      { certFile: fx('client.pem'), keyFile: fx('client.key') },
      undefined,
    ],
    [
      'a key that is not the certificate’s',
      { certFile: fx('server.pem'), keyFile: fx('other.key'), caFile: fx('ca.pem') },
      /other\.key is not the private key of .*server\.pem/,
    ],
    [
      'a certificate without its key',
      { certFile: fx('server.pem'), caFile: fx('ca.pem') },
      /a certificate and its key are set together, or neither/,
    ],
    [
      'a missing file',
      { certFile: fx('server.pem'), keyFile: fx('server.key'), caFile: fx('nope.pem') },
      /cannot read .*nope\.pem \(ENOENT\)/,
    ],
    [
      'a key where the certificate goes',
      { certFile: fx('server.key'), keyFile: fx('server.key') },
      /server\.key: no PEM certificate in it/,
    ],
    [
      'a certificate where the key goes',
      { certFile: fx('server.pem'), keyFile: fx('server.pem') },
      /server\.pem: not an unencrypted PEM private key/,
    ],
    ['a CA bundle that is not PEM', { caFile: fx('README.md') }, /README\.md: no PEM certificate/],
  ])('%s', (_name, files, problem) => {
    const got = tlsFileProblems(files);
    if (problem === undefined) expect(got).toEqual([]);
    else expect(got).toEqual([expect.stringMatching(problem)]);
  });

  it('never echoes a key', () => {
    const got = tlsFileProblems({ certFile: fx('server.key'), keyFile: fx('other.key') });
    expect(got.join('\n')).not.toContain(keyBody('server.key'));
  });
});

describe('ReloadingCertificateProvider', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  function files(): Required<TlsFiles> {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gitfleet-tls-'));
    const f = {
      certFile: path.join(dir, 'tls.crt'),
      keyFile: path.join(dir, 'tls.key'),
      caFile: path.join(dir, 'ca.crt'),
    };
    copyFileSync(fx('server.pem'), f.certFile);
    copyFileSync(fx('server.key'), f.keyFile);
    copyFileSync(fx('ca.pem'), f.caFile);
    return f;
  }

  it('refuses unusable files at once, naming the file', () => {
    expect(
      () =>
        new ReloadingCertificateProvider({ certFile: fx('server.pem'), keyFile: fx('other.key') }),
    ).toThrow(/other\.key is not the private key of/);
  });

  it('hands the files to listeners a tick later, then only when they change', async () => {
    const f = files();
    const reloads: (string | undefined)[] = [];
    const problems: string[] = [];
    const p = new ReloadingCertificateProvider(f, {
      reloadIntervalMs: 3_600_000,
      onReload: (c) => reloads.push(c?.subject),
      onProblem: (m) => problems.push(m),
    });
    const identities: string[] = [];
    const cas: number[] = [];
    const onIdentity = (u: { certificate: Buffer } | null): void => {
      identities.push(u === null ? 'none' : cnOf(u.certificate));
    };
    p.addIdentityCertificateListener(onIdentity);
    p.addCaCertificateListener((u) => cas.push(u?.caCertificate.length ?? 0));
    expect(identities).toEqual([]); // grpc-js registers its watcher first
    await new Promise((r) => process.nextTick(r));
    expect(identities).toEqual(['gitfleet-hub']);
    expect(cas).toHaveLength(1);

    expect(p.reload()).toBe(false); // nothing changed
    // a rotation caught half-way (the certificate written, its key not yet): the old pair stays
    copyFileSync(fx('client.pem'), f.certFile);
    expect(p.reload()).toBe(false);
    expect(p.reload()).toBe(false);
    expect(problems).toEqual([expect.stringMatching(/tls\.key is not the private key of/)]);
    expect(identities).toEqual(['gitfleet-hub']);
    // the key follows: the new pair is handed out
    copyFileSync(fx('client.key'), f.keyFile);
    expect(p.reload()).toBe(true);
    expect(identities).toEqual(['gitfleet-hub', 'agent-edge']);
    expect(cas).toHaveLength(2);
    expect(reloads).toEqual(['CN=agent-edge']);
    expect(p.certificate()?.subjectAltName).toBe('URI:spiffe://gitfleet/target/edge');
    p.removeIdentityCertificateListener(onIdentity);
    p.close();
  });

  it('re-reads on its interval while someone listens', async () => {
    const f = files();
    const p = new ReloadingCertificateProvider(f, { reloadIntervalMs: 100 });
    const seen: string[] = [];
    p.addIdentityCertificateListener((u) => {
      if (u !== null) seen.push(cnOf(u.certificate));
    });
    copyFileSync(fx('client.pem'), f.certFile);
    writeFileSync(f.keyFile, readFileSync(fx('client.key')));
    const deadline = Date.now() + 5_000;
    while (!seen.includes('agent-edge') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    p.close();
    expect(seen).toContain('agent-edge');
  });
});

/** The CN of a PEM certificate. */
const cnOf = (pem: Buffer): string =>
  /CN=([^\n,]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? '';
