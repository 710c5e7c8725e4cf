import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  isGitfleetError,
  type DriftRecord,
  type HealthStatus,
  type StatusReport,
  type SyncState,
} from '@gitfleet/proto';
import { DEFAULT_POLICIES } from '../core/fleet/read-policies.ts';
import type { ApplicationSpec, FleetSpec, LabelSelector } from '../core/fleet/types.ts';
import type { ConnectionStatus, DesiredSummary, SyncHistoryEntry } from '../store/port.ts';
import type { ResolverStatus } from '../resolve/types.ts';
import type { TSchema } from 'typebox';
import {
  ApplicationList,
  DriftList,
  EnvironmentList,
  HistoryList,
  StatusList,
  TargetList,
} from './api/fleet.ts';
import { FleetStatus } from './api/fleet-status.ts';
import { schemaProblems } from './api/validate.ts';
import { paginate } from './paginate.ts';
import {
  APPLICATION_KEY,
  DRIFT_KEY,
  ENVIRONMENT_KEY,
  HISTORY_KEY,
  STATUS_KEY,
  TARGET_KEY,
  applicationViews,
  driftItems,
  environmentViews,
  fleetView,
  historyItems,
  statusRows,
  targetViews,
  targetsToLoad,
  type DriftFilter,
  type FleetSnapshot,
  type ListKey,
  type StatusFilter,
  type TargetSnapshot,
} from './views.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures: dev (env dev), prod-eu and prod-us (env prod), lonely (declared, no environment,
// never connected), orphan (only the store knows it). Apps: web everywhere with an env label,
// api in prod only.

const R1 = '1'.repeat(40);
const R2 = '2'.repeat(40);
const NOW = 1_000_000;

function app(name: string, selector: LabelSelector): ApplicationSpec {
  return {
    name,
    source: { path: `apps/${name}`, targetRevision: 'main' },
    placement: { selector },
    policies: DEFAULT_POLICIES,
  };
}

const FLEET: FleetSpec = {
  targets: [
    { name: 'dev', labels: { env: 'dev' } },
    { name: 'lonely', labels: {} },
    { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
    { name: 'prod-us', labels: { env: 'prod', region: 'us' } },
  ],
  applications: [
    app('api', { matchLabels: { env: 'prod' } }),
    app('web', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }),
  ],
  environments: [
    { name: 'dev', selector: { matchLabels: { env: 'dev' } }, pins: {} },
    {
      name: 'prod',
      selector: { matchLabels: { env: 'prod' } },
      pins: { web: 'v1.2' },
      targetPins: { 'prod-us': { api: 'abc1234' } },
      frozen: true,
    },
  ],
};

function desired(
  app: string,
  version: number,
  revision: string,
  extra: Partial<DesiredSummary> = {},
): DesiredSummary {
  return {
    app,
    version,
    revision,
    contentDigest: `sha256:${'d'.repeat(64)}`,
    deletion: 'delete',
    storedAtMs: NOW - 10_000,
    delivered: true,
    ...extra,
  };
}

function drift(kind: string, name: string, manager: string): DriftRecord {
  return {
    ref: {
      group: kind === 'Deployment' ? 'apps' : '',
      version: 'v1',
      kind,
      namespace: 'web',
      name,
    },
    changes: [{ path: '/spec/replicas', desired: 2, live: 5 }],
    fieldManager: manager,
    firstSeenUnixMs: NOW - 5_000,
    lastSeenUnixMs: NOW - 1_000,
    action: 'corrected',
    correctionCount: 1,
  };
}

function report(
  target: string,
  app: string,
  version: number,
  revision: string,
  sync: SyncState,
  health: HealthStatus,
  extra: Partial<StatusReport> = {},
): StatusReport {
  return {
    kind: 'statusReport',
    target,
    app,
    assignmentVersion: version,
    revision,
    contentDigest: `sha256:${'d'.repeat(64)}`,
    syncState: sync,
    health: { status: health, message: '' },
    objects: [],
    drift: [],
    unmanaged: [],
    statusHash: `sha256:${'h'.repeat(64)}`,
    observedAtUnixMs: NOW - 2_000,
    ...extra,
  };
}

