/**
 * `npm run bench -- trust [--agents=1000] [--settle-s=5] [--iterations=2000]`: the cost of the
 * trust boundary — mTLS agents and signed desired state.
 *
 * - register_ms: one gitfleet-hub binary serving agents over mTLS only (test/src/fleet/certs.ts:
 *   a CA, the hub's certificate, one client certificate per target naming it), signing desired
 *   state (an Ed25519 `--signing-key-file`), a fleet of `agents` targets with one small app each.
 *   From the start of `agents` simulated agents (test/src/sim/sim-agents.ts, one HTTP/2
 *   connection each, each with its own client certificate and no token) until every one has
 *   completed the TLS handshake and Hello (Welcome received) and holds its first assignment.
 *   `register` = "mTLS handshake + Hello + first assignment": no one-time registration token or
 *   CSR is exchanged, the certificates are issued beforehand.
 * - kb_per_agent: the hub's node process VmRSS (/proc) with the `agents` idle mTLS streams minus
 *   its VmRSS before they connected, divided by `agents`. Each reading: a `settle-s` pause, two
 *   full garbage collections in the hub (test/bench/lib/gc-on-signal.ts, SIGUSR2), then the
 *   median of 5 readings a second apart.
 * - sign_us / verify_us: in this process, the median µs of `hubSignatureOf` (signing payload +
 *   Ed25519 signature) and of `verifyHubSignature` (proto/src/domain/signature.ts) for the
 *   assignment of a typical app of 20 ConfigMaps, over `iterations` runs each after a warm-up.
 *
 * Goals: register 1,000 agents < 20 s, < 60 KB per idle mTLS agent, verify < 200 µs.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  contentDigest,
  hubSignatureOf,
  pinHubKeys,
  signingKeyFromPem,
  verifyHubSignature,
  type Assignment,
} from '@gitfleet/proto';
import { createTestPki, type TestPki } from '../src/fleet/certs.ts';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { freePorts } from '../src/fleet/ports.ts';
import { stopAll } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import {
  establishedOn,
  fetchFleetStatus,
  procStatusKb,
  simFleetFiles,
  simTargetName,
  startHubProcess,
  startSimAgents,
  type HubProcess,
  type SimAgents,
} from '../src/sim/sim-fleet.ts';
import { benchLog, bounded, machine, median, numberArg, round, sleep } from './lib/common.ts';

const log = benchLog('trust');
const GC_PRELOAD = path.join(import.meta.dirname, 'lib/gc-on-signal.ts');
const REGISTER = 'mTLS handshake + Hello + first assignment';
const GOALS = { registerMs: 20_000, registerAgents: 1000, kbPerAgent: 60, verifyUs: 200 };

/** The assignment of a typical app: 20 ConfigMaps, default-like policies. */
function typicalAssignment(): Assignment {
  const objects = Array.from({ length: 20 }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `web-config-${i}`, namespace: 'web', labels: { app: 'web' } },
    data: { 'app.properties': `key${i}=value${i}\nfeature.enabled=true\n`, message: 'hello' },
  }));
  return {
    kind: 'assignment',
    target: 'cluster-1',
    app: 'web',
    version: 42,
    revision: 'a'.repeat(40),
    contentDigest: contentDigest(objects),
    objects,
    policies: {
      sync: 'automated',
      prune: { enabled: true, allowEmpty: false },
      drift: { mode: 'correct', overrides: [] },
      ignore: [],
      unmanaged: { mode: 'ignore', allow: [] },
      conflict: 'force',
      deletion: 'delete',
    },
  };
}

/** Median µs of `fn` over `n` timed runs after `n / 10` warm-up runs. */
function medianUs(n: number, fn: () => unknown): number {
  for (let i = 0; i < Math.ceil(n / 10); i++) fn();
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    us.push((performance.now() - t) * 1000);
  }
  return median(us);
}

