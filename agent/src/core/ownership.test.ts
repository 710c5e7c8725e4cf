import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectRef } from '@gitfleet/proto/domain';
import {
  currentOwner,
  decideDelete,
  decideTake,
  labelOwner,
  type DeleteReason,
  type TakeReason,
} from './ownership.ts';

const ns: ObjectRef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  namespace: '',
  name: 'shared',
};
const cm: ObjectRef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'shared',
  name: 'cfg',
};

function live(ref: ObjectRef, app?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: ref.kind,
    metadata: {
      name: ref.name,
      ...(ref.namespace === '' ? {} : { namespace: ref.namespace }),
      labels:
        app === undefined
          ? { team: 'x' }
          : { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.dev/app': app },
    },
  };
}

describe('labelOwner and currentOwner', () => {
  it.each<
    [string, string | undefined, KubeObject | undefined, string | undefined, string | undefined]
  >([
    ['absent object, no claim', undefined, undefined, undefined, undefined],
    ['unlabelled object', undefined, live(ns), undefined, undefined],
    ['labelled object', undefined, live(ns, 'a'), 'a', 'a'],
    ['the claim wins over the label', 'b', live(ns, 'a'), 'a', 'b'],
    ['a claim on an absent object', 'b', undefined, undefined, 'b'],
    [
      'an empty label is no owner',
      undefined,
      { kind: 'Namespace', metadata: { name: 'x', labels: { 'gitfleet.dev/app': '' } } },
      undefined,
      undefined,
    ],
  ])('%s', (_name, claim, obj, byLabel, owner) => {
    expect(labelOwner(obj)).toBe(byLabel);
    expect(currentOwner(claim, obj)).toBe(owner);
  });
});

describe('decideTake: who may write an object', () => {
  it.each<[string, string, string | undefined, string[], 'take' | 'refuse', TakeReason]>([
    ['nobody owns it (absent or unlabelled): adopt', 'b', undefined, ['b'], 'take', 'unowned'],
    ['the app owns it', 'a', 'a', ['a', 'b'], 'take', 'ours'],
    ['another app owns and declares it', 'b', 'a', ['a', 'b'], 'refuse', 'owned-by-other'],
    ['its owner is no longer assigned: take the orphan', 'b', 'a', ['b'], 'take', 'orphan'],
    [
      'its owner dropped it from its desired set: hand over',
      'b',
      'a',
      ['b', 'c'],
      'take',
      'orphan',
    ],
    [
      'owned by a third app that declares it',
      'c',
      'a',
      ['a', 'b', 'c'],
      'refuse',
      'owned-by-other',
    ],
    ['declaredBy need not list the claimant', 'b', 'a', ['a'], 'refuse', 'owned-by-other'],
  ])('%s', (_name, app, owner, declaredBy, action, reason) => {
    const d = decideTake({ app, ref: ns, owner, declaredBy });
    expect(d.action).toBe(action);
    expect(d.reason).toBe(reason);
  });

  it('names the object and both applications in an OWNERSHIP_CONFLICT', () => {
    const d = decideTake({ app: 'b', ref: cm, owner: 'a', declaredBy: ['a', 'b'] });
    if (d.action !== 'refuse') throw new Error('expected a refusal');
    expect(d.owner).toBe('a');
    expect(d.error.code).toBe('OWNERSHIP_CONFLICT');
    expect(d.error.message).toBe(
      'ConfigMap/shared/cfg: declared by applications "a" and "b" on this target; it belongs to ' +
        '"a" (label gitfleet.dev/app), so "b" does not take it over: remove it from all but one ' +
        'of these applications',
    );
  });

  it('lists every declaring application once, the owner first', () => {
    const d = decideTake({ app: 'c', ref: ns, owner: 'a', declaredBy: ['b', 'a', 'c'] });
    expect(d.action === 'refuse' ? d.error.message : '').toMatch(
      /^Namespace\/shared: declared by applications "a", "b" and "c" on this target/,
    );
  });
});

describe('decideDelete: may an app delete what it stops declaring', () => {
  it.each<[string, KubeObject | undefined, string[], 'delete' | 'keep', DeleteReason, RegExp]>([
    ['ours and declared by nobody else', live(ns, 'a'), [], 'delete', 'owned', /deleting/],
    ['already gone', undefined, [], 'keep', 'gone', /already gone/],
    [
      'another app declares it',
      live(ns, 'a'),
      ['b'],
      'keep',
      'declared-elsewhere',
      /^Namespace\/shared: still declared by application "b", left in place for it$/,
    ],
    [
      'several other apps declare it',
      live(ns, 'a'),
      ['b', 'c'],
      'keep',
      'declared-elsewhere',
      /applications "b" and "c", left in place for them/,
    ],
    [
      'declared elsewhere although labelled for a third app',
      live(ns, 'z'),
      ['b'],
      'keep',
      'declared-elsewhere',
      /still declared/,
    ],
    ['labelled for another app', live(ns, 'b'), [], 'keep', 'not-owned', /is "b", not "a"/],
    ['not labelled at all', live(ns), [], 'keep', 'not-owned', /is no such label/],
    [
      'the deleting app itself in declaredBy does not count',
      live(ns, 'a'),
      ['a'],
      'delete',
      'owned',
      /deleting/,
    ],
  ])('%s', (_name, obj, declaredBy, action, reason, message) => {
    const d = decideDelete({ app: 'a', ref: ns, live: obj, declaredBy });
    expect(d.action).toBe(action);
    expect(d.reason).toBe(reason);
    expect(d.message).toMatch(message);
  });
});
