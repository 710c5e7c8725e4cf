/**
 * deploy/: the kustomize bases and examples rendered by the real kustomize (in kubectl), the helm
 * charts by the real helm; their key properties; helm and kustomize agreeing on the agent's RBAC;
 * every rendering accepted by a real API server (server-side dry run, strict field validation);
 * and the proof that the agent's least-privilege RBAC is enough and no more: the real agent binary,
 * authenticated only as its ServiceAccount (a TokenRequest token), reconciles an app in its managed
 * namespace and is refused — Forbidden, reported, nothing created — outside it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_USAGE } from '@gitfleet/agent';
import { HUB_USAGE } from '@gitfleet/hub';
import type { KubeObject, StatusReport } from '@gitfleet/proto';
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
  helmTemplateError,
  kinds,
  kindOf,
  kustomize,
  meta,
  parseObjects,
  rbacObjects,
  type PolicyRule,
  type Rendered,
} from './render.ts';

const run = promisify(execFile);

let fleet: TestFleet;
let cluster: KubeCluster;
let dir: string;

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, redis: false, git: false });
  const c = fleet.kube?.clusters[0];
  if (c === undefined) throw new Error('no cluster');
  cluster = c;
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-deploy-'));
});
afterAll(async () => {
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ shapes

interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string | number };
}
interface Container {
  readonly name: string;
  readonly image: string;
  readonly env?: readonly {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string } };
  }[];
  readonly envFrom?: readonly { configMapRef?: { name: string } }[];
  readonly ports?: readonly { name: string; containerPort: number }[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly resources?: {
    readonly requests?: Record<string, string>;
    readonly limits?: Record<string, string>;
  };
  readonly securityContext?: Record<string, unknown>;
  readonly volumeMounts?: readonly { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  readonly name: string;
  readonly secret?: { secretName: string; optional?: boolean; items?: { key: string }[] };
  readonly configMap?: { name: string };
  readonly emptyDir?: Record<string, unknown>;
}
interface DeploymentSpec {
  readonly replicas: number;
  readonly strategy?: { type: string };
  readonly template: {
    readonly spec: {
      readonly serviceAccountName?: string;
      readonly automountServiceAccountToken?: boolean;
      readonly securityContext?: Record<string, unknown>;
      readonly containers: readonly Container[];
      readonly volumes?: readonly Volume[];
    };
  };
}

function deploymentSpec(o: KubeObject): DeploymentSpec {
  return o['spec'] as unknown as DeploymentSpec;
}

function container(o: KubeObject): Container {
  const c = deploymentSpec(o).template.spec.containers[0];
  if (c === undefined) throw new Error(`${meta(o).name}: no container`);
  return c;
}

/** The pod and container hardening every gitfleet Deployment has (Pod Security "restricted"). */
function expectHardened(o: KubeObject): void {
  const spec = deploymentSpec(o).template.spec;
  expect(spec.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const c = container(o);
  expect(c.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(c.resources?.requests).toMatchObject({ cpu: expect.any(String) as unknown });
  expect(c.resources?.requests?.['memory']).toBeDefined();
  expect(c.resources?.limits?.['memory']).toBeDefined();
  // a read-only root: every writable path is a volume
  const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
  expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
}

function expectProbes(o: KubeObject, port: string): void {
  const c = container(o);
  expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port });
  expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port });
  expect(c.ports?.some((p) => p.name === port)).toBe(true);
}

/** GITFLEET_* names a binary knows, from its --help text. */
function knownVariables(usage: string): Set<string> {
  return new Set([...usage.matchAll(/\((GITFLEET_[A-Z_]+|KUBECONFIG)\)/g)].map((m) => m[1] ?? ''));
}

/** Every GITFLEET_* variable a rendering sets (ConfigMap data and container env). */
function variablesOf(r: Rendered): string[] {
  const names = new Set<string>();
  for (const o of r.objects) {
    if (o['kind'] === 'ConfigMap')
      for (const k of Object.keys((o['data'] ?? {}) as object)) names.add(k);
    if (o['kind'] === 'Deployment') for (const e of container(o).env ?? []) names.add(e.name);
  }
  return [...names].filter((n) => n.startsWith('GITFLEET_')).sort();
}

