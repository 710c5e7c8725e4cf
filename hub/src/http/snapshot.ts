/**
 * What the fleet views read: the store's targets at one moment (./views.ts takes it from there),
 * and the resolver's status with the poller's view of the fleet repository's fetches.
 */
import { STALE_AFTER_MISSED_HEARTBEATS } from '@gitfleet/proto';
import { redactUrl } from '../git/repo-url.ts';
import type { ResolverStatus } from '../resolve/types.ts';
import type { HttpServerDeps } from './deps.ts';
import { sourcesView } from './source-view.ts';
import { fleetView, type FleetSnapshot, type TargetSnapshot } from './views.ts';

/** Everything the store holds about `only` (undefined: every target the store or fleet knows). */
export async function loadSnapshot(
  deps: HttpServerDeps,
  only?: readonly string[],
): Promise<FleetSnapshot> {
  const { store } = deps;
  const fleet = deps.resolver.fleet;
  const names =
    only ??
    [...new Set([...(await store.targets()), ...(fleet?.targets.map((t) => t.name) ?? [])])].sort();
  const now = (deps.now ?? Date.now)();
  const staleAfter = STALE_AFTER_MISSED_HEARTBEATS * deps.config.heartbeatIntervalMs;
  const targets = await Promise.all(
    names.map(async (name): Promise<TargetSnapshot> => ({
      name,
      connection: await store.connection(name, now, staleAfter),
      desired: await store.listDesired(name),
      reports: await store.listReports({ target: name }),
    })),
  );
  return { fleet, targets };
}

/**
 * What the store holds about the `apps` of one target (undefined: every app of it): its
 * connection, those apps' desired state and their reports, read one app at a time.
 */
export async function loadCells(
  deps: HttpServerDeps,
  target: string,
  apps: readonly string[] | undefined,
): Promise<FleetSnapshot> {
  const { store } = deps;
  const now = (deps.now ?? Date.now)();
  const staleAfter = STALE_AFTER_MISSED_HEARTBEATS * deps.config.heartbeatIntervalMs;
  const wanted = apps === undefined ? undefined : new Set(apps);
  const [connection, desired, reports] = await Promise.all([
    store.connection(target, now, staleAfter),
    store.listDesired(target),
    wanted === undefined
      ? store.listReports({ target })
      : Promise.all([...wanted].map((app) => store.getReport(target, app))),
  ]);
  return {
    fleet: deps.resolver.fleet,
    targets: [
      {
        name: target,
        connection,
        desired: wanted === undefined ? desired : desired.filter((d) => wanted.has(d.app)),
        reports: reports.filter((r) => r !== undefined),
      },
    ],
  };
}

/**
 * The resolver's status with the poller's view of the fleet repository's fetches (fleetView)
 * and of the application source repositories' (sourcesView).
 */
export function fleetStatus(deps: HttpServerDeps): ResolverStatus {
  const url = redactUrl(deps.config.fleetRepo);
  const polls = deps.poller.status();
  return sourcesView(
    fleetView(
      deps.resolver.status,
      polls.find((p) => p.url === url),
    ),
    polls.filter((p) => p.url !== url),
  );
}
