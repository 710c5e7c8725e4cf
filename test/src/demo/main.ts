/**
 * The local demo fleet, all real: Redis, a Git server holding an example fleet repository, three
 * Kubernetes clusters (dev, staging, prod), the gitfleet hub, and one gitfleet agent per cluster.
 * Prints where everything is and what to try, then runs until Ctrl-C (or `--for SECONDS`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bearer, writeApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { writeSigningKey } from '../fleet/signing.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import { EXAMPLE_FLEET_FILES } from './example-fleet.ts';

const { values } = parseArgs({ options: { for: { type: 'string' } } });
const runDir = path.join(REPO_ROOT, '.gitfleet-run');
const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

let fleet: TestFleet | undefined;
const procs: ManagedProcess[] = [];
let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('\nstopping the demo fleet…');
  await Promise.all(procs.map((p) => p.stop()));
  await fleet?.stop();
  await rm(runDir, { recursive: true, force: true });
  say('stopped; nothing left running.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

interface StatusRow {
  target: string;
  app: string;
  revision?: string;
  sync: string;
  health: string;
  drift: number;
  connection: string;
}

async function statusTable(httpPort: number, token: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/status`, {
    headers: bearer(token),
  });
  const { items } = (await res.json()) as { items: StatusRow[] };
  const head = ['TARGET', 'APP', 'REVISION', 'SYNC', 'HEALTH', 'DRIFT', 'CONNECTION'];
  const rows = items.map((r) => [
    r.target,
    r.app,
    (r.revision ?? '-').slice(0, 12),
    r.sync,
    r.health,
    String(r.drift),
    r.connection,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows]
    .map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '))
    .join('\n');
}

try {
  const t0 = Date.now();
  say(
    'starting the demo fleet: Redis, a Git server, 3 Kubernetes clusters (dev, staging, prod), the hub and 3 agents…',
  );
  fleet = await startFleet({ clusterNames: ['dev', 'staging', 'prod'] });
  const { git, kube, redis } = fleet;
  if (git === undefined || kube === undefined || redis === undefined)
    throw new Error('demo fleet incomplete');
  await git.createRepo('fleet');
  const sha = await git.commit('fleet', {
    files: EXAMPLE_FLEET_FILES,
    message: 'example fleet: 3 targets, 1 application',
  });

  await mkdir(runDir, { recursive: true });
  for (const c of kube.clusters) {
    await writeFile(path.join(runDir, `${c.name}.kubeconfig`), c.kubeconfig, { mode: 0o600 });
  }
  // hub and agents speak mTLS: a CA, the hub's certificate, one client certificate per cluster
  const pki = await createTestPki(
    kube.clusters.map((c) => c.name),
    { dir: path.join(runDir, 'pki') },
  );
  const webhookSecret = randomBytes(16).toString('hex');
  await writeFile(path.join(runDir, 'webhook.secret'), webhookSecret, { mode: 0o600 });
  // the walkthrough's token: scope operate (it reads, and approves rollouts as "demo")
  const apiTokens = await writeApiTokens(runDir, { operate: 'demo' });
  await writeFile(path.join(runDir, 'api.token'), apiTokens.operate, { mode: 0o600 });
  // the hub signs desired state with a key of this run; every agent pins it
  const signing = await writeSigningKey(runDir);
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  const hub = await spawnManaged('gitfleet-hub', path.join(REPO_ROOT, 'hub/bin/gitfleet-hub'), {
    logDir: runDir,
    args: [
      '--fleet-repo',
      git.repoUrl('fleet'),
      '--redis-url',
      redis.url,
      ...pki.hubArgs(),
      '--grpc-address',
      `127.0.0.1:${grpcPort}`,
      '--http-address',
      `127.0.0.1:${httpPort}`,
      '--poll-interval-ms',
      '5000',
      '--webhook-secret-file',
      path.join(runDir, 'webhook.secret'),
      '--cache-dir',
      path.join(runDir, 'hub-git-cache'),
      '--heartbeat-interval-ms',
      '2000',
      '--api-tokens-file',
      apiTokens.file,
      '--rollout-interval-ms',
      '500',
      '--signing-key-file',
      signing.keyFile,
    ],
  });
  procs.push(hub);
  await waitFor(
    'the hub to accept the fleet',
    async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200,
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      abortIf: () => (hub.running ? undefined : `the hub exited: ${hub.tail()}`),
    },
  );
  for (const c of kube.clusters) {
    procs.push(
      await spawnManaged(
        `gitfleet-agent-${c.name}`,
        path.join(REPO_ROOT, 'agent/bin/gitfleet-agent'),
        {
          logDir: runDir,
          args: [
            '--target',
            c.name,
            '--hub',
            `127.0.0.1:${grpcPort}`,
            ...pki.agentArgs(c.name),
            '--kubeconfig',
            c.kubeconfigPath,
            '--http-address',
            '127.0.0.1:0',
            '--hub-public-key-file',
            signing.publicKeyFile,
          ],
        },
      ),
    );
  }
  await waitFor(
    'podinfo Synced and Healthy on every cluster',
    async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/status`, {
        headers: bearer(apiTokens.read),
      });
      const { items } = (await res.json()) as { items: StatusRow[] };
      return (
        items.length === 3 &&
        items.every(
          (r) => r.sync === 'Synced' && r.health === 'Healthy' && r.connection === 'Connected',
        )
      );
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );

  const kubectl = kube.binaries.kubectl;
  // one file to source for the walkthrough: the CLI, kubectl and where everything is
  await writeFile(
    path.join(runDir, 'env'),
    [
      '# source .gitfleet-run/env — the demo fleet for gitfleet and kubectl in this shell',
      `export PATH="${path.join(REPO_ROOT, 'hub/bin')}:${path.dirname(kubectl)}:$PATH"`,
      `export GITFLEET_HUB_URL=http://127.0.0.1:${httpPort}`,
      `export GITFLEET_FLEET_REPO=${git.repoUrl('fleet')}`,
      `export GITFLEET_API_TOKEN_FILE=${path.join(runDir, 'api.token')}`,
      'export GITFLEET_AUTHOR="Demo User <demo@example.com>"',
      ...kube.clusters.map(
        (c) =>
          `alias kubectl-${c.name}='kubectl --kubeconfig ${path.join(runDir, `${c.name}.kubeconfig`)}'`,
      ),
      '',
    ].join('\n'),
  );
  say(`\ngitfleet demo fleet is up (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  say(
    `  Git server   ${git.url}   fleet repo: ${git.repoUrl('fleet')} (main @ ${sha.slice(0, 12)})`,
  );
  say(`  Redis        ${redis.url}`);
  say(
    `  hub          gRPC 127.0.0.1:${grpcPort}   HTTP http://127.0.0.1:${httpPort}   log: .gitfleet-run/gitfleet-hub.log`,
  );
  say(
    `  web UI       http://127.0.0.1:${httpPort}/ui/   sign in with the token in .gitfleet-run/api.token (scope operate)`,
  );
  for (const c of kube.clusters) {
    say(
      `  cluster ${c.name.padEnd(8)} ${c.server}   kubeconfig: .gitfleet-run/${c.name}.kubeconfig   agent log: .gitfleet-run/gitfleet-agent-${c.name}.log`,
    );
  }
  say(`\nFleet status (GET http://127.0.0.1:${httpPort}/api/v1/status):\n`);
  say(await statusTable(httpPort, apiTokens.read));
  say('\nWalk through it (README.md, "A tour of the demo") in another shell:');
  say(
    '  source .gitfleet-run/env              # gitfleet, kubectl-dev/-staging/-prod, the hub URL',
  );
  say(
    '  gitfleet status                       # application × target: revision, sync, health, drift',
  );
  say(`  git clone -q ${git.repoUrl('fleet')} /tmp/fleet && cd /tmp/fleet`);
  say(
    "  sed -i 's/podinfo:6.7.0/podinfo:6.7.1/' apps/podinfo/manifests/deployment.yaml && git commit -qam 'podinfo 6.7.1' && git push -q",
  );
  say(
    '  gitfleet rollout watch podinfo        # canary dev, soak 15 s, staging, then the prod gate',
  );
  say('  gitfleet rollout approve podinfo --wave prod');
  say('  kubectl-prod -n podinfo scale deployment/podinfo --replicas=5 && gitfleet drift');
  say('  gitfleet pin podinfo <sha> --env staging --reason "hold staging"   # a Git commit');
  say('  gitfleet promote podinfo --from staging --to prod --reason "staging is good"');
  say('\nCtrl-C stops everything.');

  const forSeconds = values.for === undefined ? undefined : Number(values.for);
  if (forSeconds !== undefined && Number.isFinite(forSeconds))
    setTimeout(() => void shutdown(0), forSeconds * 1000);
  setInterval(() => undefined, 1 << 30);
} catch (err) {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
}
