import { describe, expect, it } from 'vitest';
import { ErrorCode, statusHash } from '@gitfleet/proto/domain';
import {
  classifyStateWriteFault,
  stateWriteDeadlineMs,
  untakenAssignmentReport,
  type StateWriteFault,
  type TakeFailure,
  type UntakenAssignment,
} from './take-failure.ts';

const A: UntakenAssignment = {
  target: 'edge-1',
  app: 'web',
  version: 7,
  revision: '0123456789abcdef0123456789abcdef01234567',
  contentDigest: 'sha256:d1',
  stateSecret: 'gitfleet-system/gitfleet-app-web',
  server: 'https://127.0.0.1:6443',
};

function failure(
  code: ErrorCode,
  details: TakeFailure['details'] = {},
  terminal = false,
): TakeFailure {
  return { code, message: 'kube PATCH …: cause', terminal, details };
}

describe('stateWriteDeadlineMs', () => {
  it.each([
    // bytes, deadline
    [0, 10_000],
    [-5, 10_000],
    [32 * 1024 - 1, 10_000],
    [32 * 1024, 11_000],
    [100 * 1024, 13_000],
    [900 * 1024, 38_000],
    [10 * 1024 * 1024, 60_000],
  ])('%i bytes → %i ms', (bytes, ms) => {
    expect(stateWriteDeadlineMs(bytes)).toBe(ms);
  });
});

describe('classifyStateWriteFault', () => {
  it.each<[string, TakeFailure, StateWriteFault]>([
    [
      'request deadline',
      failure(ErrorCode.Timeout, { errorCode: 'DEADLINE_EXCEEDED' }),
      'no-answer',
    ],
    [
      'headers timeout',
      failure(ErrorCode.Timeout, { errorCode: 'UND_ERR_HEADERS_TIMEOUT' }),
      'no-answer',
    ],
    ['HTTP 504', failure(ErrorCode.Timeout, { httpStatus: 504 }), 'no-answer'],
    [
      'connection refused',
      failure(ErrorCode.Internal, { errorCode: 'ECONNREFUSED' }),
      'unreachable',
    ],
    ['socket closed, no details', failure(ErrorCode.Internal), 'unreachable'],
    ['HTTP 403', failure(ErrorCode.ApplyFailed, { httpStatus: 403 }), 'forbidden'],
    ['HTTP 401', failure(ErrorCode.ApplyFailed, { httpStatus: 401 }), 'forbidden'],
    ['HTTP 404', failure(ErrorCode.NotFound, { httpStatus: 404 }), 'namespace-missing'],
    ['HTTP 500', failure(ErrorCode.Internal, { httpStatus: 500 }), 'server-error'],
    ['HTTP 429', failure(ErrorCode.Internal, { httpStatus: 429 }), 'server-error'],
  ])('%s → %s', (_name, f, fault) => {
    expect(classifyStateWriteFault(f)).toBe(fault);
  });
});

describe('untakenAssignmentReport', () => {
  it.each<[string, TakeFailure, string[]]>([
    [
      'hung apiserver',
      failure(ErrorCode.Timeout, { errorCode: 'DEADLINE_EXCEEDED' }),
      ['does not answer', 'https://127.0.0.1:6443', '/readyz'],
    ],
    [
      'unreachable apiserver',
      failure(ErrorCode.Internal, { errorCode: 'ECONNREFUSED' }),
      ['cannot be reached', 'kubeconfig'],
    ],
    [
      'RBAC',
      failure(ErrorCode.ApplyFailed, { httpStatus: 403 }),
      ['refused the write', 'secrets in namespace gitfleet-system'],
    ],
    [
      'state namespace gone',
      failure(ErrorCode.NotFound, { httpStatus: 404 }),
      ['namespace gitfleet-system'],
    ],
    ['server error', failure(ErrorCode.Internal, { httpStatus: 500 }), ['etcd']],
  ])('%s: a Failed report at the new version naming the cause and what to check', (_n, f, says) => {
    const r = untakenAssignmentReport(A, f);
    expect(r).toMatchObject({
      kind: 'statusReport',
      target: 'edge-1',
      app: 'web',
      assignmentVersion: 7,
      revision: A.revision,
      contentDigest: 'sha256:d1',
      syncState: 'Failed',
      health: { status: 'Unknown' },
      objects: [],
      drift: [],
      unmanaged: [],
      error: { code: f.code },
    });
    const message = r?.error?.message ?? '';
    expect(message).toMatch(/^target edge-1: app web v7 \(revision 0123456789ab\)/);
    expect(message).toContain('gitfleet-system/gitfleet-app-web');
    expect(message).toContain('not acked and not applied');
    expect(message).toContain(f.message);
    for (const s of says) expect(message).toContain(s);
  });

  it('a terminal failure is not reported (the link rejects the message instead)', () => {
    const tooLarge = failure(ErrorCode.ManifestInvalid, {}, true);
    expect(untakenAssignmentReport(A, tooLarge)).toBeUndefined();
  });

  it('the same failure gives the same report (one status hash, one report id)', () => {
    const f = failure(ErrorCode.Timeout, { errorCode: 'DEADLINE_EXCEEDED' });
    const a = untakenAssignmentReport(A, f);
    const b = untakenAssignmentReport(A, { ...f });
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    if (a === undefined || b === undefined) return;
    expect(statusHash(a)).toBe(statusHash(b));
  });

  it('bounds the message length whatever the cause says', () => {
    const long = { ...failure(ErrorCode.Internal), message: 'x'.repeat(10_000) };
    expect(untakenAssignmentReport(A, long)?.error?.message.length).toBe(2_000);
  });
});
