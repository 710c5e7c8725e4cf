import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  contentDigest,
  isGitfleetError,
  pinHubKeys,
  signMessage,
  signingKeyFromPem,
  type AppRemoval,
  type Assignment,
  type SyncRequest,
} from '@gitfleet/proto/domain';
import {
  Intake,
  admitDesired,
  admitSyncRequest,
  persistedProblem,
  persistedRemovalHolds,
  refusedStateReport,
} from './intake.ts';

const key = signingKeyFromPem(
  generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  'test',
);
const keys = pinHubKeys([key.publicKey]);
const objects = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' } }];
const assignment = (version: number, target = 'c1'): Assignment =>
  signMessage(
    {
      kind: 'assignment',
      target,
      app: 'web',
      version,
      revision: 'c'.repeat(40),
      contentDigest: contentDigest(objects),
      objects,
      policies: {
        sync: 'automated',
        prune: { enabled: true, allowEmpty: false },
        drift: { mode: 'correct', overrides: [] },
        ignore: [],
        unmanaged: { mode: 'ignore', allow: [] },
        conflict: 'force',
        deletion: 'delete',
      },
    },
    key,
  );
const removal = (version: number): AppRemoval =>
  signMessage({ kind: 'appRemoval', target: 'c1', app: 'web', version, deletion: 'delete' }, key);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!isGitfleetError(err)) throw err;
    expect(err.terminal).toBe(true);
    return err.code;
  }
}

describe('admitDesired', () => {
  it.each<[string, Assignment | AppRemoval, number | undefined, Intake | ErrorCode]>([
    ['a first assignment', assignment(1), undefined, Intake.Take],
    ['a newer assignment', assignment(5), 4, Intake.Take],
    ['the assignment passed last, again (a resend)', assignment(4), 4, Intake.Duplicate],
    ['an older assignment (a replay)', assignment(3), 4, ErrorCode.Replayed],
    ['an assignment below a removal passed', assignment(3), 4, ErrorCode.Replayed],
    ['a newer removal', removal(5), 4, Intake.Take],
    ['the removal passed last, again', removal(5), 5, Intake.Duplicate],
    ['an older removal (a replay)', removal(2), 4, ErrorCode.Replayed],
    ['a removal of an app never held', removal(2), undefined, Intake.Take],
    [
      'an unsigned assignment',
      { ...assignment(5), signature: undefined },
      4,
      ErrorCode.SignatureInvalid,
    ],
    ['an assignment for another target', assignment(5, 'c2'), 4, ErrorCode.SignatureInvalid],
    [
      'a changed removal',
      { ...removal(5), deletion: 'orphan' },
      undefined,
      ErrorCode.SignatureInvalid,
    ],
    [
      'a replayed version that is also changed (the signature is judged first)',
      { ...assignment(2), revision: 'd'.repeat(40) },
      4,
      ErrorCode.SignatureInvalid,
    ],
  ])('with pinned keys: %s', (_name, m, passed, expected) => {
    let intake: Intake | undefined;
    const code = codeOf(() => (intake = admitDesired(m, { target: 'c1', keys, passed })));
    expect(code ?? intake).toBe(expected);
  });

  it('names both versions in a replay refusal', () => {
    try {
      admitDesired(assignment(3), { target: 'c1', keys, passed: 7 });
      expect.unreachable('should throw');
    } catch (err) {
      expect((err as Error).message).toContain('assignment web v3');
      expect((err as Error).message).toContain('v7');
    }
  });

  it.each<[string, Assignment | AppRemoval]>([
    ['unsigned', { ...assignment(1), signature: undefined }],
    ['older', assignment(1)],
    ['for another target', assignment(9, 'c2')],
  ])('without pinned keys takes anything unchecked: %s', (_name, m) => {
    expect(admitDesired(m, { target: 'c1', keys: undefined, passed: 5 })).toBe(Intake.Unchecked);
  });
});

