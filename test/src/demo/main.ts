/**
 * The local demo fleet: Redis, a Git server holding an example fleet repository, and 3 clusters
 * named dev, staging and prod. Prints how to reach each, then runs until Ctrl-C (or `--for SECONDS`).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { EXAMPLE_FLEET_FILES } from './example-fleet.ts';

const { values } = parseArgs({ options: { for: { type: 'string' } } });
const runDir = path.join(REPO_ROOT, '.gitfleet-run');
const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

let fleet: TestFleet | undefined;
let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('\nstopping the demo fleet…');
  await fleet?.stop();
  await rm(runDir, { recursive: true, force: true });
  say('stopped; nothing left running.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const t0 = Date.now();
say('starting the demo fleet: Redis, a Git server and 3 Kubernetes clusters (dev, staging, prod)…');
try {
  fleet = await startFleet({ clusterNames: ['dev', 'staging', 'prod'] });
} catch (err) {
  process.stderr.write(
    `demo failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
}
const git = fleet.git;
const kube = fleet.kube;
if (git === undefined || kube === undefined || fleet.redis === undefined)
  throw new Error('demo fleet incomplete');
await git.createRepo('fleet');
const sha = await git.commit('fleet', {
  files: EXAMPLE_FLEET_FILES,
  message: 'example fleet: 3 targets, 1 application',
});

await mkdir(runDir, { recursive: true });
for (const c of kube.clusters)
  await writeFile(path.join(runDir, `${c.name}.kubeconfig`), c.kubeconfig, { mode: 0o600 });

say(`\ngitfleet demo fleet is up (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
say(`  Redis       ${fleet.redis.url}`);
say(`  Git server  ${git.url}   fleet repo: ${git.repoUrl('fleet')} (main @ ${sha.slice(0, 12)})`);
for (const c of kube.clusters)
  say(`  cluster ${c.name.padEnd(8)} ${c.server}   kubeconfig: .gitfleet-run/${c.name}.kubeconfig`);
say('\nTry:');
say(`  ${kube.binaries.kubectl} --kubeconfig .gitfleet-run/prod.kubeconfig get nodes`);
say(`  git clone ${git.repoUrl('fleet')} /tmp/fleet && ls /tmp/fleet`);
say(
  '\nThe hub and the agents join this fleet as their issues land (see README). Ctrl-C stops everything.',
);

const forSeconds = values.for === undefined ? undefined : Number(values.for);
if (forSeconds !== undefined && Number.isFinite(forSeconds)) {
  setTimeout(() => void shutdown(0), forSeconds * 1000);
}
setInterval(() => undefined, 1 << 30);
