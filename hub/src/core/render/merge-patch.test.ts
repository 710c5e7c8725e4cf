import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@gitfleet/proto/domain';
import { cloneRecord } from './json.ts';
import { applyMergePatch } from './merge-patch.ts';

const container = (name: string, extra: JsonObject = {}): JsonObject => ({
  name,
  image: `ghcr.io/acme/${name}:1`,
  ...extra,
});

/** A Deployment's pod spec with the lists strategic merge knows. */
const podSpec: JsonObject = {
  containers: [
    container('web', {
      env: [
        { name: 'REGION', value: 'eu' },
        { name: 'LOG_LEVEL', value: 'info' },
      ],
      ports: [
        { containerPort: 8080, name: 'http' },
        { containerPort: 9090, name: 'metrics' },
      ],
      volumeMounts: [
        { name: 'config', mountPath: '/etc/web' },
        { name: 'config', mountPath: '/etc/web-extra', subPath: 'extra' },
      ],
      args: ['--verbose', '--port=8080'],
    }),
    container('sidecar'),
  ],
  volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
  tolerations: [{ key: 'dedicated', operator: 'Exists' }],
};

function merge(target: JsonObject, patch: JsonObject): JsonObject {
  return applyMergePatch(cloneRecord(target), patch);
}

describe('applyMergePatch: RFC 7386 (RFC appendix A)', () => {
  it.each<[string, JsonObject, JsonObject, JsonObject]>([
    ['replace a member', { a: 'b' }, { a: 'c' }, { a: 'c' }],
    ['add a member', { a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    ['null deletes', { a: 'b' }, { a: null }, {}],
    ['null deletes, others stay', { a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    ['an unkeyed list replaces', { a: ['b'] }, { a: 'c' }, { a: 'c' }],
    ['a scalar becomes a list', { a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    ['nested maps merge', { a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    ['lists of scalars replace', { a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    ['nulls inside replaced lists stay', { a: ['x'] }, { a: [1, null] }, { a: [1, null] }],
    ['a map over a scalar', { a: 'foo' }, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ['a delete of something absent', {}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%s', (_name, target, patch, expected) => {
    expect(merge(target, patch)).toEqual(expected);
  });
});

describe('applyMergePatch: keyed lists (strategic merge)', () => {
  it.each<[string, JsonObject, JsonObject]>([
    [
      'containers by name: one field changes, the other container stays',
      { containers: [{ name: 'web', image: 'ghcr.io/acme/web:2' }] },
      {
        ...podSpec,
        containers: [
          { ...(podSpec['containers'] as JsonObject[])[0], image: 'ghcr.io/acme/web:2' },
          container('sidecar'),
        ],
      },
    ],
    [
      'a new container is appended; null deletes a field of a matched one',
      { containers: [{ name: 'web', args: null }, container('debug')] },
      {
        ...podSpec,
        containers: [
          container('web', {
            env: [
              { name: 'REGION', value: 'eu' },
              { name: 'LOG_LEVEL', value: 'info' },
            ],
            ports: [
              { containerPort: 8080, name: 'http' },
              { containerPort: 9090, name: 'metrics' },
            ],
            volumeMounts: [
              { name: 'config', mountPath: '/etc/web' },
              { name: 'config', mountPath: '/etc/web-extra', subPath: 'extra' },
            ],
          }),
          container('sidecar'),
          container('debug'),
        ],
      },
    ],
    [
      'env by name, ports by containerPort, volumeMounts by mountPath, $patch: delete',
      {
        containers: [
          {
            name: 'web',
            env: [
              { name: 'LOG_LEVEL', value: 'debug' },
              { name: 'REGION', $patch: 'delete' },
              { name: 'FEATURES', value: 'beta' },
            ],
            ports: [{ containerPort: 9090, $patch: 'delete' }],
            volumeMounts: [{ mountPath: '/etc/web-extra', readOnly: true }],
          },
        ],
      },
      {
        ...podSpec,
        containers: [
          container('web', {
            env: [
              { name: 'LOG_LEVEL', value: 'debug' },
              { name: 'FEATURES', value: 'beta' },
            ],
            ports: [{ containerPort: 8080, name: 'http' }],
            volumeMounts: [
              { name: 'config', mountPath: '/etc/web' },
              { name: 'config', mountPath: '/etc/web-extra', subPath: 'extra', readOnly: true },
            ],
            args: ['--verbose', '--port=8080'],
          }),
          container('sidecar'),
        ],
      },
    ],
    [
      'lists without merge key replace (tolerations, args)',
      {
        tolerations: [{ key: 'gpu', operator: 'Exists' }],
        containers: [{ name: 'sidecar', args: ['--once'] }],
      },
      {
        ...podSpec,
        containers: [
          (podSpec['containers'] as JsonObject[])[0] ?? {},
          container('sidecar', { args: ['--once'] }),
        ],
        tolerations: [{ key: 'gpu', operator: 'Exists' }],
      },
    ],
    [
      'deleting an absent element is a no-op; a known keyed list with [] is a no-op',
      { volumes: [{ name: 'cache', $patch: 'delete' }], containers: [] },
      podSpec,
    ],
    [
      '$patch: replace on a list replaces it',
      { volumes: [{ $patch: 'replace' }, { name: 'data', emptyDir: {} }] },
      { ...podSpec, volumes: [{ name: 'data', emptyDir: {} }] },
    ],
    [
      '$patch: delete on a map deletes the field',
      { containers: [{ name: 'sidecar', resources: { $patch: 'delete' } }], volumes: [] },
      podSpec,
    ],
  ])('%s', (_name, patch, expected) => {
    expect(merge(podSpec, patch)).toEqual(expected);
  });

  it.each<[string, JsonObject, JsonObject, JsonObject]>([
    [
      'Service ports by port',
      { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      {
        ports: [
          { port: 80, targetPort: 8080 },
          { port: 443, name: 'https' },
        ],
      },
      {
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { port: 443, name: 'https' },
        ],
      },
    ],
    [
      'any list of named objects merges by name (custom resources)',
      { spec: { stages: [{ name: 'build', timeout: 60 }, { name: 'test' }] } },
      { spec: { stages: [{ name: 'test', timeout: 30 }] } },
      {
        spec: {
          stages: [
            { name: 'build', timeout: 60 },
            { name: 'test', timeout: 30 },
          ],
        },
      },
    ],
    [
      'an unnamed element in the target makes the list replace',
      { spec: { rules: [{ name: 'a' }, { host: 'x' }] } },
      { spec: { rules: [{ name: 'b' }] } },
      { spec: { rules: [{ name: 'b' }] } },
    ],
    [
      'an unkeyed empty list replaces',
      { spec: { rules: [{ name: 'a' }] } },
      { spec: { rules: [] } },
      { spec: { rules: [] } },
    ],
    [
      '$patch: replace on a map',
      { metadata: { labels: { a: '1', b: '2' } } },
      { metadata: { labels: { $patch: 'replace', c: '3' } } },
      { metadata: { labels: { c: '3' } } },
    ],
    [
      'a keyed list that does not exist yet',
      { spec: {} },
      { spec: { containers: [{ name: 'web', image: 'web:1', command: null }] } },
      { spec: { containers: [{ name: 'web', image: 'web:1' }] } },
    ],
  ])('%s', (_name, target, patch, expected) => {
    expect(merge(target, patch)).toEqual(expected);
  });

  it('never modifies the target', () => {
    const target = cloneRecord(podSpec);
    applyMergePatch(target, {
      containers: [{ name: 'web', image: 'x', env: [{ name: 'A', value: '1' }] }],
    });
    expect(target).toEqual(podSpec);
  });
});

describe('applyMergePatch: unsupported', () => {
  it.each<[string, JsonObject, string]>([
    [
      '$retainKeys',
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      'at /spec/strategy: directive "$retainKeys" is not supported',
    ],
    [
      '$setElementOrder',
      { spec: { '$setElementOrder/containers': [{ name: 'web' }] } },
      'at /spec: directive "$setElementOrder/containers" is not supported',
    ],
    ['$patch: merge', { spec: { $patch: 'merge' } }, 'at /spec: $patch "merge" is not supported'],
    [
      'an element without its merge key',
      { spec: { containers: [{ image: 'x' }] } },
      'at /spec/containers/0: element of "containers" has no "name"',
    ],
    [
      '$patch in a list without merge key',
      { spec: { tolerations: [{ key: 'a', $patch: 'delete' }] } },
      'at /spec/tolerations/0: $patch in list "tolerations", whose elements have no merge key',
    ],
    ['delete the whole object', { $patch: 'delete' }, '$patch: delete on the whole object'],
  ])('%s', (_name, patch, message) => {
    expect(() => merge({ spec: {} }, patch)).toThrow(message);
  });
});