function configData(r: Rendered, name: RegExp): Record<string, string> {
  return (find(r.objects, 'ConfigMap', name)['data'] ?? {}) as Record<string, string>;
}

/** The managed-kind rules (the role bound to the agent for what it applies). */
function rules(o: KubeObject): PolicyRule[] {
  return (o['rules'] ?? []) as unknown as PolicyRule[];
}

const AGENT_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'delete'];

// ------------------------------------------------------------------ renderings

describe('kustomize (kubectl kustomize)', () => {
  it('hub base: 2 replicas, probes, hardened, config from a ConfigMap, secrets as files, Redis by reference', async () => {
    const r = await kustomize('hub');
    expect(kinds(r.objects)).toEqual([
      expect.stringMatching(/^ConfigMap\/gitfleet-hub-[a-z0-9]{10}$/) as unknown,
      'Deployment/gitfleet-hub',
      'PodDisruptionBudget/gitfleet-hub',
      'Service/gitfleet-hub',
      'Service/gitfleet-redis',
      'ServiceAccount/gitfleet-hub',
    ]);
    const dep = find(r.objects, 'Deployment', 'gitfleet-hub');
    expect(deploymentSpec(dep).replicas).toBe(2);
    expectProbes(dep, 'http');
    expectHardened(dep);
    const spec = deploymentSpec(dep).template.spec;
    expect(spec.automountServiceAccountToken).toBe(false);
    const c = container(dep);
    const cm = find(r.objects, 'ConfigMap', /^gitfleet-hub-/);
    expect(c.envFrom).toEqual([{ configMapRef: { name: meta(cm).name } }]);
    expect(configData(r, /^gitfleet-hub-/)['GITFLEET_REDIS_URL']).toBe(
      'redis://gitfleet-redis:6379',
    );
    expect(find(r.objects, 'Service', 'gitfleet-redis')['spec']).toMatchObject({
      type: 'ExternalName',
    });
    // the AgentLink port's TLS: the hub's certificate and the agents' CA as files, no static
    // token; the other secrets optional
    const vol = (n: string): Volume | undefined => spec.volumes?.find((v) => v.name === n);
    const mount = (n: string): string | undefined =>
      c.volumeMounts?.find((m) => m.name === n)?.mountPath;
    const env = (n: string): string | undefined => c.env?.find((e) => e.name === n)?.value;
    expect(vol('tls')?.secret?.secretName).toBe('gitfleet-hub-tls');
    expect(vol('agent-ca')?.configMap?.name).toBe('gitfleet-agent-ca');
    expect(env('GITFLEET_TLS_CERT_FILE')).toBe(`${mount('tls') ?? '?'}/tls.crt`);
    expect(env('GITFLEET_TLS_KEY_FILE')).toBe(`${mount('tls') ?? '?'}/tls.key`);
    expect(env('GITFLEET_CLIENT_CA_FILE')).toBe(`${mount('agent-ca') ?? '?'}/ca.crt`);
    expect(env('GITFLEET_AGENT_TOKENS_DIR')).toBeUndefined();
    expect(vol('secrets')?.secret).toMatchObject({
      secretName: 'gitfleet-hub-secrets',
      optional: true,
    });
    const svc = find(r.objects, 'Service', 'gitfleet-hub')['spec'] as {
      ports: { name: string; port: number }[];
    };
    expect(svc.ports.map((p) => `${p.name}:${p.port}`)).toEqual(['grpc:7443', 'http:8080']);
    const known = knownVariables(HUB_USAGE);
    expect(variablesOf(r).filter((v) => !known.has(v))).toEqual([]);
  });

  it('hub example overlay: secrets wired to the mounted files, image and Redis patched, TLS passed through', async () => {
    const r = await kustomize('examples/hub');
    const data = configData(r, /^gitfleet-hub-/);
    for (const key of [
      'GITFLEET_FLEET_TOKEN_FILE',
      'GITFLEET_WEBHOOK_SECRET_FILE',
      'GITFLEET_REDIS_PASSWORD_FILE',
      'GITFLEET_API_TOKENS_FILE',
      'GITFLEET_SIGNING_KEY_FILE',
    ]) {
      expect(data[key]).toMatch(/^\/etc\/gitfleet\/secrets\//);
    }
    expect(r.objects.every((o) => meta(o).namespace === 'gitfleet')).toBe(true);
    expect(container(find(r.objects, 'Deployment', 'gitfleet-hub')).image).toBe(
      'registry.example.com/gitfleet/hub:0.1.0',
    );
    expect(find(r.objects, 'Service', 'gitfleet-redis')['spec']).toMatchObject({
      externalName: 'redis-master.redis.svc.cluster.local',
    });
    // the hub terminates mTLS itself: the Ingress passes TLS through and holds no certificate
    const ingress = find(r.objects, 'Ingress', 'gitfleet-hub-grpc');
    expect(
      (ingress['metadata'] as { annotations?: Record<string, string> }).annotations,
    ).toMatchObject({
      'nginx.ingress.kubernetes.io/ssl-passthrough': 'true',
    });
    expect(ingress['spec']).not.toHaveProperty('tls');
  });

  it('agent base: gitfleet-system, 1 replica (Recreate), probes, hardened, RBAC of exactly the verbs it uses', async () => {
    const r = await kustomize('agent');
    const dep = find(r.objects, 'Deployment', 'gitfleet-agent', 'gitfleet-system');
    find(r.objects, 'Namespace', 'gitfleet-system');
    find(r.objects, 'ServiceAccount', 'gitfleet-agent', 'gitfleet-system');
    expect(deploymentSpec(dep).replicas).toBe(1);
    expect(deploymentSpec(dep).strategy?.type).toBe('Recreate');
    expect(deploymentSpec(dep).template.spec.serviceAccountName).toBe('gitfleet-agent');
    expectProbes(dep, 'http');
    expectHardened(dep);
    const env = container(dep).env ?? [];
    expect(env.find((e) => e.name === 'GITFLEET_STATE_NAMESPACE')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.namespace' },
    });
    expect(env.find((e) => e.name === 'GITFLEET_HUB_CA_FILE')?.value).toBe(
      '/etc/gitfleet/hub-ca/ca.crt',
    );
    const known = knownVariables(AGENT_USAGE);
    expect(variablesOf(r).filter((v) => !known.has(v))).toEqual([]);
    // least privilege: no wildcard, no update, no escalate/bind/impersonate anywhere
    for (const o of rbacObjects(r.objects)) {
      for (const rule of rules(o)) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.verbs).not.toContain('update');
        expect(rule.resources ?? []).not.toContain('*');
        expect(rule.apiGroups ?? []).not.toContain('*');
      }
    }
    for (const rule of rules(find(r.objects, 'ClusterRole', 'gitfleet-agent')))
      expect(rule.verbs).toEqual(AGENT_VERBS);
    expect(rules(find(r.objects, 'ClusterRole', 'gitfleet-agent-cluster'))).toEqual([
      {
        nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi/v3', '/openapi/v3/*'],
        verbs: ['get'],
      },
      {
        apiGroups: [''],
        resources: ['namespaces'],
        resourceNames: ['gitfleet-system'],
        verbs: ['patch'],
      },
    ]);
    expect(rules(find(r.objects, 'Role', 'gitfleet-agent-state', 'gitfleet-system'))).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        verbs: ['get', 'list', 'create', 'patch', 'delete'],
      },
    ]);
  });
});

describe('helm (helm template)', () => {
  it('hub chart: the same objects as the kustomize base, secrets mounted where the variables point', async () => {
    const r = await helmTemplate('gitfleet-hub', 'gitfleet-hub', 'gitfleet', [
      '--set',
      'fleet.tokenSecret.name=hub-git',
      '--set',
      'webhook.secret.name=hub-webhook',
      '--set',
      'redis.passwordSecret.name=hub-redis',
      '--set',
      'api.tokensSecret.name=hub-api',
      '--set',
      'signing.keySecret.name=hub-signing',
      '--set',
      'ingress.enabled=true',
    ]);
    expect(kinds(r.objects)).toEqual([
      'ConfigMap/gitfleet/gitfleet-hub',
      'Deployment/gitfleet/gitfleet-hub',
      'Ingress/gitfleet/gitfleet-hub-grpc',
      'PodDisruptionBudget/gitfleet/gitfleet-hub',
      'Service/gitfleet/gitfleet-hub',
      'Service/gitfleet/gitfleet-hub-redis',
      'ServiceAccount/gitfleet/gitfleet-hub',
    ]);
    const dep = find(r.objects, 'Deployment', 'gitfleet-hub');
    expect(deploymentSpec(dep).replicas).toBe(2);
    expectProbes(dep, 'http');
    expectHardened(dep);
    const data = configData(r, /^gitfleet-hub$/);
    expect(data['GITFLEET_REDIS_URL']).toBe('redis://gitfleet-hub-redis:6379');
    const mounts = container(dep).volumeMounts ?? [];
    const volumes = deploymentSpec(dep).template.spec.volumes ?? [];
    // each *_FILE variable names a file that a Secret volume really provides
    for (const [variable, secret] of [
      ['GITFLEET_FLEET_TOKEN_FILE', 'hub-git'],
      ['GITFLEET_WEBHOOK_SECRET_FILE', 'hub-webhook'],
      ['GITFLEET_REDIS_PASSWORD_FILE', 'hub-redis'],
      ['GITFLEET_API_TOKENS_FILE', 'hub-api'],
      ['GITFLEET_SIGNING_KEY_FILE', 'hub-signing'],
    ] as const) {
      const file = data[variable] ?? '';
      const mount = mounts.find((m) => file.startsWith(`${m.mountPath}/`));
      const vol = volumes.find((v) => v.name === mount?.name);
      expect(vol?.secret?.secretName).toBe(secret);
      expect(vol?.secret?.items?.map((i) => i.key)).toEqual([path.basename(file)]);
    }
    const known = knownVariables(HUB_USAGE);
    expect(variablesOf(r).filter((v) => !known.has(v))).toEqual([]);
    // without secrets configured, no *_FILE variable is set (an empty file fails the hub's start)
    const plain = configData(
      await helmTemplate('gitfleet-hub', 'gitfleet-hub', 'gitfleet'),
      /^gitfleet-hub$/,
    );
    expect(Object.keys(plain).filter((k) => k.endsWith('_FILE'))).toEqual([]);
  });

  it('agent chart: required values, and rbac.rules rendered exactly as configured', async () => {
    expect(await helmTemplateError('gitfleet-agent', ['--set', 'hub.address=h:443'])).toMatch(
      /target is required/,
    );
    const base = ['--set', 'target=c1', '--set', 'hub.address=hub.example:443'];
    const r = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      ...base,
      '--set-json',
      'rbac.rules=[{"apiGroups":[""],"resources":["configmaps"]},{"apiGroups":["batch"],"resources":["jobs"],"verbs":["get","list","watch"]},{"apiGroups":["example.com"],"resources":["widgets"],"resourceNames":["one"]}]',
    ]);
    const dep = find(r.objects, 'Deployment', 'gitfleet-agent', 'gitfleet-system');
    expect(deploymentSpec(dep).replicas).toBe(1);
    expect(deploymentSpec(dep).strategy?.type).toBe('Recreate');
    expectProbes(dep, 'http');
    expectHardened(dep);
    expect(rules(find(r.objects, 'ClusterRole', 'gitfleet-agent'))).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: AGENT_VERBS },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] },
      {
        apiGroups: ['example.com'],
        resources: ['widgets'],
        resourceNames: ['one'],
        verbs: AGENT_VERBS,
      },
    ]);
    find(r.objects, 'ClusterRoleBinding', 'gitfleet-agent');
    const known = knownVariables(AGENT_USAGE);
    expect(variablesOf(r).filter((v) => !known.has(v))).toEqual([]);

    // managedNamespaces: a Role + RoleBinding per namespace, no cluster-wide write at all
    const ns = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      ...base,
      '--set-json',
      'rbac.rules=[{"apiGroups":[""],"resources":["configmaps"]}]',
      '--set-json',
      'rbac.managedNamespaces=["team-a","team-b"]',
    ]);
    for (const n of ['team-a', 'team-b']) {
      expect(rules(find(ns.objects, 'Role', 'gitfleet-agent', n))).toEqual([
        { apiGroups: [''], resources: ['configmaps'], verbs: AGENT_VERBS },
      ]);
      find(ns.objects, 'RoleBinding', 'gitfleet-agent', n);
    }
    expect(
      ns.objects.some(
        (o) => o['kind'] === 'ClusterRoleBinding' && meta(o).name === 'gitfleet-agent',
      ),
    ).toBe(false);
    const grants = effectiveGrants(ns.objects);
    const clusterWide = grants.filter((g) => g.split(' ')[1] === '*');
    expect(clusterWide).toEqual(
      [
        'sa:gitfleet-system/gitfleet-agent * core/configmaps/* list',
        'sa:gitfleet-system/gitfleet-agent * core/configmaps/* watch',
        'sa:gitfleet-system/gitfleet-agent * core/namespaces/gitfleet-system patch',
        ...['/api', '/api/*', '/apis', '/apis/*', '/openapi/v3', '/openapi/v3/*'].map(
          (u) => `sa:gitfleet-system/gitfleet-agent * url:${u} get`,
        ),
      ].sort(),
    );
  });

  it('agent chart: policy.namespaces renders the policy and a Role per namespace, and no cluster-wide list or watch', async () => {
    const base = ['--set', 'target=c1', '--set', 'hub.address=hub.example:443'];
    const r = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      ...base,
      '--set-json',
      'policy.namespaces=["team-a","team-b"]',
      '--set-json',
      'policy.deny={"kinds":["core/Secret"]}',
    ]);
    for (const n of ['team-a', 'team-b']) {
      // namespaces is cluster-scoped: left out of a Role
      expect(rules(find(r.objects, 'Role', 'gitfleet-agent', n))[0]).toEqual({
        apiGroups: [''],
        resources: [
          'configmaps',
          'secrets',
          'services',
          'serviceaccounts',
          'persistentvolumeclaims',
        ],
        verbs: AGENT_VERBS,
      });
      find(r.objects, 'RoleBinding', 'gitfleet-agent', n);
    }
    expect(kinds(r.objects.filter((o) => kindOf(o).startsWith('Cluster')))).toEqual([
      'ClusterRole/gitfleet-agent-cluster',
      'ClusterRoleBinding/gitfleet-agent-cluster',
    ]);
    const clusterWide = effectiveGrants(r.objects).filter((g) => g.split(' ')[1] === '*');
    expect(clusterWide.filter((g) => / (list|watch)$/.test(g))).toEqual([]);
    const policy = configData(r, /^gitfleet-agent-policy$/)['policy.yaml'] ?? '';
    expect(parseObjects(policy)[0]).toMatchObject({
      deny: { namespaces: ['*'], clusterScopedKinds: ['*/*'], kinds: ['core/Secret'] },
      allow: { namespaces: ['team-a', 'team-b'] },
    });
    // the hub's public key, mounted where GITFLEET_HUB_PUBLIC_KEY_FILE points
    const keyed = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      ...base,
      '--set',
      'hub.publicKey.configMapName=hub-key',
    ]);
    const dep = find(keyed.objects, 'Deployment', 'gitfleet-agent');
    const file = container(dep).env?.find((e) => e.name === 'GITFLEET_HUB_PUBLIC_KEY_FILE')?.value;
    expect(file).toBe('/etc/gitfleet/hub-public-key/signing.pub');
    const mount = container(dep).volumeMounts?.find((m) => file?.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const vol = deploymentSpec(dep).template.spec.volumes?.find((v) => v.name === mount?.name);
    expect(vol?.configMap?.name).toBe('hub-key');
    expect(
      container(find(r.objects, 'Deployment', 'gitfleet-agent')).env?.some(
        (e) => e.name === 'GITFLEET_HUB_PUBLIC_KEY_FILE',
      ),
    ).toBe(false);
    // what cannot be confined to namespaces, or contradicts them, fails to render
    const json = (...values: string[]): string[] => values.flatMap((v) => ['--set-json', v]);
    for (const [args, message] of [
      [json('policy.namespaces=["team-*"]'), /"team-\*" is a pattern/],
      // helmTemplateError renders into the namespace `default`
      [json('policy.namespaces=["default"]'), /the agent's own namespace/],
      [
        json('policy={"namespaces":["a"],"allow":{"clusterScopedKinds":["core/Namespace"]}}'),
        /cluster-scoped objects need cluster-wide RBAC/,
      ],
      [
        json('policy={"namespaces":["a"],"allow":{"namespaces":["b"]}}'),
        /list every namespace in policy.namespaces/,
      ],
      [json('policy.namespaces=["a"]', 'rbac.managedNamespaces=["b"]'), /differ/],
    ] as const) {
      expect(await helmTemplateError('gitfleet-agent', [...base, ...args]), args.join(' ')).toMatch(
        message,
      );
    }
    expect(
      await helmTemplateError('gitfleet-agent', [
        ...base,
        '--set',
        'hub.publicKey.configMapName=a',
        '--set',
        'hub.publicKey.secretName=b',
      ]),
    ).toMatch(/set configMapName or secretName, not both/);
  });

  it('helm and kustomize grant the agent the same access, cluster-wide and per namespace', async () => {
    const k = await kustomize('agent');
    const h = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      '--set',
      'target=c1',
      '--set',
      'hub.address=hub.example:443',
    ]);
    expect(effectiveGrants(h.objects)).toEqual(effectiveGrants(k.objects));
    expect(effectiveGrants(k.objects)).toContain(
      'sa:gitfleet-system/gitfleet-agent * apps/deployments/* patch',
    );
    const kn = await kustomize('examples/agent-namespaced');
    const hn = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      '-f',
      path.join(DEPLOY_DIR, 'helm/examples/agent-namespaced.values.yaml'),
    ]);
    const grants = effectiveGrants(hn.objects);
    expect(grants).toEqual(effectiveGrants(kn.objects));
    expect(grants).toContain('sa:gitfleet-system/gitfleet-agent apps apps/deployments/* patch');
    expect(grants).toContain('sa:gitfleet-system/gitfleet-agent * apps/deployments/* watch');
    // the policy-scoped examples: the same Roles, and nothing listed or watched cluster-wide
    const ks = await kustomize('examples/agent-scoped');
    const hs = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      '-f',
      path.join(DEPLOY_DIR, 'helm/examples/agent-scoped.values.yaml'),
    ]);
    const scoped = effectiveGrants(hs.objects);
    expect(scoped).toEqual(effectiveGrants(ks.objects));
    expect(scoped).toContain('sa:gitfleet-system/gitfleet-agent team-b apps/deployments/* watch');
    expect(scoped.filter((g) => g.split(' ')[1] === '*' && / (list|watch)$/.test(g))).toEqual([]);
    // writes only in `apps` (and the agent's own state and namespace)
    const writes = grants.filter((g) => /\s(create|patch|delete)$/.test(g));
    expect(
      writes.filter(
        (g) =>
          !g.includes(' apps ') &&
          !g.includes(' gitfleet-system core/secrets/* ') &&
          !g.includes('core/namespaces/gitfleet-system patch'),
      ),
    ).toEqual([]);
  });
});