const session = { replica: 'hub-a', session: 's', connectedAtMs: NOW - 60_000 };
const CONNECTED: ConnectionStatus = { state: 'Connected', lastSeenMs: NOW - 500, session };
const STALE: ConnectionStatus = { state: 'Stale', lastSeenMs: NOW - 40_000, session };

const TARGETS: TargetSnapshot[] = [
  {
    name: 'dev',
    connection: CONNECTED,
    desired: [desired('web', 3, R2)],
    reports: [
      report('dev', 'web', 3, R2, 'Synced', 'Healthy', {
        drift: [drift('Deployment', 'web', 'kubectl-edit'), drift('ConfigMap', 'web', 'helm')],
      }),
    ],
  },
  {
    name: 'orphan',
    connection: {
      state: 'Disconnected',
      lastSeenMs: NOW - 90_000,
      session,
      endedAtMs: NOW - 90_000,
    },
    desired: [desired('web', 1, R1)],
    reports: [report('orphan', 'web', 1, R1, 'Synced', 'Healthy')],
  },
  {
    name: 'prod-eu',
    connection: STALE,
    desired: [desired('api', 1, R1), desired('web', 2, R1)],
    reports: [
      report('prod-eu', 'web', 2, R1, 'Synced', 'Healthy', {
        drift: [drift('Deployment', 'web', 'kubectl-edit')],
      }),
    ],
  },
  {
    name: 'prod-us',
    connection: CONNECTED,
    desired: [
      desired('api', 5, R1, {
        delivered: false,
        rejection: {
          version: 5,
          error: { code: 'MANIFEST_INVALID', message: 'ConfigMap api: bad' },
          atMs: NOW - 3_000,
        },
      }),
      desired('web', 2, R1),
    ],
    reports: [
      report('prod-us', 'api', 4, R1, 'Failed', 'Degraded', {
        error: { code: 'APPLY_FAILED', message: 'old failure' },
      }),
      report('prod-us', 'web', 1, R2, 'Synced', 'Healthy'),
    ],
  },
];

const SNAP: FleetSnapshot = { fleet: FLEET, targets: TARGETS };
const NO_FLEET: FleetSnapshot = { fleet: undefined, targets: TARGETS };

/** The view's items, as a paginated response body, conform to the list schema of the API. */
function expectConforms<T>(items: readonly T[], key: ListKey<T>, listSchema: TSchema): void {
  const body: unknown = JSON.parse(JSON.stringify(paginate(items, key.of, { limit: 2 })));
  expect(schemaProblems(listSchema, body)).toEqual([]);
}

function expectNotFound(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
    expect.unreachable();
  } catch (err) {
    expect(isGitfleetError(err, ErrorCode.NotFound)).toBe(true);
    expect((err as Error).message).toMatch(pattern);
  }
}

// ---------------------------------------------------------------------------------------------

