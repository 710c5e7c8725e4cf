/**
 * The agent's install and its local policy, rendered by the real kustomize and helm: the policy
 * file is mounted where GITFLEET_POLICY_FILE points and parses with the agent's own parser; the
 * identity it names is the install's ServiceAccount and roles, so that every object of the install
 * (a hub trying to reconfigure the agent) is refused by the agent's own policy; and the RBAC never
 * grants what would get past that policy (escalate, bind, impersonate, "*", RBAC objects, pods,
 * nodes, tokens, certificates) — the chart refuses to render such verbs.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLocalPolicy, PolicyRule } from '../../../agent/src/core/local-policy.ts';
import { parsePolicyFile, resolveLocalPolicy } from '../../../agent/src/core/local-policy-file.ts';
import { watchScope } from '../../../agent/src/core/watch-scope.ts';
import {
  DEPLOY_DIR,
  effectiveGrants,
  find,
  helmTemplate,
  helmTemplateError,
  kindOf,
  kustomize,
  meta,
  type Rendered,
} from './render.ts';

const BASE = ['--set', 'target=c1', '--set', 'hub.address=hub.example:443'];

interface PodSpec {
  readonly serviceAccountName: string;
  readonly containers: readonly {
    readonly env?: readonly { name: string; value?: string }[];
    readonly volumeMounts?: readonly { name: string; mountPath: string; readOnly?: boolean }[];
  }[];
  readonly volumes?: readonly { name: string; configMap?: { name: string } }[];
}

/** The policy file the agent's Deployment reads: its ConfigMap's entry, and the agent's SA. */
function mountedPolicy(r: Rendered): { text: string; serviceAccount: string; namespace: string } {
  const dep = find(r.objects, 'Deployment', /gitfleet-agent$/);
  const spec = (dep['spec'] as unknown as { template: { spec: PodSpec } }).template.spec;
  const c = spec.containers[0];
  const file = c?.env?.find((e) => e.name === 'GITFLEET_POLICY_FILE')?.value ?? '';
  const mount = c?.volumeMounts?.find((m) => m.mountPath === path.dirname(file));
  expect(mount?.readOnly).toBe(true);
  const cmName = spec.volumes?.find((v) => v.name === mount?.name)?.configMap?.name ?? '';
  const cm = find(r.objects, 'ConfigMap', cmName);
  const text = (cm['data'] as Record<string, string>)[path.basename(file)];
  if (text === undefined) throw new Error(`${cmName} has no ${path.basename(file)}`);
  return { text, serviceAccount: spec.serviceAccountName, namespace: meta(dep).namespace ?? '' };
}

/** Verbs and resources that would let the agent get past its local policy. */
const NEVER_VERBS = ['*', 'escalate', 'bind', 'impersonate'];
const NEVER_RESOURCES = [
  /^\*\//, // any group
  /^[^/]+\/\*\//, // any resource
  /^rbac\.authorization\.k8s\.io\//,
  /^core\/pods\//,
  /^core\/nodes\//,
  /^core\/serviceaccounts\/token\//,
  /^certificates\.k8s\.io\//,
];

