/**
 * The fleet views of the HTTP API: status per (target, app), drift records, targets,
 * applications, environments and sync history, each with its paginated list.
 */
import Type from 'typebox';
import { DriftAction, HealthStatus, SyncState } from '@gitfleet/proto/domain';
import {
  ConnectionStateSchema,
  ErrorDetail,
  ObjectRef,
  StatusCounts,
  bool,
  closed,
  int,
  listOf,
  str,
  stringList,
  stringMap,
  type Wire,
} from './schema.ts';

/** Sync of a row: the report's, OutOfSync while the agent runs an older version, else Unknown. */
export const RowSync = Type.Enum(['Unknown', ...Object.values(SyncState)]);

/** One row of the fleet status: an application on a target. */
export const FleetStatusRow = closed(
  {
    target: str(),
    app: str(),
    environment: Type.Optional(str("The target's environment (absent: none).")),
    desiredVersion: int(),
    desiredRevision: str('Commit SHA of the desired state.'),
    delivered: bool('The agent acked the desired version.'),
    reportedVersion: Type.Optional(int('Assignment version of the last report.')),
    revision: Type.Optional(str('Commit SHA of the last report.')),
    sync: RowSync,
    health: Type.Enum(HealthStatus, {
      description: 'Never Healthy for a target that is not Connected: its last report is old news.',
    }),
    drift: int('Drift records in the last report.'),
    connection: ConnectionStateSchema,
    lastSeenMs: Type.Optional(int('Last message from the agent (Unix ms).')),
    reportedAtMs: Type.Optional(int('When the last report was observed (Unix ms).')),
    /** The agent's rejection of the desired version, else the last report's app-level error. */
    error: Type.Optional(ErrorDetail),
  },
  { $id: 'StatusRow' },
);
export type FleetStatusRow = Wire<typeof FleetStatusRow>;
export const StatusList = listOf(
  FleetStatusRow,
  'StatusList',
  'Status rows sorted by target, then app.',
);

/** One differing field of a drifted object. */
export const FieldChange = closed(
  {
    path: str('RFC 6901 JSON pointer.'),
    desired: Type.Optional(Type.Unknown({ description: 'Value in Git (absent: not in Git).' })),
    live: Type.Optional(
      Type.Unknown({ description: 'Value on the cluster (absent: removed on the cluster).' }),
    ),
  },
  { $id: 'FieldChange' },
);

/** A drift record of one object, with where it was seen. */
export const DriftItem = closed(
  {
    target: str(),
    app: str(),
    environment: Type.Optional(str()),
    ref: ObjectRef,
    changes: Type.Array(FieldChange, { description: 'The fields that drifted.' }),
    fieldManager: str('Manager that made the change; "" when unknown.'),
    firstSeenUnixMs: int('Drifted since.'),
    lastSeenUnixMs: int(),
    action: Type.Enum(DriftAction),
    correctionCount: int(),
  },
  { $id: 'DriftItem' },
);
export type DriftItem = Wire<typeof DriftItem>;
export const DriftList = listOf(
  DriftItem,
  'DriftList',
  'Drift records sorted by target, app, then object.',
);

export const TargetView = closed(
  {
    name: str(),
    declared: bool('False: the store still knows it, the fleet in force no longer declares it.'),
    labels: stringMap('From Git (empty when not declared).'),
    environment: Type.Optional(str()),
    connection: ConnectionStateSchema,
    lastSeenMs: Type.Optional(int()),
    connectedAtMs: Type.Optional(int()),
    replica: Type.Optional(str('Hub replica holding (or last holding) the stream.')),
    counts: StatusCounts,
  },
  { $id: 'Target' },
);
export type TargetView = Wire<typeof TargetView>;
export const TargetList = listOf(TargetView, 'TargetList', 'Targets sorted by name.');

export const ApplicationView = closed(
  {
    name: str(),
    declared: bool(),
    targetRevision: Type.Optional(str('`source.targetRevision` (absent when not declared).')),
    targets: stringList(
      'Targets the app is placed on (placement selector), else the targets holding its desired state.',
    ),
    counts: StatusCounts,
  },
  { $id: 'Application' },
);
export type ApplicationView = Wire<typeof ApplicationView>;
export const ApplicationList = listOf(
  ApplicationView,
  'ApplicationList',
  'Applications sorted by name.',
);

export const EnvironmentAppView = closed(
  {
    app: str(),
    pin: Type.Optional(str("The environment's pin for the app, as written.")),
    revisions: stringList('Desired commits of the app across the environment, sorted.'),
  },
  { $id: 'EnvironmentApp' },
);
export type EnvironmentAppView = Wire<typeof EnvironmentAppView>;

export const EnvironmentView = closed(
  {
    name: str(),
    frozen: bool(),
    targets: stringList("Targets matched by the environment's selector."),
    pins: stringMap(),
    targetPins: Type.Record(Type.String(), stringMap()),
    apps: Type.Array(EnvironmentAppView, {
      description: 'Every app placed on one of its targets or holding desired state there.',
    }),
    counts: StatusCounts,
  },
  { $id: 'Environment' },
);
export type EnvironmentView = Wire<typeof EnvironmentView>;
export const EnvironmentList = listOf(
  EnvironmentView,
  'EnvironmentList',
  'Environments sorted by name.',
);

/** One transition of sync state or revision of a (target, app). */
export const HistoryItem = closed(
  {
    target: str(),
    app: str(),
    atMs: int('When the report that showed the transition was observed (Unix ms).'),
    syncState: Type.Enum(SyncState),
    revision: str(),
    assignmentVersion: int(),
    health: Type.Enum(HealthStatus),
  },
  { $id: 'HistoryItem' },
);
export type HistoryItem = Wire<typeof HistoryItem>;
export const HistoryList = listOf(HistoryItem, 'HistoryList', 'Transitions, newest first.');
