import { describe, expect, it } from 'vitest';
import type { DriftRecord, KubeObject, ObjectRef } from '@gitfleet/proto/domain';
import {
  backoffEntry,
  conflictIsNew,
  correctedEntry,
  correctionFailedEntry,
  decideDrift,
  dropsResolvedDrift,
  entryBackInSync,
  gateDrift,
  needsPassAfterCorrection,
  reportedDriftEntry,
  startDriftCheck,
  type DriftCheckStart,
  type DriftCheckStartInput,
  type DriftDecision,
  type DriftDecisionInput,
  type DriftGate,
  type DriftGateInput,
} from './drift-decision.ts';
import type { TakeDecision } from './ownership.ts';
import type { ChangeSetEntry } from './sync-state.ts';

const ref: ObjectRef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
};
const conflict = {
  code: 'OWNERSHIP_CONFLICT',
  message: 'Deployment/shop/web: owned by "a"',
} as const;
const take: TakeDecision = { action: 'take', reason: 'ours' };
const refuse: TakeDecision = {
  action: 'refuse',
  reason: 'owned-by-other',
  owner: 'a',
  error: conflict,
};

describe('startDriftCheck', () => {
  const base: DriftCheckStartInput = {
    declared: true,
    removed: false,
    closed: false,
    passRunning: false,
    applied: true,
  };
  it.each<[string, Partial<DriftCheckStartInput>, DriftCheckStart]>([
    ['declared, applied, idle', {}, 'check'],
    ['not declared', { declared: false }, 'skip'],
    ['app being removed', { removed: true }, 'skip'],
    ['agent closing', { closed: true }, 'skip'],
    ['a pass runs: after it', { passRunning: true }, 'defer'],
    ['removed wins over a running pass', { removed: true, passRunning: true }, 'skip'],
    ['version not applied yet', { applied: false }, 'skip'],
    ['a running pass wins over not applied', { applied: false, passRunning: true }, 'defer'],
  ])('%s', (_name, over, expected) => {
    expect(startDriftCheck({ ...base, ...over })).toBe(expected);
  });
});

describe('gateDrift', () => {
  const base: DriftGateInput = {
    take,
    liveResourceVersion: '7',
    correctedFromResourceVersion: undefined,
    mode: 'correct',
    manualSync: false,
  };
  it.each<[string, Partial<DriftGateInput>, DriftGate]>([
    ['ours, correct mode', {}, { kind: 'compare', mode: 'correct' }],
    ['ours, warn mode', { mode: 'warn' }, { kind: 'compare', mode: 'warn' }],
    ['ignore mode', { mode: 'ignore' }, { kind: 'ignore' }],
    [
      'manual sync turns correct into warn',
      { manualSync: true },
      { kind: 'compare', mode: 'warn' },
    ],
    [
      'manual sync keeps warn',
      { manualSync: true, mode: 'warn' },
      { kind: 'compare', mode: 'warn' },
    ],
    ['manual sync keeps ignore', { manualSync: true, mode: 'ignore' }, { kind: 'ignore' }],
    ['owned by another app', { take: refuse }, { kind: 'conflict', error: conflict }],
    [
      'conflict wins over a stale cache and ignore',
      { take: refuse, correctedFromResourceVersion: '7', mode: 'ignore' },
      { kind: 'conflict', error: conflict },
    ],
    [
      'cache shows the corrected-from version',
      { correctedFromResourceVersion: '7' },
      { kind: 'stale' },
    ],
    [
      'stale wins over ignore',
      { correctedFromResourceVersion: '7', mode: 'ignore' },
      { kind: 'stale' },
    ],
    [
      'cache moved past the corrected-from version',
      { correctedFromResourceVersion: '6' },
      { kind: 'compare', mode: 'correct' },
    ],
    [
      'missing live is never stale',
      { liveResourceVersion: undefined, correctedFromResourceVersion: undefined },
      { kind: 'compare', mode: 'correct' },
    ],
  ])('%s', (_name, over, expected) => {
    expect(gateDrift({ ...base, ...over })).toEqual(expected);
  });
});

describe('decideDrift', () => {
  const base: DriftDecisionInput = {
    mode: 'correct',
    drifted: true,
    nowMs: 1_000,
    nextCorrectionAtMs: 1_000,
  };
  it.each<[string, Partial<DriftDecisionInput>, DriftDecision]>([
    ['no drift', { drifted: false }, { kind: 'in-sync' }],
    ['no drift in warn mode', { drifted: false, mode: 'warn' }, { kind: 'in-sync' }],
    [
      'no drift while backing off',
      { drifted: false, nextCorrectionAtMs: 9_000 },
      { kind: 'in-sync' },
    ],
    ['drift in warn mode', { mode: 'warn' }, { kind: 'report' }],
    ['warn never backs off', { mode: 'warn', nextCorrectionAtMs: 9_000 }, { kind: 'report' }],
    ['drift, correction allowed now', {}, { kind: 'correct' }],
    ['drift, guard in the past', { nextCorrectionAtMs: 500 }, { kind: 'correct' }],
    [
      'drift, guard backing off',
      { nextCorrectionAtMs: 9_000 },
      { kind: 'backoff', retryInMs: 8_000 },
    ],
  ])('%s', (_name, over, expected) => {
    expect(decideDrift({ ...base, ...over })).toEqual(expected);
  });
});

