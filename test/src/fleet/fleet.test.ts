import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { fleetRuntime } from './fleet.ts';

describe('fleetRuntime', () => {
  it.each([
    [{}, 'process'],
    [{ GITFLEET_TEST_RUNTIME: 'process' }, 'process'],
    [{ GITFLEET_TEST_RUNTIME: 'testcontainers' }, 'testcontainers'],
  ])('%j → %s', (env, expected) => {
    expect(fleetRuntime(env)).toBe(expected);
  });

  it('rejects an unknown runtime, naming the variable and the choices', () => {
    let err: unknown;
    try {
      fleetRuntime({ GITFLEET_TEST_RUNTIME: 'k3d' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GitfleetError);
    expect((err as GitfleetError).code).toBe(ErrorCode.ConfigInvalid);
    expect((err as GitfleetError).message).toMatch(
      /GITFLEET_TEST_RUNTIME=k3d.*"process".*"testcontainers"/,
    );
  });
});
