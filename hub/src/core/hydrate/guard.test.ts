import { describe, expect, it } from 'vitest';
import { fleetWith } from '../fleet/__fixtures__/fleet-repo.ts';
import { parseFleet } from '../fleet/index.ts';
import { hydrateBranchLoop } from './guard.ts';

const spec = parseFleet(fleetWith()).spec;
const podinfo = spec.applications.find((a) => a.name === 'podinfo');

describe('hydrateBranchLoop', () => {
  it.each<[string, string | undefined, boolean, string, RegExp | undefined]>([
    ['no hydrateTo', undefined, true, 'main', undefined],
    ['another branch of the fleet repository', 'rendered', true, 'main', undefined],
    ['the fleet branch of the fleet repository', 'fleet', true, 'fleet', /is the fleet branch/],
    [
      'a branch named like the fleet branch in another repository',
      'fleet',
      false,
      'fleet',
      undefined,
    ],
    [
      'a branch an environment pins',
      'v6.7.0',
      false,
      'main',
      /is the revision target prod-eu-1 reads \(environment-pin of environment prod\)/,
    ],
  ])('%s', (_, branch, sameRepo, fleetBranch, expected) => {
    expect(podinfo).toBeDefined();
    if (podinfo === undefined) return;
    const app = branch === undefined ? podinfo : { ...podinfo, hydrateTo: { branch, path: 'out' } };
    const problem = hydrateBranchLoop(spec, app, { sameRepo, branch: fleetBranch });
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
