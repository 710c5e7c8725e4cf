import { describe, expect, it } from 'vitest';
import type { AppVersion } from '@gitfleet/proto/domain';
import type { DesiredApp, PlannedRemoval } from '../resync.ts';
import {
  RefusalReason,
  afterSend,
  assignedAfterResync,
  checkOutbound,
  checkReport,
  type ScopeVerdict,
} from './scope.ts';

const D = `sha256:${'1'.repeat(64)}`;
const desired = (version: number): DesiredApp => ({ version, digest: D, deletion: 'delete' });

describe('assignedAfterResync', () => {
  it.each<
    [
      string,
      Record<string, number>,
      { adopt?: AppVersion[]; assign?: AppVersion[]; remove?: PlannedRemoval[] },
      Record<string, number>,
    ]
  >([
    ['nothing desired, nothing held', {}, {}, {}],
    ['desired apps are assigned at their version', { web: 3, db: 1 }, {}, { web: 3, db: 1 }],
    [
      'an app assigned anew (held with another digest) at its new version',
      { web: 3 },
      { assign: [{ app: 'web', version: 5 }] },
      { web: 5 },
    ],
    [
      'an adopted app (the agent was ahead) at the agent’s version',
      { web: 3 },
      { adopt: [{ app: 'web', version: 9 }] },
      { web: 9 },
    ],
    [
      'an app being removed is not assigned',
      { web: 3 },
      { remove: [{ app: 'old', version: 4, deletion: 'orphan' }] },
      { web: 3 },
    ],
    [
      'a removal of a desired app wins over its desired state',
      { web: 3 },
      { remove: [{ app: 'web', version: 4, deletion: 'delete' }] },
      {},
    ],
  ])('%s', (_what, want, decision, expected) => {
    const map = new Map(Object.entries(want).map(([a, v]) => [a, desired(v)]));
    const got = assignedAfterResync(map, {
      adopt: decision.adopt ?? [],
      assign: decision.assign ?? [],
      remove: decision.remove ?? [],
    });
    expect(Object.fromEntries(got)).toEqual(expected);
  });
});

describe('afterSend', () => {
  it.each<[string, Record<string, number>, 'assignment' | 'appRemoval', string, number, object]>([
    ['an assignment of a new app adds it', {}, 'assignment', 'web', 1, { web: 1 }],
    ['a newer assignment raises the version', { web: 1 }, 'assignment', 'web', 4, { web: 4 }],
    ['a resent older one keeps the highest', { web: 4 }, 'assignment', 'web', 2, { web: 4 }],
    ['a removal drops the app', { web: 4, db: 1 }, 'appRemoval', 'web', 5, { db: 1 }],
  ])('%s', (_what, before, kind, app, version, after) => {
    const assigned = new Map(Object.entries(before));
    afterSend(assigned, { kind, app, version });
    expect(Object.fromEntries(assigned)).toEqual(after);
  });
});

describe('checkReport', () => {
  const assigned = new Map([
    ['web', 3],
    ['db', 1],
  ]);
  it.each<[string, { target: string; app: string; assignmentVersion: number }, ScopeVerdict]>([
    [
      'a report of an assigned app at its version',
      { target: 'c1', app: 'web', assignmentVersion: 3 },
      { ok: true },
    ],
    [
      'a report of an older version (not applied yet)',
      { target: 'c1', app: 'web', assignmentVersion: 1 },
      { ok: true },
    ],
    [
      'a report for another target',
      { target: 'c2', app: 'web', assignmentVersion: 3 },
      {
        ok: false,
        reason: RefusalReason.ForeignTarget,
        message: "report for target c2 on c1's stream: an agent reports only for its own target",
      },
    ],
    [
      'a report for an app not assigned',
      { target: 'c1', app: 'ghost', assignmentVersion: 1 },
      {
        ok: false,
        reason: RefusalReason.UnassignedApp,
        message:
          'report for app ghost on target c1: the app is not assigned to c1; the report is dropped',
      },
    ],
    [
      'a report of a version never assigned',
      { target: 'c1', app: 'db', assignmentVersion: 99 },
      {
        ok: false,
        reason: RefusalReason.UnknownVersion,
        message:
          'report for app db on target c1: assignment version 99 was never assigned (latest is 1); the report is dropped',
      },
    ],
  ])('%s', (_what, report, verdict) => {
    expect(checkReport('c1', assigned, report)).toEqual(verdict);
  });
});

describe('checkOutbound', () => {
  it.each<['assignment' | 'appRemoval' | 'syncRequest', string, ScopeVerdict]>([
    ['assignment', 'c1', { ok: true }],
    ['appRemoval', 'c1', { ok: true }],
    ['syncRequest', 'c1', { ok: true }],
    [
      'appRemoval',
      'c2',
      {
        ok: false,
        reason: RefusalReason.ForeignTargetOutbound,
        message: "appRemoval for app web names target c2 but would go on c1's stream; not sent",
      },
    ],
    [
      'syncRequest',
      'c2',
      {
        ok: false,
        reason: RefusalReason.ForeignTargetOutbound,
        message: "syncRequest for app web names target c2 but would go on c1's stream; not sent",
      },
    ],
  ])('%s naming %s on c1', (kind, target, verdict) => {
    expect(checkOutbound('c1', { kind, target, app: 'web' })).toEqual(verdict);
  });
});
