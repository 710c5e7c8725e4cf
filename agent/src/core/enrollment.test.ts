import { describe, expect, it } from 'vitest';
import {
  callFailure,
  certificateTargets,
  enrollmentNeed,
  registrationRefusedMessage,
  type HeldCertificate,
} from './enrollment.ts';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;

function read(over: Partial<Extract<HeldCertificate, { kind: 'read' }>> = {}): HeldCertificate {
  return {
    kind: 'read',
    names: { commonName: 'edge-1', uris: ['spiffe://gitfleet/target/edge-1'] },
    notBeforeMs: NOW - HOUR,
    notAfterMs: NOW + HOUR,
    keyMatches: true,
    ...over,
  };
}

describe('certificateTargets', () => {
  it.each([
    ['target URI', { commonName: 'x', uris: ['spiffe://gitfleet/target/edge-1'] }, ['edge-1']],
    [
      'the same URI twice is one',
      { commonName: undefined, uris: ['spiffe://gitfleet/target/a', 'spiffe://gitfleet/target/a'] },
      ['a'],
    ],
    [
      'two target URIs',
      { commonName: undefined, uris: ['spiffe://gitfleet/target/a', 'spiffe://gitfleet/target/b'] },
      ['a', 'b'],
    ],
    [
      'CN without a target URI',
      { commonName: 'edge-1', uris: ['https://example.com'] },
      ['edge-1'],
    ],
    ['CN that is not a DNS label', { commonName: 'Edge 1', uris: [] }, []],
    ['nothing', { commonName: undefined, uris: [] }, []],
    [
      'URI with a bad target falls back to CN',
      { commonName: 'c', uris: ['spiffe://gitfleet/target/Bad_'] },
      ['c'],
    ],
  ])('%s', (_name, names, expected) => {
    expect(certificateTargets(names)).toEqual(expected);
  });
});

describe('enrollmentNeed', () => {
  it.each<[string, HeldCertificate, boolean, RegExp | undefined]>([
    ['missing', { kind: 'missing' }, true, /no certificate yet/],
    [
      'unreadable',
      { kind: 'unreadable', problem: 'x.pem: does not parse' },
      true,
      /x\.pem: does not parse/,
    ],
    ['usable', read(), false, undefined],
    ['usable by CN alone', read({ names: { commonName: 'edge-1', uris: [] } }), false, undefined],
    ['key of another certificate', read({ keyMatches: false }), true, /key/],
    [
      'another target',
      read({ names: { commonName: undefined, uris: ['spiffe://gitfleet/target/edge-2'] } }),
      true,
      /names edge-2, not edge-1/,
    ],
    [
      'two targets',
      read({
        names: {
          commonName: undefined,
          uris: ['spiffe://gitfleet/target/edge-1', 'spiffe://gitfleet/target/edge-2'],
        },
      }),
      true,
      /edge-1, edge-2/,
    ],
    ['no target', read({ names: { commonName: undefined, uris: [] } }), true, /names no target/],
    ['expired', read({ notAfterMs: NOW }), true, /expired at 2030-01-01T00:00:00.000Z/],
    ['not yet valid', read({ notBeforeMs: NOW + 1 }), true, /valid only from/],
  ])('%s', (_name, held, register, reason) => {
    const need = enrollmentNeed(held, 'edge-1', NOW);
    expect(need.register).toBe(register);
    if (need.register && reason !== undefined) expect(need.reason).toMatch(reason);
  });
});

describe('callFailure', () => {
  it.each([
    ['UNAVAILABLE', 'transient'],
    ['DEADLINE_EXCEEDED', 'transient'],
    ['UNIMPLEMENTED', 'unimplemented'],
    ['PERMISSION_DENIED', 'refused'],
    ['UNAUTHENTICATED', 'refused'],
    ['INVALID_ARGUMENT', 'refused'],
    ['INTERNAL', 'refused'],
    ['RESOURCE_EXHAUSTED', 'refused'],
    [undefined, 'refused'],
  ])('%s → %s', (grpcStatus, expected) => {
    expect(callFailure(grpcStatus)).toBe(expected);
  });
});

describe('registrationRefusedMessage', () => {
  it('says why, that the token is spent, both ways to get a new one, and where to put it', () => {
    const m = registrationRefusedMessage(
      'edge-1',
      '/etc/t/token',
      'the hub answered PERMISSION_DENIED: token already used',
    );
    expect(m).toContain('the hub answered PERMISSION_DENIED: token already used');
    expect(m).toContain('gitfleet-hub registration-token --target edge-1');
    expect(m).toContain('gitfleet registration-token edge-1');
    expect(m).toContain('/etc/t/token');
  });
});
