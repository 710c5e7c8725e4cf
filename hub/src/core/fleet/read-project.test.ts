import { describe, expect, it } from 'vitest';
import { APP_PODINFO, APP_SHOP, fleetWith, lineOf } from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import { projectScopeOf } from './resolve.ts';
import type { FleetProblem, ProblemSeverity } from './types.ts';
import { MAX_PROJECT_PATTERN_LENGTH, MAX_PROJECT_RULES } from './types.ts';

/** The payments team's project, written by the platform team next to the targets. */
const PROJECT_PAYMENTS = `apiVersion: gitfleet.dev/v1alpha1
kind: Project
metadata:
  name: payments
  annotations:
    gitfleet.dev/owner: platform-team
spec:
  sourceRepos:
    - https://git.example.com/payments/*
  namespaces: [shop, shop-*]
  kinds:
    allow:
      - { group: apps, kind: "*" }
      - { group: "", kind: "*" }
    deny:
      - { group: "", kind: ResourceQuota }
  targets:
    names: [dev-local]
    selector:
      matchLabels: { env: prod }
`;

const P = 'projects/payments.yaml';
const S = 'apps/shop/application.yaml';
const SHOP_IN_PAYMENTS = edit(APP_SHOP, 'spec:\n', 'spec:\n  project: payments\n');

