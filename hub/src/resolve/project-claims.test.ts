import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError, UNRESTRICTED_SCOPE } from '@gitfleet/proto';
import type { KubeObject, ProjectScope } from '@gitfleet/proto';
import type { ProjectSpec } from '../core/fleet/index.ts';
import { ProjectClaims } from './project-claims.ts';

const scope = (name: string): ProjectSpec => ({
  name,
  sourceRepos: ['**'],
  namespaces: ['*'],
  kinds: { deny: [] },
  targets: { selector: {} },
  declaredAt: { file: `projects/${name}.yaml`, line: 4, rules: {} },
});
const PAYMENTS = scope('payments');
const SEARCH = scope('search');
const cm = (name: string, namespace = 'shared'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
});

/** Runs the claims in order; what each one says (`ok` or the other application it conflicts with). */
function run(
  claims: ProjectClaims,
  steps: readonly [target: string, app: string, project: ProjectScope, objects: KubeObject[]][],
): string[] {
  return steps.map(([target, app, project, objects]) => {
    try {
      claims.claim(target, app, project, objects);
      return 'ok';
    } catch (err) {
      expect(err).toBeInstanceOf(GitfleetError);
      expect((err as GitfleetError).code).toBe(ErrorCode.ScopeViolation);
      return String((err as GitfleetError).details['otherApp']);
    }
  });
}

describe('ProjectClaims', () => {
  it.each<[string, [string, string, ProjectScope, KubeObject[]][], string[]]>([
    [
      'different objects of different projects',
      [
        ['edge', 'checkout', PAYMENTS, [cm('checkout')]],
        ['edge', 'indexer', SEARCH, [cm('indexer')]],
      ],
      ['ok', 'ok'],
    ],
    [
      'the same object within one project (the agent decides ownership)',
      [
        ['edge', 'checkout', PAYMENTS, [cm('settings')]],
        ['edge', 'ledger', PAYMENTS, [cm('settings')]],
      ],
      ['ok', 'ok'],
    ],
    [
      'the same object in the unrestricted default project and a declared one',
      [
        ['edge', 'legacy', UNRESTRICTED_SCOPE, [cm('settings')]],
        ['edge', 'checkout', PAYMENTS, [cm('settings')]],
      ],
      ['ok', 'legacy'],
    ],
    [
      'the same object on two targets',
      [
        ['edge', 'checkout', PAYMENTS, [cm('settings')]],
        ['core', 'indexer', SEARCH, [cm('settings')]],
      ],
      ['ok', 'ok'],
    ],
    [
      'the same name in two namespaces',
      [
        ['edge', 'checkout', PAYMENTS, [cm('settings', 'payments')]],
        ['edge', 'indexer', SEARCH, [cm('settings', 'search')]],
      ],
      ['ok', 'ok'],
    ],
    [
      'the same object across projects: the second is refused, then every render of either',
      [
        ['edge', 'checkout', PAYMENTS, [cm('checkout'), cm('settings')]],
        ['edge', 'indexer', SEARCH, [cm('settings')]],
        ['edge', 'checkout', PAYMENTS, [cm('checkout'), cm('settings')]],
        ['edge', 'indexer', SEARCH, [cm('settings')]],
      ],
      ['ok', 'checkout', 'indexer', 'checkout'],
    ],
    [
      'a render that stops declaring the object clears the conflict',
      [
        ['edge', 'checkout', PAYMENTS, [cm('settings')]],
        ['edge', 'indexer', SEARCH, [cm('settings')]],
        ['edge', 'indexer', SEARCH, [cm('indexer')]],
        ['edge', 'checkout', PAYMENTS, [cm('settings')]],
      ],
      ['ok', 'checkout', 'ok', 'ok'],
    ],
  ])('%s', (_name, steps, expected) => {
    expect(run(new ProjectClaims(), steps)).toEqual(expected);
  });

  it('forgets the claims of applications no longer placed on a target', () => {
    const claims = new ProjectClaims();
    expect(
      run(claims, [
        ['edge', 'checkout', PAYMENTS, [cm('settings')]],
        ['edge', 'indexer', SEARCH, [cm('settings')]],
      ]),
    ).toEqual(['ok', 'checkout']);
    claims.retain(new Map([['edge', new Set(['indexer'])]]));
    expect(run(claims, [['edge', 'indexer', SEARCH, [cm('settings')]]])).toEqual(['ok']);
    claims.clear();
    expect(run(claims, [['edge', 'checkout', PAYMENTS, [cm('settings')]]])).toEqual(['ok']);
  });

  it('names the object, both applications and projects, and where the refused project is', () => {
    const claims = new ProjectClaims();
    claims.claim('edge', 'checkout', PAYMENTS, [cm('settings')]);
    let error: GitfleetError | undefined;
    try {
      claims.claim('edge', 'indexer', SEARCH, [cm('settings')]);
    } catch (err) {
      error = err as GitfleetError;
    }
    expect(error?.message).toBe(
      'application "indexer" (project "search") on target "edge": ConfigMap/shared/settings is also declared by application "checkout" (project "payments"); an object is never shared across projects; refused to both',
    );
    expect(error?.terminal).toBe(true);
    expect(error?.details).toMatchObject({
      app: 'indexer',
      target: 'edge',
      project: 'search',
      rule: 'ownership',
      object: 'ConfigMap/shared/settings',
      otherApp: 'checkout',
      otherProject: 'payments',
      file: 'projects/search.yaml',
      line: 4,
      field: 'metadata.name',
    });
    expect(error?.details['action']).toMatch(/^declare ConfigMap\/shared\/settings in only one/);
  });
});
