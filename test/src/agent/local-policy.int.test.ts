/**
 * The agent's local policy against a real cluster, with the real agent (in-process, through the
 * binary's composition root) and a hub speaking the real protocol: with the built-in policy an
 * assignment holding a privileged DaemonSet in kube-system, and one holding a cluster-admin
 * binding, apply nothing of their app and the report names each refused object, rule and field,
 * while another app of the same agent syncs as usual; restarted with a policy file that allows
 * them, the same agent applies both. The binary refuses a policy file with problems, naming the
 * file and each field.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import type { KubeObject, StatusReport } from '@gitfleet/proto';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { startMiniHub, type MiniHub } from '../fleet/mini-hub.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { spawnManaged } from '../fleet/processes.ts';
import { configMap, deploymentObj, namespace, testLogger, TOKEN, unique } from './harness.ts';

let fleet: TestFleet;
let cluster: KubeCluster;
let hub: MiniHub;
let agent: RunningAgent | undefined;
let dir: string;

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, redis: false, git: false });
  const c = fleet.kube?.clusters[0];
  if (c === undefined) throw new Error('no cluster');
  cluster = c;
  hub = await startMiniHub({ targets: { c1: TOKEN } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-policy-'));
  await writeFile(path.join(dir, 'token'), TOKEN, { mode: 0o600 });
});
afterAll(async () => {
  await agent?.close();
  await hub?.close();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** The real agent of target c1, with `policyFile` (none: the built-in policy). */
async function startPolicyAgent(policyFile?: string): Promise<RunningAgent> {
  const config = loadAgentConfig({
    argv: [
      '--target',
      'c1',
      '--hub',
      hub.address,
      // the MiniHub serves plaintext on loopback and knows agents by static tokens
      '--insecure-plaintext',
      '--token-file',
      path.join(dir, 'token'),
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--state-namespace',
      'gitfleet-system',
      ...(policyFile === undefined ? [] : ['--policy-file', policyFile]),
    ],
    env: {},
  });
  return runAgent(config, testLogger());
}

async function status(p: string): Promise<number> {
  return (await cluster.request('GET', p)).status;
}

const DS = unique('node-agent');
const CRB = unique('break-glass');
const OTHER_NS = unique('pol');

/** A privileged DaemonSet in kube-system: host network, a privileged container, a hostPath. */
const privilegedDaemonSet: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: DS, namespace: 'kube-system' },
  spec: {
    selector: { matchLabels: { app: DS } },
    template: {
      metadata: { labels: { app: DS } },
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'agent',
            image: 'busybox:1.36',
            securityContext: { privileged: true },
            volumeMounts: [{ name: 'host', mountPath: '/host' }],
          },
        ],
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
      },
    },
  },
};

const adminBinding: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: CRB },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'ServiceAccount', name: 'ops', namespace: OTHER_NS }],
};

const NODE_APP = unique('node');
const ADMIN_APP = unique('admins');
const WEB_APP = unique('web');
const WEB_NS = unique('web');

const latest = (app: string): StatusReport | undefined => hub.latestReport('c1', app);
const synced = (r: StatusReport): boolean => r.syncState === 'Synced';

