import { describe, expect, it } from 'vitest';
import type { DriftItem } from '../../../src/http/api/fleet.ts';
import {
  NO_OPTIONS,
  actionText,
  driftApiQuery,
  driftFiltersOf,
  driftKey,
  driftOptions,
  driftSignature,
  fieldView,
  highlight,
  isFingerprint,
  jsonText,
  objectLabel,
  sameOptions,
  type Segment,
} from './drift-view.ts';

const ref = (kind: string, namespace: string, name: string, group = '') => ({
  group,
  version: 'v1',
  kind,
  namespace,
  name,
});

function item(over: Partial<DriftItem> = {}): DriftItem {
  return {
    target: 'dev-1',
    app: 'web',
    environment: 'dev',
    ref: ref('Deployment', 'web', 'api', 'apps'),
    changes: [],
    fieldManager: 'kubectl-edit',
    firstSeenUnixMs: 1,
    lastSeenUnixMs: 2,
    action: 'corrected',
    correctionCount: 1,
    ...over,
  };
}

/** Segments as `text` with changed runs in brackets. */
const marked = (segments: readonly Segment[]): string =>
  segments.map((s) => (s.changed ? `[${s.text}]` : s.text)).join('');

describe('drift filters', () => {
  it.each([
    ['', { environment: '', app: '', kind: '', manager: '', target: '' }, {}],
    [
      'environment=dev&app=web&kind=Deployment&manager=kubectl-edit&target=dev-1&q=x',
      {
        environment: 'dev',
        app: 'web',
        kind: 'Deployment',
        manager: 'kubectl-edit',
        target: 'dev-1',
      },
      {
        environment: 'dev',
        app: 'web',
        kind: 'Deployment',
        manager: 'kubectl-edit',
        target: 'dev-1',
      },
    ],
    [
      'app=%20web%20&kind=',
      { environment: '', app: 'web', kind: '', manager: '', target: '' },
      { app: 'web' },
    ],
  ])('query %j', (q, filters, api) => {
    const f = driftFiltersOf(new URLSearchParams(q));
    expect(f).toEqual(filters);
    expect(driftApiQuery(f)).toEqual(api);
  });
});

describe('drift records', () => {
  it.each([
    [
      ref('Deployment', 'web', 'api', 'apps'),
      'dev-1/web/Deployment/web/api',
      'Deployment.apps web/api',
    ],
    [
      ref('ClusterRole', '', 'reader', 'rbac.authorization.k8s.io'),
      'dev-1/web/ClusterRole//reader',
      'ClusterRole.rbac.authorization.k8s.io reader',
    ],
    [
      ref('ConfigMap', 'default', 'cfg'),
      'dev-1/web/ConfigMap/default/cfg',
      'ConfigMap default/cfg',
    ],
  ])('%j: key and label', (r, key, label) => {
    expect(driftKey(item({ ref: r }))).toBe(key);
    expect(objectLabel(r)).toBe(label);
  });

  it.each<[DriftItem['action'], number, string]>([
    ['corrected', 1, 'corrected (1 time)'],
    ['corrected', 3, 'corrected (3 times)'],
    ['reported', 0, 'reported, not corrected'],
    ['ignored', 0, 'ignored'],
  ])('action %s ×%i', (action, n, want) => {
    expect(actionText(action, n)).toBe(want);
  });
});

describe('filter options', () => {
  it('merges the previous options, records, rows and filters, sorted and unique', () => {
    const first = driftOptions(
      NO_OPTIONS,
      [item(), item({ target: 'prod-1', environment: 'prod', ref: ref('Service', 'web', 'api') })],
      [{ app: 'db', target: 'dev-2', environment: 'dev' }],
      driftFiltersOf(new URLSearchParams('manager=helm')),
    );
    expect(first).toEqual({
      environment: ['dev', 'prod'],
      app: ['db', 'web'],
      kind: ['Deployment', 'Service'],
      manager: ['helm', 'kubectl-edit'],
      target: ['dev-1', 'dev-2', 'prod-1'],
    });
    // a filtered answer keeps what was offered before
    const second = driftOptions(
      first,
      [item({ fieldManager: '' })],
      [],
      driftFiltersOf(new URLSearchParams('kind=Deployment')),
    );
    expect(second).toEqual(first);
    expect(sameOptions(first, second)).toBe(true);
    expect(sameOptions(first, NO_OPTIONS)).toBe(false);
  });
});