describe('statusRows', () => {
  it.each<{ filter: StatusFilter; rows: string[] }>([
    {
      filter: {},
      rows: ['dev/web', 'orphan/web', 'prod-eu/api', 'prod-eu/web', 'prod-us/api', 'prod-us/web'],
    },
    { filter: { target: 'prod-eu' }, rows: ['prod-eu/api', 'prod-eu/web'] },
    { filter: { app: 'api' }, rows: ['prod-eu/api', 'prod-us/api'] },
    {
      filter: { environment: 'prod' },
      rows: ['prod-eu/api', 'prod-eu/web', 'prod-us/api', 'prod-us/web'],
    },
    { filter: { environment: 'prod', app: 'web' }, rows: ['prod-eu/web', 'prod-us/web'] },
    { filter: { environment: 'prod', target: 'prod-us' }, rows: ['prod-us/api', 'prod-us/web'] },
    { filter: { environment: 'dev', target: 'prod-us' }, rows: [] },
    { filter: { target: 'nowhere' }, rows: [] },
  ])('filter $filter', ({ filter, rows }) => {
    expect(statusRows(SNAP, filter).map((r) => `${r.target}/${r.app}`)).toEqual(rows);
  });

  it.each([
    {
      at: 'dev/web',
      want: {
        sync: 'Synced',
        health: 'Healthy',
        drift: 2,
        connection: 'Connected',
        environment: 'dev',
      },
    },
    // a stale target is never shown as healthy
    {
      at: 'prod-eu/web',
      want: { sync: 'Synced', health: 'Unknown', drift: 1, connection: 'Stale' },
    },
    { at: 'orphan/web', want: { health: 'Unknown', connection: 'Disconnected' } },
    // no report yet
    {
      at: 'prod-eu/api',
      want: { sync: 'Unknown', health: 'Unknown', drift: 0, revision: undefined },
    },
    // the report is of an older version than desired
    {
      at: 'prod-us/web',
      want: { sync: 'OutOfSync', reportedVersion: 1, revision: R2, desiredRevision: R1 },
    },
    // the desired version was rejected: its error, not the old report's
    {
      at: 'prod-us/api',
      want: {
        delivered: false,
        error: { code: 'MANIFEST_INVALID', message: 'ConfigMap api: bad' },
      },
    },
  ])('$at', ({ at, want }) => {
    const row = statusRows(SNAP).find((r) => `${r.target}/${r.app}` === at);
    expect(row).toMatchObject(want);
  });

  it('rows carry the report time and no environment when the target has none', () => {
    const orphan = statusRows(SNAP, { target: 'orphan' })[0];
    expect(orphan?.reportedAtMs).toBe(NOW - 2_000);
    expect(orphan).not.toHaveProperty('environment');
  });

  it('an undeclared environment, or none in force, is NOT_FOUND naming the parameter', () => {
    expectNotFound(
      () => statusRows(SNAP, { environment: 'qa' }),
      /environment: "qa" is not declared.*\(declared: dev, prod\)/,
    );
    expectNotFound(
      () => statusRows(NO_FLEET, { environment: 'prod' }),
      /no fleet definition is in force/,
    );
  });

  it('conforms to the OpenAPI schema', () => {
    expectConforms(statusRows(SNAP), STATUS_KEY, StatusList);
  });
});

describe('targetsToLoad', () => {
  it.each<{ filter: { target?: string; environment?: string }; want: string[] | undefined }>([
    { filter: {}, want: undefined },
    { filter: { target: 'x' }, want: ['x'] },
    { filter: { environment: 'prod' }, want: ['prod-eu', 'prod-us'] },
    { filter: { environment: 'prod', target: 'prod-us' }, want: ['prod-us'] },
    { filter: { environment: 'prod', target: 'dev' }, want: [] },
  ])('$filter', ({ filter, want }) => {
    expect(targetsToLoad(FLEET, filter)).toEqual(want);
  });
});

describe('driftItems', () => {
  it.each<{ filter: DriftFilter; items: string[] }>([
    {
      filter: {},
      items: ['dev/web/ConfigMap', 'dev/web/Deployment', 'prod-eu/web/Deployment'],
    },
    { filter: { environment: 'prod' }, items: ['prod-eu/web/Deployment'] },
    { filter: { kind: 'Deployment' }, items: ['dev/web/Deployment', 'prod-eu/web/Deployment'] },
    { filter: { manager: 'helm' }, items: ['dev/web/ConfigMap'] },
    { filter: { manager: 'kubectl-edit', target: 'dev' }, items: ['dev/web/Deployment'] },
    { filter: { app: 'api' }, items: [] },
    { filter: { kind: 'Secret' }, items: [] },
  ])('filter $filter', ({ filter, items }) => {
    expect(driftItems(SNAP, filter).map((d) => `${d.target}/${d.app}/${d.ref.kind}`)).toEqual(
      items,
    );
  });

  it('items name the fields and since when, and the environment', () => {
    const [item] = driftItems(SNAP, { environment: 'prod' });
    expect(item).toMatchObject({
      target: 'prod-eu',
      app: 'web',
      environment: 'prod',
      changes: [{ path: '/spec/replicas', desired: 2, live: 5 }],
      firstSeenUnixMs: NOW - 5_000,
      fieldManager: 'kubectl-edit',
    });
  });

  it('an undeclared environment is NOT_FOUND', () => {
    expectNotFound(() => driftItems(SNAP, { environment: 'qa' }), /"qa" is not declared/);
  });

  it('conforms to the OpenAPI schema', () => {
    expectConforms(driftItems(SNAP), DRIFT_KEY, DriftList);
  });
});