// ------------------------------------------------------------------ against a real API server

describe('server-side dry run (kubectl apply --server-side --dry-run=server)', () => {
  it('the API server accepts every rendering, with strict field validation', async () => {
    for (const ns of ['gitfleet', 'gitfleet-system', 'apps', 'team-a', 'team-b'])
      await cluster.kubectl(['create', 'namespace', ns]);
    const base = ['--set', 'target=c1', '--set', 'hub.address=hub.example:443'];
    // [what, rendering, namespace for objects that name none]
    const renderings: [string, Rendered, string?][] = [
      ['kustomize hub', await kustomize('hub'), 'gitfleet'],
      ['kustomize examples/hub', await kustomize('examples/hub')],
      ['kustomize agent', await kustomize('agent')],
      ['kustomize examples/agent-namespaced', await kustomize('examples/agent-namespaced')],
      ['kustomize examples/agent-scoped', await kustomize('examples/agent-scoped')],
      [
        'helm gitfleet-hub',
        await helmTemplate('gitfleet-hub', 'gitfleet-hub', 'gitfleet', [
          '--set',
          'fleet.tokenSecret.name=g',
          '--set',
          'webhook.secret.name=w',
          '--set',
          'redis.passwordSecret.name=r',
          '--set',
          'api.tokensSecret.name=a',
          '--set',
          'signing.keySecret.name=s',
          '--set',
          'ingress.enabled=true',
          '--set-json',
          'redis.options={"db":1}',
        ]),
      ],
      [
        'helm gitfleet-agent',
        await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
          ...base,
          '--set',
          'namespace.create=true',
        ]),
      ],
      [
        'helm gitfleet-agent managedNamespaces',
        await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
          ...base,
          '--set-json',
          'rbac.managedNamespaces=["team-a","team-b"]',
        ]),
      ],
      [
        'helm gitfleet-agent examples/agent-scoped',
        await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
          '-f',
          path.join(DEPLOY_DIR, 'helm/examples/agent-scoped.values.yaml'),
        ]),
      ],
      [
        'helm gitfleet-agent policy.namespaces, hub public key from a Secret',
        await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
          ...base,
          '--set-json',
          'policy.namespaces=["team-a"]',
          '--set',
          'hub.publicKey.secretName=gitfleet-hub-public-key',
        ]),
      ],
    ];
    for (const [what, r, ns] of renderings) {
      const out = await cluster
        .kubectl(
          [
            'apply',
            '--server-side',
            '--dry-run=server',
            '--validate=strict',
            ...(ns === undefined ? [] : ['-n', ns]),
            '-f',
            '-',
          ],
          r.text,
        )
        .catch((err: unknown) => {
          throw new Error(`${what}: ${String((err as { stderr?: unknown }).stderr ?? err)}`);
        });
      const lines = out.trim().split('\n');
      expect(lines, what).toHaveLength(r.objects.length);
      expect(
        lines.every((l) => l.endsWith('serverside-applied (server dry run)')),
        what,
      ).toBe(true);
    }
  });
});