describe('driftSignature', () => {
  const rows = [
    { app: 'web', target: 'dev-1', environment: 'dev', drift: 2, reportedAtMs: 10 },
    { app: 'web', target: 'prod-1', environment: 'prod', drift: 0, reportedAtMs: 11 },
    { app: 'db', target: 'dev-1', environment: 'dev', drift: 1 },
  ];
  it.each([
    [{ environment: '', app: '', target: '' }, 'dev-1/db:1@0,dev-1/web:2@10'],
    [{ environment: '', app: 'web', target: '' }, 'dev-1/web:2@10'],
    [{ environment: 'prod', app: '', target: '' }, ''],
    [{ environment: '', app: '', target: 'dev-1' }, 'dev-1/db:1@0,dev-1/web:2@10'],
  ])('%j', (filters, want) => {
    expect(driftSignature(rows, filters)).toBe(want);
  });
  it('changes with a count or a report of a drifted row, not of a clean one', () => {
    const f = { environment: '', app: '', target: '' };
    const base = driftSignature(rows, f);
    expect(driftSignature([{ ...rows[0]!, drift: 3 }, rows[1]!, rows[2]!], f)).not.toBe(base);
    expect(driftSignature([{ ...rows[0]!, reportedAtMs: 20 }, rows[1]!, rows[2]!], f)).not.toBe(
      base,
    );
    expect(driftSignature([rows[0]!, { ...rows[1]!, reportedAtMs: 30 }, rows[2]!], f)).toBe(base);
  });
});

describe('values', () => {
  it.each<[unknown, string | undefined]>([
    [undefined, undefined],
    [null, 'null'],
    [3, '3'],
    ['nginx:1.27', '"nginx:1.27"'],
    [{ a: 1 }, '{\n  "a": 1\n}'],
  ])('jsonText(%j)', (v, want) => {
    expect(jsonText(v)).toBe(want);
  });
  it.each<[unknown, boolean]>([
    ['*** sha256:0123456789ab', true],
    ['*** sha256:01234567', true],
    ['secret', false],
    [42, false],
  ])('isFingerprint(%j)', (v, want) => {
    expect(isFingerprint(v)).toBe(want);
  });
});

describe('highlight', () => {
  it.each([
    ['same', '"a"', '"a"', false, '"a"', '"a"'],
    ['characters', '"nginx:1.25"', '"nginx:1.27"', false, '"nginx:1.2[5]"', '"nginx:1.2[7]"'],
    [
      'little in common: whole',
      '"Always"',
      '"IfNotPresent"',
      false,
      '["Always"]',
      '["IfNotPresent"]',
    ],
    ['whole on request', '"ab1"', '"ab2"', true, '["ab1"]', '["ab2"]'],
    ['numbers', '3', '5', false, '[3]', '[5]'],
    [
      'lines',
      '{\n  "a": 1,\n  "b": 2\n}',
      '{\n  "a": 1,\n  "b": 3\n}',
      false,
      '{\n  "a": 1,\n[  "b": 2\n]}',
      '{\n  "a": 1,\n[  "b": 3\n]}',
    ],
  ])('%s', (_name, d, l, whole, wantD, wantL) => {
    const h = highlight(d, l, whole);
    expect(marked(h.desired)).toBe(wantD);
    expect(marked(h.live)).toBe(wantL);
    expect(h.desired.map((s) => s.text).join('')).toBe(d);
    expect(h.live.map((s) => s.text).join('')).toBe(l);
  });
});

describe('fieldView', () => {
  it.each([
    [{ path: '/spec/replicas', desired: 2, live: 5 }, '[2]', '[5]', false],
    [{ path: '/spec/paused', live: true }, undefined, '[true]', false],
    [{ path: '/metadata/labels/x', desired: 'y' }, '["y"]', undefined, false],
    [
      {
        path: '/data/password',
        desired: '*** sha256:0123456789ab',
        live: '*** sha256:0123456789ac',
      },
      '["*** sha256:0123456789ab"]',
      '["*** sha256:0123456789ac"]',
      true,
    ],
  ])('%j', (change, d, l, masked) => {
    const v = fieldView(change);
    expect(v.pointer).toBe(change.path);
    expect(v.masked).toBe(masked);
    expect(v.desired.absent ? undefined : marked(v.desired.segments)).toBe(d);
    expect(v.live.absent ? undefined : marked(v.live.segments)).toBe(l);
  });
});
