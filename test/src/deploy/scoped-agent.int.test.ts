/**
 * The least-privilege agent install, proven against a real API server: an agent whose local policy
 * confines it to the namespaces team-a and team-b (deploy/helm/examples/agent-scoped.values.yaml,
 * the twin of deploy/kustomize/examples/agent-scoped) has a Role per namespace and no cluster-wide
 * list or watch of anything — the API server says so (SubjectAccessReview, `kubectl auth can-i`).
 * The real agent binary, authenticated only as that ServiceAccount (a TokenRequest token) and
 * reading the rendered policy file, watches per namespace: it syncs an app across both namespaces,
 * corrects drift and reports an unmanaged object there; an object in another namespace, or a
 * cluster-scoped one, is refused by its policy (POLICY_DENIED). The adapter on the same token
 * (agent/src/kube/namespace-scoped-kube.ts) refuses calls outside the namespaces itself, before
 * the API server is asked.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientNodeKube } from '@gitfleet/agent';
import { GitfleetError, type KubeObject, type StatusReport } from '@gitfleet/proto';
import { scopeKube } from '../../../agent/src/kube/namespace-scoped-kube.ts';
import { configMap, deploymentObj, TOKEN } from '../agent/harness.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { startMiniHub, type MiniHub } from '../fleet/mini-hub.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePort } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import {
  DEPLOY_DIR,
  effectiveGrants,
  find,
  helmTemplate,
  kinds,
  kindOf,
  type PolicyRule,
} from './render.ts';

const run = promisify(execFile);

/** A metadata field of an object. */
function at(o: KubeObject, field: string): unknown {
  return (o['metadata'] as Record<string, unknown> | undefined)?.[field];
}
const SA = 'system:serviceaccount:gitfleet-system:gitfleet-agent';
const ALLOWED = ['team-a', 'team-b'];