describe('least privilege, proven with the real agent', () => {
  let hub: MiniHub;
  let agent: ManagedProcess | undefined;
  afterAll(async () => {
    await agent?.stop();
    await hub?.close();
  });

  it('as its ServiceAccount, the agent reconciles in `apps` and is refused elsewhere', async () => {
    // the agent's ServiceAccount and RBAC, rendered by helm with managedNamespaces [apps]
    const r = await helmTemplate('gitfleet-agent', 'gitfleet-agent', 'gitfleet-system', [
      '-f',
      path.join(DEPLOY_DIR, 'helm/examples/agent-namespaced.values.yaml'),
    ]);
    const rbac = r.objects.filter((o) =>
      ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(
        kindOf(o),
      ),
    );
    expect(kinds(rbac)).toContain('Role/apps/gitfleet-agent');
    for (const ns of ['gitfleet-system', 'apps', 'other']) {
      await cluster.kubectl(['create', 'namespace', ns]).catch(() => undefined);
    }
    await cluster.kubectl(
      ['apply', '--server-side', '-f', '-'],
      rbac.map((o) => JSON.stringify(o)).join('\n'),
    );

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
    // what the API server says this identity may do
    const canI = async (...args: string[]): Promise<string> => {
      const kubectl = fleet.kube?.binaries.kubectl ?? '';
      const res = await run(kubectl, ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args]).catch(
        (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
      );
      return res.stdout.trim();
    };
    const whoami = await run(fleet.kube?.binaries.kubectl ?? '', [
      '--kubeconfig',
      kubeconfig,
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(whoami.stdout).toBe('system:serviceaccount:gitfleet-system:gitfleet-agent');
    expect(await canI('patch', 'configmaps', '-n', 'apps')).toBe('yes');
    expect(await canI('patch', 'configmaps', '-n', 'other')).toBe('no');
    expect(await canI('update', 'configmaps', '-n', 'apps')).toBe('no');
    expect(await canI('create', 'clusterroles')).toBe('no');
    expect(await canI('get', 'secrets', '-n', 'kube-system')).toBe('no');
    // the price of the agent's cluster-wide informers (deploy/README.md): it may list them
    expect(await canI('list', 'secrets', '-n', 'kube-system')).toBe('yes');

    // the real agent binary with that kubeconfig, against a hub speaking the real protocol
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

    // 1. in the managed namespace: created, Synced and Healthy
    const a1 = hub.assign('c1', 'web', [
      configMap('apps', 'cfg', { v: '1' }),
      configMap('apps', 'extra', { x: '1' }),
      deploymentObj('apps', 'web', 1),
    ]);
    const healthy = (x: StatusReport): boolean =>
      x.syncState === 'Synced' && x.health.status === 'Healthy';
    const r1 = await hub.waitForReport(
      'c1',
      'web',
      (x) => x.assignmentVersion === a1.version && healthy(x),
      30_000,
    );
    expect(r1.objects.map((o) => `${o.ref.kind}/${o.ref.name}:${o.action}`).sort()).toEqual([
      'ConfigMap/cfg:created',
      'ConfigMap/extra:created',
      'Deployment/web:created',
    ]);
    const live = await cluster.request<{ metadata: { labels: Record<string, string> } }>(
      'GET',
      '/apis/apps/v1/namespaces/apps/deployments/web',
    );
    expect(live.status).toBe(200);
    expect(live.body.metadata.labels['gitfleet.dev/app']).toBe('web');
    // its state, in its own namespace
    expect(
      (await cluster.request('GET', '/api/v1/namespaces/gitfleet-system/secrets/gitfleet-app-web'))
        .status,
    ).toBe(200);

    // 2. a change and a prune: patch of a live object and delete, still without update
    const a2 = hub.assign('c1', 'web', [
      configMap('apps', 'cfg', { v: '2' }),
      deploymentObj('apps', 'web', 1),
    ]);
    const r2 = await hub.waitForReport(
      'c1',
      'web',
      (x) => x.assignmentVersion === a2.version && healthy(x),
      30_000,
    );
    expect(r2.objects.find((o) => o.ref.name === 'extra')?.action).toBe('deleted');
    const cfg = await cluster.request<{ data: Record<string, string> }>(
      'GET',
      '/api/v1/namespaces/apps/configmaps/cfg',
    );
    expect(cfg.body.data).toEqual({ v: '2' });
    expect((await cluster.request('GET', '/api/v1/namespaces/apps/configmaps/extra')).status).toBe(
      404,
    );

    // 3. outside the managed namespace: refused by the API server, reported, nothing created
    hub.assign('c1', 'outside', [configMap('other', 'cfg', { v: '1' })]);
    const r3 = await hub.waitForReport(
      'c1',
      'outside',
      (x) => x.objects.some((o) => o.action === 'failed'),
      30_000,
    );
    const failed = r3.objects.find((o) => o.ref.namespace === 'other');
    expect(failed?.action).toBe('failed');
    expect(failed?.error?.message).toMatch(
      /configmaps "cfg" is forbidden: User "system:serviceaccount:gitfleet-system:gitfleet-agent" cannot patch resource "configmaps" in API group "" in the namespace "other"/,
    );
    expect(r3.syncState).not.toBe('Synced');
    expect((await cluster.request('GET', '/api/v1/namespaces/other/configmaps/cfg')).status).toBe(
      404,
    );
    // …and the app in `apps` is untouched by it
    expect(hub.latestReport('c1', 'web')?.syncState).toBe('Synced');

    // 4. a kind it may not even watch (a ClusterRole): reported at once as Failed with what to
    // grant — not Applying forever — and the agent still shuts down cleanly
    hub.assign('c1', 'ungranted', [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'gitfleet-test-ungranted' },
        rules: [],
      },
    ]);
    const r4 = await hub.waitForReport('c1', 'ungranted', (x) => x.syncState === 'Failed', 30_000);
    expect(r4.error?.message).toMatch(
      /cannot list and watch rbac\.authorization\.k8s\.io\/clusterroles: .*forbidden.*; grant the agent's ServiceAccount get, list and watch on it/,
    );
    expect(
      (
        await cluster.request(
          'GET',
          '/apis/rbac.authorization.k8s.io/v1/clusterroles/gitfleet-test-ungranted',
        )
      ).status,
    ).toBe(404);

    await proc.stop();
    expect(await proc.exited).toBe(0);
  });
});