describe('targetViews', () => {
  it('every declared or stored target, with labels, environment, connection and counts', () => {
    const views = targetViews(SNAP);
    expect(views.map((t) => [t.name, t.declared, t.environment, t.connection])).toEqual([
      ['dev', true, 'dev', 'Connected'],
      ['lonely', true, undefined, 'Disconnected'],
      ['orphan', false, undefined, 'Disconnected'],
      ['prod-eu', true, 'prod', 'Stale'],
      ['prod-us', true, 'prod', 'Connected'],
    ]);
    expect(views.find((t) => t.name === 'prod-eu')).toMatchObject({
      labels: { env: 'prod', region: 'eu' },
      lastSeenMs: NOW - 40_000,
      replica: 'hub-a',
      // stale: nothing is healthy
      counts: { apps: 2, synced: 1, healthy: 0, drifted: 1 },
    });
    // api: the desired version is newer than the report; web: the report is older but Healthy
    expect(views.find((t) => t.name === 'prod-us')?.counts).toEqual({
      apps: 2,
      synced: 0,
      healthy: 1,
      drifted: 0,
    });
    expect(views.find((t) => t.name === 'dev')?.counts).toEqual({
      apps: 1,
      synced: 1,
      healthy: 1,
      drifted: 1,
    });
    expect(views.find((t) => t.name === 'lonely')).toEqual({
      name: 'lonely',
      declared: true,
      labels: {},
      connection: 'Disconnected',
      counts: { apps: 0, synced: 0, healthy: 0, drifted: 0 },
    });
  });

  it.each([
    { environment: 'prod', names: ['prod-eu', 'prod-us'] },
    { environment: 'dev', names: ['dev'] },
  ])('environment $environment', ({ environment, names }) => {
    expect(targetViews(SNAP, { environment }).map((t) => t.name)).toEqual(names);
  });

  it('without a fleet in force, the store’s targets, undeclared', () => {
    expect(targetViews(NO_FLEET).map((t) => [t.name, t.declared])).toEqual([
      ['dev', false],
      ['orphan', false],
      ['prod-eu', false],
      ['prod-us', false],
    ]);
  });

  it('conforms to the OpenAPI schema', () => {
    expectConforms(targetViews(SNAP), TARGET_KEY, TargetList);
  });
});

describe('applicationViews', () => {
  it('placement from the fleet, counts across targets', () => {
    expect(applicationViews(SNAP)).toEqual([
      {
        name: 'api',
        declared: true,
        targetRevision: 'main',
        targets: ['prod-eu', 'prod-us'],
        counts: { apps: 2, synced: 0, healthy: 0, drifted: 0 },
      },
      {
        name: 'web',
        declared: true,
        targetRevision: 'main',
        targets: ['dev', 'prod-eu', 'prod-us'],
        counts: { apps: 4, synced: 3, healthy: 2, drifted: 2 },
      },
    ]);
  });

  it('without a fleet: the targets holding desired state', () => {
    expect(applicationViews(NO_FLEET).map((a) => [a.name, a.declared, a.targets])).toEqual([
      ['api', false, ['prod-eu', 'prod-us']],
      ['web', false, ['dev', 'orphan', 'prod-eu', 'prod-us']],
    ]);
  });

  it('conforms to the OpenAPI schema', () => {
    expectConforms(applicationViews(SNAP), APPLICATION_KEY, ApplicationList);
  });
});

describe('environmentViews', () => {
  it('targets, pins as written, desired commits per app, counts', () => {
    expect(environmentViews(SNAP)).toEqual([
      {
        name: 'dev',
        frozen: false,
        targets: ['dev'],
        pins: {},
        targetPins: {},
        apps: [{ app: 'web', revisions: [R2] }],
        counts: { apps: 1, synced: 1, healthy: 1, drifted: 1 },
      },
      {
        name: 'prod',
        frozen: true,
        targets: ['prod-eu', 'prod-us'],
        pins: { web: 'v1.2' },
        targetPins: { 'prod-us': { api: 'abc1234' } },
        apps: [
          { app: 'api', revisions: [R1] },
          { app: 'web', pin: 'v1.2', revisions: [R1] },
        ],
        counts: { apps: 4, synced: 1, healthy: 1, drifted: 1 },
      },
    ]);
  });

  it('none without a fleet in force', () => {
    expect(environmentViews(NO_FLEET)).toEqual([]);
  });

  it('conforms to the OpenAPI schema', () => {
    expectConforms(environmentViews(SNAP), ENVIRONMENT_KEY, EnvironmentList);
  });
});