function signatureCost(iterations: number): { signUs: number; verifyUs: number; ok: boolean } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = signingKeyFromPem(
    privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    'bench key',
  );
  const pinned = pinHubKeys([key.publicKey]);
  const a = typicalAssignment();
  const signUs = medianUs(iterations, () => hubSignatureOf(a, key));
  const signed: Assignment = { ...a, signature: hubSignatureOf(a, key) };
  let ok = true;
  const verifyUs = medianUs(iterations, () => {
    ok = verifyHubSignature(signed, a.target, pinned).ok && ok;
  });
  return { signUs: round(signUs), verifyUs: round(verifyUs), ok };
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const n = numberArg(args, 'agents', 1000);
  const settleS = numberArg(args, 'settle-s', 5);
  const iterations = Math.max(2000, numberArg(args, 'iterations', 2000));

  const sig = signatureCost(iterations);
  log(`signature of a 20-ConfigMap assignment: sign ${sig.signUs} µs, verify ${sig.verifyUs} µs`);
  if (!sig.ok) throw new Error('a signature did not verify');

  let fleet: TestFleet | undefined;
  let hub: HubProcess | undefined;
  let sim: SimAgents | undefined;
  let pki: TestPki | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-trust-'));
  try {
    return await bounded('trust benchmark', 20 * 60_000, async () => {
      const targets = Array.from({ length: n }, (_, i) => simTargetName(i));
      const p0 = performance.now();
      pki = await createTestPki(targets, { dir: path.join(dir, 'pki') });
      log(`test PKI: ${n} agent certificates in ${Math.round(performance.now() - p0)} ms`);
      const signingKeyFile = path.join(dir, 'signing.key');
      await writeFile(
        signingKeyFile,
        generateKeyPairSync('ed25519')
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
        { mode: 0o600 },
      );

      fleet = await startFleet({ clusters: 0 });
      const { git, redis } = fleet;
      if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
      const repoUrl = await git.createRepo('fleet');
      const sha = await git.commit('fleet', {
        files: simFleetFiles({ targets: n, apps: 1, message: 'v0' }),
        message: 'v0',
      });
      const [grpcPort = 0, httpPort = 0] = await freePorts(2);
      hub = await startHubProcess({
        name: 'hub',
        logDir: dir,
        fleetRepo: repoUrl,
        redisUrl: redis.url,
        pki,
        signingKeyFile,
        grpcPort,
        httpPort,
        cacheDir: path.join(dir, 'hub-git'),
        env: { NODE_OPTIONS: `--expose-gc --import=${GC_PRELOAD}` },
      });
      const h = hub;
      await h.waitReady(300_000);
      await waitFor(
        'the first resolve pass',
        async () => {
          const s = await fetchFleetStatus(h);
          return s.lastPassAtMs !== undefined && s.fleetCommit === sha ? s : undefined;
        },
        { timeoutMs: 300_000, intervalMs: 200, abortIf: h.gone },
      );
      const pid = h.nodePid();
      if (pid === undefined) throw new Error('hub node process not found');

      const rssKb = async (what: string): Promise<number> => {
        await sleep(settleS * 1000);
        process.kill(pid, 'SIGUSR2');
        await sleep(3_000);
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          if (i > 0) await sleep(1_000);
          samples.push(procStatusKb(pid, 'VmRSS'));
        }
        const gone = h.gone();
        if (gone !== undefined) throw new Error(gone);
        log(`${what}: hub RSS ${round(median(samples) / 1024)} MB`);
        return median(samples);
      };
      const rss0 = await rssKb('0 agents');

      const t0 = Date.now();
      sim = await startSimAgents({
        name: 'sim',
        logDir: dir,
        hub: h.grpcAddress,
        tls: { caFile: pki.caFile, certsDir: path.join(pki.dir, 'agents') },
        count: n,
      });
      const done = await sim.waitFor(
        `${n} agents registered over mTLS, each holding its assignment`,
        (p) => p.ready === n && (p.revisions[sha]?.acked ?? 0) === n,
        { timeoutMs: 180_000, abortIf: h.gone },
      );
      const registerMs = Math.max(done.lastReadyAtMs, done.revisions[sha]?.ackedAtMs ?? 0) - t0;
      log(`${n} agents: ${REGISTER} in ${registerMs} ms`);

      const rssN = await rssKb(`${n} idle mTLS agents`);
      const connections = establishedOn(grpcPort);
      const drops = sim.progress()?.drops ?? 0;
      const kbPerAgent = round((rssN - rss0) / n);
      return {
        agents: n,
        register_ms: registerMs,
        kb_per_agent: kbPerAgent,
        sign_us: sig.signUs,
        verify_us: sig.verifyUs,
        register: REGISTER,
        goal: 'register 1,000 < 20 s, < 60 KB per idle mTLS agent, verify < 200 µs',
        goals_met: {
          register:
            n >= GOALS.registerAgents
              ? registerMs < GOALS.registerMs
              : 'not measured (< 1,000 agents)',
          kb_per_agent: kbPerAgent < GOALS.kbPerAgent,
          verify: sig.verifyUs < GOALS.verifyUs,
        },
        rss_mb_0: round(rss0 / 1024),
        rss_mb_n: round(rssN / 1024),
        hub_grpc_connections: connections,
        sim_drops: drops,
        settings: {
          hub: 'gitfleet-hub binary, mTLS only (no static tokens), signing key, heartbeat 10 s, log level info, 1 app per target',
          sim: 'one process, one HTTP/2 connection and client certificate per agent, 200 handshakes at a time',
          rss: `VmRSS median of 5 readings 1 s apart, after ${settleS} s settling and a forced full GC`,
          signature: `median of ${iterations} runs, assignment of 20 ConfigMaps, Ed25519`,
        },
        machine: machine(),
      };
    });
  } finally {
    await sim?.stop().catch(() => undefined);
    await hub?.stop().catch(() => undefined);
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
