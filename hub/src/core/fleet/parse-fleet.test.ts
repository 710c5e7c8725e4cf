import { describe, expect, it } from 'vitest';
import {
  APP_PODINFO,
  APP_SHOP,
  ENV_DEV,
  ENV_PROD,
  TARGETS_PROD,
  TARGET_DEV,
  fleetWith,
  lineOf,
} from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import { DEFAULT_POLICIES } from './read-policies.ts';
import type { FleetProblem, FleetSpec, ProblemSeverity } from './types.ts';
import { MAX_DOCUMENT_BYTES, MAX_FLEET_OBJECTS } from './types.ts';

const TARGET_HEAD = 'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata:\n';
const HOUR = 3_600_000;

/** `text` with `from` (which must occur exactly once) replaced by `to`. */
function edit(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

/** What a problem test checks: where, which field, how bad, and what the message says. */
type Expected = readonly [
  file: string,
  line: number,
  field: string,
  message: RegExp,
  severity?: ProblemSeverity,
];

function summary(problems: readonly FleetProblem[]) {
  return problems.map((p) => [p.file, p.line, p.field, p.severity]);
}

function expectProblems(problems: readonly FleetProblem[], expected: readonly Expected[]): void {
  expect(summary(problems)).toEqual(
    expected.map(([f, l, field, , s]) => [f, l, field, s ?? 'error']),
  );
  expected.forEach(([, , , message], i) => expect(problems[i]?.message).toMatch(message));
}

describe('parseFleet: a valid fleet', () => {
  const { spec, problems } = parseFleet(fleetWith());

  it('has no problems', () => {
    expect(problems).toEqual([]);
  });

  it('reads targets from several files and multi-document files, sorted by name', () => {
    expect(spec.targets).toEqual([
      { name: 'dev-local', labels: { env: 'dev', region: 'local' } },
      {
        name: 'prod-eu-1',
        labels: { env: 'prod', region: 'eu', 'topology.kubernetes.io/zone': 'eu-west-1a' },
      },
      { name: 'prod-us-1', labels: { env: 'prod', region: 'us' } },
    ]);
  });

  it('reads environments with pins, target pins, frozen and sync windows', () => {
    expect(spec.environments).toEqual<FleetSpec['environments']>([
      { name: 'dev', selector: { matchLabels: { env: 'dev' } }, pins: {} },
      {
        name: 'prod',
        selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
        pins: { podinfo: 'v6.7.0', shop: '3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49' },
        targetPins: { 'prod-us-1': { podinfo: 'v6.6.3' } },
        frozen: false,
        syncWindows: [
          { kind: 'deny', schedule: '0 22 * * *', durationMs: 8 * HOUR, timeZone: 'Europe/Paris' },
          { kind: 'allow', schedule: '0 8 * * mon-fri', durationMs: 10 * HOUR, timeZone: 'UTC' },
        ],
      },
    ]);
  });

  it('defaults an application that sets only source and placement', () => {
    expect(spec.applications[0]).toEqual({
      name: 'podinfo',
      // repoURL absent: the fleet repository; path normalised; branch defaulted.
      source: { path: 'apps/podinfo/manifests', targetRevision: 'main' },
      placement: { selector: { matchLabels: {} } },
      policies: DEFAULT_POLICIES,
      overlays: [
        {
          environment: 'prod',
          patches: [
            {
              target: { group: 'apps', kind: 'Deployment', name: 'podinfo' },
              merge: { spec: { replicas: 3 } },
            },
          ],
        },
        {
          selector: { matchLabels: { region: 'eu' } },
          patches: [
            {
              target: { kind: 'ConfigMap', name: 'podinfo-config' },
              jsonPatch: [
                { op: 'add', path: '/data/REGION', value: '${target.labels.region}' },
                { op: 'remove', path: '/data/DEBUG' },
              ],
            },
          ],
        },
      ],
    });
  });

  it('maps every policy of an application onto AssignmentPolicies, and reads its rollout', () => {
    expect(spec.applications[1]).toEqual({
      name: 'shop',
      source: {
        repoURL: 'https://git.example.com/payments/shop.git',
        path: 'deploy/base',
        targetRevision: 'release/2.x',
      },
      placement: {
        selector: {
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['prod', 'dev'] },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
      },
      policies: {
        sync: 'manual',
        prune: { enabled: true, allowEmpty: false },
        drift: {
          mode: 'warn',
          overrides: [{ selector: { group: 'apps', kind: 'Deployment' }, mode: 'correct' }],
        },
        ignore: [
          {
            selector: { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
            jsonPointers: ['/spec/minReplicas'],
          },
        ],
        unmanaged: { mode: 'warn', allow: [{ kind: 'ConfigMap', name: 'kube-root-ca.crt' }] },
        conflict: 'report',
        deletion: 'orphan',
      },
      overlays: [{ target: 'prod-eu-1', namespace: 'shop-${target.labels.region}' }],
      rollout: {
        waves: [
          {
            name: 'canary',
            selector: { matchLabels: { env: 'dev' } },
            maxUnavailable: { count: 1 },
            soakMs: 30_000,
          },
          {
            name: 'prod',
            selector: {},
            maxUnavailable: { percent: 50 },
            soakMs: 0,
            gate: 'manual',
          },
        ],
        progressDeadlineMs: 600_000,
        failureBudget: 0,
        onFailure: 'rollback',
        staleTargets: 'block',
      },
    });
  });

  it.each<[string, string, Partial<typeof DEFAULT_POLICIES>]>([
    ['prune: false', 'prune: false', { prune: { enabled: false, allowEmpty: false } }],
    ['prune object', 'prune: { allowEmpty: true }', { prune: { enabled: true, allowEmpty: true } }],
    ['drift: ignore', 'drift: ignore', { drift: { mode: 'ignore', overrides: [] } }],
    ['unmanaged: prune', 'unmanaged: prune', { unmanaged: { mode: 'prune', allow: [] } }],
    ['sync: manual', 'sync: manual', { sync: 'manual' }],
  ])('policy shorthand %s', (_name, line, expected) => {
    const app = edit(APP_PODINFO, '  overlays:\n', `  policies:\n    ${line}\n  overlays:\n`);
    const parsed = parseFleet(fleetWith({ 'apps/podinfo/application.yaml': app }));
    expect(parsed.problems).toEqual([]);
    expect(parsed.spec.applications[0]?.policies).toEqual({ ...DEFAULT_POLICIES, ...expected });
  });

  it('reads JSON files like YAML', () => {
    const json = JSON.stringify(
      {
        apiVersion: 'gitfleet.dev/v1alpha1',
        kind: 'Target',
        metadata: { name: 'dev-local', labels: { env: 'dev', region: 'local' } },
      },
      null,
      2,
    );
    const parsed = parseFleet(fleetWith({ 'targets/dev.yaml': null, 'targets/dev.json': json }));
    expect(parsed.problems).toEqual([]);
    expect(parsed.spec).toEqual(spec);
  });

  it('ignores documents of other APIs, non-YAML files and files that never mention gitfleet.dev/', () => {
    const parsed = parseFleet(
      fleetWith({
        'apps/shop/kustomization.yaml': 'resources: [ this is not: valid\n',
        'docs/fleet.txt': 'apiVersion: gitfleet.dev/v1alpha1\nkind: Nonsense\n',
        'apps/podinfo/manifests/mixed.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\n${TARGET_HEAD}  name: lab-1\n`,
      }),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.spec.targets.map((t) => t.name)).toEqual([
      'dev-local',
      'lab-1',
      'prod-eu-1',
      'prod-us-1',
    ]);
  });
});

describe('parseFleet: problems name file, line and field', () => {
  const CANARY_LINE = lineOf(APP_SHOP, 'selector: { matchLabels: { env: dev } }');
  const P = 'apps/podinfo/application.yaml';
  const S = 'apps/shop/application.yaml';
  const E = 'environments/prod.yaml';
  const T = 'targets/prod.yml';
  const D = 'targets/dev.yaml';

  /** One row: the files changed, and the problems expected (lines found by searching the text). */
  type Case = { changes: Record<string, string | null>; expected: readonly Expected[] };

  it.each<[string, () => Case]>([
    [
      'unknown field (typo)',
      () => {
        const text = edit(APP_PODINFO, 'matchLabels: {}', 'matchLabel: {}');
        return {
          changes: { [P]: text },
          expected: [
            [
              P,
              lineOf(text, 'matchLabel:'),
              'spec.placement.selector.matchLabel',
              /unknown field "matchLabel"; did you mean "matchLabels"\?/,
            ],
          ],
        };
      },
    ],
    [
      'unknown field with no near match lists the allowed ones',
      () => ({
        changes: { [D]: edit(TARGET_DEV, '  labels:', '  namespace: fleet\n  labels:') },
        expected: [
          [
            D,
            5,
            'metadata.namespace',
            /unknown field "namespace" \(allowed: name, labels, annotations\)/,
          ],
        ],
      }),
    ],
    [
      'wrong type: a number where a label value (string) belongs',
      () => ({
        changes: { [D]: edit(TARGET_DEV, '    region: local', '    region: local\n    tier: 1') },
        expected: [
          [D, 8, 'metadata.labels.tier', /must be a string, got the number 1 \(quote it: "1"\)/],
        ],
      }),
    ],
    [
      'wrong type: a revision that YAML reads as a number',
      () => ({
        changes: { [E]: edit(ENV_PROD, 'podinfo: v6.7.0', 'podinfo: 6.70') },
        expected: [[E, 14, 'spec.pins.podinfo', /got the number 6.70 \(quote it: "6.70"\)/]],
      }),
    ],
    [
      'wrong type: a string where a boolean belongs',
      () => ({
        changes: { [E]: edit(ENV_PROD, 'frozen: false', 'frozen: "no"') },
        expected: [[E, 19, 'spec.frozen', /must be true or false, got the string "no"/]],
      }),
    ],
    [
      'bad name in the second document of a file (and the target pin that named it)',
      () => ({
        changes: { [T]: edit(TARGETS_PROD, 'name: prod-us-1', 'name: Prod_US_1') },
        expected: [
          [
            E,
            lineOf(ENV_PROD, 'prod-us-1:'),
            'spec.targetPins.prod-us-1',
            /Target "prod-us-1" is not declared/,
          ],
          [T, 14, 'metadata.name', /"Prod_US_1" is not a DNS label/],
        ],
      }),
    ],
    [
      'duplicate name across files: both places named',
      () => ({
        changes: {
          'targets/prod-eu-1-copy.yaml': `${TARGET_HEAD}  name: prod-eu-1\n  labels: { env: prod, region: eu }\n`,
        },
        expected: [
          [
            T,
            5,
            'metadata.name',
            /Target "prod-eu-1" is declared twice: targets\/prod-eu-1-copy\.yaml:4 and targets\/prod\.yml:5/,
          ],
        ],
      }),
    ],
    [
      'a target in two environments: reported at both, naming both',
      () => ({
        changes: {
          'environments/eu.yaml': edit(
            edit(ENV_DEV, 'env: dev', 'region: eu'),
            'name: dev',
            'name: eu',
          ),
        },
        expected: [
          [
            'environments/eu.yaml',
            6,
            'spec.selector',
            /^Environments "eu" \(environments\/eu\.yaml:6\) and "prod" \(environments\/prod\.yaml:8\) both select target\(s\) prod-eu-1; a target belongs to at most one environment$/,
          ],
          [E, 8, 'spec.selector', /^Environments "eu" \(environments\/eu\.yaml:6\) and "prod"/],
        ],
      }),
    ],
    [
      'unknown application in pins',
      () => {
        const text = edit(
          ENV_PROD,
          '    podinfo: v6.7.0\n',
          '    podinfo: v6.7.0\n    billing: v1.0.0\n',
        );
        return {
          changes: { [E]: text },
          expected: [
            [
              E,
              lineOf(text, 'billing'),
              'spec.pins.billing',
              /Application "billing" is not declared in the fleet/,
            ],
          ],
        };
      },
    ],
    [
      'unknown target in targetPins',
      () => ({
        changes: { [E]: edit(ENV_PROD, '    prod-us-1:', '    prod-ap-1:') },
        expected: [[E, 17, 'spec.targetPins.prod-ap-1', /Target "prod-ap-1" is not declared/]],
      }),
    ],
    [
      'target pin for a target outside the environment',
      () => ({
        changes: { [E]: edit(ENV_PROD, '    prod-us-1:', '    dev-local:') },
        expected: [
          [E, 17, 'spec.targetPins.dev-local', /is not selected by this environment's selector/],
        ],
      }),
    ],
    [
      'bad selector operator',
      () => ({
        changes: { [E]: edit(ENV_PROD, 'operator: In', 'operator: in') },
        expected: [
          [
            E,
            lineOf(ENV_PROD, 'operator: In'),
            'spec.selector.matchExpressions[0].operator',
            /"in" is not one of In, NotIn, Exists, DoesNotExist \(did you mean In\?\)/,
          ],
        ],
      }),
    ],
    [
      'In without values (at the expression), Exists with values (at values)',
      () => {
        const text = edit(
          APP_SHOP,
          '          values: [prod, dev]\n        - key: canary\n          operator: DoesNotExist\n',
          '        - key: canary\n          operator: Exists\n          values: [yes]\n',
        );
        return {
          changes: { [S]: text },
          expected: [
            [
              S,
              lineOf(text, 'key: env'),
              'spec.placement.selector.matchExpressions[0].values',
              /operator In needs at least one value/,
            ],
            [
              S,
              lineOf(text, 'values: [yes]'),
              'spec.placement.selector.matchExpressions[1].values',
              /operator Exists takes no values/,
            ],
          ],
        };
      },
    ],
    [
      'YAML syntax error (tab indentation): its line, and the target it hid',
      () => {
        const text = edit(TARGET_DEV, '    region: local', '\tregion: local');
        return {
          changes: { [D]: text },
          expected: [
            [
              S,
              CANARY_LINE,
              'spec.rollout.waves[0].selector',
              /wave "canary" selects none of the application's targets \(env=dev\)/,
              'warning',
            ],
            [
              'environments/dev.yaml',
              6,
              'spec.selector',
              /selects no target \(env=dev\)/,
              'warning',
            ],
            [D, lineOf(text, '\t'), '', /^YAML: Tabs are not allowed as indentation$/],
          ],
        };
      },
    ],
    [
      'YAML duplicate key: at the second key',
      () => ({
        changes: { [D]: edit(TARGET_DEV, '    region: local', '    region: local\n    env: prod') },
        expected: [
          [
            S,
            CANARY_LINE,
            'spec.rollout.waves[0].selector',
            /wave "canary" selects none of the application's targets \(env=dev\)/,
            'warning',
          ],
          ['environments/dev.yaml', 6, 'spec.selector', /selects no target/, 'warning'],
          [D, 8, '', /YAML: Map keys must be unique/],
        ],
      }),
    ],
    [
      'another version of the fleet API',
      () => ({
        changes: { [D]: edit(TARGET_DEV, 'gitfleet.dev/v1alpha1', 'gitfleet.dev/v1beta1') },
        expected: [
          [
            S,
            CANARY_LINE,
            'spec.rollout.waves[0].selector',
            /wave "canary" selects none of the application's targets \(env=dev\)/,
            'warning',
          ],
          ['environments/dev.yaml', 6, 'spec.selector', /selects no target/, 'warning'],
          [
            D,
            1,
            'apiVersion',
            /unsupported version "gitfleet.dev\/v1beta1"; this hub reads gitfleet.dev\/v1alpha1/,
          ],
        ],
      }),
    ],
    [
      'unknown kind',
      () => ({
        changes: {
          'targets/lab.yaml':
            'apiVersion: gitfleet.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\n',
        },
        expected: [
          [
            'targets/lab.yaml',
            2,
            'kind',
            /unknown kind "Cluster" \(one of Target, Application, Environment, Project\)/,
          ],
        ],
      }),
    ],
    [
      'missing required field: at the key of its parent',
      () => ({
        changes: { [S]: edit(APP_SHOP, '    path: deploy/base\n', '') },
        expected: [[S, lineOf(APP_SHOP, 'source:'), 'spec.source.path', /^is required$/]],
      }),
    ],
    [
      'bad URL (credentials), a path leaving the repository, bad revision',
      () => {
        const text = edit(
          edit(
            edit(APP_SHOP, 'targetRevision: release/2.x', 'targetRevision: release 2'),
            'https://git.example.com/payments/shop.git',
            'https://bot:s3cret@git.example.com/payments/shop.git',
          ),
          'path: deploy/base',
          'path: ../other-repo',
        );
        return {
          changes: { [S]: text },
          expected: [
            [S, lineOf(text, 'repoURL'), 'spec.source.repoURL', /contains a password or token/],
            [S, lineOf(text, 'path:'), 'spec.source.path', /must not contain '\.\.'/],
            [
              S,
              lineOf(text, 'targetRevision'),
              'spec.source.targetRevision',
              /contains whitespace/,
            ],
          ],
        };
      },
    ],
    [
      'overlay scoped twice, and to an undeclared environment',
      () => {
        const text = edit(
          APP_PODINFO,
          '    - environment: prod\n',
          '    - environment: staging\n      target: prod-eu-1\n',
        );
        return {
          changes: { [P]: text },
          expected: [
            [
              P,
              lineOf(text, 'staging'),
              'spec.overlays[0].environment',
              /Environment "staging" is not declared/,
            ],
            [
              P,
              lineOf(text, 'target: prod-eu-1'),
              'spec.overlays[0].target',
              /at most one of environment, target and selector/,
            ],
          ],
        };
      },
    ],
    [
      'JSON patch: value missing, unknown op, path not a pointer',
      () => {
        const text = edit(
          edit(APP_PODINFO, '              value: ${target.labels.region}\n', ''),
          '            - op: remove\n              path: /data/DEBUG',
          '            - op: delete\n              path: data/DEBUG',
        );
        return {
          changes: { [P]: text },
          expected: [
            [
              P,
              lineOf(text, 'op: add'),
              'spec.overlays[1].patches[0].jsonPatch[0].value',
              /^is required$/,
            ],
            [
              P,
              lineOf(text, 'op: delete'),
              'spec.overlays[1].patches[0].jsonPatch[1].op',
              /"delete" is not one of add, remove/,
            ],
            [
              P,
              lineOf(text, 'path: data/DEBUG'),
              'spec.overlays[1].patches[0].jsonPatch[1].path',
              /must start with '\/'/,
            ],
          ],
        };
      },
    ],
    [
      'malformed overlay variable',
      () => ({
        changes: { [S]: edit(APP_SHOP, 'shop-${target.labels.region}', 'shop-${target.region}') },
        expected: [
          [
            S,
            lineOf(APP_SHOP, 'namespace:'),
            'spec.overlays[0].namespace',
            /\$\{target.region\}: use \$\{target.name\}/,
          ],
        ],
      }),
    ],
    [
      'an overlay label that a target lacks (warning: only that render fails)',
      () => ({
        changes: {
          [S]: edit(APP_SHOP, 'shop-${target.labels.region}', 'shop-${target.labels.cell}'),
        },
        expected: [
          [
            S,
            lineOf(APP_SHOP, 'namespace:'),
            'spec.overlays[0].namespace',
            /target\(s\) prod-eu-1 have no label "cell"/,
            'warning',
          ],
        ],
      }),
    ],
    [
      'warnings: a placement that matches nothing, and the pin that then has no effect',
      () => ({
        changes: { [S]: edit(APP_SHOP, 'values: [prod, dev]', 'values: [qa]') },
        expected: [
          [
            S,
            13,
            'spec.placement.selector',
            /matches no target \(env in \(qa\),!canary\)/,
            'warning',
          ],
          [
            E,
            15,
            'spec.pins.shop',
            /application "shop" is placed on no target of this environment/,
            'warning',
          ],
        ],
      }),
    ],
    [
      'warning: an overlay whose target is not in the placement',
      () => ({
        changes: { [S]: edit(APP_SHOP, 'values: [prod, dev]', 'values: [dev]') },
        expected: [
          [
            S,
            lineOf(APP_SHOP, 'target: prod-eu-1'),
            'spec.overlays[0].target',
            /Target "prod-eu-1" has no target the application is placed on/,
            'warning',
          ],
          [
            S,
            lineOf(APP_SHOP, 'selector: {}'),
            'spec.rollout.waves[1].selector',
            /wave "prod" gets no target: every target it selects is in an earlier wave/,
            'warning',
          ],
          [E, 15, 'spec.pins.shop', /placed on no target of this environment/, 'warning'],
        ],
      }),
    ],
  ])('%s', (_name, row) => {
    const { changes, expected } = row();
    expectProblems(parseFleet(fleetWith(changes)).problems, expected);
  });

  it('collects every problem of a document, not just the first', () => {
    const broken = [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: Billing',
      'spec:',
      '  source: { path: /abs, targetRevision: "a..b" }',
      '  placement: { selector: { matchLabels: { env: [prod] } } }',
      '  policies: { sync: auto, drift: { mode: correct, overrides: [{ mode: warn }] }, conflict: 1 }',
      '  overlays: [{ namespace: Bad_NS }]',
      '  replicas: 3',
      '',
    ].join('\n');
    const { problems } = parseFleet(fleetWith({ 'apps/billing.yaml': broken }));
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [4, 'metadata.name'],
      [6, 'spec.source.path'],
      [6, 'spec.source.targetRevision'],
      [7, 'spec.placement.selector.matchLabels.env'],
      [8, 'spec.policies.sync'],
      [8, 'spec.policies.drift.overrides[0].selector'],
      [8, 'spec.policies.conflict'],
      [9, 'spec.overlays[0].namespace'],
      [10, 'spec.replicas'],
    ]);
    expect(problems.every((p) => p.file === 'apps/billing.yaml' && p.severity === 'error')).toBe(
      true,
    );
  });

  it('columns point at the value (wrong type) or the key (unknown field)', () => {
    const { problems } = parseFleet(
      fleetWith({
        [D]: edit(TARGET_DEV, '    region: local', '    region: 12\n    colour: blue\n  extra: 1'),
      }),
    );
    expect(problems.map((p) => [p.field, p.line, p.column])).toEqual([
      ['metadata.labels.region', 7, 13],
      ['metadata.extra', 9, 3],
    ]);
  });

  it('refuses a fleet document over 1 MiB', () => {
    const huge = `${TARGET_HEAD}  name: lab-1\n  annotations:\n    note: "${'x'.repeat(MAX_DOCUMENT_BYTES)}"\n`;
    const { problems, spec } = parseFleet(fleetWith({ 'targets/lab.yaml': huge }));
    expectProblems(problems, [
      [
        'targets/lab.yaml',
        1,
        '',
        /document is \d+ bytes; a fleet document may have at most 1048576/,
      ],
    ]);
    expect(spec.targets.map((t) => t.name)).not.toContain('lab-1');
  });

  it(`refuses more than ${String(MAX_FLEET_OBJECTS)} fleet objects, once, at the first one over`, () => {
    // Two files of 5,000 documents (the most one file may hold).
    const half = MAX_FLEET_OBJECTS / 2;
    const file = (from: number): string =>
      Array.from(
        { length: half },
        (_, i) => `${TARGET_HEAD}  name: lab-${String(from + i)}\n`,
      ).join('---\n');
    const { problems, spec } = parseFleet(
      fleetWith({ 'targets/zz-lab-a.yaml': file(0), 'targets/zz-lab-b.yaml': file(half) }),
    );
    // The valid fleet has 7 objects in files that sort before these.
    const firstOver = half - 7; // 0-based index in the second file of the 10,001st object
    expectProblems(problems, [
      [
        'targets/zz-lab-b.yaml',
        firstOver * 5 + 1,
        '',
        /more than 10000 fleet objects \(limit MAX_FLEET_OBJECTS\)/,
      ],
    ]);
    expect(problems[0]).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_FLEET_OBJECTS' });
    expect(spec.targets.length + spec.applications.length + spec.environments.length).toBe(
      MAX_FLEET_OBJECTS,
    );
  }, 60_000);
});