describe('the agent install and its local policy', () => {
  const renderings: [string, () => Promise<Rendered>][] = [
    ['kustomize agent', () => kustomize('agent')],
    ['kustomize examples/agent-namespaced', () => kustomize('examples/agent-namespaced')],
    ['helm', () => helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', BASE)],
    [
      'helm examples/agent-namespaced',
      () =>
        helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
          '-f',
          path.join(DEPLOY_DIR, 'helm/examples/agent-namespaced.values.yaml'),
        ]),
    ],
    ['kustomize examples/agent-scoped', () => kustomize('examples/agent-scoped')],
    [
      'helm examples/agent-scoped',
      () =>
        helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
          '-f',
          path.join(DEPLOY_DIR, 'helm/examples/agent-scoped.values.yaml'),
        ]),
    ],
    [
      'helm, another release name and namespace, with a policy',
      () =>
        helmTemplate('gitfleet-agent', 'fleet', 'ops', [
          ...BASE,
          '--set-json',
          'policy={"allow":{"namespaces":["kube-system"]},"deny":{"kinds":["core/Secret"]}}',
        ]),
    ],
  ];

  it.each(renderings)(
    '%s: the mounted policy parses, names the install, and refuses every object of it',
    async (_what, render) => {
      const r = await render();
      const mounted = mountedPolicy(r);
      const { file, problems } = parsePolicyFile(mounted.text, 'policy.yaml');
      expect(problems).toEqual([]);
      const policy = resolveLocalPolicy(file, mounted.namespace);
      expect(policy.agent.serviceAccount).toBe(mounted.serviceAccount);
      expect(policy.deny.namespaces).toEqual(
        expect.arrayContaining(['kube-system', 'kube-public', 'kube-node-lease']),
      );
      const violations = checkLocalPolicy(policy, r.objects);
      const own = new Set(
        violations
          .filter((v) => v.rule === PolicyRule.AgentNamespace || v.rule === PolicyRule.AgentRbac)
          .map((v) => v.index),
      );
      const notRefused = r.objects.filter((_o, i) => !own.has(i));
      expect(notRefused.map((o) => `${kindOf(o)}/${meta(o).name}`)).toEqual([]);
      // …and every role bound to the agent is one the policy names
      for (const o of r.objects) {
        if (kindOf(o) !== 'ClusterRoleBinding' && kindOf(o) !== 'RoleBinding') continue;
        const name = (o['roleRef'] as { name: string }).name;
        expect(policy.agent.roles, `${kindOf(o)}/${meta(o).name}`).toContain(name);
      }
    },
  );

  it('the helm policy value is carried through', async () => {
    const r = await renderings[6]?.[1]();
    if (r === undefined) throw new Error('no rendering');
    const { file } = parsePolicyFile(mountedPolicy(r).text, 'policy.yaml');
    expect(file).toEqual({
      agent: {
        serviceAccount: 'fleet-gitfleet-agent',
        roles: [
          'fleet-gitfleet-agent',
          'fleet-gitfleet-agent-cluster',
          'fleet-gitfleet-agent-state',
          'fleet-gitfleet-agent-watch',
        ],
      },
      deny: { kinds: ['core/Secret'] },
      allow: { namespaces: ['kube-system'] },
    });
  });

  it.each(renderings)(
    '%s: the agent watches where its RBAC lets it list and watch',
    async (what, render) => {
      const r = await render();
      const mounted = mountedPolicy(r);
      const { file } = parsePolicyFile(mounted.text, 'policy.yaml');
      const scope = watchScope(resolveLocalPolicy(file, mounted.namespace));
      const grants = effectiveGrants(r.objects);
      const watchedIn = new Set(
        grants.filter((g) => g.endsWith(' watch')).map((g) => g.split(' ')[1] ?? ''),
      );
      if (what.includes('agent-scoped')) {
        // confined by policy: a watch per namespace, and not one granted cluster-wide
        expect(scope).toEqual({ kind: 'namespaces', namespaces: ['team-a', 'team-b'] });
        expect([...watchedIn].sort()).toEqual(['team-a', 'team-b']);
      } else {
        expect(scope.kind).toBe('cluster');
        expect(watchedIn.has('*')).toBe(true);
      }
    },
  );

  it.each(renderings)(
    '%s: RBAC grants nothing that gets past the policy',
    async (_what, render) => {
      const r = await render();
      const grants = effectiveGrants(r.objects);
      expect(grants.length).toBeGreaterThan(0);
      for (const g of grants) {
        const [, , what, verb] = g.split(' ');
        expect(NEVER_VERBS, g).not.toContain(verb);
        if (what?.startsWith('url:') === true) continue;
        for (const re of NEVER_RESOURCES) expect(what, g).not.toMatch(re);
      }
    },
  );

  it.each([
    [
      'bind',
      '[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"],"verbs":["get","bind"]}]',
    ],
    [
      'escalate',
      '[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles"],"verbs":["escalate"]}]',
    ],
    ['impersonate', '[{"apiGroups":[""],"resources":["serviceaccounts"],"verbs":["impersonate"]}]'],
  ])('the chart refuses to grant %s', async (verb, rules) => {
    expect(
      await helmTemplateError('gitfleet-agent', [...BASE, '--set-json', `rbac.rules=${rules}`]),
    ).toMatch(new RegExp(`rbac: the verb "${verb}" is never granted to the agent`));
    expect(
      await helmTemplateError('gitfleet-agent', [...BASE, '--set-json', 'rbac.verbs=["*"]']),
    ).toMatch(/rbac: the verb "\*" is never granted to the agent/);
  });
});
