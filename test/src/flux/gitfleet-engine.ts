/**
 * gitfleet as the side-by-side benchmark runs it: the real `gitfleet-hub` binary (Redis, Git over
 * HTTP, webhooks) and the real `gitfleet-agent` binary for one target cluster, each a supervised
 * process with its own RSS, started with their defaults except where a setting is passed here
 * (and then recorded in `settings`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bearer, writeApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import { pidOf } from './proc-stats.ts';

export const HUB_BIN = path.join(REPO_ROOT, 'hub/bin/gitfleet-hub');
export const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');

export interface GitfleetStatusRow {
  readonly target: string;
  readonly app: string;
  readonly desiredVersion: number;
  readonly desiredRevision: string;
  readonly reportedVersion?: number;
  readonly revision?: string;
  readonly sync: string;
  readonly health: string;
  readonly connection: string;
}

export interface AgentLogRecord {
  readonly time: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface GitfleetEngine {
  readonly hub: ManagedProcess;
  readonly agent: ManagedProcess;
  /** http://127.0.0.1:PORT of the hub's API. */
  readonly api: string;
  readonly settings: Readonly<Record<string, readonly string[]>>;
  /** POSTs a signed GitHub push webhook for `sha` on main. */
  webhook(sha: string): Promise<void>;
  status(app: string): Promise<GitfleetStatusRow | undefined>;
  /** Polls the hub until `app` is Synced and Healthy at `sha`, reported by the agent. */
  waitReady(app: string, sha: string, timeoutMs: number): Promise<number>;
  agentLog(): AgentLogRecord[];
  /** Every JSON log line of the hub so far. */
  hubLog(): AgentLogRecord[];
  agentPid(): number | undefined;
  hubPid(): number | undefined;
  gone(): string | undefined;
  stop(): Promise<void>;
}

export interface GitfleetEngineOptions {
  readonly cluster: KubeCluster;
  readonly target: string;
  readonly repoUrl: string;
  readonly redisUrl: string;
  readonly dir: string;
  readonly pollIntervalMs: number;
  /** Agent --resync-interval-ms (undefined: the agent's default). */
  readonly resyncIntervalMs?: number;
}

/** Starts the hub, waits for /readyz, starts the agent, waits until the target is Connected. */
export async function startGitfleet(o: GitfleetEngineOptions): Promise<GitfleetEngine> {
  const secret = randomBytes(16).toString('hex');
  // mTLS between hub and agent, as in production: a CA, the hub's and the agent's certificates
  const pki = await createTestPki([o.target], { dir: path.join(o.dir, 'pki') });
  await writeFile(path.join(o.dir, 'webhook.secret'), secret, { mode: 0o600 });
  const apiTokens = await writeApiTokens(o.dir);
  const read = { headers: bearer(apiTokens.read) };
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  const api = `http://127.0.0.1:${String(httpPort)}`;
  const hubArgs = [
    '--fleet-repo',
    o.repoUrl,
    '--redis-url',
    o.redisUrl,
    ...pki.hubArgs(),
    '--grpc-address',
    `127.0.0.1:${String(grpcPort)}`,
    '--http-address',
    `127.0.0.1:${String(httpPort)}`,
    '--webhook-secret-file',
    path.join(o.dir, 'webhook.secret'),
    '--poll-interval-ms',
    String(o.pollIntervalMs),
    '--cache-dir',
    path.join(o.dir, 'hub-git-cache'),
    '--api-tokens-file',
    apiTokens.file,
  ];
  const agentArgs = [
    '--target',
    o.target,
    '--hub',
    `127.0.0.1:${String(grpcPort)}`,
    ...pki.agentArgs(o.target),
    '--kubeconfig',
    o.cluster.kubeconfigPath,
    '--log-level',
    'info',
    ...(o.resyncIntervalMs === undefined
      ? []
      : ['--resync-interval-ms', String(o.resyncIntervalMs)]),
  ];
  // nothing from the caller's environment may change the settings recorded here
  const clean = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('GITFLEET_') && k !== 'GITFLEET_CACHE_DIR')
      .map((k) => [k, undefined]),
  );
  const procs: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    // the agent first, so it does not see its hub vanish
    for (const p of [...procs].reverse()) await p.stop();
  };
  try {
    const hub = await spawnManaged(`${o.target}-gitfleet-hub`, HUB_BIN, {
      logDir: o.dir,
      env: { ...clean, KUBECONFIG: undefined },
      args: hubArgs,
    });
    procs.push(hub);
    await waitFor(
      'gitfleet-hub /readyz',
      async () => (await fetch(`${api}/readyz`)).status === 200,
      {
        timeoutMs: 30_000,
        intervalMs: 50,
        abortIf: () => (hub.running ? undefined : `gitfleet-hub exited: ${hub.tail()}`),
      },
    );
    const agent = await spawnManaged(`${o.target}-gitfleet-agent`, AGENT_BIN, {
      logDir: o.dir,
      env: clean,
      args: agentArgs,
    });
    procs.push(agent);
    const gone = (): string | undefined => {
      const d = procs.find((p) => !p.running);
      return d === undefined ? undefined : `${d.name} exited: ${d.tail()}`;
    };
    const status = async (app: string): Promise<GitfleetStatusRow | undefined> => {
      const res = await fetch(`${api}/api/v1/status?target=${o.target}&app=${app}`, read);
      if (res.status !== 200) throw new Error(`hub status: HTTP ${res.status}`);
      const { items } = (await res.json()) as { items: GitfleetStatusRow[] };
      return items[0];
    };
    await waitFor(
      `agent ${o.target} Connected`,
      async () => {
        const res = await fetch(`${api}/api/v1/targets`, read);
        const { items } = (await res.json()) as { items: { name: string; connection: string }[] };
        return items.some((t) => t.name === o.target && t.connection === 'Connected');
      },
      { timeoutMs: 60_000, intervalMs: 50, abortIf: gone },
    );
    return {
      hub,
      agent,
      api,
      settings: {
        'gitfleet-hub': hubArgs.map((a) => (a === o.repoUrl ? '<repo>' : a)),
        'gitfleet-agent': agentArgs,
      },
      async webhook(sha) {
        const body = JSON.stringify({
          ref: 'refs/heads/main',
          after: sha,
          repository: { clone_url: o.repoUrl },
        });
        const res = await fetch(`${api}/webhook`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
          },
          body,
        });
        if (res.status >= 300) throw new Error(`webhook: HTTP ${res.status} ${await res.text()}`);
      },
      status,
      async waitReady(app, sha, timeoutMs) {
        let last: GitfleetStatusRow | undefined;
        try {
          await waitFor(
            `${app} Synced and Healthy at ${sha.slice(0, 8)} on ${o.target}`,
            async () => {
              const r = await status(app);
              last = r;
              return (
                r !== undefined &&
                r.desiredRevision === sha &&
                r.revision === sha &&
                r.reportedVersion === r.desiredVersion &&
                r.sync === 'Synced' &&
                r.health === 'Healthy'
              );
            },
            { timeoutMs, intervalMs: 100, abortIf: gone },
          );
        } catch (err) {
          throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`, {
            cause: err,
          });
        }
        return performance.now();
      },
      agentLog: () => jsonLines(agent.logFile),
      hubLog: () => jsonLines(hub.logFile),
      agentPid: () => pidOf(agent, 'node'),
      hubPid: () => pidOf(hub, 'node'),
      gone,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function jsonLines(file: string): AgentLogRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: AgentLogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as AgentLogRecord);
    } catch {
      // a line being written right now
    }
  }
  return out;
}