describe('admitSyncRequest', () => {
  const request: SyncRequest = signMessage(
    { kind: 'syncRequest', target: 'c1', app: 'web', assignmentVersion: 4, requestId: 'op' },
    key,
  );
  it.each<[string, SyncRequest, boolean, ErrorCode | undefined]>([
    ['a signed request', request, true, undefined],
    ['an unsigned request', { ...request, signature: undefined }, true, ErrorCode.SignatureInvalid],
    ['a changed request', { ...request, assignmentVersion: 3 }, true, ErrorCode.SignatureInvalid],
    [
      'an unsigned request without pinned keys',
      { ...request, signature: undefined },
      false,
      undefined,
    ],
  ])('%s', (_name, s, pinned, expected) => {
    expect(
      codeOf(() => {
        admitSyncRequest(s, { target: 'c1', keys: pinned ? keys : undefined });
      }),
    ).toBe(expected);
  });
});

describe('persistedProblem', () => {
  const a = assignment(3);
  it.each<[string, Assignment, boolean, string | undefined]>([
    ['a signed assignment', a, true, undefined],
    ['anything without pinned keys', { ...a, signature: undefined }, false, undefined],
    ['an unsigned assignment', { ...a, signature: undefined }, true, 'no hub signature'],
    [
      'objects changed but not their digest',
      { ...a, objects: [{ ...objects[0], data: { x: '1' } }] },
      true,
      'do not match its content digest',
    ],
    [
      'objects and digest changed',
      { ...a, objects: [], contentDigest: contentDigest([]) },
      true,
      'does not match its content',
    ],
    [
      'policies changed',
      { ...a, policies: { ...a.policies, unmanaged: { mode: 'prune', allow: [] } } },
      true,
      'does not match its content',
    ],
    [
      'a persisted value that is not an assignment',
      { app: 'web', version: 3 } as unknown as Assignment,
      true,
      'unreadable',
    ],
  ])('%s', (_name, persisted, pinned, problem) => {
    const err = persistedProblem(persisted, { target: 'c1', keys: pinned ? keys : undefined });
    if (problem === undefined) {
      expect(err).toBeUndefined();
    } else {
      expect(err?.code).toBe(ErrorCode.SignatureInvalid);
      expect(err?.message).toContain(problem);
    }
  });
});

describe('persistedRemovalHolds', () => {
  it.each<[string, AppRemoval, boolean, boolean]>([
    ['a signed removal', removal(4), true, true],
    ['a changed removal', { ...removal(4), version: 9 }, true, false],
    ['a removal without pinned keys', removal(4), false, false],
  ])('%s', (_name, r, pinned, holds) => {
    expect(persistedRemovalHolds(r, { target: 'c1', keys: pinned ? keys : undefined })).toBe(holds);
  });
});

describe('refusedStateReport', () => {
  const error = persistedProblem(
    { ...assignment(3), signature: undefined },
    { target: 'c1', keys },
  );
  it('reports the claimed version Failed with the refusal as the error', () => {
    if (error === undefined) throw new Error('expected a problem');
    expect(refusedStateReport(assignment(3), error)).toMatchObject({
      app: 'web',
      assignmentVersion: 3,
      syncState: 'Failed',
      health: { status: 'Unknown' },
      objects: [],
      error: { code: 'SIGNATURE_INVALID' },
    });
  });

  it.each<[string, Partial<Assignment>]>([
    ['a revision that is no commit', { revision: 'main' }],
    ['a version that is no version', { version: 0 }],
    ['an app that is no DNS label', { app: 'Web_App' }],
    ['a digest that is no digest', { contentDigest: 'md5:x' }],
  ])('reports nothing for %s', (_name, patch) => {
    if (error === undefined) throw new Error('expected a problem');
    expect(refusedStateReport({ ...assignment(3), ...patch }, error)).toBeUndefined();
  });
});
