/**
 * The fleet the web UI tests and screenshots run against: a real hub (in this process: Git over
 * HTTP, Redis, gRPC with mTLS) serving the UI bundle built for the run (`--ui-dir`), three real
 * clusters dev, staging and prod with a real agent each, and API tokens of each scope.
 *
 * Applications (one ConfigMap each, namespace default):
 * - `site` on every target, no rollout: a commit goes everywhere at once;
 * - `web` on every target, rolled out in waves canary (dev, soak 2 s) → staging → prod (gate
 *   manual): a commit stops before prod until someone approves;
 * - `cfg` on dev only, drift policy `warn`: a change made by hand is reported, never corrected.
 *
 * And a second hub without agents for the scale checks: `targets` × `apps` cells of simulated
 * targets (test/src/sim fleet files) on the same Redis under its own key prefix.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { waitFor } from '../fleet/wait.ts';
import { simFleetFiles } from '../sim/sim-fleet.ts';

export const ENVS = ['dev', 'staging', 'prod'] as const;
export type Env = (typeof ENVS)[number];

/** What each application's ConfigMap says (change one to make a commit that changes that app). */
export interface UiFleetMessages {
  readonly site: string;
  readonly web: string;
  readonly cfg: string;
}

export function uiFleetFiles(m: UiFleetMessages): Record<string, string> {
  const doc = (...lines: string[]): string =>
    ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
  const configMap = (name: string, message: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: default }\ndata: { message: "${message}" }\n`;
  const everywhere =
    '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }';
  return {
    'fleet/targets.yaml': ENVS.map((e) =>
      doc('kind: Target', `metadata: { name: ${e}, labels: { env: ${e} } }`),
    ).join('---\n'),
    'fleet/environments.yaml': ENVS.map((e) =>
      doc(
        'kind: Environment',
        `metadata: { name: ${e} }`,
        'spec:',
        `  selector: { matchLabels: { env: ${e} } }`,
      ),
    ).join('---\n'),
    'fleet/site.yaml': doc(
      'kind: Application',
      'metadata: { name: site }',
      'spec:',
      '  source: { path: apps/site }',
      everywhere,
    ),
    'fleet/web.yaml': doc(
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      everywhere,
      '  rollout:',
      '    waves:',
      '      - { name: canary, selector: { matchLabels: { env: dev } }, soak: 2s }',
      '      - { name: staging, selector: { matchLabels: { env: staging } } }',
      '      - { name: prod, selector: { matchLabels: { env: prod } }, gate: manual }',
      '    progressDeadline: 30s',
      '    failureBudget: 0',
      '    onFailure: halt',
    ),
    'fleet/cfg.yaml': doc(
      'kind: Application',
      'metadata: { name: cfg }',
      'spec:',
      '  source: { path: apps/cfg }',
      '  placement: { selector: { matchLabels: { env: dev } } }',
      '  policies: { drift: warn }',
    ),
    'apps/site/cm.yaml': configMap('site', m.site),
    'apps/web/cm.yaml': configMap('web', m.web),
    'apps/cfg/cm.yaml': configMap('cfg', m.cfg),
  };
}

export const V1: UiFleetMessages = { site: 'v1', web: 'v1', cfg: 'v1' };

export interface UiWorld {
  readonly fleet: TestFleet;
  readonly hub: RunningHub;
  /** http://127.0.0.1:PORT of the hub: the API and the UI at /ui/. */
  readonly api: string;
  readonly tokens: ApiTokens;
  readonly clusters: ReadonlyMap<Env, KubeCluster>;
  /** The commit of {@link V1}, in force everywhere once started. */
  readonly v1: string;
  /** Commits `files` to the fleet repository and has the hub resolve it; returns the commit. */
  commit(files: Record<string, string>, message: string): Promise<string>;
  /** The `data.message` of an application's ConfigMap on a cluster (undefined: absent). */
  message(env: Env, app: string): Promise<string | undefined>;
  /** GET an API path with a token (default: the read token); throws on an error status. */
  get<T>(pathAndQuery: string, token?: string): Promise<T>;
  close(): Promise<void>;
}

/**
 * Starts the fleet of the module comment under `dir` (the caller removes it) with the UI build
 * in `uiDir`, and waits until V1 is live on every cluster.
 */
export async function startUiWorld(dir: string, uiDir: string): Promise<UiWorld> {
  const agents: RunningAgent[] = [];
  let hub: RunningHub | undefined;
  const fleet = await startFleet({ clusterNames: [...ENVS] });
  const close = async (): Promise<void> => {
    await Promise.allSettled(agents.map((a) => a.close()));
    await hub?.close();
    await fleet.stop();
  };
  try {
    const { git, redis, kube } = fleet;
    if (git === undefined || redis === undefined || kube === undefined) throw new Error('fleet');
    const repoUrl = await git.createRepo('fleet');
    const v1 = await git.commit('fleet', { files: uiFleetFiles(V1), message: 'v1' });
    const pki = await createTestPki(ENVS, { dir: path.join(dir, 'pki') });
    const tokens = await writeApiTokens(dir, { read: 'viewer', operate: 'oncall', admin: 'root' });
    const h = await runHub(
      loadHubConfig({
        argv: [
          ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
          ...pki.hubArgs(),
          ...['--cache-dir', path.join(dir, 'git')],
          ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
          ...['--poll-interval-ms', '60000', '--rollout-interval-ms', '200'],
          ...['--heartbeat-interval-ms', '1000'],
          ...['--api-tokens-file', tokens.file, '--ui-dir', uiDir],
        ],
        env: {},
      }),
      silentLogger,
    );
    hub = h;
    const clusters = new Map<Env, KubeCluster>();
    for (const [i, env] of ENVS.entries()) {
      const c = kube.clusters[i];
      if (c === undefined) throw new Error(`no cluster for ${env}`);
      clusters.set(env, c);
      agents.push(
        await runAgent(
          loadAgentConfig({
            argv: [
              ...['--target', env, '--hub', `127.0.0.1:${h.grpcPort}`],
              ...pki.agentArgs(env),
              ...['--kubeconfig', c.kubeconfigPath],
            ],
            env: {},
          }),
          silentLogger,
        ),
      );
    }
    const api = `http://127.0.0.1:${h.httpPort}`;
    const message = async (env: Env, app: string): Promise<string | undefined> => {
      const c = clusters.get(env);
      if (c === undefined) throw new Error(env);
      const r = await c.request<{ data?: Record<string, string> }>(
        'GET',
        `/api/v1/namespaces/default/configmaps/${app}`,
      );
      return r.status === 200 ? r.body.data?.['message'] : undefined;
    };
    await waitFor(
      'v1 of every app live on every cluster',
      async () => {
        const all = await Promise.all([
          ...ENVS.flatMap((e) => [message(e, 'site'), message(e, 'web')]),
          message('dev', 'cfg'),
        ]);
        return all.every((m) => m === 'v1');
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    return {
      fleet,
      hub: h,
      api,
      tokens,
      clusters,
      v1,
      commit: async (files, msg) => {
        const sha = await git.commit('fleet', { files, message: msg });
        await h.resolver.trigger();
        return sha;
      },
      message,
      get: async <T>(pathAndQuery: string, token = tokens.read): Promise<T> => {
        const res = await fetch(`${api}${pathAndQuery}`, { headers: bearer(token) });
        if (!res.ok) throw new Error(`GET ${pathAndQuery}: ${res.status} ${await res.text()}`);
        return (await res.json()) as T;
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

export interface ScaleHub {
  readonly hub: RunningHub;
  readonly api: string;
  readonly tokens: ApiTokens;
  readonly cells: number;
}

/**
 * A second hub (no agents: every target Disconnected) with `targets` simulated targets and
 * `apps` applications, on the fleet's Git server and Redis under its own key prefix; resolves
 * once the status holds every cell.
 */
export async function startScaleHub(
  fleet: TestFleet,
  dir: string,
  uiDir: string,
  targets: number,
  apps: number,
): Promise<ScaleHub> {
  const { git, redis } = fleet;
  if (git === undefined || redis === undefined) throw new Error('fleet');
  const name = `scale-${randomBytes(3).toString('hex')}`;
  const repoUrl = await git.createRepo(name);
  await git.commit(name, { files: simFleetFiles({ targets, apps, message: 'v1' }), message: 'v1' });
  const tokensDir = path.join(dir, `${name}-agent-tokens`);
  await mkdir(tokensDir, { recursive: true });
  await writeFile(path.join(tokensDir, '.keep'), '');
  const tokens = await writeApiTokens(dir, {}, `${name}.api-tokens`);
  const hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url, '--redis-prefix', `${name}:`],
        ...['--insecure-plaintext', '--allow-static-tokens', '--agent-tokens-dir', tokensDir],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '600000', '--cache-dir', path.join(dir, `${name}-git`)],
        ...['--api-tokens-file', tokens.file, '--ui-dir', uiDir],
      ],
      env: {},
    }),
    silentLogger,
  );
  const api = `http://127.0.0.1:${hub.httpPort}`;
  const cells = targets * apps;
  try {
    await waitFor(
      `${cells} status rows`,
      async () => {
        const res = await fetch(`${api}/api/v1/status?limit=1`, { headers: bearer(tokens.read) });
        const body = (await res.json()) as { metadata?: { total?: number } };
        return body.metadata?.total === cells;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (err) {
    await hub.close();
    throw err;
  }
  return { hub, api, tokens, cells };
}
