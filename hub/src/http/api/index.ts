/**
 * The HTTP API's body types, derived from their schemas, for the clients of the API (the CLI).
 */
export type { DiffPreview, DiffSummary, ObjectDiff } from './diff.ts';
export type { FleetStatus } from './fleet-status.ts';
export type {
  ApplicationView,
  DriftItem,
  EnvironmentAppView,
  EnvironmentView,
  FleetStatusRow,
  HistoryItem,
  TargetView,
} from './fleet.ts';
export type { WhoAmI } from './identity.ts';
export type { DriftRecord, ObjectResult, PairReport, UnmanagedObject } from './report.ts';
export type { RolloutCommandAccepted, RolloutList, RolloutSummary } from './rollouts.ts';
export type { ErrorBody, StatusCounts } from './schema.ts';
