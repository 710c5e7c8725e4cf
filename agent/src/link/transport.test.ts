import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubLinkSecurity, type HubLinkSecurityOptions } from './transport.ts';

const ca = readFileSync(
  path.join(import.meta.dirname, '../../../proto/src/__fixtures__/tls/ca.pem'),
  'utf8',
);
const readFile = (p: string): string => {
  if (p === '/t/ca.pem') return ca;
  if (p === '/t/junk.pem') return 'not a certificate';
  throw new Error(`ENOENT: no such file ${p}`);
};
const base: HubLinkSecurityOptions = {
  hubAddress: 'hub.example:7443',
  hubCaFile: '/t/ca.pem',
  hubServerName: undefined,
  tlsCertFile: '/var/lib/gitfleet/agent.pem',
  tlsKeyFile: '/var/lib/gitfleet/agent.key',
  tlsReloadIntervalMs: 60_000,
  insecurePlaintext: false,
  hasToken: false,
  registrationTokenFile: '/etc/gitfleet/registration/token',
};

describe('hubLinkSecurity with --registration-token-file', () => {
  it.each<[string, Partial<HubLinkSecurityOptions>, RegExp[]]>([
    ['certificate and key not there yet: fine', {}, []],
    [
      'the hub CA is still checked',
      { hubCaFile: '/t/junk.pem' },
      [/hub TLS: \/t\/junk\.pem: no PEM certificate/],
    ],
    [
      'the hub CA unreadable',
      { hubCaFile: '/t/none.pem' },
      [/hub TLS: cannot read \/t\/none\.pem/],
    ],
    ['system CAs', { hubCaFile: undefined }, []],
    [
      'no --tls-cert-file',
      { tlsCertFile: undefined },
      [/--registration-token-file needs --tls-cert-file and --tls-key-file/],
    ],
    [
      'no --tls-key-file',
      { tlsKeyFile: undefined },
      [/--registration-token-file needs --tls-cert-file and --tls-key-file/],
    ],
    [
      'plaintext',
      {
        insecurePlaintext: true,
        hubAddress: '127.0.0.1:1',
        hubCaFile: undefined,
        tlsCertFile: undefined,
        tlsKeyFile: undefined,
        hasToken: true,
      },
      [/--insecure-plaintext and --registration-token-file/],
    ],
  ])('%s', (_name, over, expected) => {
    const { tls, problems } = hubLinkSecurity({ ...base, ...over }, readFile);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(problems[i]).toMatch(re));
    if (expected.length === 0) expect(tls?.certFile).toBe(over.tlsCertFile ?? base.tlsCertFile);
  });

  it('without it, missing certificate files are a problem', () => {
    const { problems } = hubLinkSecurity({ ...base, registrationTokenFile: undefined }, readFile);
    expect(problems).toEqual([
      expect.stringMatching(/cannot read \/var\/lib\/gitfleet\/agent\.pem/),
    ]);
  });
});
