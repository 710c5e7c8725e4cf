import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { findApplication, findTarget, parseFleet } from '../core/fleet/index.ts';
import { fleetWith } from '../core/fleet/__fixtures__/fleet-repo.ts';
import { renderForTarget } from './render-target.ts';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: podinfo, namespace: podinfo }
spec: { replicas: 1 }
`;
const files = fleetWith({ 'apps/podinfo/manifests/deployment.yaml': DEPLOYMENT });
const fleet = parseFleet(files).spec;

function render(target: string, withFiles: ReadonlyMap<string, string> = files) {
  return renderForTarget({
    fleet,
    app: findApplication(fleet, 'podinfo')!,
    target: findTarget(fleet, target)!,
    files: withFiles,
    subject: `podinfo on ${target}`,
  });
}

describe('renderForTarget', () => {
  it.each<[string, number, Record<string, string>]>([
    // prod: 3 replicas; eu: REGION from the target's labels, DEBUG removed
    ['prod-eu-1', 3, { REGION: 'eu' }],
    ['prod-us-1', 3, { DEBUG: 'true' }],
    ['dev-local', 1, { DEBUG: 'true' }],
  ])('renders podinfo for %s with the overlays that select it', (target, replicas, data) => {
    const rendered = render(target);
    const byKind = new Map(rendered.objects.map((o) => [o['kind'], o]));
    expect(byKind.get('Deployment')?.['spec']).toEqual({ replicas });
    expect(byKind.get('ConfigMap')?.['data']).toEqual(data);
    expect(rendered.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('names the subject and the problems when the manifests do not render', () => {
    const broken = new Map([
      ...files,
      ['apps/podinfo/manifests/configmap.yaml', 'kind: ConfigMap\n'],
    ]);
    let error: unknown;
    try {
      render('prod-eu-1', broken);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GitfleetError);
    expect((error as GitfleetError).code).toBe(ErrorCode.ManifestInvalid);
    expect((error as GitfleetError).message).toMatch(/^podinfo on prod-eu-1: render failed/);
  });
});

describe('renderForTarget with objects a source-render step produced', () => {
  it('overlays those objects instead of reading the manifests', () => {
    const rendered = renderForTarget({
      fleet,
      app: findApplication(fleet, 'podinfo')!,
      target: findTarget(fleet, 'prod-eu-1')!,
      files: new Map(),
      baseObjects: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'podinfo', namespace: 'podinfo' },
          spec: { replicas: 1 },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'podinfo-config', namespace: 'podinfo' },
          data: { DEBUG: 'true' },
        },
      ],
      subject: 'podinfo on prod-eu-1',
    });
    const byKind = new Map(rendered.objects.map((o) => [o['kind'], o]));
    expect(byKind.get('Deployment')?.['spec']).toEqual({ replicas: 3 });
    expect(byKind.get('ConfigMap')?.['data']).toEqual({ REGION: 'eu' });
  });
});
