import { describe, expect, it } from 'vitest';
import type { ObjectRef, StatusReport } from '@gitfleet/proto';
import type { ApiIdentity } from '../core/api-access/index.ts';
import type { ConnectionState } from '../store/port.ts';
import { WhoAmI } from './api/identity.ts';
import { PairReport } from './api/report.ts';
import { schemaProblems } from './api/validate.ts';
import { reportView, whoamiView } from './report-view.ts';
import { driftItems } from './views.ts';
import { fingerprint } from './secret-mask.ts';

const KEY = Buffer.from('a key of the test, 32 bytes long');
const fp = (text: string): string => fingerprint(Buffer.from(text, 'utf8'), KEY);
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const REV = 'a'.repeat(40);

const ref = (kind: string, name: string, group = ''): ObjectRef => ({
  group,
  version: 'v1',
  kind,
  namespace: 'web',
  name,
});

const BASE: StatusReport = {
  kind: 'statusReport',
  target: 'edge',
  app: 'web',
  assignmentVersion: 7,
  revision: REV,
  contentDigest: `sha256:${'d'.repeat(64)}`,
  syncState: 'Synced',
  health: { status: 'Healthy', message: '' },
  objects: [],
  drift: [],
  unmanaged: [],
  statusHash: `sha256:${'h'.repeat(64)}`,
  observedAtUnixMs: 1_000,
};

const report = (extra: Partial<StatusReport>): StatusReport => ({ ...BASE, ...extra });

