import { describe, expect, it } from 'vitest';
import { defaultLocalPolicy } from './local-policy.ts';
import { parsePolicyFile, resolveLocalPolicy } from './local-policy-file.ts';

const F = '/etc/gitfleet/policy.yaml';

describe('parsePolicyFile', () => {
  it('reads YAML', () => {
    const { file, problems } = parsePolicyFile(
      [
        '# open kube-system for the node agents, and one break-glass binding',
        'agent:',
        '  serviceAccount: fleet-agent',
        'deny:',
        "  namespaces: ['prod-*']",
        '  kinds: [core/Secret]',
        '  clusterScopedKinds: ["*/*"]',
        'allow:',
        '  namespaces: [kube-system]',
        '  privilegedPods: [kube-system]',
        '  adminBindings: [break-glass, ops/admins]',
        '  kinds: []',
        '  clusterScopedKinds: [core/Namespace]',
        '',
      ].join('\n'),
      F,
    );
    expect(problems).toEqual([]);
    expect(file).toEqual({
      agent: { serviceAccount: 'fleet-agent' },
      deny: { namespaces: ['prod-*'], kinds: ['core/Secret'], clusterScopedKinds: ['*/*'] },
      allow: {
        namespaces: ['kube-system'],
        privilegedPods: ['kube-system'],
        adminBindings: ['break-glass', 'ops/admins'],
        kinds: [],
        clusterScopedKinds: ['core/Namespace'],
      },
    });
  });

  it('reads JSON', () => {
    const { file, problems } = parsePolicyFile(
      JSON.stringify({ allow: { namespaces: ['kube-system'] } }),
      F,
    );
    expect(problems).toEqual([]);
    expect(file).toEqual({ agent: {}, deny: {}, allow: { namespaces: ['kube-system'] } });
  });

  it.each(['', '# nothing set\n', '{}', 'deny:\nallow:\n'])('%j: no settings', (text) => {
    expect(parsePolicyFile(text, F)).toEqual({
      file: { agent: {}, deny: {}, allow: {} },
      problems: [],
    });
  });

  it.each<[string, string, string[]]>([
    ['not a mapping', '[1, 2]', [`${F}: must be a mapping with any of agent, deny, allow`]],
    ['two documents', 'deny: {}\n---\nallow: {}\n', [`${F}: holds 2 documents; expected one`]],
    ['invalid YAML', 'allow: [\n', [expect.stringMatching(/^\/etc\/gitfleet\/policy\.yaml: /)]],
    [
      'a duplicate key',
      'allow: {}\nallow: {}\n',
      [expect.stringMatching(/^\/etc\/gitfleet\/policy\.yaml: .*[Mm]ap keys must be unique/)],
    ],
    [
      'every field problem at once',
      [
        'alow: {}',
        'agent: { namespace: Bad_NS, serviceAccount: 7, roles: [ok, "a b"], extra: 1 }',
        'deny: { namespaces: kube-system, kinds: [Secret, "apps/Deployment"], privilegedPods: [x] }',
        'allow: { adminBindings: ["a/b/c"], namespaces: [""], clusterScopedKinds: [3] }',
      ].join('\n'),
      [
        `${F}: alow: unknown key (known: agent, deny, allow)`,
        `${F}: agent.extra: unknown key (known: namespace, serviceAccount, roles)`,
        `${F}: agent.namespace: "Bad_NS" is not a namespace name`,
        `${F}: agent.serviceAccount: 7 is not a ServiceAccount name`,
        `${F}: agent.roles[1]: "a b" is not a name pattern (e.g. gitfleet-agent)`,
        `${F}: deny.privilegedPods: unknown key (known: namespaces, kinds, clusterScopedKinds)`,
        `${F}: deny.namespaces: must be a list of strings`,
        `${F}: deny.kinds[0]: "Secret" is not a kind pattern (e.g. apps/Deployment, core/Secret, */*)`,
        `${F}: allow.namespaces[0]: "" is not a namespace pattern (e.g. team-*)`,
        `${F}: allow.clusterScopedKinds[0]: 3 is not a kind pattern (e.g. apps/Deployment, core/Secret, */*)`,
        `${F}: allow.adminBindings[0]: "a/b/c" is not a binding pattern (e.g. break-glass, ops/admins)`,
      ],
    ],
    [
      'a section that is not a mapping',
      'allow: [kube-system]',
      [
        `${F}: allow: must be a mapping (keys: namespaces, kinds, clusterScopedKinds, privilegedPods, adminBindings)`,
      ],
    ],
  ])('%s', (_name, text, problems) => {
    const r = parsePolicyFile(text, F);
    expect(r.problems).toEqual(problems);
    expect(r.file).toBeUndefined();
  });
});

describe('resolveLocalPolicy', () => {
  it('no file: the built-in policy, in the state namespace', () => {
    expect(resolveLocalPolicy(undefined, 'gitfleet-system')).toEqual(
      defaultLocalPolicy('gitfleet-system'),
    );
    expect(resolveLocalPolicy(undefined, 'other').agent.namespace).toBe('other');
  });

  it('a file adds denials to the built-in ones, sets allowances and the identity', () => {
    const p = resolveLocalPolicy(
      {
        agent: { serviceAccount: 'fleet' },
        deny: { namespaces: ['prod-*'], kinds: ['core/Secret'] },
        allow: { namespaces: ['kube-system'], adminBindings: ['x'] },
      },
      'gitfleet-system',
    );
    expect(p).toEqual({
      agent: {
        namespace: 'gitfleet-system',
        serviceAccount: 'fleet',
        roles: ['fleet', 'fleet-cluster', 'fleet-state', 'fleet-watch'],
      },
      deny: {
        namespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'prod-*'],
        kinds: ['core/Secret'],
        clusterScopedKinds: [],
      },
      allow: {
        namespaces: ['kube-system'],
        kinds: [],
        clusterScopedKinds: [],
        privilegedPods: [],
        adminBindings: ['x'],
      },
    });
  });

  it('the identity as the file names it', () => {
    const p = resolveLocalPolicy(
      { agent: { namespace: 'fleet', roles: ['a', 'b'] }, deny: {}, allow: {} },
      'gitfleet-system',
    );
    expect(p.agent).toEqual({
      namespace: 'fleet',
      serviceAccount: 'gitfleet-agent',
      roles: ['a', 'b'],
    });
  });
});
