/**
 * The fleet views of the hub's HTTP API, as pure functions of a snapshot of the store and the
 * fleet in force: status per (target, app), drift records, targets with their connection state,
 * applications and environments with aggregated counts, and sync history. Their types are the
 * API's schemas' (./api/fleet.ts). Each list has a stable sort key (target, then app, then
 * object) for pagination (./paginate.ts).
 *
 * A target that is not Connected never shows an app as Healthy: its last report is old news.
 */
import type { StatusReport } from '@gitfleet/proto';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { matchesLabelSelector } from '../core/fleet/label-selector.ts';
import type { EnvironmentSpec, FleetSpec } from '../core/fleet/types.ts';
import type { PollStatus } from '../git/poller.ts';
import { HEAD_STAGES, ProblemStage, formatHubProblem, problemOf } from '../resolve/problems.ts';
import type { ResolverStatus } from '../resolve/types.ts';
import type { ConnectionStatus, DesiredSummary, SyncHistoryEntry } from '../store/port.ts';
import type {
  ApplicationView,
  DriftItem,
  EnvironmentView,
  FleetStatusRow,
  HistoryItem,
  TargetView,
} from './api/fleet.ts';
import type { StatusCounts } from './api/schema.ts';
import { compareKeys, type KeyShape, type SortKey } from './paginate.ts';
import { PROCESS_MASK_KEY, maskSecretChanges } from './secret-mask.ts';

/** The views' types, derived from the API's schemas, for the modules that show views. */
export type {
  ApplicationView,
  DriftItem,
  EnvironmentView,
  FleetStatusRow,
  HistoryItem,
  TargetView,
} from './api/fleet.ts';

// ---------------------------------------------------------------------------------------------
// Input

/** What the store holds about one target, read at one moment. */
export interface TargetSnapshot {
  readonly name: string;
  readonly connection: ConnectionStatus;
  /** Current desired apps (removed ones excluded). */
  readonly desired: readonly DesiredSummary[];
  /** Newest report per app. */
  readonly reports: readonly StatusReport[];
}

/** The input of every view: the fleet in force (if any) and the store's targets. */
export interface FleetSnapshot {
  readonly fleet: FleetSpec | undefined;
  readonly targets: readonly TargetSnapshot[];
}

// ---------------------------------------------------------------------------------------------
// Sort keys (stable order for pagination)

export interface ListKey<T> {
  readonly shape: KeyShape;
  readonly of: (item: T) => SortKey;
}

export const STATUS_KEY: ListKey<FleetStatusRow> = {
  shape: ['string', 'string'],
  of: (r) => [r.target, r.app],
};
export const DRIFT_KEY: ListKey<DriftItem> = {
  shape: ['string', 'string', 'string', 'string', 'string', 'string', 'string'],
  of: (d) => [d.target, d.app, d.ref.group, d.ref.kind, d.ref.namespace, d.ref.name, d.ref.version],
};
export const TARGET_KEY: ListKey<TargetView> = { shape: ['string'], of: (t) => [t.name] };
export const APPLICATION_KEY: ListKey<ApplicationView> = {
  shape: ['string'],
  of: (a) => [a.name],
};
export const ENVIRONMENT_KEY: ListKey<EnvironmentView> = {
  shape: ['string'],
  of: (e) => [e.name],
};
/** Newest first. */
export const HISTORY_KEY: ListKey<HistoryItem> = {
  shape: ['number', 'number', 'string', 'string'],
  of: (h) => [-h.atMs, -h.assignmentVersion, h.syncState, h.revision],
};

// ---------------------------------------------------------------------------------------------
// Fleet lookups

/**
 * The declared environment of that name.
 *
 * @throws GitfleetError NOT_FOUND (naming the `environment` parameter) when the fleet in force
 *   does not declare it, or no fleet is in force yet
 */
export function requireEnvironment(fleet: FleetSpec | undefined, name: string): EnvironmentSpec {
  const env = fleet?.environments.find((e) => e.name === name);
  if (env !== undefined) return env;
  const known = fleet?.environments.map((e) => e.name) ?? [];
  throw new GitfleetError(
    ErrorCode.NotFound,
    fleet === undefined
      ? `query parameter environment: no fleet definition is in force yet, so there is no environment "${name}"`
      : `query parameter environment: "${name}" is not declared in the fleet in force (declared: ${known.length === 0 ? 'none' : known.join(', ')})`,
    { terminal: true, details: { parameter: 'environment', environment: name } },
  );
}

