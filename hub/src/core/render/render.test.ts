import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  contentDigest,
  describeObject,
  identityOf,
  isSha256Digest,
} from '@gitfleet/proto/domain';
import type { KubeObject } from '@gitfleet/proto/domain';
import * as repo from './__fixtures__/repo.ts';
import type { Overlay } from './overlays.ts';
import { renderError } from './problems.ts';
import { renderApp } from './render.ts';
import type { RenderAppInput } from './render.ts';

const names = (objects: readonly KubeObject[]): string[] =>
  objects.map((o) => describeObject(identityOf(o)));

const prodWeb: RenderAppInput = {
  files: repo.files,
  basePath: 'apps/web',
  overlays: [repo.prodOverlay],
  ctx: repo.edgeEu,
};

describe('renderApp', () => {
  it('renders the web app for prod in canonical order, with its digest', () => {
    const result = renderApp(prodWeb);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    // group "" < "apps" < "rbac…"; then kind, namespace, name
    expect(names(result.objects)).toEqual([
      'ConfigMap/shop-prod/web-config',
      'Service/shop-prod/web',
      'ServiceAccount/shop-prod/web',
      'Deployment/shop-prod/web',
      'Role/shop-prod/web',
    ]);
    expect(result.digest).toBe(contentDigest(result.objects));
    expect(isSha256Digest(result.digest ?? '')).toBe(true);
  });

  it('renders the widgets app: cluster-scoped custom resources stay cluster-scoped', () => {
    const result = renderApp({
      files: repo.files,
      basePath: 'apps/widgets',
      overlays: [{ namespace: 'widgets' }],
      ctx: repo.edgeEu,
    });
    expect(result.problems).toEqual([]);
    expect(names(result.objects)).toEqual([
      'ClusterWidget/global',
      'Widget/widgets/blue',
      'CustomResourceDefinition/clusterwidgets.acme.dev',
      'CustomResourceDefinition/widgets.acme.dev',
      'ClusterRole/system:widget-reader',
      'ClusterRoleBinding/widget-reader',
    ]);
    expect(result.objects[0]?.['spec']).toEqual({ region: 'eu-west-1' });
  });

  describe('is deterministic', () => {
    const digest = renderApp(prodWeb).digest;
    const reordered = (text: string): string =>
      // the same Deployment with its top-level keys in another order
      text.replace(
        /^apiVersion: apps\/v1\nkind: Deployment\n/m,
        'kind: Deployment\napiVersion: apps/v1\n',
      );

    it.each<[string, RenderAppInput]>([
      ['the same input twice', prodWeb],
      ['files in another map order', { ...prodWeb, files: new Map([...repo.files].reverse()) }],
      [
        'keys in another order in the YAML',
        {
          ...prodWeb,
          files: repo.withFiles({ 'apps/web/deployment.yaml': reordered(repo.webDeployment) }),
        },
      ],
      [
        'objects moved between files',
        {
          ...prodWeb,
          files: repo.withFiles({
            'apps/web/deployment.yaml': `${repo.webDeployment}---\n${repo.webServiceAndConfig}`,
            'apps/web/service.yaml': '# moved to deployment.yaml\n',
          }),
        },
      ],
      [
        'files outside basePath change',
        { ...prodWeb, files: repo.withFiles({ 'apps/widgets/crds.yaml': 'broken: [' }) },
      ],
    ])('same digest: %s', (_name, input) => {
      expect(renderApp(input).digest).toBe(digest);
    });

    it.each<[string, RenderAppInput]>([
      ['another target', { ...prodWeb, ctx: { ...repo.edgeEu, target: 'edge-eu-2' } }],
      [
        'another region label',
        { ...prodWeb, ctx: { ...repo.edgeEu, labels: { region: 'eu-central-1' } } },
      ],
      ['without the overlay', { ...prodWeb, overlays: [] }],
    ])('another digest: %s', (_name, input) => {
      const result = renderApp(input);
      expect(result.problems).toEqual([]);
      expect(result.digest).not.toBe(digest);
    });
  });

  describe('all or nothing', () => {
    it.each<[string, RenderAppInput, string[]]>([
      [
        'one broken file: no objects, no digest',
        {
          ...prodWeb,
          files: repo.withFiles({
            'apps/web/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Extra\n',
          }),
        },
        [
          'apps/web/extra.yaml:4: ConfigMap/Extra: metadata.name "Extra" is not a DNS-1123 subdomain',
        ],
      ],
      [
        'a failing overlay',
        {
          ...prodWeb,
          overlays: [
            ...(prodWeb.overlays ?? []),
            {
              patches: [
                { target: { kind: 'Service' }, jsonPatch: [{ op: 'remove', path: '/spec/type' }] },
              ],
            },
          ],
        },
        [
          'overlay 2: Service/shop-prod/web: patches[0].jsonPatch[0] (remove /spec/type): /spec/type does not exist',
        ],
      ],
      [
        'a patch that breaks a name',
        {
          ...prodWeb,
          overlays: [
            {
              patches: [
                { target: { kind: 'ConfigMap' }, merge: { metadata: { name: 'Web_Config' } } },
              ],
            },
          ],
        },
        [
          'apps/web/service.yaml:16: ConfigMap/Web_Config: after overlays: metadata.name "Web_Config" is not a DNS-1123 subdomain',
        ],
      ],
      [
        'a namespace that collapses two objects into one',
        {
          ...prodWeb,
          files: repo.withFiles({
            'apps/web/legacy.yaml':
              'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: legacy\n',
          }),
          overlays: [{ namespace: 'shop' }],
        },
        [
          'apps/web/service.yaml:16: ConfigMap/shop/web-config: after overlays: the same object as the one at apps/web/legacy.yaml:1 (overlays gave both the same namespace and name); rename one of them',
        ],
      ],
      [
        'a substituted namespace that is not a DNS label',
        {
          ...prodWeb,
          overlays: [{ namespace: 'shop-${target.labels.tier}' }],
          ctx: { ...repo.edgeEu, labels: { region: 'eu', tier: 'Edge' } },
        },
        ['overlay 1: namespace "shop-Edge" is not a DNS-1123 label'],
      ],
      [
        'a patched-in namespace that substitutes to something invalid',
        {
          ...prodWeb,
          overlays: [
            {
              patches: [
                {
                  target: { kind: 'Service' },
                  merge: { metadata: { namespace: '${target.labels.tier}' } },
                },
              ],
            },
          ],
          ctx: { ...repo.edgeEu, labels: { region: 'eu', tier: 'Edge' } },
        },
        [
          'apps/web/service.yaml:4: Service/Edge/web: after overlays: metadata.namespace "Edge" is not a DNS-1123 label',
        ],
      ],
      [
        'rendered output over maxTotalBytes (aliases expand)',
        {
          ...prodWeb,
          files: repo.withFiles({
            'apps/web/aliases.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aliases}\ndata:\n  a: &s "${'x'.repeat(500)}"\n${['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].map((k) => `  ${k}: *s\n`).join('')}`,
          }),
          limits: { maxTotalBytes: 5000 },
        },
        ['the rendered objects total'],
      ],
    ])('%s', (_name, input, expected) => {
      const result = renderApp(input);
      expect(result.ok).toBe(false);
      expect(result.objects).toEqual([]);
      expect(result.digest).toBeUndefined();
      expect(result.problems.length).toBeGreaterThanOrEqual(1);
      for (const [i, text] of expected.entries())
        expect(result.problems[i]?.message).toContain(text);
    });
  });
});

describe('renderError', () => {
  it('quotes the first problems, counts the rest, and is terminal', () => {
    const overlays: Overlay[] = [
      {
        patches: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => ({
          target: { name },
          merge: {},
        })),
      },
    ];
    const result = renderApp({ ...prodWeb, overlays });
    const err = renderError('app web on edge-eu-1', result.problems);
    expect(err.code).toBe(ErrorCode.ManifestInvalid);
    expect(err.terminal).toBe(true);
    expect(err.message).toMatch(
      /^app web on edge-eu-1: render failed with 7 problem\(s\): overlay 1: patches\[0\] target \{"name":"a"\} matches no object/,
    );
    expect(err.message).toMatch(/; and 2 more$/);
    expect(err.details).toEqual({ problems: 7 });
  });
});
