/**
 * `npm run bench -- hub-restart [--targets=1000] [--apps=5]`: the hub SIGKILLed and restarted
 * under a synced fleet.
 *
 * `targets` simulated agents (test/src/sim/sim-agents.ts) × `apps` apps, all Synced and Healthy
 * on the gitfleet-hub binary (default settings, log level info). The hub's steady RSS: median of
 * 5 VmRSS readings after a settling pause. Then SIGKILL to the hub's process group and the same
 * binary started again at once (same ports, same Redis). `ms`: from the kill until the hub's
 * `/api/v1/status` (read in bulk, every page) shows every (target, app) Synced, Healthy and
 * Connected on a stream opened after the kill (`lastSeenMs` > kill time; Synced alone survives in
 * Redis and would be true at once, and Connected stays true for 3 heartbeat intervals after a
 * hub dies). Peak: VmHWM of the new hub process (and VmRSS polled every 100 ms) over the steady
 * RSS before the kill. Goals: < 30 s, peak < 2× steady.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { freePorts } from '../src/fleet/ports.ts';
import { stopAll } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import {
  fetchStatus,
  logRecords,
  procStatusKb,
  simFleetFiles,
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type HubApi,
  type HubProcess,
  type HubProcessOptions,
  type SimAgents,
  type StatusRow,
} from '../src/sim/sim-fleet.ts';
import {
  benchLog,
  bounded,
  machine,
  median,
  numberArg,
  round,
  sleep,
  stringArgs,
} from './lib/common.ts';

const log = benchLog('hub-restart');

/** Every row there, Synced, Healthy, Connected, and (with `since`) seen after `since`. */
function allGreen(rows: readonly StatusRow[], expected: number, since = 0): boolean {
  if (rows.length !== expected) return false;
  return rows.every(
    (r) =>
      r.sync === 'Synced' &&
      r.health === 'Healthy' &&
      r.connection === 'Connected' &&
      r.reportedVersion === r.desiredVersion &&
      (r.lastSeenMs ?? 0) > since,
  );
}