/** Names of the declared targets in `env` (its selector over their labels), sorted. */
export function targetsOfEnvironment(fleet: FleetSpec, env: EnvironmentSpec): string[] {
  return fleet.targets
    .filter((t) => matchesLabelSelector(t.labels, env.selector))
    .map((t) => t.name)
    .sort();
}

/** The environment of a declared target (the first matching by name), else undefined. */
function environmentOf(fleet: FleetSpec | undefined, target: string): string | undefined {
  const t = fleet?.targets.find((x) => x.name === target);
  if (fleet === undefined || t === undefined) return undefined;
  return fleet.environments.find((e) => matchesLabelSelector(t.labels, e.selector))?.name;
}

/**
 * Which targets a view filtered by `target` and/or `environment` needs from the store
 * (undefined: all of them). Lets the adapter read only what it shows.
 *
 * @throws GitfleetError NOT_FOUND for an undeclared environment
 */
export function targetsToLoad(
  fleet: FleetSpec | undefined,
  filter: { readonly target?: string; readonly environment?: string },
): string[] | undefined {
  let names: string[] | undefined;
  if (filter.environment !== undefined) {
    const env = requireEnvironment(fleet, filter.environment);
    names = fleet === undefined ? [] : targetsOfEnvironment(fleet, env);
  }
  if (filter.target !== undefined) {
    names = (names ?? [filter.target]).filter((t) => t === filter.target);
  }
  return names;
}

function inFilter(
  fleet: FleetSpec | undefined,
  filter: { readonly target?: string; readonly environment?: string },
): (target: string) => boolean {
  const allowed = targetsToLoad(fleet, filter);
  if (allowed === undefined) return () => true;
  const set = new Set(allowed);
  return (t) => set.has(t);
}

// ---------------------------------------------------------------------------------------------
// Views

export interface StatusFilter {
  readonly target?: string;
  readonly app?: string;
  readonly environment?: string;
}

/**
 * Per (target, app) with desired state: desired version and revision, delivery, the last
 * report's revision, sync, health and drift, and the target's connection. Sorted by target, app.
 *
 * @throws GitfleetError NOT_FOUND for an undeclared `environment`
 */
export function statusRows(snap: FleetSnapshot, filter: StatusFilter = {}): FleetStatusRow[] {
  const wanted = inFilter(snap.fleet, filter);
  const rows: FleetStatusRow[] = [];
  for (const t of snap.targets) {
    if (!wanted(t.name)) continue;
    const conn = t.connection;
    const environment = environmentOf(snap.fleet, t.name);
    const reports = new Map(t.reports.map((x) => [x.app, x]));
    for (const d of t.desired) {
      if (filter.app !== undefined && d.app !== filter.app) continue;
      const rep = reports.get(d.app);
      const error =
        d.rejection?.version === d.version
          ? d.rejection.error
          : rep !== undefined && rep.assignmentVersion === d.version
            ? rep.error
            : undefined;
      rows.push({
        target: t.name,
        app: d.app,
        ...(environment === undefined ? {} : { environment }),
        desiredVersion: d.version,
        desiredRevision: d.revision,
        delivered: d.delivered,
        reportedVersion: rep?.assignmentVersion,
        revision: rep?.revision,
        sync:
          rep === undefined
            ? 'Unknown'
            : rep.assignmentVersion < d.version
              ? 'OutOfSync'
              : rep.syncState,
        health: rep === undefined || conn.state !== 'Connected' ? 'Unknown' : rep.health.status,
        drift: rep?.drift.length ?? 0,
        connection: conn.state,
        lastSeenMs: conn.lastSeenMs,
        ...(rep === undefined ? {} : { reportedAtMs: rep.observedAtUnixMs }),
        ...(error === undefined ? {} : { error }),
      });
    }
  }
  return sortBy(rows, STATUS_KEY.of);
}