describe('reportView', () => {
  it.each<{
    name: string;
    report: StatusReport;
    connection: ConnectionState;
    want: Partial<PairReport>;
  }>([
    {
      name: 'a healthy report on a connected target: the report as sent, without its hash',
      report: BASE,
      connection: 'Connected',
      want: {
        target: 'edge',
        app: 'web',
        connection: 'Connected',
        observedAtMs: 1_000,
        assignmentVersion: 7,
        revision: REV,
        sync: 'Synced',
        health: 'Healthy',
        healthMessage: '',
        objects: [],
        drift: [],
        unmanaged: [],
      },
    },
    {
      name: 'a Stale target: health Unknown, its message kept',
      report: report({ health: { status: 'Healthy', message: 'all ready' } }),
      connection: 'Stale',
      want: { connection: 'Stale', health: 'Unknown', healthMessage: 'all ready' },
    },
    {
      name: 'a Disconnected target: a Degraded report is Unknown too',
      report: report({ health: { status: 'Degraded', message: 'crash loop' } }),
      connection: 'Disconnected',
      want: { health: 'Unknown', healthMessage: 'crash loop' },
    },
    {
      name: 'a failed sync: its app-level error',
      report: report({
        syncState: 'Failed',
        health: { status: 'Degraded', message: '1 of 2 objects failed' },
        error: { code: 'APPLY_FAILED', message: 'Deployment web/web: field is immutable' },
      }),
      connection: 'Connected',
      want: {
        sync: 'Failed',
        health: 'Degraded',
        healthMessage: '1 of 2 objects failed',
        error: { code: 'APPLY_FAILED', message: 'Deployment web/web: field is immutable' },
      },
    },
    {
      name: 'objects with their action, health and error, sorted by group, kind, namespace, name',
      report: report({
        objects: [
          {
            ref: ref('Deployment', 'web', 'apps'),
            action: 'failed',
            health: { status: 'Missing', message: '' },
            message: 'apply refused',
            error: { code: 'APPLY_FAILED', message: 'field is immutable' },
          },
          {
            ref: ref('Service', 'web'),
            action: 'unchanged',
            health: { status: 'Healthy', message: '' },
            message: '',
          },
          {
            ref: ref('ConfigMap', 'web'),
            action: 'configured',
            health: { status: 'Healthy', message: 'exists' },
            message: '',
          },
        ],
      }),
      connection: 'Connected',
      want: {
        objects: [
          {
            ref: ref('ConfigMap', 'web'),
            action: 'configured',
            health: 'Healthy',
            healthMessage: 'exists',
            message: '',
          },
          {
            ref: ref('Service', 'web'),
            action: 'unchanged',
            health: 'Healthy',
            healthMessage: '',
            message: '',
          },
          {
            ref: ref('Deployment', 'web', 'apps'),
            action: 'failed',
            health: 'Missing',
            healthMessage: '',
            message: 'apply refused',
            error: { code: 'APPLY_FAILED', message: 'field is immutable' },
          },
        ],
      },
    },
    {
      name: 'unmanaged objects',
      report: report({
        unmanaged: [
          { ref: ref('ConfigMap', 'stray'), createdBy: 'kubectl', action: 'pruned', message: '' },
        ],
      }),
      connection: 'Connected',
      want: {
        unmanaged: [
          { ref: ref('ConfigMap', 'stray'), createdBy: 'kubectl', action: 'pruned', message: '' },
        ],
      },
    },
  ])('$name', ({ report: r, connection, want }) => {
    const view = reportView(r, connection, KEY);
    expect(view).toMatchObject(want);
    expect(view).not.toHaveProperty('statusHash');
    expect(schemaProblems(PairReport, JSON.parse(JSON.stringify(view)))).toEqual([]);
  });

  it('masks Secret values in drift exactly as GET /api/v1/drift does', () => {
    const secretDrift = {
      ref: ref('Secret', 'db'),
      changes: [
        { path: '/data/password', desired: b64('hunter2'), live: b64('hunter3') },
        { path: '/stringData/token', desired: 'abc' },
        { path: '/metadata/labels/tier', desired: 'db', live: 'cache' },
      ],
      fieldManager: 'kubectl-edit',
      firstSeenUnixMs: 500,
      lastSeenUnixMs: 900,
      action: 'reported' as const,
      correctionCount: 0,
    };
    const deployment = {
      ...secretDrift,
      ref: ref('Deployment', 'web', 'apps'),
      changes: [{ path: '/spec/replicas', desired: 2, live: 5 }],
      action: 'corrected' as const,
      correctionCount: 3,
    };
    const r = report({ drift: [secretDrift, deployment] });
    const view = reportView(r, 'Connected', KEY);
    const json = JSON.stringify(view);
    expect(json).not.toContain(b64('hunter2'));
    expect(json).not.toContain('"abc"');
    const secret = view.drift.find((d) => d.ref.kind === 'Secret');
    expect(secret?.changes).toEqual([
      { path: '/data/password', desired: fp('hunter2'), live: fp('hunter3') },
      { path: '/stringData/token', desired: fp('abc') },
      { path: '/metadata/labels/tier', desired: 'db', live: 'cache' },
    ]);
    // the same records as the fleet-wide drift list, less where they were seen
    const items = driftItems(
      {
        fleet: undefined,
        targets: [
          {
            name: 'edge',
            connection: { state: 'Connected' },
            desired: [],
            reports: [r],
          },
        ],
      },
      {},
      KEY,
    );
    expect(view.drift).toEqual(
      items.map(({ target: _t, app: _a, environment: _e, ...rest }) => rest),
    );
  });
});

describe('whoamiView', () => {
  it.each<[string, ApiIdentity | undefined, boolean, WhoAmI]>([
    [
      'a static token',
      { name: 'ci', scope: 'operate' },
      true,
      { name: 'ci', scope: 'operate', via: 'token' },
    ],
    [
      'an OIDC token',
      { name: 'alice@example.org', scope: 'read' },
      false,
      { name: 'alice@example.org', scope: 'read', via: 'oidc' },
    ],
    ['no token asked', undefined, false, { name: 'anonymous', scope: 'admin', via: 'open' }],
  ])('%s', (_name, identity, staticToken, want) => {
    const view = whoamiView(identity, staticToken);
    expect(view).toEqual(want);
    expect(schemaProblems(WhoAmI, view)).toEqual([]);
  });
});