const record = (action: DriftRecord['action']): DriftRecord => ({
  ref,
  changes: [{ path: '/spec/replicas', desired: 2, live: 5 }],
  fieldManager: 'kubectl',
  firstSeenUnixMs: 1,
  lastSeenUnixMs: 2,
  action,
  correctionCount: action === 'corrected' ? 1 : 0,
});

describe('what a branch records', () => {
  it.each<[string, ChangeSetEntry | undefined, boolean]>([
    ['no entry yet', undefined, true],
    ['entry of an apply', { ref, action: 'configured' }, true],
    [
      'another failure',
      { ref, action: 'failed', error: { code: 'APPLY_FAILED', message: 'x' } },
      true,
    ],
    ['already the conflict', { ref, action: 'failed', error: conflict }, false],
  ])('conflictIsNew: %s', (_name, entry, expected) => {
    expect(conflictIsNew(entry)).toBe(expected);
  });

  it.each<[string, DriftRecord | undefined, boolean]>([
    ['no record', undefined, false],
    ['reported drift resolves', record('reported'), true],
    ['corrected drift stays on record', record('corrected'), false],
  ])('dropsResolvedDrift: %s', (_name, r, expected) => {
    expect(dropsResolvedDrift(r)).toBe(expected);
  });

  it.each<[string, ChangeSetEntry | undefined, ChangeSetEntry | undefined]>([
    ['no entry', undefined, undefined],
    ['in sync already', { ref, action: 'configured' }, undefined],
    ['explicitly in sync', { ref, action: 'unchanged', outOfSync: false }, undefined],
    [
      'warned drift becomes unchanged',
      reportedDriftEntry(ref),
      {
        ref,
        action: 'unchanged',
        message: 'drift reported, not corrected (warn)',
        outOfSync: false,
      },
    ],
    [
      'a failure stays',
      correctionFailedEntry(ref, { code: 'APPLY_FAILED', message: 'x' }),
      undefined,
    ],
  ])('entryBackInSync: %s', (_name, entry, expected) => {
    expect(entryBackInSync(entry)).toEqual(expected);
  });

  it.each<[string, string | undefined, string]>([
    ['not a fight yet', undefined, 'correction backing off'],
    [
      'a fight',
      'fighting with hpa: 4 corrections in 3 s, backing off 1 s',
      'fighting with hpa: 4 corrections in 3 s, backing off 1 s',
    ],
  ])('backoffEntry: %s', (_name, fight, message) => {
    expect(backoffEntry(ref, fight)).toEqual({ ref, action: 'skipped', message, outOfSync: true });
  });

  it.each<[string, boolean, ChangeSetEntry]>([
    ['re-created', true, { ref, action: 'created', uid: 'u1', message: 'drift corrected' }],
    ['configured', false, { ref, action: 'configured', uid: 'u1', message: 'drift corrected' }],
  ])('correctedEntry: %s', (_name, missing, expected) => {
    expect(correctedEntry(ref, missing, 'u1')).toEqual(expected);
  });

  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
  };
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
  const dep: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } };
  const refOf = (group: string, kind: string, name: string): ObjectRef => ({
    group,
    version: 'v1',
    kind,
    namespace: '',
    name,
  });
  it.each<[string, KubeObject, ObjectRef, boolean, boolean]>([
    [
      're-created CRD',
      crd,
      refOf('apiextensions.k8s.io', 'CustomResourceDefinition', 'widgets.example.com'),
      true,
      true,
    ],
    ['re-created Namespace', ns, refOf('', 'Namespace', 'shop'), true, true],
    ['re-created Deployment', dep, ref, true, false],
    [
      'corrected CRD that existed',
      crd,
      refOf('apiextensions.k8s.io', 'CustomResourceDefinition', 'widgets.example.com'),
      false,
      false,
    ],
    ['corrected Namespace that existed', ns, refOf('', 'Namespace', 'shop'), false, false],
    [
      'a Namespace kind of another group',
      ns,
      refOf('example.com', 'Namespace', 'shop'),
      true,
      false,
    ],
  ])('needsPassAfterCorrection: %s', (_name, obj, r, missing, expected) => {
    expect(needsPassAfterCorrection(obj, r, missing)).toBe(expected);
  });
});