export interface DriftFilter {
  readonly target?: string;
  readonly app?: string;
  readonly environment?: string;
  readonly kind?: string;
  /** Field manager that made the change. */
  readonly manager?: string;
}

/**
 * Every drift record in the last reports, with target, app and environment; sorted by target,
 * app, then object. Secret values are masked (./secret-mask.ts; agents send them masked).
 *
 * @throws GitfleetError NOT_FOUND for an undeclared `environment`
 */
export function driftItems(
  snap: FleetSnapshot,
  filter: DriftFilter = {},
  maskKey: Uint8Array = PROCESS_MASK_KEY,
): DriftItem[] {
  const wanted = inFilter(snap.fleet, filter);
  const items: DriftItem[] = [];
  for (const t of snap.targets) {
    if (!wanted(t.name)) continue;
    const environment = environmentOf(snap.fleet, t.name);
    for (const rep of t.reports) {
      if (filter.app !== undefined && rep.app !== filter.app) continue;
      for (const d of rep.drift) {
        if (filter.kind !== undefined && d.ref.kind !== filter.kind) continue;
        if (filter.manager !== undefined && d.fieldManager !== filter.manager) continue;
        items.push({
          target: t.name,
          app: rep.app,
          ...(environment === undefined ? {} : { environment }),
          ...d,
          changes: maskSecretChanges(d.ref, d.changes, maskKey),
        });
      }
    }
  }
  return sortBy(items, DRIFT_KEY.of);
}

/** Counts over status rows. */
export function countStatus(rows: readonly FleetStatusRow[]): StatusCounts {
  let synced = 0;
  let healthy = 0;
  let drifted = 0;
  for (const r of rows) {
    if (r.sync === 'Synced') synced++;
    if (r.health === 'Healthy') healthy++;
    if (r.drift > 0) drifted++;
  }
  return { apps: rows.length, synced, healthy, drifted };
}

/**
 * Every target the fleet declares or the store knows: labels and environment from Git,
 * connection state and last seen from the store, counts of its apps.
 *
 * @throws GitfleetError NOT_FOUND for an undeclared `environment`
 */
export function targetViews(
  snap: FleetSnapshot,
  filter: { readonly environment?: string } = {},
): TargetView[] {
  const wanted = inFilter(snap.fleet, filter);
  const byName = new Map(snap.targets.map((t) => [t.name, t]));
  const names = new Set([...(snap.fleet?.targets.map((t) => t.name) ?? []), ...byName.keys()]);
  const rowsOf = groupBy(statusRows(snap), (r) => r.target);
  const views: TargetView[] = [];
  for (const name of names) {
    if (!wanted(name)) continue;
    const spec = snap.fleet?.targets.find((t) => t.name === name);
    const conn: ConnectionStatus = byName.get(name)?.connection ?? { state: 'Disconnected' };
    const environment = environmentOf(snap.fleet, name);
    views.push({
      name,
      declared: spec !== undefined,
      labels: spec?.labels ?? {},
      ...(environment === undefined ? {} : { environment }),
      connection: conn.state,
      ...(conn.lastSeenMs === undefined ? {} : { lastSeenMs: conn.lastSeenMs }),
      ...(conn.session === undefined
        ? {}
        : { connectedAtMs: conn.session.connectedAtMs, replica: conn.session.replica }),
      counts: countStatus(rowsOf.get(name) ?? []),
    });
  }
  return sortBy(views, TARGET_KEY.of);
}

/** Every application the fleet declares or the store holds desired state of, across targets. */
export function applicationViews(snap: FleetSnapshot): ApplicationView[] {
  const rowsOf = groupBy(statusRows(snap), (r) => r.app);
  const names = new Set([...(snap.fleet?.applications.map((a) => a.name) ?? []), ...rowsOf.keys()]);
  const views: ApplicationView[] = [];
  for (const name of names) {
    const spec = snap.fleet?.applications.find((a) => a.name === name);
    const rows = rowsOf.get(name) ?? [];
    const targets =
      spec === undefined || snap.fleet === undefined
        ? rows.map((r) => r.target)
        : snap.fleet.targets
            .filter((t) => matchesLabelSelector(t.labels, spec.placement.selector))
            .map((t) => t.name);
    views.push({
      name,
      declared: spec !== undefined,
      ...(spec === undefined ? {} : { targetRevision: spec.source.targetRevision }),
      targets: [...new Set(targets)].sort(cmp),
      counts: countStatus(rows),
    });
  }
  return sortBy(views, APPLICATION_KEY.of);
}

