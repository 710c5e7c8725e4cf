/**
 * Fault scenarios around the hub: Redis killed during a rollout step, the Git server failing
 * (500s, truncated packs) and rewritten (force-push), the hub's Git cache full or read-only. Each
 * uses its own application (namespace). The hub's clock jumps are in scenarios-clock.ts.
 */
import type { FaultFleet } from './harness.ts';
import type { FaultApp } from './fleet-model.ts';
import { firstArrivals, logsSince, movedOrder, readyz, rolloutCompleted } from './rollout-views.ts';
import { waitFor } from '../fleet/wait.ts';
import { Checks, must, sleep, type ScenarioOutcome, type ScenarioSize } from './scenario.ts';

// ------------------------------------------------------------------ 8. Redis SIGKILL mid-rollout

const SOAK_MS = 2_000;

/**
 * An application rolled out in three waves (one target each, 2 s soak between). The moment the
 * second wave's first object changes in its cluster — the rollout step that moved it has just
 * run — Redis is SIGKILLed and started again on its data (AOF, fsync every second).
 *
 * Asserted: the same hub process completes the rollout; every wave moved, in order, each after
 * the previous one soaked (from the clusters' clocks: first changed object per target); the
 * rollout's history names the three moves in order; converged, nothing lost or written twice.
 */
export async function redisKillDuringRollout(
  f: FaultFleet,
  size: ScenarioSize,
): Promise<ScenarioOutcome> {
  const [t1 = '', t2 = '', t3 = ''] = f.targets;
  must(f.targets.length >= 3, 'the rollout scenario needs three targets');
  const redis = f.fleet?.redis;
  if (redis === undefined) throw new Error('no Redis');
  const name = 'waves';
  const rollout = [
    'rollout:',
    '  waves:',
    `    - { name: w1, selector: { matchLabels: { target: ${t1} } }, soak: ${SOAK_MS / 1000}s }`,
    `    - { name: w2, selector: { matchLabels: { target: ${t2} } }, soak: ${SOAK_MS / 1000}s }`,
    `    - { name: w3, selector: { matchLabels: { target: ${t3} } } }`,
    '  progressDeadline: 120s',
  ];
  const mk = (n: number): FaultApp => ({
    name,
    targets: [t1, t2, t3],
    objects: size.objects,
    rev: `${name}-${String(n)}`,
    rollout,
  });
  await f.commit([mk(1)]);
  await f.waitApp(name, 90_000);
  const mark = await f.mark();
  const hub = f.hub;
  const arrivals = firstArrivals(f, name, `${name}-2`);
  const checks = new Checks();
  try {
    const secondWave = new Promise<void>((resolve) => {
      const off = f.witness(t2).onEvent((e) => {
        if (e.key.startsWith(`${name}/`) && e.rev === `${name}-2`) {
          off();
          resolve();
        }
      });
    });
    const t0 = Date.now();
    const sha = await f.commit([mk(2)]);
    await waitFor('the second wave to move', () => arrivals.at.has(t2), {
      timeoutMs: 60_000,
      intervalMs: 5,
      abortIf: () => f.dead(),
    });
    await secondWave;
    const killAt = Date.now();
    await redis.restart({ kill: true });
    const outageMs = Date.now() - killAt;
    const done = await rolloutCompleted(f, name, sha, 90_000);
    await f.waitApp(name, 60_000);
    const convergedMs = Date.now() - t0;
    checks.that(f.hub === hub && hub.proc.running, 'the hub did not ride out the Redis restart');
    const a1 = arrivals.at.get(t1) ?? NaN;
    const a2 = arrivals.at.get(t2) ?? NaN;
    const a3 = arrivals.at.get(t3) ?? NaN;
    checks.that(a1 < a2 && a2 < a3, `waves out of order: ${t1} ${a1}, ${t2} ${a2}, ${t3} ${a3}`);
    checks.that(
      a2 - a1 >= SOAK_MS - 250,
      `wave 2 moved ${a2 - a1} ms after wave 1: its soak was skipped`,
    );
    checks.that(
      a3 - a2 >= SOAK_MS - 250,
      `wave 3 moved ${a3 - a2} ms after wave 2: its soak was skipped`,
    );
    const order = movedOrder(done);
    const firsts = order.filter((t, i) => order.indexOf(t) === i);
    checks.that(
      JSON.stringify(firsts) === JSON.stringify([t1, t2, t3]),
      `rollout history moved ${order.join(', ')}`,
    );
    await sleep(size.quietMs);
    return {
      report: await f.check(mark, { apps: [name] }),
      failed: checks.failed,
      details: {
        wave2AfterWave1Ms: a2 - a1,
        wave3AfterWave2Ms: a3 - a2,
        redisOutageMs: outageMs,
        movesInHistory: order.length,
        convergedMs,
      },
    };
  } finally {
    arrivals.off();
  }
}

