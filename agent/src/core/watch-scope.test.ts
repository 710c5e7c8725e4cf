import { describe, expect, it } from 'vitest';
import { parsePolicyFile, resolveLocalPolicy } from './local-policy-file.ts';
import { describeWatchScope, inWatchScope, watchScope, type WatchScope } from './watch-scope.ts';

/** The policy an agent in gitfleet-system runs with for this policy file text. */
function policyOf(text: string): ReturnType<typeof resolveLocalPolicy> {
  const { file, problems } = parsePolicyFile(text, 'policy.yaml');
  expect(problems).toEqual([]);
  return resolveLocalPolicy(file, 'gitfleet-system');
}

const ONLY = "deny: {namespaces: ['*'], clusterScopedKinds: ['*/*']}\n";

describe('watchScope', () => {
  it('the built-in policy (no file): cluster-wide', () => {
    expect(watchScope(undefined)).toMatchObject({ kind: 'cluster' });
    expect(watchScope(policyOf(''))).toMatchObject({ kind: 'cluster' });
  });

  it.each<[string, string, WatchScope | RegExp]>([
    [
      'an explicit list of namespaces, nothing cluster-scoped: those namespaces, sorted',
      `${ONLY}allow: {namespaces: [team-b, team-a]}`,
      { kind: 'namespaces', namespaces: ['team-a', 'team-b'] },
    ],
    [
      'each namespace once',
      `${ONLY}allow: {namespaces: [a, b, a]}`,
      { kind: 'namespaces', namespaces: ['a', 'b'] },
    ],
    [
      "the agent's own namespace is never watched (the policy refuses everything there)",
      `${ONLY}allow: {namespaces: [gitfleet-system, apps]}`,
      { kind: 'namespaces', namespaces: ['apps'] },
    ],
    [
      'an allowed system namespace is one of the list',
      `${ONLY}allow: {namespaces: [kube-system]}`,
      { kind: 'namespaces', namespaces: ['kube-system'] },
    ],
    ['no namespace allowed: nothing to watch', ONLY, { kind: 'namespaces', namespaces: [] }],
    [
      "any all-star pattern denies every namespace ('**') or kind ('**/*')",
      "deny: {namespaces: ['**'], clusterScopedKinds: ['**/*']}\nallow: {namespaces: [apps]}",
      { kind: 'namespaces', namespaces: ['apps'] },
    ],
    [
      'other denials beside the universal ones do not matter',
      "deny: {namespaces: [prod-db, '*'], kinds: [core/Secret], clusterScopedKinds: [core/Node, '*/*']}\nallow: {namespaces: [apps], kinds: [core/Secret], privilegedPods: [apps]}",
      { kind: 'namespaces', namespaces: ['apps'] },
    ],
    [
      'namespaces denied by a list, not by "*": any other namespace may be managed',
      "deny: {namespaces: [prod-*], clusterScopedKinds: ['*/*']}\nallow: {namespaces: [apps]}",
      /does not confine the agent to a list of namespaces/,
    ],
    [
      'a pattern in allow.namespaces can match namespaces created later',
      `${ONLY}allow: {namespaces: [apps, team-*]}`,
      /allow.namespaces "team-\*" is a pattern, which can match namespaces created later/,
    ],
    [
      'an allowed cluster-scoped kind is watched cluster-wide',
      `${ONLY}allow: {namespaces: [apps], clusterScopedKinds: [core/Namespace]}`,
      /allow.clusterScopedKinds "core\/Namespace" lets the agent manage cluster-scoped objects/,
    ],
    [
      'cluster-scoped kinds not denied at all',
      "deny: {namespaces: ['*']}\nallow: {namespaces: [apps]}",
      /lets the agent manage cluster-scoped objects/,
    ],
    [
      'cluster-scoped kinds denied only in part',
      "deny: {namespaces: ['*'], clusterScopedKinds: ['rbac.authorization.k8s.io/*', 'core/*']}\nallow: {namespaces: [apps]}",
      /lets the agent manage cluster-scoped objects/,
    ],
  ])('%s', (_name, text, expected) => {
    const scope = watchScope(policyOf(text));
    if (expected instanceof RegExp) {
      expect(scope.kind).toBe('cluster');
      expect(scope.kind === 'cluster' ? scope.reason : '').toMatch(expected);
    } else expect(scope).toEqual(expected);
  });
});

describe('inWatchScope', () => {
  const ns: WatchScope = { kind: 'namespaces', namespaces: ['apps', 'web'] };
  const cluster: WatchScope = { kind: 'cluster', reason: 'r' };
  it.each<[WatchScope, string, boolean]>([
    [ns, 'apps', true],
    [ns, 'web', true],
    [ns, 'other', false],
    [ns, '', false],
    [cluster, 'other', true],
    [cluster, '', true],
  ])('%j contains %j: %s', (scope, namespace, expected) => {
    expect(inWatchScope(scope, namespace)).toBe(expected);
  });
});

describe('describeWatchScope', () => {
  it('names the namespaces, or why the agent watches cluster-wide', () => {
    expect(describeWatchScope({ kind: 'namespaces', namespaces: ['apps'] })).toEqual({
      watchScope: 'namespaces',
      namespaces: ['apps'],
    });
    expect(describeWatchScope({ kind: 'cluster', reason: 'why' })).toEqual({
      watchScope: 'cluster',
      reason: 'why',
    });
  });
});
