/**
 * The testcontainers runtime: on a machine with a Docker engine it starts a real Redis container;
 * without one it fails with one clear PREREQUISITE_MISSING line — never a silent skip.
 */
import { expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { dockerReachable } from '../fleet/containers.ts';
import { startFleet } from '../fleet/fleet.ts';

it('GITFLEET_TEST_RUNTIME=testcontainers starts real containers or says exactly why not', async () => {
  const docker = await dockerReachable().then(
    () => true,
    () => false,
  );
  const t0 = Date.now();
  const attempt = startFleet({ runtime: 'testcontainers', clusters: 0, git: false });
  if (docker) {
    const fleet = await attempt;
    try {
      expect(await fleet.redis?.command('PING')).toContain('PONG');
    } finally {
      await fleet.stop();
    }
  } else {
    const err: unknown = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GitfleetError);
    const e = err as GitfleetError;
    expect(e.code).toBe(ErrorCode.PrerequisiteMissing);
    expect(e.message).toMatch(/no Docker engine is reachable/);
    expect(e.message).toMatch(/unset GITFLEET_TEST_RUNTIME/);
    expect(e.message.split('\n')).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }
});
