import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { DriftAction, isGitfleetError, objectRef } from '@gitfleet/proto/domain';
import type { DriftRecord, FieldChange, JsonValue } from '@gitfleet/proto/domain';
import {
  AGENT,
  kubectlEditImageEntry,
  kubectlScaleEntry,
  secretDesired,
  secretLive,
  webDesired,
  webLive,
} from '../__fixtures__/drift-objects.ts';
import {
  CONTAINERS,
  OUR_WEB,
  at,
  edit,
  opts,
  paths,
  webRef,
  withEntries,
} from '../__fixtures__/drift-edit.ts';
import { compareDesiredLive } from './compare.ts';
import { SECRET_MASK, buildDriftRecord, maskSecretChanges } from './record.ts';

describe('maskSecretChanges', () => {
  const ref = objectRef(secretDesired);
  const changes: FieldChange[] = [
    { path: '/stringData/password', desired: 'hunter2', live: 'hunter3' },
    { path: '/data/token', desired: Buffer.from('hunter2').toString('base64') },
    { path: '/metadata/labels/tier', desired: 'db', live: 'cache' },
  ];

  it('masks data and stringData values, never anything else', () => {
    const masked = maskSecretChanges(ref, changes);
    expect(masked[2]).toEqual(changes[2]);
    for (const c of masked.slice(0, 2)) {
      expect(c.desired).toMatch(/^\*\*\* sha256:[0-9a-f]{8}$/);
      expect(JSON.stringify(c)).not.toContain('hunter');
    }
    expect(masked[0]?.live).not.toEqual(masked[0]?.desired);
    expect(masked[1]?.live).toBeUndefined();
  });

  it('equal plaintexts get equal masks, whether base64 data or stringData', () => {
    const masked = maskSecretChanges(ref, changes);
    expect(masked[1]?.desired).toEqual(masked[0]?.desired);
    expect(masked[0]?.desired).toMatch(new RegExp(`^${SECRET_MASK.replaceAll('*', '\\*')} `));
  });

  it('a salt changes the digest', () => {
    expect(maskSecretChanges(ref, changes, 'pepper')[0]?.desired).not.toEqual(
      maskSecretChanges(ref, changes)[0]?.desired,
    );
  });

  it('leaves other kinds alone', () => {
    const cm = { ...ref, kind: 'ConfigMap' };
    expect(maskSecretChanges(cm, changes)).toEqual(changes);
  });
});

describe('buildDriftRecord', () => {
  const scaledLive = withEntries(
    edit(
      webLive,
      ['/spec/replicas', 5],
      ['/metadata/managedFields/0/fieldsV1/f:spec/f:replicas', undefined],
    ),
    kubectlScaleEntry,
  );
  const replicas: FieldChange[] = [{ path: '/spec/replicas', desired: 3, live: 5 }];
  const base = { ref: webRef, live: scaledLive, ourManager: AGENT };

  it('starts a new record', () => {
    expect(
      buildDriftRecord({ ...base, changes: replicas, nowMs: 1_000, action: DriftAction.Corrected }),
    ).toEqual({
      ref: webRef,
      changes: replicas,
      fieldManager: 'kubectl',
      firstSeenUnixMs: 1_000,
      lastSeenUnixMs: 1_000,
      action: 'corrected',
      correctionCount: 1,
    });
  });

  const previous: DriftRecord = {
    ref: webRef,
    changes: replicas,
    fieldManager: 'kubectl',
    firstSeenUnixMs: 1_000,
    lastSeenUnixMs: 5_000,
    action: DriftAction.Corrected,
    correctionCount: 2,
  };

  it.each<[string, FieldChange[], DriftAction, number, number]>([
    ['same paths, corrected again', replicas, DriftAction.Corrected, 1_000, 3],
    ['same paths, only reported', replicas, DriftAction.Reported, 1_000, 2],
    [
      'previous paths plus a new one continue',
      [...replicas, { path: '/metadata/labels/team', live: 'x' }],
      DriftAction.Corrected,
      1_000,
      3,
    ],
    [
      'other paths start over',
      [{ path: `${CONTAINERS}/0/image`, desired: 'a', live: 'b' }],
      DriftAction.Corrected,
      9_000,
      1,
    ],
  ])('%s', (_name, changes, action, firstSeen, count) => {
    const record = buildDriftRecord({ ...base, changes, previous, nowMs: 9_000, action });
    expect(record.firstSeenUnixMs).toBe(firstSeen);
    expect(record.lastSeenUnixMs).toBe(9_000);
    expect(record.correctionCount).toBe(count);
  });

  it('a previous record of another object is not continued', () => {
    const other = { ...previous, ref: { ...webRef, name: 'api' } };
    const record = buildDriftRecord({
      ...base,
      changes: replicas,
      previous: other,
      nowMs: 9_000,
      action: DriftAction.Reported,
    });
    expect(record).toMatchObject({ firstSeenUnixMs: 9_000, correctionCount: 0 });
  });

  it('masks Secret values and attributes stringData changes to the owner of data', () => {
    const live = withEntries(
      edit(
        secretLive,
        ['/data/password', Buffer.from('hunter3').toString('base64')],
        ['/metadata/managedFields/0/fieldsV1/f:data/f:password', undefined],
      ),
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-11-25T16:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:password': {} } },
      },
    );
    const { changes } = compareDesiredLive(secretDesired, live, opts);
    const record = buildDriftRecord({
      ref: objectRef(secretDesired),
      changes,
      live,
      ourManager: AGENT,
      nowMs: 1,
      action: DriftAction.Reported,
    });
    expect(record.fieldManager).toBe('kubectl-edit');
    expect(JSON.stringify(record)).not.toMatch(/hunter/);
  });

  it('maps desired list indices to live ones for attribution', () => {
    const reordered = withEntries(
      edit(
        webLive,
        [`${CONTAINERS}/0/image`, 'ghcr.io/acme/web:1.4.3-hotfix'],
        [`${OUR_WEB}/f:image`, undefined],
        [
          CONTAINERS,
          [
            at(webLive, `${CONTAINERS}/1`),
            {
              ...(at(webLive, `${CONTAINERS}/0`) as object),
              image: 'ghcr.io/acme/web:1.4.3-hotfix',
            },
          ] as JsonValue,
        ],
      ),
      kubectlEditImageEntry,
    );
    const { changes } = compareDesiredLive(webDesired, reordered, opts);
    expect(paths(changes)).toEqual([`${CONTAINERS}/0/image`]);
    const input = { ...base, live: reordered, changes, nowMs: 1, action: DriftAction.Reported };
    expect(buildDriftRecord({ ...input, desired: webDesired }).fieldManager).toBe('kubectl-edit');
    expect(buildDriftRecord(input).fieldManager).toBe('');
  });

  it('names no manager for a removal (nobody owns a deleted field)', () => {
    const record = buildDriftRecord({
      ...base,
      live: webLive,
      changes: [{ path: '/metadata/labels/gone', desired: 'x' }],
      nowMs: 1,
      action: DriftAction.Reported,
    });
    expect(record.fieldManager).toBe('');
  });

  it('rejects an empty change list', () => {
    try {
      buildDriftRecord({ ...base, changes: [], nowMs: 1, action: DriftAction.Reported });
      expect.unreachable('buildDriftRecord should throw');
    } catch (err) {
      expect(isGitfleetError(err, 'INTERNAL')).toBe(true);
    }
  });
});
