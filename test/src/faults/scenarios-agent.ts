/**
 * Fault scenarios around one agent: the agent killed mid-apply, its link to the hub partitioned
 * (reset, held, slow), its apiserver hung, slow and restarted. Each runs on the first target of a
 * FaultFleet with its own application (namespace), so scenarios never see each other's objects.
 */
import type { FaultFleet } from './harness.ts';
import { objectName, type FaultApp } from './fleet-model.ts';
import { BLACKHOLE, DROP, PASS, type ProxyMode } from './tcp-proxy.ts';
import { Checks, must, sleep, type ScenarioOutcome, type ScenarioSize } from './scenario.ts';
import { waitFor } from '../fleet/wait.ts';

/** The agent's server-side applies in flight at most (its --apply-concurrency default). */
export const APPLY_CONCURRENCY = 32;
/**
 * The agent's deadline of the state Secret write that takes an assignment over, for a small app
 * (agent/src/core/take-failure.ts, `stateWriteDeadlineMs`): past it the agent reports the failure.
 */
export const AGENT_STATE_WRITE_DEADLINE_MS = 10_000;

function app(name: string, target: string, objects: number, n: number): FaultApp {
  return { name, targets: [target], objects, rev: `${name}-${String(n)}` };
}

/** Resolves on the `count`-th event (from now) of `appName` objects at `rev` on `target`; `then` runs inside the watch callback. */
function onObjectsAt(
  f: FaultFleet,
  target: string,
  appName: string,
  rev: string,
  count: number,
  then: () => void = () => undefined,
): Promise<number> {
  const w = f.witness(target);
  return new Promise((resolve) => {
    let seen = 0;
    const off = w.onEvent((e) => {
      if (!e.key.startsWith(`${appName}/`) || e.rev !== rev) return;
      if (++seen < count) return;
      off();
      then();
      resolve(Date.now());
    });
  });
}

async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------ 1. agent SIGKILL mid-apply

/**
 * One commit grows an application from 1 to `bulkObjects` ConfigMaps; when a third of them exist,
 * the agent's process group is SIGKILLed (from inside the watch callback, so the apply is really
 * running) and the binary started again on the same state.
 *
 * Asserted: every object ends at the new content; each object got exactly one event (ADDED, or
 * MODIFIED for the one that existed) — nothing deleted, re-created or rewritten; and the
 * apiserver's count of successful applies exceeds the objects written by at most the applies
 * that could have been in flight at the kill (--apply-concurrency, 32): those may have reached
 * etcd after the old agent's last look. A re-apply of unchanged content emits no event, which is
 * why the request count is the second witness. Measured: `excessApplies` (the real number).
 */
export async function agentKilledMidApply(
  f: FaultFleet,
  size: ScenarioSize,
): Promise<ScenarioOutcome> {
  const t = f.targets[0] ?? '';
  const name = 'bulk';
  await f.commit([app(name, t, 1, 1)]);
  await f.waitApp(name, 120_000);
  const mark = await f.mark();
  const next = app(name, t, size.bulkObjects, 2);
  const agent = f.agent(t);
  let atKill = 0;
  const killAt = Math.max(1, Math.floor(size.bulkObjects / 3));
  const killed = onObjectsAt(f, t, name, next.rev, killAt, () => {
    process.kill(-agent.pid, 'SIGKILL');
    atKill = f.witness(t).countAt(next.rev);
  });
  const t0 = Date.now();
  await f.commit([next]);
  const killedAt = await within('a third of the objects applied', 120_000, killed);
  await agent.exited;
  must(
    atKill < size.bulkObjects,
    `the kill came after the apply finished (${atKill} of ${size.bulkObjects})`,
  );
  await f.startAgent(t);
  const restartMs = Date.now() - killedAt;
  await f.waitApp(name, 180_000);
  const convergedMs = Date.now() - t0;
  await sleep(size.quietMs);
  const report = await f.check(mark, {
    apps: [name],
    allowance: new Map([[t, APPLY_CONCURRENCY]]),
  });
  const applies = (await f.applies(t)) - (mark.applies.get(t) ?? 0);
  return {
    report,
    details: {
      objects: size.bulkObjects,
      objectsAtKill: atKill,
      killAfterMs: killedAt - t0,
      restartMs,
      convergedMs,
      applies,
      excessApplies: applies - size.bulkObjects,
    },
  };
}

// ------------------------------------------------------------------ 2–4. hub ↔ agent partition

/** Longest a partition waits for the hub to notice (3 heartbeat intervals of 1 s, and slack). */
const NOTICE_MS = 15_000;