/** `text` with `from` (which must occur exactly once) replaced by `to`. */
function edit(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

type Expected = readonly [
  file: string,
  line: number,
  field: string,
  message: RegExp,
  severity?: ProblemSeverity,
];

function expectProblems(problems: readonly FleetProblem[], expected: readonly Expected[]): void {
  expect(problems.map((p) => [p.file, p.line, p.field, p.severity])).toEqual(
    expected.map(([f, l, field, , s]) => [f, l, field, s ?? 'error']),
  );
  expected.forEach(([, , , message], i) => expect(problems[i]?.message).toMatch(message));
}

function parse(changes: Readonly<Record<string, string | null>>) {
  return parseFleet(fleetWith({ [P]: PROJECT_PAYMENTS, [S]: SHOP_IN_PAYMENTS, ...changes }));
}

describe('parseFleet: a Project', () => {
  it('reads a valid project, and the application that names it', () => {
    const { spec, problems } = parse({});
    expect(problems).toEqual([]);
    expect(spec.projects).toEqual([
      {
        name: 'payments',
        sourceRepos: ['https://git.example.com/payments/*'],
        namespaces: ['shop', 'shop-*'],
        kinds: {
          allow: [
            { group: 'apps', kind: '*' },
            { group: '', kind: '*' },
          ],
          deny: [{ group: '', kind: 'ResourceQuota' }],
        },
        targets: { names: ['dev-local'], selector: { matchLabels: { env: 'prod' } } },
        declaredAt: {
          file: P,
          line: lineOf(PROJECT_PAYMENTS, 'name: payments'),
          rules: {
            sourceRepos: lineOf(PROJECT_PAYMENTS, 'sourceRepos:'),
            namespaces: lineOf(PROJECT_PAYMENTS, 'namespaces:'),
            'kinds.allow': lineOf(PROJECT_PAYMENTS, 'allow:'),
            'kinds.allowClusterScoped': lineOf(PROJECT_PAYMENTS, 'kinds:'),
            'kinds.deny': lineOf(PROJECT_PAYMENTS, 'deny:'),
            targets: lineOf(PROJECT_PAYMENTS, 'targets:'),
          },
        },
      },
    ]);
    const shop = spec.applications.find((a) => a.name === 'shop');
    const podinfo = spec.applications.find((a) => a.name === 'podinfo');
    expect(shop?.project).toBe('payments');
    expect(shop && projectScopeOf(spec, shop).name).toBe('payments');
    // no project named, none declared as default: the unrestricted default project
    expect(podinfo?.project).toBeUndefined();
    expect(podinfo && projectScopeOf(spec, podinfo).sourceRepos).toEqual(['**']);
  });

  it('declares no projects field at all when the fleet has no Project (fleets stay as they were)', () => {
    expect(parseFleet(fleetWith()).spec).not.toHaveProperty('projects');
  });

  it('keeps kinds optional: absent, only namespaced kinds, nothing denied', () => {
    const text = edit(
      PROJECT_PAYMENTS,
      `  kinds:
    allow:
      - { group: apps, kind: "*" }
      - { group: "", kind: "*" }
    deny:
      - { group: "", kind: ResourceQuota }
`,
      '',
    );
    const { spec, problems } = parse({ [P]: text });
    expect(problems).toEqual([]);
    expect(spec.projects?.[0]?.kinds).toEqual({ deny: [] });
    expect(spec.projects?.[0]?.declaredAt.rules).not.toHaveProperty(['kinds.allow']);
  });

  it('takes `project: default` without a declared default project', () => {
    const app = edit(APP_PODINFO, 'spec:\n  source:\n', 'spec:\n  project: default\n  source:\n');
    expect(parse({ 'apps/podinfo/application.yaml': app }).problems).toEqual([]);
  });

  it.each<[string, () => { changes: Record<string, string | null>; expected: Expected[] }]>([
    [
      'sourceRepos missing',
      () => ({
        changes: {
          [P]: edit(
            PROJECT_PAYMENTS,
            '  sourceRepos:\n    - https://git.example.com/payments/*\n',
            '',
          ),
        },
        expected: [[P, lineOf(PROJECT_PAYMENTS, 'spec:'), 'spec.sourceRepos', /^is required$/]],
      }),
    ],
    [
      'sourceRepos not a list',
      () => {
        const text = edit(
          PROJECT_PAYMENTS,
          '  sourceRepos:\n    - https://git.example.com/payments/*\n',
          '  sourceRepos: https://git.example.com/payments/*\n',
        );
        return {
          changes: { [P]: text },
          expected: [[P, lineOf(text, 'sourceRepos:'), 'spec.sourceRepos', /must be a list/]],
        };
      },
    ],
    [
      "a sourceRepos glob that matches no URL ('*' stops at '/')",
      () => {
        const text = edit(PROJECT_PAYMENTS, '- https://git.example.com/payments/*', "- '*'");
        return {
          changes: { [P]: text },
          expected: [
            [P, lineOf(text, "- '*'"), 'spec.sourceRepos[0]', /matches no repository URL.*\*\*/],
          ],
        };
      },
    ],
    [
      'a namespace glob with capitals',
      () => {
        const text = edit(PROJECT_PAYMENTS, '[shop, shop-*]', '[shop, Shop_Batch]');
        return {
          changes: { [P]: text },
          expected: [
            [P, lineOf(text, 'namespaces:'), 'spec.namespaces[1]', /not a namespace glob/],
          ],
        };
      },
    ],
    [
      'a misspelt field of kinds',
      () => {
        const text = edit(PROJECT_PAYMENTS, '    deny:\n', '    denys:\n');
        return {
          changes: { [P]: text },
          expected: [
            [
              P,
              lineOf(text, 'denys:'),
              'spec.kinds.denys',
              /unknown field "denys"; did you mean "deny"\?/,
            ],
          ],
        };
      },
    ],
    [
      'a kinds entry without kind, and a group that is not one',
      () => {
        const text = edit(PROJECT_PAYMENTS, '{ group: apps, kind: "*" }', '{ group: Apps! }');
        const line = lineOf(text, 'Apps!');
        return {
          changes: { [P]: text },
          expected: [
            [P, line, 'spec.kinds.allow[0].kind', /^is required$/],
            [P, line, 'spec.kinds.allow[0].group', /not an API group glob/],
          ],
        };
      },
    ],
    [
      'a kind glob with a dot',
      () => {
        const text = edit(PROJECT_PAYMENTS, 'kind: ResourceQuota', 'kind: v1.ResourceQuota');
        return {
          changes: { [P]: text },
          expected: [
            [P, lineOf(text, 'v1.ResourceQuota'), 'spec.kinds.deny[0].kind', /not a kind glob/],
          ],
        };
      },
    ],
    [
      'targets without names or selector',
      () => {
        const text = edit(
          PROJECT_PAYMENTS,
          `  targets:
    names: [dev-local]
    selector:
      matchLabels: { env: prod }
`,
          '  targets: {}\n',
        );
        return {
          changes: { [P]: text },
          expected: [
            [P, lineOf(text, 'targets:'), 'spec.targets', /needs names, selector or both/],
          ],
        };
      },
    ],
    [
      'a target name that is not a DNS label, and a selector with a bad operator',
      () => {
        const text = edit(
          edit(PROJECT_PAYMENTS, '[dev-local]', '[Dev_Local]'),
          'matchLabels: { env: prod }',
          'matchExpressions: [{ key: env, operator: Equals, values: [prod] }]',
        );
        return {
          changes: { [P]: text },
          expected: [
            [P, lineOf(text, 'Dev_Local'), 'spec.targets.names[0]', /not a DNS label/],
            [
              P,
              lineOf(text, 'Equals'),
              'spec.targets.selector.matchExpressions[0].operator',
              /"Equals" is not one of In, NotIn, Exists, DoesNotExist/,
            ],
          ],
        };
      },
    ],
    [
      'a target name the fleet does not declare (a warning: it may be added later)',
      () => {
        const text = edit(PROJECT_PAYMENTS, '[dev-local]', '[dev-local, edge-lab]');
        return {
          changes: { [P]: text },
          expected: [
            [
              P,
              lineOf(text, 'edge-lab'),
              'spec.targets.names[1]',
              /target "edge-lab" is not declared/,
              'warning',
            ],
          ],
        };
      },
    ],
    [
      'an application naming a project the fleet does not declare',
      () => {
        const app = edit(SHOP_IN_PAYMENTS, 'project: payments', 'project: billing');
        return {
          changes: { [S]: app },
          expected: [
            [
              S,
              lineOf(app, 'project: billing'),
              'spec.project',
              /Project "billing" is not declared in the fleet \(declared: payments\)/,
            ],
          ],
        };
      },
    ],
    [
      'an application naming a project that is not a DNS label',
      () => {
        const app = edit(SHOP_IN_PAYMENTS, 'project: payments', 'project: Payments');
        return {
          changes: { [S]: app },
          expected: [[S, lineOf(app, 'project: Payments'), 'spec.project', /not a DNS label/]],
        };
      },
    ],
    [
      'two projects of the same name',
      () => ({
        changes: { 'projects/payments-copy.yaml': PROJECT_PAYMENTS },
        // path order: payments-copy.yaml is read first, so the second declaration is payments.yaml
        expected: [
          [
            P,
            lineOf(PROJECT_PAYMENTS, 'name: payments'),
            'metadata.name',
            /Project "payments" is declared twice: projects\/payments-copy.yaml:4 and projects\/payments.yaml:4/,
          ],
        ],
      }),
    ],
    [
      'a project without spec',
      () => {
        const text = PROJECT_PAYMENTS.slice(0, PROJECT_PAYMENTS.indexOf('spec:'));
        return {
          changes: { [P]: text },
          expected: [[P, 1, 'spec', /^is required$/]],
        };
      },
    ],
    [
      'an application source outside its project (a warning: only that application is refused)',
      () => {
        const app = edit(SHOP_IN_PAYMENTS, 'payments/shop.git', 'platform/shop.git');
        return {
          changes: { [S]: app },
          expected: [
            [
              S,
              lineOf(app, 'repoURL:'),
              'spec.source.repoURL',
              /^source https:\/\/git.example.com\/platform\/shop.git is not allowed by project "payments" \(sourceRepos: https:\/\/git.example.com\/payments\/\*\), written at projects\/payments.yaml:8 spec.sourceRepos; the application is delivered nowhere/,
              'warning',
            ],
          ],
        };
      },
    ],
    [
      'an application placed on targets outside its project',
      () => {
        const text = edit(
          PROJECT_PAYMENTS,
          '      matchLabels: { env: prod }\n',
          '      matchLabels: { region: eu }\n',
        );
        return {
          changes: { [P]: text },
          expected: [
            [
              S,
              lineOf(SHOP_IN_PAYMENTS, 'placement:') + 1,
              'spec.placement.selector',
              /^selects target\(s\) prod-us-1 outside project "payments" \(projects\/payments.yaml:17 spec.targets\); the application is not delivered there$/,
              'warning',
            ],
          ],
        };
      },
    ],
    [
      'a declared default project holds applications that name none',
      () => {
        const text = edit(
          edit(PROJECT_PAYMENTS, 'name: payments', 'name: default'),
          '      matchLabels: { env: prod }\n',
          '      matchLabels: { env: dev }\n',
        );
        return {
          changes: { 'projects/default.yaml': text },
          expected: [
            [
              'apps/podinfo/application.yaml',
              lineOf(APP_PODINFO, 'placement:') + 1,
              'spec.placement.selector',
              /^selects target\(s\) prod-eu-1, prod-us-1 outside project "default"/,
              'warning',
            ],
          ],
        };
      },
    ],
  ])('%s', (_name, make) => {
    const { changes, expected } = make();
    expectProblems(parse(changes).problems, expected);
  });
});

describe('parseFleet: the limits of a Project', () => {
  it(`refuses more than ${String(MAX_PROJECT_RULES)} entries in one list (LIMIT_EXCEEDED)`, () => {
    const many = Array.from({ length: MAX_PROJECT_RULES + 1 }, (_, i) => `shop-${String(i)}`);
    const text = edit(PROJECT_PAYMENTS, '[shop, shop-*]', `[${many.join(', ')}]`);
    const { problems } = parse({ [P]: text });
    expect(problems).toEqual([
      expect.objectContaining({
        file: P,
        line: lineOf(text, 'namespaces:'),
        field: 'spec.namespaces',
        severity: 'error',
        code: 'LIMIT_EXCEEDED',
        limit: 'MAX_PROJECT_RULES',
      }),
    ]);
  });

  it(`refuses a pattern longer than ${String(MAX_PROJECT_PATTERN_LENGTH)} characters`, () => {
    const long = `https://git.example.com/${'a'.repeat(MAX_PROJECT_PATTERN_LENGTH)}/*`;
    const text = edit(PROJECT_PAYMENTS, 'https://git.example.com/payments/*', long);
    const { problems } = parse({ [P]: text });
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'spec.sourceRepos[0]',
        severity: 'error',
        code: 'LIMIT_EXCEEDED',
        limit: 'MAX_PROJECT_PATTERN_LENGTH',
      }),
    ]);
  });
});
