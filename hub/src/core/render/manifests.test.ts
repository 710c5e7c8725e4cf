import { describe, expect, it } from 'vitest';
import { ErrorCode, describeObject, identityOf, isGitfleetError } from '@gitfleet/proto/domain';
import type { KubeObject } from '@gitfleet/proto/domain';
import * as repo from './__fixtures__/repo.ts';
import { loadManifests, resolveLimits } from './manifests.ts';
import type { ManifestLimits } from './manifests.ts';

const names = (objects: readonly KubeObject[]): string[] =>
  objects.map((o) => describeObject(identityOf(o)));

function load(
  files: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  basePath = 'app',
  limits?: Partial<ManifestLimits>,
) {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return loadManifests(map, { basePath, ...(limits === undefined ? {} : { limits }) });
}

/** `file:line: message` of each problem, for compact expectations. */
const problemsOf = (result: ReturnType<typeof load>): string[] =>
  result.problems.map((p) => p.message);

describe('loadManifests: what is read', () => {
  it.each<[string, string, string[]]>([
    [
      'the web app: files by path, documents in order, List items expanded, fleet object skipped',
      'apps/web',
      [
        // apps/web/app.yaml is the fleet's Application: skipped
        'Deployment/web',
        'ServiceAccount/web', // apps/web/rbac.json, a List
        'Role/web',
        'Service/web', // apps/web/service.yaml, after an empty document
        'ConfigMap/web-config',
      ],
    ],
    [
      './ and trailing / are ignored',
      './apps/web/',
      ['Deployment/web', 'ServiceAccount/web', 'Role/web', 'Service/web', 'ConfigMap/web-config'],
    ],
    [
      'recursively, .yml too; RBAC names may contain ":"',
      'apps/widgets',
      [
        'CustomResourceDefinition/clusterwidgets.acme.dev',
        'CustomResourceDefinition/widgets.acme.dev',
        'ClusterWidget/global',
        'Widget/blue',
        'ClusterRole/system:widget-reader',
        'ClusterRoleBinding/widget-reader',
      ],
    ],
    ['a single file', 'apps/web/deployment.yaml', ['Deployment/web']],
    [
      'the repository root: every app',
      '',
      [
        'Deployment/web',
        'ServiceAccount/web',
        'Role/web',
        'Service/web',
        'ConfigMap/web-config',
        'CustomResourceDefinition/clusterwidgets.acme.dev',
        'CustomResourceDefinition/widgets.acme.dev',
        'ClusterWidget/global',
        'Widget/blue',
        'ClusterRole/system:widget-reader',
        'ClusterRoleBinding/widget-reader',
      ],
    ],
  ])('%s', (_name, basePath, expected) => {
    const result = load(repo.files, basePath);
    expect(result.problems).toEqual([]);
    expect(names(result.objects)).toEqual(expected);
  });

  it('records where each object came from', () => {
    const result = load(repo.files, 'apps/web');
    expect(result.sources).toEqual([
      { file: 'apps/web/deployment.yaml', line: 2 },
      { file: 'apps/web/rbac.json', line: 5 },
      { file: 'apps/web/rbac.json', line: 12 },
      { file: 'apps/web/service.yaml', line: 4 },
      { file: 'apps/web/service.yaml', line: 16 },
    ]);
  });

  it('keeps values exactly: strings stay strings, placeholders untouched, ints are numbers', () => {
    const result = load({
      'app/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata: {name: flags}
data:
  enabled: "yes"
  legacy: yes
  port: "8080"
  motd: \${target.name}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 2, revisionHistoryLimit: 0x0A, progressDeadlineSeconds: 6.0e2}
`,
    });
    expect(result.problems).toEqual([]);
    expect(result.objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'flags' },
        data: { enabled: 'yes', legacy: 'yes', port: '8080', motd: '${target.name}' },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 2, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
      },
    ]);
  });

  it('expands merge keys and aliases into independent copies', () => {
    const result = load({
      'app/a.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels {app: web}
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels:
        <<: *labels
        tier: frontend
`,
    });
    expect(result.problems).toEqual([]);
    const [web] = result.objects;
    expect(web?.['spec']).toEqual({
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'frontend' } } },
    });
    const meta = web?.['metadata'] as { labels: unknown };
    const selector = (web?.['spec'] as { selector: { matchLabels: unknown } }).selector;
    expect(selector.matchLabels).toEqual(meta.labels);
    expect(selector.matchLabels).not.toBe(meta.labels);
  });

  it.each<[string, string, string[]]>([
    [
      'a typed List: items inherit apiVersion and kind',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMapList',
        items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }],
      }),
      ['ConfigMap/a', 'ConfigMap/b'],
    ],
    ['an empty List', '{"apiVersion": "v1", "kind": "List", "items": []}', []],
    ['a List without items', '{"apiVersion": "v1", "kind": "List"}', []],
    [
      'a kind ending in List without items is an object',
      '{"apiVersion": "acme.dev/v1", "kind": "AllowList", "metadata": {"name": "ips"}}',
      ['AllowList/ips'],
    ],
    [
      'a plain JSON object',
      '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}',
      ['Secret/s'],
    ],
  ])('JSON: %s', (_name, text, expected) => {
    const result = load({ 'app/x.json': text });
    expect(result.problems).toEqual([]);
    expect(names(result.objects)).toEqual(expected);
  });

  it('a key named __proto__ stays an ordinary key', () => {
    const result = load({
      'app/p.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata: {__proto__: {polluted: "1"}}\n',
    });
    expect(result.problems).toEqual([]);
    const data = result.objects[0]?.['data'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('returns an empty set for a directory without manifests', () => {
    expect(load({ 'app/README.md': '# nothing here' })).toEqual({
      objects: [],
      sources: [],
      problems: [],
    });
  });
});

describe('loadManifests: problems', () => {
  const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n';
  it.each<[string, Readonly<Record<string, string>>, string[]]>([
    [
      'YAML syntax error, with its line',
      { 'app/a.yaml': `${CM}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: [oops\n` },
      ['app/a.yaml:10: not valid YAML:'],
    ],
    [
      'duplicate key',
      { 'app/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n' },
      ['app/a.yaml:3: not valid YAML: Map keys must be unique (DUPLICATE_KEY)'],
    ],
    [
      'unknown tag',
      {
        'app/a.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: !vault secret/x}\n',
      },
      ['app/a.yaml:4: not valid YAML: Unresolved tag: !vault (TAG_RESOLVE_FAILED)'],
    ],
    [
      'missing apiVersion, kind and name, each said once',
      { 'app/a.yaml': 'metadata:\n  labels: {a: b}\n' },
      [
        'app/a.yaml:1: apiVersion is missing',
        'app/a.yaml:1: kind is missing',
        'app/a.yaml:1: metadata.name is missing; add it', // the line of `metadata:`
      ],
    ],
    [
      'no metadata at all',
      { 'app/a.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata: {}\n' },
      ['app/a.yaml:1: metadata is missing'],
    ],
    [
      'generateName is not supported',
      { 'app/a.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n' },
      ['app/a.yaml:3: metadata.generateName is not supported'],
    ],
    [
      'name that is not a DNS subdomain points at the name',
      {
        'app/a.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n  name: Web_Config\n',
      },
      [
        'app/a.yaml:5: ConfigMap/Web_Config: metadata.name "Web_Config" is not a DNS-1123 subdomain',
      ],
    ],
    [
      'Service names are DNS-1035 labels',
      { 'app/a.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: 1web\n' },
      ['app/a.yaml:4: Service/1web: metadata.name "1web" is not a DNS-1035 label'],
    ],
    [
      'bad namespace and bad apiVersion',
      {
        'app/a.yaml':
          'apiVersion: apps/v1/beta\nkind: Deployment\nmetadata:\n  name: web\n  namespace: Shop\n',
      },
      [
        'app/a.yaml:1: Deployment/Shop/web: apiVersion "apps/v1/beta" is not',
        'app/a.yaml:5: Deployment/Shop/web: metadata.namespace "Shop" is not a DNS-1123 label',
      ],
    ],
    [
      'duplicates across files name both places',
      { 'app/b.yaml': CM, 'app/a.yaml': `# first\n${CM}` },
      ['app/b.yaml:1: ConfigMap/cfg: defined twice: also at app/a.yaml:2; remove one of them'],
    ],
    [
      'same name in another namespace or group is not a duplicate; same group in another version is',
      {
        'app/a.yaml': `${CM}---\n${CM}  namespace: other\n---\napiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n`,
      },
      ['app/a.yaml:16: HorizontalPodAutoscaler/web: defined twice: also at app/a.yaml:12'],
    ],
    [
      'a document that is not a mapping',
      { 'app/a.yaml': '- apiVersion: v1\n  kind: ConfigMap\n' },
      ['app/a.yaml:1: document is a list, not a Kubernetes object'],
    ],
    [
      'List items that are not objects',
      { 'app/a.json': '{"apiVersion": "v1", "kind": "List", "items": [\n  "web"\n]}' },
      ['app/a.json:2: List: items[0] is a string, not a Kubernetes object'],
    ],
    [
      'JSON that only YAML would accept',
      { 'app/a.json': '{"apiVersion": "v1",\n "kind": }' },
      ["app/a.json:2: not valid JSON: Unexpected token '}'; fix the syntax"],
    ],
    [
      'kustomize is not silently ignored',
      {
        'app/kustomization.yaml': 'resources: [cm.yaml]\nnamePrefix: prod-\n',
        'app/cm.yaml': CM,
      },
      ['app/kustomization.yaml: kustomize is not supported'],
    ],
    [
      'integers beyond 2^53 cannot be represented',
      {
        'app/a.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    big: 123456789012345678901\n',
      },
      [
        'app/a.yaml:6: value at "/metadata/annotations/big" is an integer beyond ±2^53 (123456789012345678901), which JSON cannot carry exactly; quote it as a string',
      ],
    ],
    [
      '.nan is not JSON',
      { 'app/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx: .nan\n' },
      ['app/a.yaml:4: value at "/x" is NaN, which is not JSON'],
    ],
    [
      'a missing basePath',
      { 'other/a.yaml': CM },
      ['basePath "app" does not exist in this revision; correct the application\'s path'],
    ],
  ])('%s', (_name, files, expected) => {
    const result = load(files);
    expect(result.objects).toEqual([]);
    expect(result.problems.every((p) => p.code === ErrorCode.ManifestInvalid)).toBe(true);
    const messages = problemsOf(result);
    expect(messages).toHaveLength(expected.length);
    for (const [i, prefix] of expected.entries()) expect(messages[i]).toContain(prefix);
  });

  it('problems carry file, line and object as fields', () => {
    const result = load({
      'app/a.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: Web\n',
    });
    expect(result.problems).toEqual([
      {
        code: 'MANIFEST_INVALID',
        file: 'app/a.yaml',
        line: 4,
        object: 'Service/Web',
        message:
          'app/a.yaml:4: Service/Web: metadata.name "Web" is not a DNS-1035 label (a lowercase letter, then lowercase alphanumerics and "-", at most 63); rename the Service',
      },
    ]);
  });

  it('rejects a basePath outside the repository', () => {
    expect(problemsOf(load(repo.files, '../secrets'))).toEqual([
      'basePath "../secrets" leaves the repository (".."); use a path inside it',
    ]);
  });
});

describe('loadManifests: limits', () => {
  const cm = (name: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;
  const CM_BYTES = cm('a').length; // ASCII
  it.each<[string, Readonly<Record<string, string>>, Partial<ManifestLimits>, string[]]>([
    [
      'a file over maxFileBytes is not parsed',
      { 'app/big.yaml': `${cm('big')}data: {x: "${'x'.repeat(200)}"}\n`, 'app/ok.yaml': cm('ok') },
      { maxFileBytes: 200 },
      [
        `app/big.yaml: file is ${String(cm('big').length + 214)} bytes, more than the limit of 200 (maxFileBytes); split it into several files`,
      ],
    ],
    [
      'all files over maxTotalBytes: nothing is parsed',
      { 'app/a.yaml': cm('a'), 'app/b.yaml': cm('b'), 'app/c.yaml': 'not: [valid' },
      { maxTotalBytes: 2 * CM_BYTES },
      [
        `basePath "app": manifests total ${String(2 * CM_BYTES + 11)} bytes, more than the limit of ${String(2 * CM_BYTES)} (maxTotalBytes); split the app`,
      ],
    ],
    [
      'more objects than maxObjects: one problem, loading stops',
      { 'app/a.yaml': [cm('a'), cm('b'), cm('c')].join('---\n'), 'app/b.yaml': cm('d') },
      { maxObjects: 2 },
      [
        'app/a.yaml:9: the app has more than 2 objects (limit maxObjects); split it into several apps',
      ],
    ],
    [
      'exactly at the limits is fine',
      { 'app/a.yaml': cm('a') },
      { maxObjects: 1, maxFileBytes: CM_BYTES, maxTotalBytes: CM_BYTES },
      [],
    ],
  ])('%s', (_name, files, limits, expected) => {
    const result = load(files, 'app', limits);
    expect(problemsOf(result)).toEqual(expected);
    expect(result.objects).toHaveLength(expected.length === 0 ? 1 : 0);
    for (const p of result.problems) {
      expect(p.code).toBe(ErrorCode.LimitExceeded);
      expect(p.limit).toMatch(/^max(FileBytes|TotalBytes|Objects)$/);
      expect(p.message).toContain(p.limit);
    }
  });

  it('counts bytes, not characters', () => {
    const text = `${cm('a')}data: {greeting: "grüß dich"}\n`;
    expect(problemsOf(load({ 'app/a.yaml': text }, 'app', { maxFileBytes: text.length }))).toEqual([
      `app/a.yaml: file is ${String(text.length + 2)} bytes, more than the limit of ${String(text.length)} (maxFileBytes); split it into several files`,
    ]);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects limit %s', (value) => {
    expect(() => resolveLimits({ maxObjects: value })).toThrow(
      expect.objectContaining({ code: ErrorCode.ConfigInvalid }) as Error,
    );
    try {
      resolveLimits({ maxObjects: value });
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.ConfigInvalid)).toBe(true);
    }
  });
});