/**
 * The agent's link to the hub partitioned — `drop` (connections reset, new ones refused),
 * `blackhole` (everything held: the TCP connections stay up, no byte moves) — or made slow.
 *
 * Partitioned: the hub notices (the target leaves Connected); a drift made meanwhile is still
 * corrected by the agent on its own, to the content it knows; two commits land; nothing of them
 * reaches the cluster. Healed: the target converges on the newest commit, and no object ever
 * goes back from a newer content to an older one (no stale overwrite: the first commit of the
 * partition may be skipped, never applied after the second).
 *
 * Slow (300 ms each way, 32 KB/s): both commits converge through the slow link, without a
 * duplicate write from resends of unacknowledged messages.
 */
export function partition(kind: 'drop' | 'blackhole' | 'slow') {
  return async (f: FaultFleet, size: ScenarioSize): Promise<ScenarioOutcome> => {
    const t = f.targets[0] ?? '';
    const name = `link-${kind}`;
    await f.commit([app(name, t, size.objects, 1)]);
    await f.waitApp(name, 60_000);
    const mark = await f.mark();
    const proxy = f.hubProxy(t);
    const mode: ProxyMode =
      kind === 'drop'
        ? DROP
        : kind === 'blackhole'
          ? BLACKHOLE
          : { kind: 'slow', latencyMs: 300, bytesPerSecond: 32 * 1024 };
    const details: Record<string, unknown> = {};
    const t0 = Date.now();
    proxy.setMode(mode);
    if (kind === 'slow') {
      await f.commit([app(name, t, size.objects, 2)]);
      details['slowConvergedMs'] = await f.waitApp(name, 120_000);
      await f.commit([app(name, t, size.objects, 3)]);
      details['slowConverged2Ms'] = await f.waitApp(name, 120_000);
      proxy.setMode(PASS);
    } else {
      await waitFor(
        `the hub to see ${t} partitioned`,
        async () => (await f.status({ app: name }))[0]?.connection !== 'Connected',
        { timeoutMs: NOTICE_MS, intervalMs: 100 },
      );
      details['noticedMs'] = Date.now() - t0;
      // the agent keeps the cluster as it knows it: drift is corrected without the hub
      const drift = `${name}-drift`;
      const corrected = onObjectsAt(f, t, name, `${name}-1`, 1);
      await f.injectDrift(t, name, objectName(1), drift);
      const tDrift = Date.now();
      await within('drift corrected during the partition', 30_000, corrected);
      details['driftCorrectedMs'] = Date.now() - tDrift;
      await f.commit([app(name, t, size.objects, 2)]);
      await sleep(1_000);
      await f.commit([app(name, t, size.objects, 3)]);
      await sleep(1_500);
      const leaked = f.witness(t).countAt(`${name}-2`) + f.witness(t).countAt(`${name}-3`);
      must(leaked === 0, `${leaked} object(s) changed through a partitioned link`);
      const tHeal = Date.now();
      proxy.setMode(PASS);
      details['healedConvergedMs'] = await f.waitApp(name, 120_000);
      details['partitionMs'] = tHeal - t0;
      details['reconnectsLogged'] = f
        .agentLog(t)
        .filter((r) => /link down/.test(String(r.msg)) && Date.parse(String(r.time)) >= t0).length;
    }
    await sleep(size.quietMs);
    return { report: await f.check(mark, { apps: [name] }), details };
  };
}

// ------------------------------------------------------------------ 5–6. apiserver hung, slow

/**
 * The agent's apiserver hung: a proxy in front of it accepts connections and never answers, and
 * holds the open ones silent. A commit lands during the hang.
 *
 * Asserted during the hang: the agent stays alive and Connected to the hub (its event loop is not
 * stuck behind a request); the hub shows the application OutOfSync at the new revision (the agent
 * takes an assignment over by persisting it in the cluster before it acknowledges it, so a hung
 * apiserver leaves the new version unacknowledged) and never Synced at it; when the hang outlasts
 * the agent's state-write deadline (10 s), the failure is reported (a rejection or a report with
 * an error). After heal: converges, no double write.
 */