describe('historyItems', () => {
  const entry = (atMs: number, syncState: SyncState, revision: string): SyncHistoryEntry => ({
    atMs,
    syncState,
    revision,
    assignmentVersion: 1,
    health: 'Healthy',
  });

  it('newest first, with target and app, whatever order the store gave', () => {
    const items = historyItems('dev', 'web', [
      entry(10, 'Applying', R1),
      entry(30, 'Synced', R2),
      entry(20, 'Synced', R1),
    ]);
    expect(items.map((h) => [h.atMs, h.syncState])).toEqual([
      [30, 'Synced'],
      [20, 'Synced'],
      [10, 'Applying'],
    ]);
    expect(items[0]).toMatchObject({ target: 'dev', app: 'web', revision: R2 });
    expectConforms(items, HISTORY_KEY, HistoryList);
  });
});

describe('fleetView: a failing fetch of the fleet repository shows, even with no pass since', () => {
  const C = 'c'.repeat(40);
  const accepted: ResolverStatus = {
    fleetCommit: C,
    fleetAccepted: true,
    inForceCommit: C,
    inForceFrom: 'git',
    fleetProblems: [],
    problems: [],
    failures: [],
    lastError: undefined,
    lastPassAtMs: 100,
    lastPassMs: 5,
    changedLastPass: 0,
  };
  const url = 'http://git.example/fleet.git';
  const failing = {
    url,
    lastError: { code: ErrorCode.GitFetchFailed, message: `${url}: HTTP 500`, atMs: 200 },
  };

  it.each<[string, ResolverStatus, Parameters<typeof fleetView>[1], boolean, string[]]>([
    ['no poll status: as the resolver says', accepted, undefined, true, []],
    ['fetches succeed: as the resolver says', accepted, { url }, true, []],
    ['the last fetch failed: not accepted, a fetch problem', accepted, failing, false, ['fetch']],
    [
      'the resolver saw a newer fetch failure: its own problem stays',
      {
        ...accepted,
        fleetAccepted: false,
        problems: [
          {
            stage: 'fetch',
            code: 'GIT_FETCH_FAILED',
            message: 'newer',
            action: 'x',
            atMs: 300,
          },
        ],
      },
      failing,
      false,
      ['fetch'],
    ],
  ])('%s', (_name, status, poll, acceptedNow, stages) => {
    const v = fleetView(status, poll);
    expect(v.fleetAccepted).toBe(acceptedNow);
    expect(v.problems.map((p) => p.stage)).toEqual(stages);
    // as it goes over the wire (JSON drops the undefined fields)
    const wire: unknown = JSON.parse(JSON.stringify(v));
    expect(schemaProblems(FleetStatus, wire)).toEqual([]);
  });

  it('a fetch problem older than the last successful fetch is gone (no pass ran since)', () => {
    const stale: ResolverStatus = {
      ...accepted,
      fleetAccepted: false,
      problems: [
        { stage: 'fetch', code: 'GIT_FETCH_FAILED', message: 'HTTP 500', action: 'x', atMs: 150 },
      ],
      lastError: 'fetch: HTTP 500',
    };
    expect(fleetView(stale, { url, lastSuccessAtMs: 100 })).toBe(stale);
    const healed = fleetView(stale, { url, lastSuccessAtMs: 200 });
    expect(healed).toMatchObject({ fleetAccepted: true, problems: [] });
    expect(healed.lastError).toBeUndefined();
    // the head the last pass read was not the one in force: still not accepted
    expect(
      fleetView({ ...stale, inForceCommit: 'd'.repeat(40) }, { url, lastSuccessAtMs: 200 }),
    ).toMatchObject({ fleetAccepted: false, problems: [] });
  });

  it('names the repository and what to do, and keeps the fleet in force', () => {
    const v = fleetView(accepted, failing);
    expect(v.problems[0]).toMatchObject({
      stage: 'fetch',
      code: 'GIT_FETCH_FAILED',
      repo: url,
      message: `${url}: HTTP 500`,
      action: expect.stringMatching(/Git server answers/) as string,
      atMs: 200,
    });
    expect(v.inForceCommit).toBe(C);
    expect(v.lastError).toBe(`fetch: ${url}: HTTP 500`);
  });
});