// ------------------------------------------------------------------ 9. Git faults

/**
 * Whether `GET /api/v1/fleet` names the fleet repository — it does only in a problem (the
 * repository URL is no field of its own), so before a fault it must not, during one it must, and
 * once the hub has recovered it must not again.
 */
async function fleetViewNamesRepo(f: FaultFleet): Promise<boolean> {
  return JSON.stringify(await f.fleetView()).includes('fleet.git');
}

/** The fleet view's reporting of a fault: clean before, problem during, clean after. */
async function reportChecks(
  f: FaultFleet,
  checks: Checks,
  what: string,
  before: boolean,
  during: boolean,
): Promise<void> {
  checks.that(!before, `GET /api/v1/fleet reported a problem with fleet.git before ${what}`);
  checks.that(
    during,
    `GET /api/v1/fleet did not report the failing fetch of fleet.git while ${what} (only the log did)`,
  );
  checks.that(
    !(await fleetViewNamesRepo(f)),
    `GET /api/v1/fleet still reports a problem with fleet.git after ${what} ended and the hub converged`,
  );
}

/**
 * Checks that, while Git (or the cache) is broken, the hub keeps serving the last good commit:
 * alive and ready, `app` still desired and Synced at `good` everywhere, its objects unchanged.
 */
async function keepsLastGood(
  f: FaultFleet,
  checks: Checks,
  app: string,
  good: string,
  rev: string,
): Promise<void> {
  must(f.dead() === undefined, f.dead() ?? '');
  checks.that((await readyz(f)) === 200, 'the hub is not ready while Git is broken');
  const rows = await f.status({ app });
  checks.that(
    rows.length > 0 && rows.every((r) => r.desiredRevision === good && r.sync === 'Synced'),
    `the hub left the last good commit: ${JSON.stringify(rows.map((r) => [r.target, r.desiredRevision.slice(0, 8), r.sync]))}`,
  );
  for (const t of f.app(app).targets) {
    const n = f.witness(t).countAt(rev);
    checks.that(n === f.app(app).objects, `${t}: ${n} object(s) of ${app} still at ${rev}`);
  }
}

/**
 * The Git server answers 500 to everything (`error`), or a fetch's pack arrives cut in half in a
 * well-formed HTTP answer (`truncate`), while a commit lands. Asserted: the hub keeps the last
 * good commit (alive, ready, rows and objects unchanged), reports the problem in
 * `GET /api/v1/fleet` (naming the repository), and converges on the new commit once Git heals,
 * with no hub restart.
 */