let fleet: TestFleet;
let cluster: KubeCluster;
let dir: string;
let hub: MiniHub | undefined;
let agent: ManagedProcess | undefined;

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, redis: false, git: false });
  const c = fleet.kube?.clusters[0];
  if (c === undefined) throw new Error('no cluster');
  cluster = c;
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-scoped-agent-'));
});
afterAll(async () => {
  await agent?.stop();
  await hub?.close();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** What the API server answers for the agent's ServiceAccount (SubjectAccessReview). */
async function allowed(
  verb: string,
  group: string,
  resource: string,
  namespace?: string,
): Promise<boolean> {
  const res = await cluster.request<{ status?: { allowed?: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: SA,
        groups: [
          'system:serviceaccounts',
          'system:serviceaccounts:gitfleet-system',
          'system:authenticated',
        ],
        resourceAttributes: {
          verb,
          group,
          resource,
          ...(namespace === undefined ? {} : { namespace }),
        },
      },
    },
  );
  expect(res.status).toBe(201);
  return res.body.status?.allowed === true;
}

describe('an agent confined to namespaces by its policy', () => {
  it('has no cluster-wide list or watch, syncs in its namespaces, and refuses the rest by policy', async () => {
    const r = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      '-f',
      path.join(DEPLOY_DIR, 'helm/examples/agent-scoped.values.yaml'),
    ]);
    const rbac = r.objects.filter((o) =>
      ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(
        kindOf(o),
      ),
    );
    // no ClusterRole for what it manages: only discovery and the patch of its own Namespace
    expect(kinds(rbac.filter((o) => kindOf(o).startsWith('Cluster')))).toEqual([
      'ClusterRole/gitfleet-agent-cluster',
      'ClusterRoleBinding/gitfleet-agent-cluster',
    ]);
    expect(
      effectiveGrants(r.objects).filter((g) => g.split(' ')[1] === '*' && !g.includes(' url:')),
    ).toEqual(['sa:gitfleet-system/gitfleet-agent * core/namespaces/gitfleet-system patch']);
    for (const ns of ['gitfleet-system', ...ALLOWED, 'other']) {
      await cluster.kubectl(['create', 'namespace', ns]).catch(() => undefined);
    }
    await cluster.kubectl(
      ['apply', '--server-side', '-f', '-'],
      rbac.map((o) => JSON.stringify(o)).join('\n'),
    );

    // the API server: every kind of its Roles may be listed and watched in team-a and team-b,
    // none of them (nor pods) over all namespaces or in another one
    const rules = (find(r.objects, 'Role', 'gitfleet-agent', 'team-a')['rules'] ??
      []) as unknown as PolicyRule[];
    const resources = rules.flatMap((rule) =>
      (rule.resources ?? []).map((res) => [rule.apiGroups?.[0] ?? '', res] as const),
    );
    expect(resources.length).toBeGreaterThan(10);
    for (const [group, resource] of [...resources, ['', 'pods'] as const]) {
      for (const verb of ['list', 'watch']) {
        const what = `${verb} ${group}/${resource}`;
        expect(await allowed(verb, group, resource), `${what} cluster-wide`).toBe(false);
        expect(await allowed(verb, group, resource, 'other'), `${what} in other`).toBe(false);
        expect(await allowed(verb, group, resource, 'kube-system'), `${what} in kube-system`).toBe(
          false,
        );
        if (resource !== 'pods') {
          for (const ns of ALLOWED)
            expect(await allowed(verb, group, resource, ns), `${what} in ${ns}`).toBe(true);
        }
      }
    }

    // a token for that ServiceAccount (TokenRequest API), and a kubeconfig with nothing else
    const tr = await cluster.request<{ status?: { token?: string } }>(
      'POST',
      '/api/v1/namespaces/gitfleet-system/serviceaccounts/gitfleet-agent/token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    );
    expect(tr.status).toBe(201);
    const saToken = tr.body.status?.token ?? '';
    expect(saToken).not.toBe('');
    const kubeconfig = path.join(dir, 'agent.kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c1',
        '  cluster:',
        `    server: ${cluster.server}`,
        `    certificate-authority-data: ${Buffer.from(cluster.caData).toString('base64')}`,
        'users:',
        '- name: gitfleet-agent',
        '  user:',
        `    token: ${saToken}`,
        'contexts:',
        '- name: c1',
        '  context: { cluster: c1, user: gitfleet-agent }',
        'current-context: c1',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const kubectl = fleet.kube?.binaries.kubectl ?? '';
    const asAgent = async (...args: string[]): Promise<string> => {
      const res = await run(kubectl, ['--kubeconfig', kubeconfig, ...args]).catch(
        (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
      );
      return res.stdout.trim();
    };
    expect(await asAgent('auth', 'can-i', 'list', 'pods', '--all-namespaces')).toBe('no');
    expect(await asAgent('auth', 'can-i', 'list', 'configmaps', '--all-namespaces')).toBe('no');
    expect(await asAgent('auth', 'can-i', 'watch', 'deployments.apps', '--all-namespaces')).toBe(
      'no',
    );
    expect(await asAgent('auth', 'can-i', 'list', 'secrets', '-n', 'kube-system')).toBe('no');
    expect(await asAgent('auth', 'can-i', 'watch', 'configmaps', '-n', 'team-b')).toBe('yes');
    // everything it may do outside its namespaces: no list or watch of any resource
    const outside = (await asAgent('auth', 'can-i', '--list', '-n', 'other')).split('\n').slice(1);
    expect(outside.length).toBeGreaterThan(0);
    const readers = outside.filter((line) => {
      const cols = line.trim().split(/\s+/);
      const verbs = cols[cols.length - 1] ?? '';
      return cols[0]?.startsWith('/') !== true && /\b(list|watch|\*)\b/.test(verbs);
    });
    expect(readers).toEqual([]);

    // the rendered policy file, as the Deployment mounts it
    const policyText = (
      find(r.objects, 'ConfigMap', 'gitfleet-agent-policy')['data'] as Record<string, string>
    )['policy.yaml'];
    const policyFile = path.join(dir, 'policy.yaml');
    await writeFile(policyFile, policyText ?? '');

    // the real agent binary with that kubeconfig and policy, against a hub speaking the protocol
    hub = await startMiniHub({ targets: { c1: TOKEN } });
    const tokenFile = path.join(dir, 'hub-token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    const httpPort = await freePort();
    const proc = await spawnManaged(
      'gitfleet-agent',
      path.join(REPO_ROOT, 'agent/bin/gitfleet-agent'),
      {
        logDir: dir,
        env: {
          GITFLEET_TARGET: 'c1',
          GITFLEET_HUB_ADDRESS: hub.address,
          GITFLEET_TOKEN_FILE: tokenFile,
          // the MiniHub serves plaintext on loopback and knows agents by static tokens
          GITFLEET_INSECURE_PLAINTEXT: 'true',
          KUBECONFIG: kubeconfig,
          GITFLEET_STATE_NAMESPACE: 'gitfleet-system',
          GITFLEET_POLICY_FILE: policyFile,
          GITFLEET_UNMANAGED_SCAN_INTERVAL_MS: '1000',
          GITFLEET_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
        },
      },
    );
    agent = proc;
    await waitFor(
      'agent /readyz',
      async () =>
        (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.status === 200,
      {
        timeoutMs: 20_000,
        abortIf: () => (proc.running ? undefined : `agent exited: ${proc.tail()}`),
      },
    );
    // its start-up log line says where it watches
    const scopeLine = (await readFile(proc.logFile, 'utf8'))
      .split('\n')
      .find((l) => l.includes('"watch scope"'));
    expect(JSON.parse(scopeLine ?? '{}')).toMatchObject({
      watchScope: 'namespaces',
      namespaces: ALLOWED,
    });

    // 1. in both namespaces: created, Synced and Healthy — so every watch it needed was granted
    const healthy = (x: StatusReport): boolean =>
      x.syncState === 'Synced' && x.health.status === 'Healthy';
    const a1 = hub.assign(
      'c1',
      'web',
      [
        configMap('team-a', 'cfg', { v: '1' }),
        configMap('team-b', 'cfg', { v: '1' }),
        deploymentObj('team-a', 'web', 1),
      ],
      { policies: { unmanaged: { mode: 'warn', allow: [] } } },
    );
    const r1 = await hub.waitForReport(
      'c1',
      'web',
      (x) => x.assignmentVersion === a1.version && healthy(x),
      30_000,
    );
    expect(
      r1.objects.map((o) => `${o.ref.kind}/${o.ref.namespace}/${o.ref.name}:${o.action}`).sort(),
    ).toEqual([
      'ConfigMap/team-a/cfg:created',
      'ConfigMap/team-b/cfg:created',
      'Deployment/team-a/web:created',
    ]);

    // 2. drift in team-b: seen by that namespace's watch and corrected
    const patched = await cluster.request(
      'PATCH',
      '/api/v1/namespaces/team-b/configmaps/cfg',
      { data: { v: 'edited' } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);
    await waitFor(
      'drift in team-b corrected',
      async () =>
        (
          await cluster.request<{ data?: Record<string, string> }>(
            'GET',
            '/api/v1/namespaces/team-b/configmaps/cfg',
          )
        ).body.data?.['v'] === '1',
      { timeoutMs: 20_000 },
    );

    // 3. an object nobody declares in team-a: the unmanaged scan (per namespace) reports it
    await cluster.kubectl(['-n', 'team-a', 'create', 'configmap', 'stray', '--from-literal=x=1']);
    const r3 = await hub.waitForReport(
      'c1',
      'web',
      (x) => x.unmanaged.some((u) => u.ref.name === 'stray'),
      20_000,
    );
    expect(r3.unmanaged.map((u) => `${u.ref.namespace}/${u.ref.name}`)).toContain('team-a/stray');

    // 4. another namespace, and a cluster-scoped object: refused by the policy, nothing created
    hub.assign('c1', 'outside', [configMap('other', 'cfg', { v: '1' })]);
    const r4 = await hub.waitForReport('c1', 'outside', (x) => x.error !== undefined, 30_000);
    expect(r4.error?.code).toBe('POLICY_DENIED');
    expect(r4.objects[0]?.action).toBe('failed');
    expect(r4.objects[0]?.error?.message).toMatch(
      /the namespace other is denied by the agent's policy/,
    );
    expect((await cluster.request('GET', '/api/v1/namespaces/other/configmaps/cfg')).status).toBe(
      404,
    );
    const clusterRole: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'gitfleet-test-cluster-scoped' },
      rules: [],
    };
    hub.assign('c1', 'cluster-scoped', [clusterRole]);
    const r5 = await hub.waitForReport(
      'c1',
      'cluster-scoped',
      (x) => x.error !== undefined,
      30_000,
    );
    expect(r5.error?.code).toBe('POLICY_DENIED');
    expect(r5.objects[0]?.error?.message).toMatch(/cluster-scoped/);
    // …and the app in its namespaces is untouched by them
    expect(hub.latestReport('c1', 'web')?.syncState).toBe('Synced');

    await proc.stop();
    expect(await proc.exited).toBe(0);

    // 5. the adapter itself, on the same token: lists and watches "over all namespaces" become one
    // per namespace; a call outside them is refused by the policy, not by the API server
    const kube = scopeKube(ClientNodeKube.fromKubeconfigFile(kubeconfig), {
      kind: 'namespaces',
      namespaces: ALLOWED,
    });
    try {
      const CM = { group: '', version: 'v1', kind: 'ConfigMap' };
      const names = (await kube.list(CM, { labelSelector: 'gitfleet.dev/app=web' }))
        .map((o) => `${String(at(o, 'namespace'))}/${String(at(o, 'name'))}`)
        .sort();
      expect(names).toEqual(['team-a/cfg', 'team-b/cfg']);
      const handle = kube.watch(CM, {}, () => undefined);
      await handle.ready;
      expect(handle.get('team-b', 'cfg')).toBeDefined();
      expect(handle.get('other', 'cfg')).toBeUndefined();
      handle.stop();
      await cluster.kubectl(['-n', 'other', 'create', 'configmap', 'there', '--from-literal=x=1']);
      const ref = { ...CM, namespace: 'other', name: 'there' };
      const refusals = [
        kube.get(ref),
        kube.delete(ref),
        kube.apply(configMap('other', 'there', { x: '2' }), {
          fieldManager: 'test',
          force: true,
        }),
        kube.list(CM, { namespace: 'other' }),
        kube.list({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' }),
      ];
      for (const p of refusals) {
        const err = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(GitfleetError);
        expect((err as GitfleetError).code).toBe('POLICY_DENIED');
      }
      const refused = kube.watch(CM, { namespace: 'other' }, () => undefined);
      await expect(refused.ready).rejects.toMatchObject({ code: 'POLICY_DENIED' });
      // a cluster-scoped kind has no per-namespace watch: refused before any list
      const crs = kube.watch(
        { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' },
        {},
        () => undefined,
      );
      await expect(crs.ready).rejects.toThrow(
        /ClusterRole is cluster-scoped: it cannot be listed and watched in the namespace team-a/,
      );
      crs.stop();
      // untouched: the API server was never asked to change it
      const there = await cluster.request<{ data?: Record<string, string> }>(
        'GET',
        '/api/v1/namespaces/other/configmaps/there',
      );
      expect(there.body.data).toEqual({ x: '1' });
    } finally {
      await kube.close();
    }
  });
});