function summary(rows: readonly StatusRow[], since: number): string {
  const count = (pred: (r: StatusRow) => boolean): number => rows.filter(pred).length;
  return `${rows.length} rows: ${count((r) => r.sync === 'Synced')} Synced, ${count((r) => r.health === 'Healthy')} Healthy, ${count((r) => r.connection === 'Connected')} Connected, ${count((r) => (r.lastSeenMs ?? 0) > since)} seen since the kill`;
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const targets = numberArg(args, 'targets', 1000);
  const apps = numberArg(args, 'apps', 5);
  const settleS = numberArg(args, 'settle-s', 15);
  // rows per status page (the hub caps it; every page is read, following metadata.continue)
  const pageLimit = numberArg(args, 'page-limit', 5000);
  const statusOf = (hub: HubApi): Promise<StatusRow[]> => fetchStatus(hub, {}, pageLimit);
  const hubEnv = Object.fromEntries(
    stringArgs(args, 'hub-env').map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`--hub-env=${kv}: expected KEY=VALUE`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  const expected = targets * apps;
  let fleet: TestFleet | undefined;
  const hubs: HubProcess[] = [];
  let sim: SimAgents | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-restart-'));
  try {
    return await bounded('hub-restart benchmark', 40 * 60_000, async () => {
      fleet = await startFleet({ clusters: 0 });
      const { git, redis } = fleet;
      if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
      const repoUrl = await git.createRepo('fleet');
      const sha = await git.commit('fleet', {
        files: simFleetFiles({ targets, apps, message: 'v0' }),
        message: 'v0',
      });
      const tokensDir = path.join(dir, 'tokens');
      await writeAgentTokens(
        tokensDir,
        Array.from({ length: targets }, (_, i) => simTargetName(i)),
      );
      const secretFile = path.join(dir, 'webhook.secret');
      await writeFile(secretFile, randomBytes(16).toString('hex'));
      const [grpcPort = 0, httpPort = 0] = await freePorts(2);
      const hubOpts = (name: string): HubProcessOptions => ({
        name,
        logDir: dir,
        fleetRepo: repoUrl,
        redisUrl: redis.url,
        tokensDir,
        grpcPort,
        httpPort,
        // the same Git cache, as a restarted pod with a persistent volume (or a warm node) has
        cacheDir: path.join(dir, 'hub-git'),
        webhookSecretFile: secretFile,
        replica: 'hub-0',
        env: hubEnv,
      });

      // ------------------------------------------------------------------ steady state
      let t0 = performance.now();
      const first = await startHubProcess(hubOpts('hub-1'));
      hubs.push(first);
      await first.waitReady(600_000);
      log(
        `hub ready in ${Math.round(performance.now() - t0)} ms (${targets} targets × ${apps} apps)`,
      );
      t0 = performance.now();
      sim = await startSimAgents({
        name: 'sim-agents',
        logDir: dir,
        hub: first.grpcAddress,
        tokensDir,
        count: targets,
      });
      const s = sim;
      await s.waitFor(
        `${targets} agents connected, ${expected} apps synced`,
        (p) => p.ready === targets && (p.revisions[sha]?.reported ?? 0) === expected,
        { timeoutMs: 600_000, abortIf: first.gone },
      );
      log(
        `${targets} agents connected and ${expected} apps synced in ${Math.round(performance.now() - t0)} ms`,
      );
      const steadyRows = await waitFor(
        'status: every row Synced, Healthy, Connected',
        async () => {
          const rows = await statusOf(first);
          return allGreen(rows, expected) ? rows : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, abortIf: first.gone },
      );
      const q0 = performance.now();
      await statusOf(first);
      const statusReadMs = performance.now() - q0;
      log(`status: ${summary(steadyRows, 0)} (read in ${Math.round(statusReadMs)} ms)`);
      const pid1 = first.nodePid();
      if (pid1 === undefined) throw new Error('hub node process not found');
      log(`settling ${settleS} s`);
      await sleep(settleS * 1000);
      const steadySamples: number[] = [];
      for (let i = 0; i < 5; i++) {
        if (i > 0) await sleep(1_000);
        steadySamples.push(procStatusKb(pid1, 'VmRSS'));
      }
      const steadyKb = median(steadySamples);
      const steadyPeakKb = procStatusKb(pid1, 'VmHWM');
      log(
        `steady hub RSS ${round(steadyKb / 1024)} MB (its peak so far ${round(steadyPeakKb / 1024)} MB)`,
      );

      // ------------------------------------------------------------------ kill and restart
      const sessionsBefore = s.progress()?.sessions ?? 0;
      const killedAt = Date.now();
      const k0 = performance.now();
      await first.kill();
      const second = await startHubProcess(hubOpts('hub-2'));
      hubs.push(second);
      // the new node process: poll its RSS until recovery (VmHWM read at the end as well)
      let pid2: number | undefined;
      let maxRssKb = 0;
      const sampler = setInterval(() => {
        pid2 ??= second.nodePid();
        if (pid2 !== undefined) maxRssKb = Math.max(maxRssKb, procStatusKb(pid2, 'VmRSS'));
      }, 100);
      let readyMs: number | undefined;
      let reconnectedMs: number | undefined;
      let lastSummary = '';
      let polls = 0;
      try {
        await waitFor(
          'every (target, app) Synced, Healthy and Connected again',
          async () => {
            const p = s.progress();
            if (
              reconnectedMs === undefined &&
              p !== undefined &&
              p.ready === targets &&
              p.sessions >= sessionsBefore + targets
            ) {
              reconnectedMs = p.lastReadyAtMs - killedAt;
              log(`all ${targets} agents have a new session ${reconnectedMs} ms after the kill`);
            }
            let rows: StatusRow[];
            try {
              rows = await statusOf(second);
            } catch {
              return undefined; // not listening yet
            }
            polls++;
            if (readyMs === undefined) {
              readyMs = Math.round(performance.now() - k0);
              log(`hub API answering ${readyMs} ms after the kill`);
            }
            lastSummary = summary(rows, killedAt);
            return allGreen(rows, expected, killedAt);
          },
          { timeoutMs: 300_000, intervalMs: 200, abortIf: second.gone },
        );
      } catch (err) {
        log(`not recovered: last status ${lastSummary}`);
        throw err;
      } finally {
        clearInterval(sampler);
      }
      const ms = Math.round(performance.now() - k0);
      const end = s.progress();
      if (reconnectedMs === undefined && end !== undefined && end.ready === targets)
        reconnectedMs = end.lastReadyAtMs - killedAt;
      if (pid2 === undefined) throw new Error('new hub node process not found');
      const peakKb = Math.max(maxRssKb, procStatusKb(pid2, 'VmHWM'));
      const nowKb = procStatusKb(pid2, 'VmRSS');
      log(
        `recovered ${ms} ms after the kill; new hub peak RSS ${round(peakKb / 1024)} MB (now ${round(nowKb / 1024)} MB) vs steady ${round(steadyKb / 1024)} MB`,
      );
      const passes = logRecords(second.proc)
        .filter((x) => x.msg === 'resolve pass')
        .map((x) => ({ ms: Number(x['ms']), changed: Number(x['changed']) }));
      const started = logRecords(second.proc).find((x) => x.msg === 'hub started');
      const progress = s.progress();
      return {
        targets,
        apps,
        ms,
        peak_rss_ratio: round(peakKb / steadyKb, 2),
        goal: 'ms < 30000, peak_rss_ratio < 2',
        steady_rss_mb: round(steadyKb / 1024),
        peak_rss_mb: round(peakKb / 1024),
        rss_after_recovery_mb: round(nowKb / 1024),
        api_answering_ms: readyMs ?? null,
        agents_reconnected_ms: reconnectedMs ?? null,
        status_polls: polls,
        status_read_ms_steady: Math.round(statusReadMs),
        resolve_passes_after_restart: passes,
        hub_started_at: started?.time ?? null,
        killed_at: new Date(killedAt).toISOString(),
        sim_drops: progress?.drops ?? null,
        sim_drop_reasons: progress?.dropReasons ?? null,
        settings: {
          hub: 'gitfleet-hub binary, heartbeat 10 s, log level info, same Git cache dir',
          agents:
            'sim-agents.ts: the real agent backoff (250 ms × 2^n up to 30 s, jitter) and its gRPC channel options',
          env: hubEnv,
        },
        machine: machine(),
      };
    });
  } finally {
    await sim?.stop().catch(() => undefined);
    for (const h of hubs) await h.stop().catch(() => undefined);
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
