/**
 * The destination namespace against the application's project: it must be one of the project's
 * namespaces, and a namespaced object without a namespace counts as being in it.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { APP_PODINFO, fleetWith, lineOf } from '../core/fleet/__fixtures__/fleet-repo.ts';
import { findApplication, findTarget, parseFleet } from '../core/fleet/index.ts';
import { renderForTarget } from './render-target.ts';

const PROJECT_WEB = `apiVersion: gitfleet.dev/v1alpha1
kind: Project
metadata:
  name: web-team
spec:
  sourceRepos: ['https://git.example.com/web/*']
  namespaces: [podinfo, podinfo-*]
  targets:
    selector: { matchLabels: {} }
`;
const P = 'projects/web-team.yaml';
/** As users keep third-party manifests: no namespace. */
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: podinfo }
spec: { replicas: 1 }
`;
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata: { name: podinfo-config }
data: { DEBUG: "true" }
`;

function render(spec: readonly string[], extra: Record<string, string> = {}) {
  const files = fleetWith({
    [P]: PROJECT_WEB,
    'apps/podinfo/application.yaml': APP_PODINFO.replace(
      'spec:\n',
      `spec:\n  project: web-team\n${spec.map((l) => `  ${l}\n`).join('')}`,
    ),
    'apps/podinfo/manifests/configmap.yaml': CONFIGMAP,
    'apps/podinfo/manifests/deployment.yaml': DEPLOYMENT,
    ...extra,
  });
  const parsed = parseFleet(files);
  expect(parsed.problems.filter((p) => p.severity === 'error')).toEqual([]);
  const fleet = parsed.spec;
  return renderForTarget({
    fleet,
    app: findApplication(fleet, 'podinfo')!,
    target: findTarget(fleet, 'prod-eu-1')!,
    files,
    subject: 'podinfo on prod-eu-1',
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

describe('the destination namespace within a project', () => {
  it.each<[string, string[]]>([
    ['a destination namespace of the project', ['destination: { namespace: podinfo }']],
    [
      'one a glob of the project allows, created',
      ['destination: { namespace: podinfo-canary }', 'syncPolicy: { createNamespace: true }'],
    ],
  ])('%s: objects without a namespace are inside', (_, spec) => {
    const rendered = render(spec);
    expect(rendered.objects.map((o) => o['kind'])).toEqual(['ConfigMap', 'Deployment']);
  });

  it('refuses a destination namespace outside the project, located at its namespaces', () => {
    const err = refusal(() => render(['destination: { namespace: guestbook }']));
    expect(err.message).toBe(
      'application "podinfo" on target "prod-eu-1": destination namespace "guestbook" (spec.destination.namespace) is not allowed by project "web-team" (namespaces: "podinfo", "podinfo-*"); refused',
    );
    expect(err.details).toMatchObject({
      app: 'podinfo',
      target: 'prod-eu-1',
      project: 'web-team',
      rule: 'namespaces',
      file: P,
      line: lineOf(PROJECT_WEB, 'namespaces:'),
      field: 'spec.namespaces',
    });
    expect(String(err.details['action'])).toMatch(
      /^set the application's spec.destination.namespace to one of the project's namespaces, or widen projects\/web-team.yaml:\d+ spec.namespaces;/,
    );
  });

  it('without a destination namespace, objects without one count as cluster-scoped', () => {
    const err = refusal(() => render([]));
    expect(err.details).toMatchObject({ rule: 'kinds.allowClusterScoped' });
  });

  it('an object with its own namespace is judged by it', () => {
    const err = refusal(() =>
      render(['destination: { namespace: podinfo }'], {
        'apps/podinfo/manifests/monitor.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: scrape, namespace: monitoring }\n',
      }),
    );
    expect(err.details).toMatchObject({
      rule: 'namespaces',
      object: 'ConfigMap/monitoring/scrape',
    });
  });
});