/** Every environment of the fleet in force: its targets, pins, apps with their desired commits. */
export function environmentViews(snap: FleetSnapshot): EnvironmentView[] {
  const fleet = snap.fleet;
  if (fleet === undefined) return [];
  const rows = statusRows(snap);
  const views: EnvironmentView[] = [];
  for (const env of fleet.environments) {
    const targets = targetsOfEnvironment(fleet, env);
    const inEnv = new Set(targets);
    const envRows = rows.filter((r) => inEnv.has(r.target));
    const apps = new Set(envRows.map((r) => r.app));
    for (const a of fleet.applications) {
      const placed = fleet.targets.some(
        (t) => inEnv.has(t.name) && matchesLabelSelector(t.labels, a.placement.selector),
      );
      if (placed) apps.add(a.name);
    }
    views.push({
      name: env.name,
      frozen: env.frozen ?? false,
      targets,
      pins: env.pins,
      targetPins: env.targetPins ?? {},
      apps: [...apps].sort(cmp).map((app) => {
        const pin = Object.hasOwn(env.pins, app) ? env.pins[app] : undefined;
        return {
          app,
          ...(pin === undefined ? {} : { pin }),
          revisions: [
            ...new Set(envRows.filter((r) => r.app === app).map((r) => r.desiredRevision)),
          ].sort(cmp),
        };
      }),
      counts: countStatus(envRows),
    });
  }
  return sortBy(views, ENVIRONMENT_KEY.of);
}

/** Sync history of one (target, app) as list items, newest first. */
export function historyItems(
  target: string,
  app: string,
  entries: readonly SyncHistoryEntry[],
): HistoryItem[] {
  return sortBy(
    entries.map((e) => ({ target, app, ...e })),
    HISTORY_KEY.of,
  );
}

/**
 * `GET /api/v1/fleet`: the resolver's status, with what the poller knows of the fleet
 * repository's fetches (`fleetFetch`: its poll status). No pass runs while every fetch fails, nor
 * after a recovery that moved no ref, so the resolver alone would keep an old answer: a fetch that
 * failed after the last success is a `fetch` problem (the fleet is not accepted at a head the hub
 * cannot see), and a fetch problem older than the last successful fetch is gone.
 */
export function fleetView(
  status: ResolverStatus,
  fleetFetch: Pick<PollStatus, 'url' | 'lastError' | 'lastSuccessAtMs'> | undefined,
): ResolverStatus {
  if (fleetFetch === undefined) return status;
  const failed = fleetFetch.lastError;
  const known = status.problems.find((p) => p.stage === ProblemStage.Fetch);
  if (failed !== undefined) {
    if (known !== undefined && known.atMs >= failed.atMs) return status;
    const problem = problemOf(ProblemStage.Fetch, new GitfleetError(failed.code, failed.message), {
      repo: fleetFetch.url,
      atMs: failed.atMs,
    });
    return {
      ...status,
      fleetAccepted: false,
      problems: [problem, ...status.problems.filter((p) => p !== known)],
      lastError: formatHubProblem(problem),
    };
  }
  const fetchedSince = fleetFetch.lastSuccessAtMs;
  if (known === undefined || fetchedSince === undefined || known.atMs >= fetchedSince) {
    return status;
  }
  const problems = status.problems.filter((p) => p !== known);
  const first = problems[0];
  return {
    ...status,
    // the head read by the last pass is the one in force, and nothing else was wrong with it
    fleetAccepted:
      status.fleetCommit !== undefined &&
      status.fleetCommit === status.inForceCommit &&
      !problems.some((p) => HEAD_STAGES.has(p.stage)) &&
      !status.fleetProblems.some((p) => p.severity === 'error'),
    problems,
    lastError: first === undefined ? undefined : formatHubProblem(first),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Code-point order (not locale order: stable across machines, same as the continue tokens). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortBy<T>(items: T[], keyOf: (t: T) => SortKey): T[] {
  return items.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
}

function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}
