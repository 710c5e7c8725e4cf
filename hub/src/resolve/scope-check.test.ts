import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { APP_PODINFO, fleetWith, lineOf } from '../core/fleet/__fixtures__/fleet-repo.ts';
import { findApplication, findTarget, parseFleet } from '../core/fleet/index.ts';
import { scopeProblemOf } from './problems.ts';
import { renderForTarget } from './render-target.ts';
import { checkPlacementScope } from './scope-check.ts';

/** The web team may deploy podinfo into its namespaces on production clusters only. */
const PROJECT_WEB = `apiVersion: gitfleet.dev/v1alpha1
kind: Project
metadata:
  name: web-team
spec:
  sourceRepos:
    - https://git.example.com/web/*
  namespaces: [podinfo, podinfo-*]
  targets:
    selector:
      matchLabels: { env: prod }
`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: podinfo, namespace: podinfo }
spec: { replicas: 1 }
`;
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata: { name: podinfo-config, namespace: podinfo }
data: { DEBUG: "true" }
`;
const P = 'projects/web-team.yaml';

const base = {
  [P]: PROJECT_WEB,
  'apps/podinfo/application.yaml': APP_PODINFO.replace('spec:\n', 'spec:\n  project: web-team\n'),
  'apps/podinfo/manifests/configmap.yaml': CONFIGMAP,
  'apps/podinfo/manifests/deployment.yaml': DEPLOYMENT,
};

function render(target: string, extra: Record<string, string> = {}) {
  const files = fleetWith({ ...base, ...extra });
  const parsed = parseFleet(files);
  expect(parsed.problems.filter((p) => p.severity === 'error')).toEqual([]);
  const fleet = parsed.spec;
  return renderForTarget({
    fleet,
    app: findApplication(fleet, 'podinfo')!,
    target: findTarget(fleet, target)!,
    files,
    subject: `podinfo on ${target}`,
  });
}

function refusal(run: () => unknown): GitfleetError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(GitfleetError);
    expect((err as GitfleetError).code).toBe(ErrorCode.ScopeViolation);
    return err as GitfleetError;
  }
  throw new Error('expected a SCOPE_VIOLATION');
}

describe('renderForTarget within a project', () => {
  it('renders what stays inside the project', () => {
    const rendered = render('prod-eu-1');
    expect(rendered.objects.map((o) => o['kind'])).toEqual(['ConfigMap', 'Deployment']);
  });

  it.each<[string, string, Record<string, string>, string, RegExp, Record<string, unknown>]>([
    [
      'a target outside the project',
      'dev-local',
      {},
      'targets',
      /^application "podinfo" on target "dev-local": target "dev-local" is outside project "web-team" \(targets: selector env=prod\); refused$/,
      { file: P, line: lineOf(PROJECT_WEB, 'targets:'), field: 'spec.targets' },
    ],
    [
      'an object in a namespace outside the project',
      'prod-eu-1',
      {
        'apps/podinfo/manifests/monitor.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: scrape, namespace: monitoring }\n',
      },
      'namespaces',
      /: ConfigMap\/monitoring\/scrape \(core\/ConfigMap\): namespace "monitoring" is not allowed by project "web-team" \(namespaces: podinfo, podinfo-\*\); refused$/,
      {
        file: P,
        line: lineOf(PROJECT_WEB, 'namespaces:'),
        field: 'spec.namespaces',
        object: 'ConfigMap/monitoring/scrape',
      },
    ],
    [
      'a cluster-scoped kind the project does not allow',
      'prod-eu-1',
      {
        'apps/podinfo/manifests/clusterrole.yaml':
          'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: podinfo-reader }\nrules: []\n',
      },
      'kinds.allowClusterScoped',
      /ClusterRole\/podinfo-reader .*cluster-scoped kinds are denied unless kinds.allowClusterScoped names them/,
      // no kinds written: the project's name is where to look
      {
        file: P,
        line: lineOf(PROJECT_WEB, 'name: web-team'),
        object: 'ClusterRole/podinfo-reader',
      },
    ],
    [
      'a custom kind made cluster-scoped by a definition in the same render, written with a namespace',
      'prod-eu-1',
      {
        'apps/podinfo/manifests/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: gates.example.com }
spec:
  group: example.com
  scope: Cluster
  names: { kind: Gate, plural: gates }
  versions: [{ name: v1, served: true, storage: true }]
---
apiVersion: example.com/v1
kind: Gate
metadata: { name: open, namespace: podinfo }
`,
      },
      'kinds.allowClusterScoped',
      /CustomResourceDefinition\/gates.example.com .* \(and 1 more outside the project\); refused$/,
      { violations: 2 },
    ],
  ])('refuses %s', (_name, target, extra, rule, message, details) => {
    const err = refusal(() => render(target, extra));
    expect(err.message).toMatch(message);
    expect(err.terminal).toBe(true);
    expect(err.details).toMatchObject({
      app: 'podinfo',
      target,
      project: 'web-team',
      rule,
      ...details,
    });
  });

  it('refuses a source the project does not allow before anything is read', () => {
    const files = fleetWith({
      ...base,
      'apps/podinfo/application.yaml': APP_PODINFO.replace(
        'spec:\n  source:\n',
        'spec:\n  project: web-team\n  source:\n    repoURL: https://git.example.com/platform/podinfo.git\n',
      ),
    });
    const fleet = parseFleet(files).spec;
    const app = findApplication(fleet, 'podinfo')!;
    const err = refusal(() => checkPlacementScope(fleet, app, findTarget(fleet, 'prod-eu-1')!));
    expect(err.message).toMatch(
      /source https:\/\/git.example.com\/platform\/podinfo.git is not allowed by project "web-team"/,
    );
    expect(err.details).toMatchObject({
      rule: 'sourceRepos',
      file: P,
      line: lineOf(PROJECT_WEB, 'sourceRepos:'),
      field: 'spec.sourceRepos',
    });
    expect(err.details['action']).toBe(
      `deploy from a repository the project allows, or add this one to ${P}:${String(lineOf(PROJECT_WEB, 'sourceRepos:'))} spec.sourceRepos; what the target last received of the application stays; nothing new is delivered`,
    );
  });

  it('is a located `scope` problem for GET /api/v1/fleet, with the rule and what to do', () => {
    const err = refusal(() => render('dev-local'));
    const problem = scopeProblemOf(err, { repo: 'https://git.example.com/fleet.git', atMs: 5 });
    expect(problem).toMatchObject({
      stage: 'scope',
      code: 'SCOPE_VIOLATION',
      repo: 'https://git.example.com/fleet.git',
      file: P,
      line: lineOf(PROJECT_WEB, 'targets:'),
      field: 'spec.targets',
      action: expect.stringMatching(
        /^narrow the application's placement to the project's targets, or add the target to projects\/web-team.yaml:\d+ spec.targets;/,
      ) as string,
      details: expect.objectContaining({
        app: 'podinfo',
        target: 'dev-local',
        rule: 'targets',
      }) as object,
      atMs: 5,
    });
    expect(scopeProblemOf(new GitfleetError(ErrorCode.ManifestInvalid, 'x'), { atMs: 5 })).toBe(
      undefined,
    );
  });
});
