/**
 * The repositories of the vs-flux benchmark, byte for byte the same for both engines: the main
 * app's ConfigMaps, the mix app's namespaces, and the first commit with gitfleet's fleet files.
 */
import type { KubeObject } from '@gitfleet/proto';
import { stringify } from 'yaml';
import { configMaps } from '../lib/cluster.ts';

/** The namespace of the main app's ConfigMaps. */
export const NS = 'bench';

/** The two apps of both repositories. */
export type App = 'cm' | 'mix';

const yamlDoc = (o: unknown): string => stringify(o, { lineWidth: 0 });

/** The objects of one run: `n` ConfigMaps in the main app, `mix` namespaces in the mix app. */
export class Workload {
  /** Objects of the main app (--objects; 1,000 for published figures). */
  readonly n: number;
  /** Namespaces of the mix (--mix; 100 for published figures). */
  readonly mix: number;
  readonly #configMaps: KubeObject[];

  constructor(n: number, mix: number) {
    this.n = n;
    this.mix = mix;
    this.#configMaps = configMaps(NS, n);
  }

  /** The file of ConfigMap `i` (its `app.properties` changed by `change`, if given). */
  cmFile(i: number, change?: string): [string, string] {
    const o = this.#configMaps[i];
    if (o === undefined) throw new Error(`no ConfigMap ${i}`);
    const data = { ...(o['data'] as Record<string, string>) };
    if (change !== undefined)
      data['app.properties'] = `${data['app.properties'] ?? ''}change=${change}\n`;
    return [`apps/cm/cm-${String(i).padStart(4, '0')}.yaml`, yamlDoc({ ...o, data })];
  }

  /** Files of all the ConfigMaps. */
  allConfigMaps(): Record<string, string> {
    return Object.fromEntries(Array.from({ length: this.n }, (_, i) => this.cmFile(i)));
  }

  /** Deletions of all the ConfigMaps. */
  removeConfigMaps(): Record<string, null> {
    return Object.fromEntries(Array.from({ length: this.n }, (_, i) => [this.cmFile(i)[0], null]));
  }

  /** The files of the mix app: one per namespace. */
  mixFiles(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.mix; i++) {
      const ns = `mix-${String(i).padStart(3, '0')}`;
      const labels = { app: 'web' };
      const docs = [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: ns } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: ns, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: 'web',
                containers: [
                  { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] },
                ],
              },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: ns, labels },
          spec: {
            type: 'ClusterIP',
            selector: labels,
            ports: [{ name: 'http', port: 80, targetPort: 8080 }],
          },
        },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'web', namespace: ns },
          spec: {
            rules: [
              {
                host: `${ns}.example.com`,
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: 'web', port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        },
      ];
      out[`apps/mix/${ns}.yaml`] = docs.map(yamlDoc).join('---\n');
    }
    return out;
  }
}

export /** The first commit of both repositories: gitfleet's fleet files and one placeholder per app. */
function baseFiles(target: string): Record<string, string> {
  const fleet = [
    {
      apiVersion: 'gitfleet.dev/v1alpha1',
      kind: 'Target',
      metadata: { name: target, labels: { bench: 'vs-flux' } },
    },
    ...(['cm', 'mix'] as const).map((app) => ({
      apiVersion: 'gitfleet.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: app },
      spec: {
        source: { path: `apps/${app}` },
        placement: { selector: { matchLabels: { bench: 'vs-flux' } } },
      },
    })),
  ];
  const placeholder = (name: string): string =>
    yamlDoc({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: NS },
      data: { placeholder: 'true' },
    });
  return {
    'gitfleet/fleet.yaml': fleet.map(yamlDoc).join('---\n'),
    'apps/cm/placeholder.yaml': placeholder('placeholder'),
    'apps/mix/placeholder.yaml': placeholder('mix-placeholder'),
  };
}
