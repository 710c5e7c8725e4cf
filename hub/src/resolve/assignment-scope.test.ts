import { describe, expect, it } from 'vitest';
import { APP_PODINFO, fleetWith } from '../core/fleet/__fixtures__/fleet-repo.ts';
import { findApplication, parseFleet } from '../core/fleet/index.ts';
import { assignmentScope } from './scope-check.ts';

const project = (name: string, kinds = ''): string => `apiVersion: gitfleet.dev/v1alpha1
kind: Project
metadata:
  name: ${name}
spec:
  sourceRepos: ["**"]
  namespaces: [podinfo, podinfo-*]
${kinds}  targets:
    selector: {}
`;
const IN_PROJECT = APP_PODINFO.replace('spec:\n', 'spec:\n  project: web-team\n');

function scopeOf(files: Record<string, string>) {
  const parsed = parseFleet(fleetWith(files));
  expect(parsed.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return assignmentScope(parsed.spec, findApplication(parsed.spec, 'podinfo')!);
}

describe('assignmentScope', () => {
  it('is absent for an application in no Project (a fleet without Projects)', () => {
    expect(scopeOf({ 'apps/podinfo/application.yaml': APP_PODINFO })).toBeUndefined();
  });

  it('is absent for an application in an undeclared default (a fleet with other Projects)', () => {
    expect(
      scopeOf({
        'projects/web.yaml': project('web-team'),
        'apps/podinfo/application.yaml': APP_PODINFO,
      }),
    ).toBeUndefined();
  });

  it("is the object rules of the application's Project, in normal form", () => {
    expect(
      scopeOf({
        'projects/web.yaml': project(
          'web-team',
          '  kinds:\n    allow: [{ group: apps, kind: "*" }]\n    deny: [{ group: "", kind: Secret }]\n',
        ),
        'apps/podinfo/application.yaml': IN_PROJECT,
      }),
    ).toEqual({
      name: 'web-team',
      namespaces: ['podinfo', 'podinfo-*'],
      kinds: {
        allow: [{ group: 'apps', kind: '*' }],
        allowClusterScoped: [],
        deny: [{ group: '', kind: 'Secret' }],
      },
    });
  });

  it('is the declared default Project for an application that names none', () => {
    expect(
      scopeOf({
        'projects/default.yaml': project('default'),
        'apps/podinfo/application.yaml': APP_PODINFO,
      }),
    ).toMatchObject({ name: 'default', namespaces: ['podinfo', 'podinfo-*'] });
  });
});
