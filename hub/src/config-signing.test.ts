import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, type ParseContext } from '@gitfleet/proto';
import { HUB_FLAGS } from './config.ts';

const ed = generateKeyPairSync('ed25519');
const files: Record<string, string> = {
  '/k/signing.key': ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  '/k/ec.key': generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString(),
  '/k/public.pem': ed.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
};

function parse(value: string): { keyId?: string; problems: string[] } {
  const problems: string[] = [];
  const ctx: ParseContext = {
    problem: (m) => problems.push(m),
    flag: 'signing-key-file',
    readFile: (p) => {
      const v = files[p];
      if (v === undefined) throw new Error(`ENOENT: ${p}`);
      return v;
    },
  };
  const key = HUB_FLAGS.signingKeyFile.parse({ value, from: '--signing-key-file' }, ctx);
  return { ...(key === undefined ? {} : { keyId: key.keyId }), problems };
}

describe('--signing-key-file', () => {
  it('reads a PEM PKCS#8 Ed25519 key, with the key id of its public half', () => {
    expect(parse('/k/signing.key')).toEqual({ keyId: keyIdOf(ed.publicKey), problems: [] });
  });

  it.each<[string, string, RegExp]>([
    ['a missing file', '/k/none.key', /--signing-key-file: cannot read \/k\/none\.key/],
    ['an EC key', '/k/ec.key', /\/k\/ec\.key: holds a ec key; expected an Ed25519 key/],
    ['a public key', '/k/public.pem', /\/k\/public\.pem: is not a PEM private key/],
  ])('refuses %s, naming the file and never the key', (_name, value, problem) => {
    const r = parse(value);
    expect(r.keyId).toBeUndefined();
    expect(r.problems.join('\n')).toMatch(problem);
    expect(r.problems.join('\n')).not.toMatch(/BEGIN|PRIVATE/);
  });
});
