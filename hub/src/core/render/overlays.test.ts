import { describe, expect, it } from 'vitest';
import { describeObject, identityOf } from '@gitfleet/proto/domain';
import type { JsonObject, KubeObject } from '@gitfleet/proto/domain';
import * as repo from './__fixtures__/repo.ts';
import { loadManifests } from './manifests.ts';
import { applyOverlays } from './overlays.ts';
import type { Overlay, RenderContext } from './overlays.ts';

const web = loadManifests(repo.files, { basePath: 'apps/web' }).objects;
const widgets = loadManifests(repo.files, { basePath: 'apps/widgets' }).objects;

function find(objects: readonly KubeObject[], name: string): KubeObject {
  const found = objects.find((o) => describeObject(identityOf(o)) === name);
  if (found === undefined)
    throw new Error(
      `no ${name} in ${objects.map((o) => describeObject(identityOf(o))).join(', ')}`,
    );
  return found;
}

const at = (obj: JsonObject | undefined, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (cur, key) => (cur as Record<string | number, unknown> | undefined)?.[key],
    obj,
  );

describe('applyOverlays: namespace', () => {
  it('sets the namespace on namespaced objects only (built-in and CRD scope)', () => {
    const result = applyOverlays(widgets, [{ namespace: 'widgets' }], repo.edgeEu);
    expect(result.problems).toEqual([]);
    expect(result.objects.map((o) => describeObject(identityOf(o)))).toEqual([
      'CustomResourceDefinition/clusterwidgets.acme.dev',
      'CustomResourceDefinition/widgets.acme.dev',
      'ClusterWidget/global', // its CRD says scope: Cluster
      'Widget/widgets/blue', // its CRD says scope: Namespaced
      'ClusterRole/system:widget-reader',
      'ClusterRoleBinding/widget-reader',
    ]);
  });

  it('gives ServiceAccount subjects without a namespace the namespace, like kustomize', () => {
    const result = applyOverlays(widgets, [{ namespace: 'widgets' }], repo.edgeEu);
    expect(at(find(result.objects, 'ClusterRoleBinding/widget-reader'), 'subjects')).toEqual([
      { kind: 'ServiceAccount', name: 'widget-operator', namespace: 'widgets' },
      { kind: 'ServiceAccount', name: 'auditor', namespace: 'audit' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'widget-admins' },
    ]);
  });

  it.each<[string, KubeObject, string | undefined]>([
    [
      'replaces an existing namespace',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'old' } },
      'new',
    ],
    [
      'a custom resource without its CRD is taken as namespaced',
      { apiVersion: 'other.dev/v1', kind: 'Gadget', metadata: { name: 'g' } },
      'new',
    ],
    [
      'a Namespace stays cluster-scoped',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      undefined,
    ],
    [
      'a PriorityClass stays cluster-scoped',
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' } },
      undefined,
    ],
    [
      'a kind named like a cluster-scoped one in another group is namespaced',
      { apiVersion: 'acme.dev/v1', kind: 'Node', metadata: { name: 'n' } },
      'new',
    ],
  ])('%s', (_name, obj, expected) => {
    const [out] = applyOverlays([obj], [{ namespace: 'new' }], repo.edgeEu).objects;
    expect(at(out, 'metadata', 'namespace')).toBe(expected);
  });

  it('never modifies its input', () => {
    const before = JSON.stringify(web);
    applyOverlays(web, [repo.prodOverlay], repo.edgeEu);
    expect(JSON.stringify(web)).toBe(before);
  });
});