describe('the local policy', () => {
  it('built-in: a privileged DaemonSet in kube-system and a cluster-admin binding apply nothing of their apps; another app syncs', async () => {
    agent = await startPolicyAgent();
    const node = hub.assign('c1', NODE_APP, [
      namespace(OTHER_NS),
      configMap(OTHER_NS, 'node-cfg', { a: '1' }),
      privilegedDaemonSet,
    ]);
    const web = hub.assign('c1', WEB_APP, [
      namespace(WEB_NS),
      configMap(WEB_NS, 'cfg', { v: '1' }),
      deploymentObj(WEB_NS, 'web', 1),
    ]);
    const admins = hub.assign('c1', ADMIN_APP, [adminBinding, configMap(WEB_NS, 'admins', {})]);

    const r1 = await hub.waitForReport(
      'c1',
      NODE_APP,
      (x) => x.assignmentVersion === node.version && x.syncState === 'Failed',
    );
    expect(r1.error?.code).toBe('POLICY_DENIED');
    expect(r1.error?.message).toContain(
      "1 of 3 objects break the agent's local policy; nothing was applied",
    );
    expect(r1.error?.message).toContain(
      `DaemonSet/kube-system/${DS}: namespace at /metadata/namespace: the namespace kube-system is denied`,
    );
    for (const field of [
      '/spec/template/spec/hostNetwork',
      '/spec/template/spec/volumes/0/hostPath',
      '/spec/template/spec/containers/0/securityContext/privileged',
    ])
      expect(r1.error?.message).toContain(`privileged-pod at ${field}: `);
    const byKind = (r: StatusReport): Record<string, string> =>
      Object.fromEntries(r.objects.map((o) => [o.ref.kind + '/' + o.ref.name, o.action]));
    expect(byKind(r1)).toEqual({
      [`Namespace/${OTHER_NS}`]: 'skipped',
      'ConfigMap/node-cfg': 'skipped',
      [`DaemonSet/${DS}`]: 'failed',
    });
    const failed = r1.objects.find((o) => o.ref.kind === 'DaemonSet');
    expect(failed?.error?.code).toBe('POLICY_DENIED');
    expect(failed?.error?.message).toMatch(new RegExp(`^DaemonSet/kube-system/${DS}: namespace`));

    const r2 = await hub.waitForReport(
      'c1',
      ADMIN_APP,
      (x) => x.assignmentVersion === admins.version && x.syncState === 'Failed',
    );
    expect(r2.error?.code).toBe('POLICY_DENIED');
    expect(r2.objects.find((o) => o.ref.kind === 'ConfigMap')?.action).toBe('skipped');
    expect(r2.error?.message).toContain(
      `ClusterRoleBinding/${CRB}: admin-binding at /roleRef/name: binds the ClusterRole cluster-admin, which grants every verb on every resource`,
    );

    // the other app of the same agent is unaffected
    const r3 = await hub.waitForReport(
      'c1',
      WEB_APP,
      (x) => x.assignmentVersion === web.version && synced(x) && x.health.status === 'Healthy',
    );
    expect(r3.error).toBeUndefined();
    expect(await status(`/api/v1/namespaces/${WEB_NS}/configmaps/cfg`)).toBe(200);

    // nothing of the refused apps reached the cluster, not even their harmless objects
    expect(await status(`/apis/apps/v1/namespaces/kube-system/daemonsets/${DS}`)).toBe(404);
    expect(await status(`/api/v1/namespaces/${OTHER_NS}`)).toBe(404);
    expect(await status(`/api/v1/namespaces/${WEB_NS}/configmaps/admins`)).toBe(404);
    expect(await status(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${CRB}`)).toBe(404);
    // still refused once the other app has synced
    expect(latest(NODE_APP)?.syncState).toBe('Failed');
    await agent.close();
    agent = undefined;
  });

  it('a policy file that allows them: the restarted agent applies both from its persisted state', async () => {
    const policyFile = path.join(dir, 'policy.yaml');
    await writeFile(
      policyFile,
      [
        '# node agents in kube-system, and one break-glass binding',
        'allow:',
        '  namespaces: [kube-system]',
        '  privilegedPods: [kube-system]',
        `  adminBindings: [${CRB}]`,
        '',
      ].join('\n'),
    );
    agent = await startPolicyAgent(policyFile);
    const r1 = await hub.waitForReport('c1', NODE_APP, synced);
    expect(r1.error).toBeUndefined();
    expect(r1.objects.every((o) => o.action === 'created')).toBe(true);
    expect(await status(`/apis/apps/v1/namespaces/kube-system/daemonsets/${DS}`)).toBe(200);
    expect(await status(`/api/v1/namespaces/${OTHER_NS}/configmaps/node-cfg`)).toBe(200);
    const r2 = await hub.waitForReport('c1', ADMIN_APP, synced);
    expect(r2.error).toBeUndefined();
    expect(await status(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${CRB}`)).toBe(200);
    expect(latest(WEB_APP)?.syncState).toBe('Synced');

    // what the file does not allow stays refused: the agent's own namespace
    const own = hub.assign('c1', unique('own'), [configMap('gitfleet-system', 'mine', {})]);
    const r3 = await hub.waitForReport(
      'c1',
      own.app,
      (x) => x.assignmentVersion === own.version && x.syncState === 'Failed',
    );
    expect(r3.error?.message).toContain(
      "ConfigMap/gitfleet-system/mine: agent-namespace at /metadata/namespace: gitfleet-system is the agent's own namespace",
    );
    expect(await status('/api/v1/namespaces/gitfleet-system/configmaps/mine')).toBe(404);
  });

  it('the binary refuses a policy file with problems, naming the file and each field (exit 2)', async () => {
    const bad = path.join(dir, 'bad-policy.yaml');
    await writeFile(bad, 'allow:\n  namespace: [kube-system]\n  kinds: [Secret]\n');
    const proc = await spawnManaged(
      'gitfleet-agent-bad-policy',
      path.join(REPO_ROOT, 'agent/bin/gitfleet-agent'),
      {
        logDir: dir,
        args: ['--policy-file', bad],
        env: {
          GITFLEET_TARGET: 'c1',
          GITFLEET_HUB_ADDRESS: hub.address,
          GITFLEET_TOKEN_FILE: path.join(dir, 'token'),
          KUBECONFIG: cluster.kubeconfigPath,
        },
      },
    );
    expect(await proc.exited).toBe(2);
    const out = await readFile(proc.logFile, 'utf8');
    expect(out).toContain('invalid agent configuration');
    expect(out).toContain(`--policy-file: ${bad}: allow.namespace: unknown key`);
    expect(out).toContain(`--policy-file: ${bad}: allow.kinds[0]: "Secret" is not a kind pattern`);
  });
});
