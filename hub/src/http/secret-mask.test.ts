import { describe, expect, it } from 'vitest';
import type { FieldChange, JsonValue, KubeObject } from '@gitfleet/proto';
import { diffObjects } from './diff.ts';
import { fingerprint, isMasked, maskSecretChanges, maskSecretObject } from './secret-mask.ts';

const KEY = Buffer.from('a key of the test, 32 bytes long');
const OTHER_KEY = Buffer.from('another key, also 32 bytes long!');
const fp = (text: string, key = KEY): string => fingerprint(Buffer.from(text, 'utf8'), key);
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const secret = (extra: Record<string, JsonValue> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'db',
    namespace: 'apps',
    labels: { app: 'web' },
    annotations: {
      note: 'kept',
      'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"password":"${b64('hunter2')}"}}`,
    },
  },
  type: 'Opaque',
  data: { password: b64('hunter2'), pin: b64('1234') },
  stringData: { user: 'admin', token: 'hunter2' },
  ...extra,
});

describe('fingerprint', () => {
  it('is *** sha256:<12 hex>, keyed: equal under one key, different under another', () => {
    expect(fp('hunter2')).toMatch(/^\*\*\* sha256:[0-9a-f]{12}$/);
    expect(fp('hunter2')).toBe(fp('hunter2'));
    expect(fp('hunter2')).not.toBe(fp('hunter3'));
    expect(fp('hunter2', OTHER_KEY)).not.toBe(fp('hunter2'));
    expect(isMasked(fp('x'))).toBe(true);
    expect(isMasked('*** sha256:0123abcd')).toBe(true); // an agent's mask
    expect(isMasked('hunter2')).toBe(false);
  });
});

describe('maskSecretObject', () => {
  it('masks data (decoded), stringData and the last-applied annotation; keeps keys and the rest', () => {
    const masked = maskSecretObject(secret(), KEY);
    expect(masked).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'db',
        namespace: 'apps',
        labels: { app: 'web' },
        annotations: {
          note: 'kept',
          'kubectl.kubernetes.io/last-applied-configuration': fp(
            `{"data":{"password":"${b64('hunter2')}"}}`,
          ),
        },
      },
      type: 'Opaque',
      // the same plaintext in data and stringData: the same fingerprint
      data: { password: fp('hunter2'), pin: fp('1234') },
      stringData: { user: fp('admin'), token: fp('hunter2') },
    });
    const text = JSON.stringify(masked);
    for (const clear of ['hunter2', b64('hunter2'), b64('1234'), '"admin"'])
      expect(text).not.toContain(clear);
  });

  it('masks odd shapes whole, and leaves other kinds and other API groups alone', () => {
    expect(maskSecretObject(secret({ data: 'not-a-map' }), KEY)['data']).toBe(
      fingerprint(Buffer.from('not-a-map', 'base64'), KEY),
    );
    expect(maskSecretObject(secret({ data: { n: 5 } }), KEY)['data']).toEqual({ n: fp('5') });
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', data: { password: 'x' } };
    expect(maskSecretObject(cm, KEY)).toBe(cm);
    const custom: KubeObject = { apiVersion: 'acme.io/v1', kind: 'Secret', data: { a: 'x' } };
    expect(maskSecretObject(custom, KEY)).toBe(custom);
  });

  it('keeps a change of value visible in a diff, without the values', () => {
    const before = [secret()];
    const after = [secret({ data: { password: b64('hunter3'), pin: b64('1234') } })];
    const d = diffObjects(
      before.map((o) => maskSecretObject(o, KEY)),
      after.map((o) => maskSecretObject(o, KEY)),
      { from: 'a', to: 'b' },
    );
    expect(d.summary).toEqual({ added: 0, removed: 0, changed: 1, unchanged: 0 });
    const lines = (d.objects[0]?.diff ?? '').split('\n');
    expect(lines.find((l) => l.startsWith('-  password:'))).toContain(fp('hunter2'));
    expect(lines.find((l) => l.startsWith('+  password:'))).toContain(fp('hunter3'));
    expect(lines.join('\n')).not.toMatch(/hunter|aHVudGVy/);
  });
});

describe('maskSecretChanges', () => {
  const ref = { group: '', kind: 'Secret' };
  it.each<{ name: string; change: FieldChange; want: FieldChange }>([
    {
      name: 'a data value (base64)',
      change: { path: '/data/password', desired: b64('hunter2'), live: b64('hunter3') },
      want: { path: '/data/password', desired: fp('hunter2'), live: fp('hunter3') },
    },
    {
      name: 'a stringData value, removed on the cluster',
      change: { path: '/stringData/token', desired: 'hunter2' },
      want: { path: '/stringData/token', desired: fp('hunter2') },
    },
    {
      name: 'the whole data map',
      change: { path: '/data', desired: { a: 'eA==' } },
      want: { path: '/data', desired: fp('{"a":"eA=="}') },
    },
    {
      name: 'masks of the agent, unchanged',
      change: { path: '/data/a', desired: '*** sha256:0123abcd', live: '*** sha256:89abcdef' },
      want: { path: '/data/a', desired: '*** sha256:0123abcd', live: '*** sha256:89abcdef' },
    },
    {
      name: 'a label, unchanged',
      change: { path: '/metadata/labels/app', desired: 'web', live: 'api' },
      want: { path: '/metadata/labels/app', desired: 'web', live: 'api' },
    },
  ])('$name', ({ change, want }) => {
    expect(maskSecretChanges(ref, [change], KEY)).toEqual([want]);
  });

  it('leaves the changes of other kinds alone', () => {
    const change: FieldChange = { path: '/data/password', desired: 'x', live: 'y' };
    expect(maskSecretChanges({ group: '', kind: 'ConfigMap' }, [change], KEY)).toEqual([change]);
  });
});