describe('applyOverlays: the prod overlay on apps/web', () => {
  const result = applyOverlays(web, [repo.prodOverlay], repo.edgeEu);

  it('has no problems', () => {
    expect(result.problems).toEqual([]);
  });

  it('sets the namespace, with the environment substituted', () => {
    expect(result.objects.map((o) => describeObject(identityOf(o)))).toEqual([
      'Deployment/shop-prod/web',
      'ServiceAccount/shop-prod/web',
      'Role/shop-prod/web',
      'Service/shop-prod/web',
      'ConfigMap/shop-prod/web-config',
    ]);
  });

  it('merges replicas and resources, replaces the image, keeps the sidecar', () => {
    const deployment = find(result.objects, 'Deployment/shop-prod/web');
    expect(at(deployment, 'spec', 'replicas')).toBe(3);
    expect(at(deployment, 'spec', 'template', 'spec', 'containers')).toEqual([
      {
        name: 'web',
        image: 'ghcr.io/acme/web:1.5.0',
        ports: [{ containerPort: 8080, name: 'http' }],
        env: [
          { name: 'REGION', value: 'eu-west-1' },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        volumeMounts: [{ name: 'config', mountPath: '/etc/web' }],
        resources: { limits: { memory: '512Mi' } },
      },
      { name: 'metrics', image: 'ghcr.io/acme/metrics-sidecar:0.9.2' },
    ]);
  });

  it('substitutes target facts and keeps escapes and shell variables', () => {
    expect(at(find(result.objects, 'ConfigMap/shop-prod/web-config'), 'data')).toEqual({
      cluster: 'edge-eu-1',
      environment: 'prod',
      literal: '${target.name}',
      'start.sh': '#!/bin/sh\nexec web --home "${HOME}" --listen :8080\n',
    });
  });
});

describe('applyOverlays: patches and selectors', () => {
  const cm = (name: string, namespace?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
  });
  const objects = [
    cm('web-a', 'shop'),
    cm('web-b', 'shop'),
    cm('db', 'shop'),
    cm('web-c', 'other'),
  ];
  const labelled = (overlay: Overlay): string[] =>
    applyOverlays(objects, [overlay], repo.edgeEu)
      .objects.filter((o) => at(o, 'metadata', 'labels', 'hit') === 'yes')
      .map((o) => describeObject(identityOf(o)));

  it.each<[string, Overlay, string[]]>([
    [
      'exact name',
      { patches: [{ target: { name: 'db' }, merge: { metadata: { labels: { hit: 'yes' } } } }] },
      ['ConfigMap/shop/db'],
    ],
    [
      'name prefix',
      {
        patches: [
          {
            target: { kind: 'ConfigMap', name: 'web-*' },
            merge: { metadata: { labels: { hit: 'yes' } } },
          },
        ],
      },
      ['ConfigMap/shop/web-a', 'ConfigMap/shop/web-b', 'ConfigMap/other/web-c'],
    ],
    [
      'namespace and prefix',
      {
        patches: [
          {
            target: { namespace: 'shop', name: 'web-*' },
            merge: { metadata: { labels: { hit: 'yes' } } },
          },
        ],
      },
      ['ConfigMap/shop/web-a', 'ConfigMap/shop/web-b'],
    ],
    [
      'group "" is the core group; another group matches nothing',
      { patches: [{ target: { group: 'apps' }, merge: { metadata: { labels: { hit: 'yes' } } } }] },
      [],
    ],
    [
      'patches see earlier overlays: namespace first, then patches',
      {
        namespace: 'prod',
        patches: [
          {
            target: { namespace: 'prod', name: 'db' },
            jsonPatch: [{ op: 'add', path: '/metadata/labels', value: { hit: 'yes' } }],
          },
        ],
      },
      ['ConfigMap/prod/db'],
    ],
  ])('%s', (_name, overlay, expected) => {
    expect(labelled(overlay)).toEqual(expected);
  });

  it('applies overlays in order: a later one sees the earlier result', () => {
    const result = applyOverlays(
      [cm('db')],
      [
        { patches: [{ target: { name: 'db' }, merge: { data: { mode: 'a', keep: 'x' } } }] },
        {
          patches: [
            {
              target: { name: 'db' },
              jsonPatch: [
                { op: 'test', path: '/data/mode', value: 'a' },
                { op: 'replace', path: '/data/mode', value: 'b' },
              ],
            },
          ],
        },
      ],
      repo.edgeEu,
    );
    expect(result.problems).toEqual([]);
    expect(at(result.objects[0], 'data')).toEqual({ mode: 'b', keep: 'x' });
  });
});

