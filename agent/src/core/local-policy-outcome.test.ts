import { describe, expect, it } from 'vitest';
import { objectRef, type KubeObject } from '@gitfleet/proto/domain';
import { checkLocalPolicy, defaultLocalPolicy } from './local-policy.ts';
import {
  formatViolation,
  policyDenials,
  policyDeniedEntries,
  policyDeniedError,
} from './local-policy-outcome.ts';
import { MAX_APP_ERROR_LENGTH } from './pass-outcome.ts';

const policy = defaultLocalPolicy('gitfleet-system');
const cm = (ns: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
});
const ds: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'kube-system' },
  spec: {
    template: {
      spec: {
        hostPID: true,
        containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }],
      },
    },
  },
};

describe('a refused set', () => {
  const set = [cm('shop', 'ok'), ds, cm('kube-public', 'x')];
  const denied = policyDenials(set, checkLocalPolicy(policy, set));

  it('one POLICY_DENIED error per refused object, naming every rule it breaks', () => {
    expect([...denied.keys()]).toEqual([
      'apps_DaemonSet_kube-system_agent',
      '_ConfigMap_kube-public_x',
    ]);
    const e = denied.get('apps_DaemonSet_kube-system_agent');
    expect(e?.code).toBe('POLICY_DENIED');
    expect(e?.message).toMatch(
      /^DaemonSet\/kube-system\/agent: namespace at \/metadata\/namespace: the namespace kube-system is denied .*; privileged-pod at \/spec\/template\/spec\/hostPID: shares the node's process namespace: remove it, or allow privileged pods in namespace kube-system in the agent's policy file \(allow\.privilegedPods\); privileged-pod at \/spec\/template\/spec\/containers\/0\/securityContext\/privileged: /,
    );
  });

  it('the change set: refused objects failed, the others skipped, nothing applied', () => {
    const entries = policyDeniedEntries(set.map(objectRef), denied);
    expect([...entries.values()].map((e) => `${e.ref.name}:${e.action}`)).toEqual([
      'ok:skipped',
      'agent:failed',
      'x:failed',
    ]);
    expect(entries.get('_ConfigMap_shop_ok')).toMatchObject({
      message: "not applied: another object of the set breaks the agent's local policy",
      outOfSync: true,
    });
    expect(entries.get('_ConfigMap_kube-public_x')?.error?.code).toBe('POLICY_DENIED');
  });

  it("the app's error counts and lists them, cut at the longest app error", () => {
    const e = policyDeniedError(denied, set.length);
    expect(e.code).toBe('POLICY_DENIED');
    expect(e.message).toMatch(
      /^2 of 3 objects break the agent's local policy; nothing was applied: DaemonSet\/kube-system\/agent: .*; ConfigMap\/kube-public\/x: namespace at \/metadata\/namespace: /,
    );
    const many = Array.from({ length: 200 }, (_, i) => cm('kube-system', `c${i}`));
    const long = policyDeniedError(policyDenials(many, checkLocalPolicy(policy, many)), 200);
    expect(long.message).toHaveLength(MAX_APP_ERROR_LENGTH);
  });

  it('nothing refused: no denials', () => {
    expect(policyDenials([cm('a', 'b')], []).size).toBe(0);
  });

  it('the object as a whole is "/"', () => {
    expect(
      formatViolation({ index: 0, object: 'X/y', rule: 'agent-rbac', field: '', fix: 'why' }),
    ).toBe('agent-rbac at /: why');
  });
});
