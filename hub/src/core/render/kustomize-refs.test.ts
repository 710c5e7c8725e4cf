import { describe, expect, it } from 'vitest';
import {
  RefRole,
  joinInRepo,
  kustomizationRefs,
  pluginConfigProblem,
  pluginConfigProblems,
} from './kustomize-refs.ts';

const FILE = 'guestbook/overlays/prod/kustomization.yaml';

describe('joinInRepo', () => {
  it.each([
    ['guestbook/overlays/prod', '../../base', 'guestbook/base'],
    ['guestbook/overlays/prod', './patch.yaml', 'guestbook/overlays/prod/patch.yaml'],
    ['guestbook', '../../x', undefined],
    ['', '../x', undefined],
    ['', 'a//b/./c', 'a/b/c'],
  ])('%s + %s = %s', (dir, ref, want) => {
    expect(joinInRepo(dir, ref)).toBe(want);
  });
});

describe('kustomizationRefs: what the render step refuses', () => {
  it.each([
    [
      'a remote resource',
      'resources:\n  - ../../base\n  - https://github.com/org/repo//base?ref=v1\n',
      `${FILE}:3: resources[1]: "https://github.com/org/repo//base?ref=v1" is remote: remote bases are not fetched by the render step`,
    ],
    [
      'a remote base in kustomize shorthand',
      'bases:\n  - github.com/argoproj/argocd-example-apps/kustomize-guestbook\n',
      `${FILE}:2: bases[0]: "github.com/argoproj/argocd-example-apps/kustomize-guestbook" is remote: remote bases are not fetched by the render step`,
    ],
    [
      'a remote component',
      'components:\n  - git@github.com:org/components.git//tracing\n',
      `${FILE}:2: components[0]: "git@github.com:org/components.git//tracing" is remote: remote bases are not fetched by the render step`,
    ],
    [
      'a path past the repository root',
      'resources:\n  - ../../../../etc\n',
      `${FILE}:2: resources[0]: "../../../../etc" leaves the repository; keep every path inside it`,
    ],
    [
      'an absolute path',
      'resources:\n  - /etc/passwd\n',
      `${FILE}:2: resources[0]: "/etc/passwd" is absolute: give a path relative to the kustomization`,
    ],
    [
      'a generator file past the root',
      'configMapGenerator:\n  - name: c\n    files:\n      - key=../../../../../secret.txt\n',
      `${FILE}:4: configMapGenerator[0].files[0]: "../../../../../secret.txt" leaves the repository; keep every path inside it`,
    ],
    [
      'helmCharts',
      'helmCharts:\n  - name: redis\n    repo: https://charts.bitnami.com/bitnami\n',
      `${FILE}:1: helmCharts: Helm charts in a kustomization are not supported; use source.helm`,
    ],
    [
      'validators',
      'validators:\n  - validator.yaml\n',
      `${FILE}:1: validators: plugins are not run by the render step`,
    ],
    [
      'an inline exec transformer',
      'transformers:\n  - |-\n    apiVersion: example.com/v1\n    kind: Exec\n    metadata:\n      name: x\n      annotations:\n        config.kubernetes.io/function: |\n          exec: { path: ./run.sh }\n',
      `${FILE}:2: transformers[0]: exec and KRM-function plugins are not run by the render step`,
    ],
    [
      'an inline legacy plugin config',
      'generators:\n  - apiVersion: someteam.example.com/v1\n    kind: SecretsFromVault\n    metadata: { name: v }\n',
      `${FILE}:2: generators[0]: plugin someteam.example.com/v1/SecretsFromVault is not built in: only apiVersion builtin plugins are run`,
    ],
    ['not YAML', 'resources: [a\n', `${FILE}:2: not valid YAML`],
  ])('%s', (_, text, want) => {
    const { problems } = kustomizationRefs(FILE, text);
    expect(problems.map((p) => p.message).join('\n')).toContain(want);
  });
});

describe('kustomizationRefs: the local references', () => {
  it('names every path kustomize would read, as repository paths with their role and line', () => {
    const text = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - ../../base',
      '  - extra.yaml',
      'components: [../../components/tracing]',
      'patches:',
      '  - path: replicas.yaml',
      '  - patch: |-',
      '      - op: replace',
      '        path: /spec/replicas',
      '        value: 2',
      'patchesStrategicMerge:',
      '  - memory.yaml',
      'configMapGenerator:',
      '  - name: app',
      '    files: [config/app.properties, motd=../../shared/motd.txt]',
      '    envs: [app.env]',
      'transformers: [../../transformers/labels.yaml]',
      'crds: [crds/widget.json]',
      '',
    ].join('\n');
    const { refs, problems } = kustomizationRefs(FILE, text);
    expect(problems).toEqual([]);
    expect(refs.map((r) => [r.role, r.path, r.line])).toEqual([
      [RefRole.Resource, 'guestbook/base', 4],
      [RefRole.Resource, 'guestbook/overlays/prod/extra.yaml', 5],
      [RefRole.Kustomization, 'guestbook/components/tracing', 6],
      [RefRole.File, 'guestbook/overlays/prod/replicas.yaml', 8],
      [RefRole.File, 'guestbook/overlays/prod/memory.yaml', 14],
      [RefRole.File, 'guestbook/overlays/prod/config/app.properties', 17],
      [RefRole.File, 'guestbook/shared/motd.txt', 17],
      [RefRole.File, 'guestbook/overlays/prod/app.env', 18],
      [RefRole.Plugin, 'guestbook/transformers/labels.yaml', 19],
      [RefRole.File, 'guestbook/overlays/prod/crds/widget.json', 20],
    ]);
  });
});

describe('plugin configs', () => {
  it.each([
    [
      { apiVersion: 'builtin', kind: 'PrefixSuffixTransformer', metadata: { name: 'p' } },
      undefined,
    ],
    [
      {
        apiVersion: 'builtin',
        kind: 'LabelTransformer',
        metadata: { name: 'l', annotations: { 'config.kubernetes.io/function': 'container: {}' } },
      },
      /KRM-function/,
    ],
    [{ apiVersion: 'example.com/v1', kind: 'Custom' }, /not built in/],
    ['text', /not a plugin config/],
  ])('%j', (config, want) => {
    const problem = pluginConfigProblem(config);
    if (want === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(want);
  });

  it('a file of configs is checked document by document, at their lines', () => {
    const text =
      'apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata: { name: p }\nprefix: a-\n---\napiVersion: example.com/v1\nkind: Exec\nmetadata: { name: e }\n';
    expect(pluginConfigProblems('t/plugins.yaml', text).map((p) => p.message)).toEqual([
      't/plugins.yaml:6: plugin example.com/v1/Exec is not built in: only apiVersion builtin plugins are run',
    ]);
  });
});