export async function apiserverHung(f: FaultFleet, size: ScenarioSize): Promise<ScenarioOutcome> {
  const t = f.targets[0] ?? '';
  const name = 'api-hung';
  await f.commit([app(name, t, size.objects, 1)]);
  await f.waitApp(name, 60_000);
  const mark = await f.mark();
  f.apiProxy(t).setMode(BLACKHOLE);
  const t0 = Date.now();
  const sha = await f.commit([app(name, t, size.objects, 2)]);
  let outOfSyncAtMs: number | undefined;
  let errorAtMs: number | undefined;
  let error: unknown;
  let notConnected = 0;
  let falseSynced = 0;
  const checks = new Checks();
  while (Date.now() - t0 < size.hangMs) {
    must(f.agent(t).running, `the agent exited during the hang: ${f.agent(t).tail()}`);
    const row = (await f.status({ app: name }))[0];
    if (row?.desiredRevision === sha) {
      if (row.connection !== 'Connected') notConnected++;
      if (row.revision === sha && row.sync === 'Synced') falseSynced++;
      if (row.sync !== 'Synced') outOfSyncAtMs ??= Date.now() - t0;
      const e = (row as { error?: unknown }).error;
      if (e !== undefined || row.sync === 'Failed') {
        errorAtMs ??= Date.now() - t0;
        error ??= e;
      }
    }
    await sleep(500);
  }
  checks.that(
    falseSynced === 0,
    `the hub showed ${name} Synced at the new revision during the hang`,
  );
  checks.that(notConnected === 0, `${t} left Connected ${notConnected} time(s) during the hang`);
  checks.that(
    outOfSyncAtMs !== undefined,
    'the hub never showed the new revision OutOfSync during the hang',
  );
  if (size.hangMs > AGENT_STATE_WRITE_DEADLINE_MS + 5_000) {
    checks.that(
      errorAtMs !== undefined,
      `the hang lasted ${size.hangMs} ms and no failure was reported (state-write deadline ${AGENT_STATE_WRITE_DEADLINE_MS} ms)`,
    );
    const e = error as { code?: unknown; message?: unknown } | undefined;
    checks.that(
      errorAtMs === undefined || (e?.code === 'TIMEOUT' && String(e.message).includes('apiserver')),
      `the failure shown during the hang is not a TIMEOUT naming the apiserver: ${JSON.stringify(error)}`,
    );
  }
  const timedOut = f
    .agentLog(t)
    .find((r) => r['code'] === 'TIMEOUT' && Date.parse(String(r.time)) >= t0);
  const tHeal = Date.now();
  f.apiProxy(t).setMode(PASS);
  await f.waitApp(name, 180_000);
  const healedMs = Date.now() - tHeal;
  await sleep(size.quietMs);
  return {
    report: await f.check(mark, { apps: [name] }),
    failed: checks.failed,
    details: {
      hangMs: size.hangMs,
      outOfSyncShownMs: outOfSyncAtMs,
      errorReportedMs: errorAtMs,
      error: error === undefined ? undefined : JSON.stringify(error).slice(0, 200),
      agentLoggedTimeoutMs:
        timedOut === undefined ? undefined : Date.parse(String(timedOut.time)) - t0,
      healedConvergedMs: healedMs,
    },
  };
}

/**
 * The agent's apiserver slow (150 ms each way, 64 KB/s): a commit converges through it and a
 * drift is corrected through it, with no double write (no request timed out and was retried).
 */
export async function apiserverSlow(f: FaultFleet, size: ScenarioSize): Promise<ScenarioOutcome> {
  const t = f.targets[0] ?? '';
  const name = 'api-slow';
  await f.commit([app(name, t, size.objects, 1)]);
  await f.waitApp(name, 60_000);
  const mark = await f.mark();
  f.apiProxy(t).setMode({ kind: 'slow', latencyMs: 150, bytesPerSecond: 64 * 1024 });
  await f.commit([app(name, t, size.objects, 2)]);
  const convergedMs = await f.waitApp(name, 180_000);
  const corrected = onObjectsAt(f, t, name, `${name}-2`, 1);
  const tDrift = Date.now();
  await f.injectDrift(t, name, objectName(1), `${name}-drift`);
  await within('drift corrected through a slow apiserver', 60_000, corrected);
  const driftMs = Date.now() - tDrift;
  f.apiProxy(t).setMode(PASS);
  await sleep(size.quietMs);
  return {
    report: await f.check(mark, { apps: [name] }),
    details: { slowConvergedMs: convergedMs, driftCorrectedMs: driftMs },
  };
}

// ------------------------------------------------------------------ 7. apiserver restart

/**
 * The agent's apiserver stopped and started (same port, same etcd) under its open watches. A
 * drift made after the restart must be seen and corrected (the agent's watches re-establish), and
 * a commit after it converges. The apiserver's request counter restarts at zero: the harness adds
 * the count of the old process.
 */
export async function apiserverRestart(
  f: FaultFleet,
  size: ScenarioSize,
): Promise<ScenarioOutcome> {
  const t = f.targets[0] ?? '';
  const name = 'api-restart';
  await f.commit([app(name, t, size.objects, 1)]);
  await f.waitApp(name, 60_000);
  const mark = await f.mark();
  const t0 = Date.now();
  await f.restartApiserver(t);
  const restartMs = Date.now() - t0;
  const corrected = onObjectsAt(f, t, name, `${name}-1`, 1);
  const tDrift = Date.now();
  await f.injectDrift(t, name, objectName(1), `${name}-drift`);
  // the agent's watch retry backs off to 30 s at most (agent/src/kube/resource-watch.ts)
  await within('drift after the restart corrected', 45_000, corrected);
  const driftMs = Date.now() - tDrift;
  await f.commit([app(name, t, size.objects, 2)]);
  const convergedMs = await f.waitApp(name, 60_000);
  await sleep(size.quietMs);
  return {
    report: await f.check(mark, { apps: [name] }),
    details: { restartMs, driftCorrectedMs: driftMs, commitConvergedMs: convergedMs },
  };
}
