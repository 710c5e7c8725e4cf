import { describe, expect, it } from 'vitest';
import { substituteString, substituteValues } from './substitute.ts';
import type { SubstitutionContext, SubstitutionIssue } from './substitute.ts';

const ctx: SubstitutionContext = {
  target: 'edge-eu-1',
  labels: { region: 'eu-west-1', 'topology.kubernetes.io/zone': 'eu-west-1a' },
  environment: 'prod',
};

describe('substituteString', () => {
  it.each<[string, string, string]>([
    ['target name', '${target.name}', 'edge-eu-1'],
    ['a label', 'region=${target.labels.region}', 'region=eu-west-1'],
    ['a prefixed label key', '${target.labels.topology.kubernetes.io/zone}', 'eu-west-1a'],
    ['environment', 'web-${environment}', 'web-prod'],
    ["environment.name (the fleet model's spelling)", 'web-${environment.name}', 'web-prod'],
    ['several in one string', '${target.name}.${environment}.acme.dev', 'edge-eu-1.prod.acme.dev'],
    ['escaped', 'literal $${target.name}', 'literal ${target.name}'],
    ['escaped environment', '$${environment}', '${environment}'],
    ['escaped then real', '$${target.name}=${target.name}', '${target.name}=edge-eu-1'],
    ['shell variables are not ours', 'exec web --home "${HOME}"', 'exec web --home "${HOME}"'],
    ['$$ before a shell variable stays', 'make: $${HOME}', 'make: $${HOME}'],
    ['Kubernetes $(VAR) references stay', '$(POD_NAME)', '$(POD_NAME)'],
    ['no placeholder', 'plain', 'plain'],
    ['unterminated', '${target.name', '${target.name'],
  ])('%s', (_name, text, expected) => {
    const issues: SubstitutionIssue[] = [];
    expect(substituteString(text, ctx, issues)).toBe(expected);
    expect(issues).toEqual([]);
  });

  it.each<[string, string, SubstitutionContext, string]>([
    [
      'an unknown label',
      '${target.labels.zone}',
      ctx,
      'target "edge-eu-1" has no label "zone"; add the label to the target or change the placeholder',
    ],
    [
      'no environment',
      '${environment}',
      { target: 'edge-eu-1', labels: {} },
      'the app is not rendered in an environment; remove the placeholder or deploy the app through an environment',
    ],
    [
      'a typo in our namespace',
      '${target.nmae}',
      ctx,
      'unknown placeholder; use ${target.name}, ${target.labels.<key>} or ${environment} (write $${...} for a literal)',
    ],
    ['not a label of the prototype', '${target.labels.toString}', ctx, 'has no label "toString"'],
  ])('%s is an issue and stays as written', (_name, text, context, message) => {
    const issues: SubstitutionIssue[] = [];
    expect(substituteString(text, context, issues, () => '/data/x')).toBe(text);
    expect(issues).toEqual([
      {
        pointer: '/data/x',
        placeholder: text,
        message: expect.stringContaining(message) as string,
      },
    ]);
  });
});

describe('substituteValues', () => {
  it('substitutes every string value, never keys, and reports pointers', () => {
    const obj = {
      metadata: { name: 'web-${environment}', labels: { '${target.name}': 'x' } },
      spec: { env: [{ name: 'A', value: '${target.labels.missing}' }], replicas: 2, on: true },
    };
    const issues: SubstitutionIssue[] = [];
    substituteValues(obj, ctx, issues);
    expect(obj).toEqual({
      metadata: { name: 'web-prod', labels: { '${target.name}': 'x' } },
      spec: { env: [{ name: 'A', value: '${target.labels.missing}' }], replicas: 2, on: true },
    });
    expect(issues.map((i) => [i.pointer, i.placeholder])).toEqual([
      ['/spec/env/0/value', '${target.labels.missing}'],
    ]);
  });
});
