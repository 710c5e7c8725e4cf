/**
 * The views of `GET /api/v1/report` and `GET /api/v1/whoami`, as pure functions: the last report
 * of one (target, app) in the API's shape, and who a request acts as.
 *
 * The report keeps the agent's words (objects, actions, messages) and drops what is not the
 * API's (the status hash); every Secret value in its drift records is a fingerprint, exactly as
 * `GET /api/v1/drift` shows it (./secret-mask.ts). Its health is the report's while the target is
 * Connected and Unknown otherwise, like every status row; the objects' health stays as reported.
 */
import type { ObjectRef, StatusReport } from '@gitfleet/proto';
import type { ApiIdentity } from '../core/api-access/index.ts';
import { ApiScope } from '../core/api-access/index.ts';
import type { ConnectionState } from '../store/port.ts';
import { IdentityVia, type WhoAmI } from './api/identity.ts';
import type { DriftRecord, ObjectResult, PairReport, UnmanagedObject } from './api/report.ts';
import { PROCESS_MASK_KEY, maskSecretChanges } from './secret-mask.ts';

export type { PairReport } from './api/report.ts';
export type { WhoAmI } from './api/identity.ts';

/** Code-point order (the API's sort order everywhere). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function refOrder(a: ObjectRef, b: ObjectRef): number {
  return (
    cmp(a.group, b.group) ||
    cmp(a.kind, b.kind) ||
    cmp(a.namespace, b.namespace) ||
    cmp(a.name, b.name) ||
    cmp(a.version, b.version)
  );
}

/** The last report of a pair as the API shows it. */
export function reportView(
  report: StatusReport,
  connection: ConnectionState,
  maskKey: Uint8Array = PROCESS_MASK_KEY,
): PairReport {
  const objects: ObjectResult[] = report.objects
    .map((o) => ({
      ref: o.ref,
      action: o.action,
      health: o.health.status,
      healthMessage: o.health.message,
      message: o.message,
      ...(o.error === undefined ? {} : { error: o.error }),
    }))
    .sort((a, b) => refOrder(a.ref, b.ref));
  const drift: DriftRecord[] = report.drift
    .map((d) => ({
      ref: d.ref,
      changes: maskSecretChanges(d.ref, d.changes, maskKey),
      fieldManager: d.fieldManager,
      firstSeenUnixMs: d.firstSeenUnixMs,
      lastSeenUnixMs: d.lastSeenUnixMs,
      action: d.action,
      correctionCount: d.correctionCount,
    }))
    .sort((a, b) => refOrder(a.ref, b.ref));
  const unmanaged: UnmanagedObject[] = report.unmanaged
    .map((u) => ({ ref: u.ref, createdBy: u.createdBy, action: u.action, message: u.message }))
    .sort((a, b) => refOrder(a.ref, b.ref));
  return {
    target: report.target,
    app: report.app,
    connection,
    observedAtMs: report.observedAtUnixMs,
    assignmentVersion: report.assignmentVersion,
    revision: report.revision,
    contentDigest: report.contentDigest,
    sync: report.syncState,
    health: connection === 'Connected' ? report.health.status : 'Unknown',
    healthMessage: report.health.message,
    objects,
    drift,
    unmanaged,
    ...(report.error === undefined ? {} : { error: report.error }),
  };
}

/**
 * Who a request acts as: its identity (undefined on a hub that asks no token: anonymous, with
 * every scope), and whether a static API token named it (else an OIDC token did).
 */
export function whoamiView(identity: ApiIdentity | undefined, staticToken: boolean): WhoAmI {
  if (identity === undefined) {
    return { name: 'anonymous', scope: ApiScope.Admin, via: IdentityVia.Open };
  }
  return {
    name: identity.name,
    scope: identity.scope,
    via: staticToken ? IdentityVia.Token : IdentityVia.Oidc,
  };
}
