import { describe, expect, it } from 'vitest';
import { isGitfleetError } from '@gitfleet/proto/domain';
import { ENV_PROD, fleetWith } from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import {
  environmentOf,
  findTarget,
  overlaysFor,
  placementOf,
  resolveRevisionRef,
} from './resolve.ts';
import type { RevisionRef } from './resolve.ts';

const { spec } = parseFleet(fleetWith());
// dev-local: env dev (no pins); prod-eu-1: env prod; prod-us-1: env prod with a target pin.

describe('placementOf', () => {
  it.each<[string, string[]]>([
    ['podinfo', ['dev-local', 'prod-eu-1', 'prod-us-1']],
    ['shop', ['dev-local', 'prod-eu-1', 'prod-us-1']],
  ])('%s → %j', (app, expected) => {
    expect(placementOf(spec, app)).toEqual(expected);
  });

  it('follows the selector (and sorts)', () => {
    const narrowed = {
      ...spec,
      applications: spec.applications.map((a) =>
        a.name === 'shop'
          ? {
              ...a,
              placement: {
                selector: {
                  matchExpressions: [
                    { key: 'region', operator: 'In' as const, values: ['us', 'eu'] },
                  ],
                },
              },
            }
          : a,
      ),
    };
    expect(placementOf(narrowed, 'shop')).toEqual(['prod-eu-1', 'prod-us-1']);
  });
});

describe('environmentOf and findTarget', () => {
  it.each<[string, string | undefined]>([
    ['dev-local', 'dev'],
    ['prod-eu-1', 'prod'],
    ['prod-us-1', 'prod'],
  ])('%s is in %s', (target, env) => {
    expect(environmentOf(spec, target)?.name).toBe(env);
  });

  it('a target no environment selects has none', () => {
    const { spec: withLab } = parseFleet(
      fleetWith({
        'targets/lab.yaml':
          'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata:\n  name: lab-1\n  labels: { env: lab }\n',
      }),
    );
    expect(environmentOf(withLab, 'lab-1')).toBeUndefined();
    expect(resolveRevisionRef(withLab, 'podinfo', 'lab-1')).toEqual({
      ref: 'main',
      source: 'application',
    });
  });

  it('findTarget refuses what Git does not declare', () => {
    expect(findTarget(spec, 'prod-eu-1')?.labels['region']).toBe('eu');
    expect(findTarget(spec, 'rogue-agent')).toBeUndefined();
  });
});

describe('resolveRevisionRef: target pin > environment pin > application', () => {
  it.each<[string, string, string, RevisionRef]>([
    [
      'target pin wins',
      'podinfo',
      'prod-us-1',
      { ref: 'v6.6.3', source: 'target-pin', environment: 'prod' },
    ],
    [
      'environment pin',
      'podinfo',
      'prod-eu-1',
      { ref: 'v6.7.0', source: 'environment-pin', environment: 'prod' },
    ],
    [
      'environment pin to a commit SHA',
      'shop',
      'prod-us-1',
      {
        ref: '3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49',
        source: 'environment-pin',
        environment: 'prod',
      },
    ],
    [
      'no pin: the default branch',
      'podinfo',
      'dev-local',
      { ref: 'main', source: 'application', environment: 'dev' },
    ],
    [
      'no pin: the application targetRevision',
      'shop',
      'dev-local',
      { ref: 'release/2.x', source: 'application', environment: 'dev' },
    ],
  ])('%s (%s on %s)', (_name, app, target, expected) => {
    expect(resolveRevisionRef(spec, app, target)).toEqual(expected);
  });

  it('an app named like an Object.prototype member is not "pinned" by the prototype', () => {
    const { spec: s, problems } = parseFleet(
      fleetWith({
        'apps/constructor.yaml':
          'apiVersion: gitfleet.dev/v1alpha1\nkind: Application\nmetadata:\n  name: constructor\nspec:\n  source: { path: x }\n  placement: { selector: {} }\n',
        'environments/prod.yaml': ENV_PROD,
      }),
    );
    expect(problems).toEqual([]);
    expect(resolveRevisionRef(s, 'constructor', 'prod-eu-1')).toEqual({
      ref: 'main',
      source: 'application',
      environment: 'prod',
    });
  });

  it.each<[string, string, string]>([
    ['unknown app', 'billing', 'prod-eu-1'],
    ['unknown target', 'podinfo', 'rogue'],
  ])('%s → NOT_FOUND', (_name, app, target) => {
    let thrown: unknown;
    try {
      resolveRevisionRef(spec, app, target);
    } catch (err) {
      thrown = err;
    }
    expect(isGitfleetError(thrown, 'NOT_FOUND')).toBe(true);
  });
});

describe('overlaysFor', () => {
  it.each<[string, string, number[]]>([
    // podinfo overlays: [0] environment prod, [1] selector region=eu
    ['podinfo', 'dev-local', []],
    ['podinfo', 'prod-us-1', [0]],
    ['podinfo', 'prod-eu-1', [0, 1]],
    // shop overlays: [0] target prod-eu-1
    ['shop', 'prod-eu-1', [0]],
    ['shop', 'prod-us-1', []],
  ])('%s on %s → overlays %j, in declared order', (app, target, indexes) => {
    const all = spec.applications.find((a) => a.name === app)?.overlays ?? [];
    expect(overlaysFor(spec, app, target)).toEqual(indexes.map((i) => all[i]));
  });
});
