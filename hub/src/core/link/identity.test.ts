import { describe, expect, it } from 'vitest';
import {
  agentIdentity,
  certificateIdentity,
  parseSubjectAltName,
  type AgentCredential,
  type IdentityDecision,
  type PeerCertificateNames,
} from './identity.ts';

const cert = (
  subjectAltName: string | undefined,
  commonName?: string | string[],
): PeerCertificateNames => ({ subjectAltName, commonName });

describe('parseSubjectAltName', () => {
  it.each<[string, { type: string; value: string }[]]>([
    ['', []],
    ['DNS:edge-1', [{ type: 'DNS', value: 'edge-1' }]],
    [
      'DNS:a.example, URI:spiffe://gitfleet/target/edge-1, IP Address:10.0.0.1',
      [
        { type: 'DNS', value: 'a.example' },
        { type: 'URI', value: 'spiffe://gitfleet/target/edge-1' },
        { type: 'IP Address', value: '10.0.0.1' },
      ],
    ],
    [
      'URI:"spiffe://gitfleet/target/a, URI:spiffe://gitfleet/target/b", DNS:x',
      [
        { type: 'URI', value: 'spiffe://gitfleet/target/a, URI:spiffe://gitfleet/target/b' },
        { type: 'DNS', value: 'x' },
      ],
    ],
    ['URI:"unterminated, DNS:x', []],
    ['no-colon-here', []],
  ])('%j', (san, want) => {
    expect(parseSubjectAltName(san)).toEqual(want);
  });
});

describe('certificateIdentity', () => {
  it.each<[string, PeerCertificateNames, IdentityDecision | RegExp]>([
    [
      'the URI SAN names the target',
      cert('URI:spiffe://gitfleet/target/edge-1'),
      { target: 'edge-1', via: 'uri-san' },
    ],
    [
      'the URI SAN wins over the CN',
      cert('DNS:agent.example, URI:spiffe://gitfleet/target/edge-1', 'edge-2'),
      { target: 'edge-1', via: 'uri-san' },
    ],
    [
      'the same URI SAN twice is one target',
      cert('URI:spiffe://gitfleet/target/edge-1, URI:spiffe://gitfleet/target/edge-1'),
      { target: 'edge-1', via: 'uri-san' },
    ],
    [
      'without a gitfleet URI SAN, the CN names it',
      cert('DNS:edge-1.example, URI:spiffe://other/workload', 'edge-1'),
      { target: 'edge-1', via: 'common-name' },
    ],
    ['no SAN at all: the CN', cert(undefined, 'edge-1'), { target: 'edge-1', via: 'common-name' }],
    [
      'two targets in URI SANs',
      cert('URI:spiffe://gitfleet/target/edge-1, URI:spiffe://gitfleet/target/edge-2'),
      /names several targets \(edge-1, edge-2\)/,
    ],
    [
      'a URI SAN that is not a target name',
      cert('URI:spiffe://gitfleet/target/Edge_1'),
      /URI SAN spiffe:\/\/gitfleet\/target\/Edge_1 does not name a target/,
    ],
    [
      'a URI SAN with a path below the target',
      cert('URI:spiffe://gitfleet/target/edge-1/extra', 'edge-1'),
      /does not name a target/,
    ],
    ['neither SAN nor CN', cert('DNS:edge-1'), /names no target: expected a URI SAN/],
    ['a CN that is not a target name', cert(undefined, 'Edge Cluster'), /CN "Edge Cluster"/],
    ['several CNs', cert(undefined, ['edge-1', 'edge-2']), /has 2 subject CNs/],
    ['a DNS SAN alone names nothing', cert('DNS:edge-1', undefined), /names no target/],
    ['an empty CN list', cert(undefined, []), /names no target/],
  ])('%s', (_name, names, want) => {
    const got = certificateIdentity(names);
    if (want instanceof RegExp) {
      expect(got).toMatchObject({ refused: 'denied' });
      expect('message' in got ? got.message : '').toMatch(want);
    } else {
      expect(got).toEqual(want);
    }
  });
});

describe('agentIdentity', () => {
  const byCert: AgentCredential = {
    kind: 'certificate',
    names: cert('URI:spiffe://gitfleet/target/edge-1'),
  };
  it.each<[string, AgentCredential, boolean, IdentityDecision | [string, RegExp]]>([
    ['a certificate', byCert, false, { target: 'edge-1', via: 'uri-san' }],
    [
      'a certificate on a hub that also takes tokens',
      byCert,
      true,
      { target: 'edge-1', via: 'uri-san' },
    ],
    [
      "a certificate naming no target (a token beside it is not read: it is the certificate's stream)",
      { kind: 'certificate', names: cert('DNS:x') },
      true,
      ['denied', /names no target/],
    ],
    [
      'a known token where tokens are accepted',
      { kind: 'token', target: 'edge-1' },
      true,
      { target: 'edge-1', via: 'token' },
    ],
    [
      'an unknown token',
      { kind: 'token', target: undefined },
      true,
      ['unauthenticated', /^unknown bearer token$/],
    ],
    [
      'a token where tokens are not accepted',
      { kind: 'token', target: undefined },
      false,
      ['unauthenticated', /does not accept static bearer tokens: present a client certificate/],
    ],
    [
      'nothing, certificates only',
      { kind: 'none' },
      false,
      ['unauthenticated', /^no client certificate: this hub knows an agent by/],
    ],
    [
      'nothing, tokens accepted',
      { kind: 'none' },
      true,
      ['unauthenticated', /^no client certificate and no bearer token$/],
    ],
  ])('%s', (_name, credential, staticTokens, want) => {
    const got = agentIdentity(credential, staticTokens);
    if (Array.isArray(want)) {
      expect(got).toMatchObject({ refused: want[0] });
      expect('message' in got ? got.message : '').toMatch(want[1]);
    } else {
      expect(got).toEqual(want);
    }
  });
});