export function gitBroken(kind: 'error' | 'truncate') {
  return async (f: FaultFleet, size: ScenarioSize): Promise<ScenarioOutcome> => {
    const proxy = f.gitProxy;
    if (proxy === undefined) throw new Error('no Git proxy');
    const t = f.targets[0] ?? '';
    const name = `git-${kind}`;
    const mk = (n: number): FaultApp => ({
      name,
      targets: [t],
      objects: size.objects,
      rev: `${name}-${String(n)}`,
    });
    await f.commit([mk(1)]);
    await f.waitApp(name, 60_000);
    const good = f.commitOf(name) ?? '';
    const mark = await f.mark();
    const before = proxy.stats();
    const reportedBefore = await fleetViewNamesRepo(f);
    const logFrom = f.hubLog().length;
    proxy.mode = kind;
    const t0 = Date.now();
    await f.commit([mk(2)]);
    await waitFor(
      `two fetches to meet the ${kind} fault`,
      () => {
        const s = proxy.stats();
        return kind === 'error'
          ? s.failed - before.failed >= 2
          : s.truncated - before.truncated >= 2;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const checks = new Checks();
    await keepsLastGood(f, checks, name, good, `${name}-1`);
    const logged = logsSince(f, logFrom, (r) => r.level === 'warn' || r.level === 'error').filter(
      (r) => /git|fetch/i.test(String(r.msg)),
    );
    checks.that(logged.length > 0, 'the hub logged nothing about the failing fetches');
    const reported = await fleetViewNamesRepo(f);
    proxy.mode = 'pass';
    const tHeal = Date.now();
    const recoveredMs = await f.waitApp(name, 60_000);
    await reportChecks(f, checks, `Git was broken (${kind})`, reportedBefore, reported);
    await sleep(size.quietMs);
    return {
      report: await f.check(mark, { apps: [name] }),
      failed: checks.failed,
      details: {
        faultyFetches:
          kind === 'error'
            ? proxy.stats().failed - before.failed
            : proxy.stats().truncated - before.truncated,
        firstLog: logged[0]?.msg,
        faultMs: tHeal - t0,
        recoveredMs,
      },
    };
  };
}

/**
 * The branch is force-pushed to a new root commit (a rewritten history) that changes one
 * application. Asserted: the hub logs the ref change as forced, follows it (the application
 * converges on the rewritten commit), and the applications the rewrite did not change get no
 * write at all.
 */
export async function gitForcePush(f: FaultFleet, size: ScenarioSize): Promise<ScenarioOutcome> {
  const t = f.targets[0] ?? '';
  const name = 'git-force';
  const mk = (n: number): FaultApp => ({
    name,
    targets: [t],
    objects: size.objects,
    rev: `${name}-${String(n)}`,
  });
  await f.commit([mk(1)]);
  await f.waitApp(name, 60_000);
  await f.commit([mk(2)]);
  await f.waitApp(name, 60_000);
  const mark = await f.mark();
  const logFrom = f.hubLog().length;
  await f.forcePushRewrite(mk(3));
  const followedMs = await f.waitApp(name, 60_000);
  const forced = logsSince(
    f,
    logFrom,
    (r) =>
      r.msg === 'git refs changed' &&
      Array.isArray(r['forced']) &&
      (r['forced'] as unknown[]).includes('refs/heads/main'),
  );
  const checks = new Checks();
  checks.that(forced.length > 0, 'the hub did not log the force-push of refs/heads/main as forced');
  await sleep(size.quietMs);
  const others = ['base'];
  return {
    report: await f.check(mark, { apps: [name, ...others] }),
    failed: checks.failed,
    details: { followedMs },
  };
}

// ------------------------------------------------------------------ 10. the hub's cache

/**
 * The hub's Git cache is on its own small tmpfs: filled to the last byte (`full`), or remounted
 * read-only (`readonly`), while a commit lands. Asserted as for a broken Git server: last good
 * commit kept, problem reported, converges once the filesystem is writable again — no restart.
 */
export function cacheBroken(kind: 'full' | 'readonly') {
  return async (f: FaultFleet, size: ScenarioSize): Promise<ScenarioOutcome> => {
    const t = f.targets[0] ?? '';
    const name = `cache-${kind}`;
    const mk = (n: number): FaultApp => ({
      name,
      targets: [t],
      objects: size.objects,
      rev: `${name}-${String(n)}`,
    });
    await f.commit([mk(1)]);
    await f.waitApp(name, 60_000);
    const good = f.commitOf(name) ?? '';
    const mark = await f.mark();
    const details: Record<string, unknown> = {};
    const reportedBefore = await fleetViewNamesRepo(f);
    if (kind === 'full') details['filledBytes'] = await f.fillCache();
    else await f.cacheReadOnly(true);
    const logFrom = f.hubLog().length;
    const t0 = Date.now();
    await f.commit([mk(2)]);
    const failures = await waitFor(
      'the hub to meet the cache fault',
      () => {
        const l = logsSince(f, logFrom, (r) => r.level === 'warn' || r.level === 'error').filter(
          (r) => /git|fetch/i.test(String(r.msg)),
        );
        return l.length >= 2 ? l : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    details['firstLog'] = JSON.stringify(failures[0] ?? {}).slice(0, 300);
    const checks = new Checks();
    await keepsLastGood(f, checks, name, good, `${name}-1`);
    const reported = await fleetViewNamesRepo(f);
    if (kind === 'full') await f.freeCache();
    else await f.cacheReadOnly(false);
    details['faultMs'] = Date.now() - t0;
    details['recoveredMs'] = await f.waitApp(name, 60_000);
    await reportChecks(
      f,
      checks,
      `the cache was ${kind === 'full' ? 'full' : 'read-only'}`,
      reportedBefore,
      reported,
    );
    await sleep(size.quietMs);
    return { report: await f.check(mark, { apps: [name] }), failed: checks.failed, details };
  };
}