describe('applyOverlays: problems', () => {
  const ctx: RenderContext = repo.edgeEu;
  it.each<[string, readonly KubeObject[], Overlay[], RenderContext, string[]]>([
    [
      'a failing test op names overlay, patch, op and object',
      web,
      [
        {
          name: 'environment prod',
          patches: [
            {
              target: { kind: 'Deployment', name: 'web' },
              jsonPatch: [{ op: 'test', path: '/spec/replicas', value: 2 }],
            },
          ],
        },
      ],
      ctx,
      [
        'environment prod: Deployment/web: patches[0].jsonPatch[0] (test /spec/replicas): test failed: /spec/replicas has another value (expected 2); correct the patch or its target selector',
      ],
    ],
    [
      'replace of a missing path, in the second op, unnamed overlay',
      web,
      [
        {},
        {
          patches: [
            {
              target: { kind: 'Service' },
              jsonPatch: [
                { op: 'add', path: '/spec/type', value: 'NodePort' },
                { op: 'replace', path: '/spec/clusterIP', value: 'None' },
              ],
            },
          ],
        },
      ],
      ctx,
      [
        'overlay 2: Service/web: patches[0].jsonPatch[1] (replace /spec/clusterIP): /spec/clusterIP does not exist; correct the patch or its target selector',
      ],
    ],
    [
      'an unsupported merge directive',
      web,
      [
        {
          patches: [
            { target: { kind: 'Deployment' }, merge: { spec: { $retainKeys: ['replicas'] } } },
          ],
        },
      ],
      ctx,
      [
        'overlay 1: Deployment/web: patches[0].merge at /spec: directive "$retainKeys" is not supported by gitfleet\'s merge (only $patch: delete/replace); use a jsonPatch instead',
      ],
    ],
    [
      'an exact selector that matches nothing',
      web,
      [
        {
          patches: [
            { target: { kind: 'Deployment', name: 'wbe' }, merge: { spec: { replicas: 2 } } },
          ],
        },
      ],
      ctx,
      [
        'overlay 1: patches[0] target {"kind":"Deployment","name":"wbe"} matches no object; correct the selector or remove the patch',
      ],
    ],
    [
      'an unknown label, once per object and placeholder',
      [...web, ...widgets],
      [],
      { target: 'edge-us-1', labels: {}, environment: 'prod' },
      [
        'Deployment/web: placeholder ${target.labels.region} at /spec/template/spec/containers/0/env/0/value: target "edge-us-1" has no label "region"; add the label to the target or change the placeholder',
        'ClusterWidget/global: placeholder ${target.labels.region} at /spec/region: target "edge-us-1" has no label "region"; add the label to the target or change the placeholder',
      ],
    ],
    [
      'no environment for ${environment}',
      web,
      [],
      { target: 'edge-eu-1', labels: { region: 'eu-west-1' } },
      [
        'ConfigMap/web-config: placeholder ${environment} at /data/environment: the app is not rendered in an environment; remove the placeholder or deploy the app through an environment',
      ],
    ],
    [
      'a namespace that is not a DNS label',
      web,
      [{ name: 'env', namespace: 'Shop_Prod' }],
      ctx,
      [
        'env: namespace "Shop_Prod" is not a DNS-1123 label (lowercase alphanumerics and "-", at most 63); correct it',
      ],
    ],
    [
      'a namespace placeholder that cannot be resolved',
      web,
      [{ name: 'env', namespace: 'shop-${environment}' }],
      { target: 'edge-eu-1', labels: { region: 'eu-west-1' } },
      [
        'env: namespace: placeholder ${environment}: the app is not rendered in an environment; remove the placeholder or deploy the app through an environment',
        'ConfigMap/web-config: placeholder ${environment} at /data/environment: the app is not rendered in an environment; remove the placeholder or deploy the app through an environment',
      ],
    ],
    [
      'a patch with both jsonPatch and merge',
      web,
      [
        {
          patches: [
            // both kinds at once: only a hand-built (or mis-parsed) overlay can do this
            { target: {}, merge: {}, jsonPatch: [] },
          ],
        },
      ],
      ctx,
      ['overlay 1: patches[0] must have exactly one of jsonPatch and merge'],
    ],
  ])('%s', (_name, objects, overlays, context, expected) => {
    const result = applyOverlays(objects, overlays, context);
    expect(result.problems.map((p) => p.message)).toEqual(expected);
    expect(result.objects).toEqual([]);
  });

  it('problems carry overlay and object as fields', () => {
    const result = applyOverlays(
      web,
      [
        {
          name: 'environment prod',
          patches: [
            { target: { kind: 'Service' }, jsonPatch: [{ op: 'remove', path: '/spec/nope' }] },
          ],
        },
      ],
      ctx,
    );
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'MANIFEST_INVALID',
        overlay: 'environment prod',
        object: 'Service/web',
      }),
    ]);
  });
});
