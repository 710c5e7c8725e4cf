import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@gitfleet/proto';
import { helloRefusal } from './hello.ts';

describe('helloRefusal', () => {
  const hello = { target: 'edge-1', protocolVersion: PROTOCOL_VERSION };
  it.each<[string, typeof hello, boolean | undefined, status | undefined, boolean]>([
    ['a declared target in this protocol', hello, true, undefined, false],
    [
      'a Hello for another target',
      { ...hello, target: 'edge-2' },
      true,
      status.PERMISSION_DENIED,
      true,
    ],
    [
      'another target, before any fleet',
      { ...hello, target: 'edge-2' },
      undefined,
      status.PERMISSION_DENIED,
      true,
    ],
    ['no fleet in force yet', hello, undefined, status.UNAVAILABLE, false],
    ['an undeclared target', hello, false, status.PERMISSION_DENIED, true],
    [
      'another protocol version',
      { ...hello, protocolVersion: PROTOCOL_VERSION + 1 },
      true,
      status.FAILED_PRECONDITION,
      false,
    ],
    [
      'an undeclared target in another protocol',
      { ...hello, protocolVersion: 0 },
      false,
      status.PERMISSION_DENIED,
      true,
    ],
  ])('%s', (_name, h, declared, code, warned) => {
    for (const via of ['token', 'uri-san', 'common-name'] as const) {
      const refusal = helloRefusal('edge-1', h, declared, via);
      expect(refusal?.code).toBe(code);
      expect(refusal?.warning !== undefined).toBe(warned);
    }
  });

  it('names the claimed target, never the token', () => {
    const refusal = helloRefusal('edge-1', { ...hello, target: 'edge-2' }, true, 'token');
    expect(refusal?.message).toBe("this token is not edge-2's");
    expect(refusal?.warning?.fields).toEqual({
      token: 'redacted',
      target: 'edge-1',
      claimed: 'edge-2',
    });
  });

  it("names the certificate's target and the claimed one", () => {
    const refusal = helloRefusal('edge-1', { ...hello, target: 'edge-2' }, true, 'uri-san');
    expect(refusal?.message).toMatch(/^this client certificate is target edge-1's, not edge-2's/);
    expect(refusal?.warning?.fields).toEqual({
      certificate: 'edge-1',
      namedBy: 'uri-san',
      claimed: 'edge-2',
    });
  });
});
