/**
 * Fault suite, hub side (docs/reliability.md): three real clusters, the real hub (its Git cache
 * on a small tmpfs, its wall clock under libfaketime) and agent binaries, Git behind a fault
 * proxy. Each scenario (scenarios-hub.ts, at the suite's small size) ends with the shared
 * invariant check: converged, nothing lost, no object written twice, no stale overwrite.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FaultFleet } from './harness.ts';
import { runScenario, SUITE_SIZE } from './scenario.ts';
import { HUB_GROUP, scenarioOf } from './catalog.ts';

let f: FaultFleet | undefined;

beforeAll(async () => {
  f = await FaultFleet.start(HUB_GROUP.fleet);
}, 240_000);

afterAll(async () => {
  await f?.stop();
}, 120_000);

async function scenario(name: string): Promise<void> {
  if (f === undefined) throw new Error('the fault fleet did not start');
  const r = await runScenario(f, name, scenarioOf(HUB_GROUP, name), SUITE_SIZE);
  expect(r.error).toBeUndefined();
  expect(r.report).toMatchObject({ converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 });
}

it('Redis SIGKILLed during a rollout step: the rollout completes, no wave skipped', async () => {
  await scenario('redis-kill-mid-rollout');
}, 180_000);

it('Git answers 500: the last good commit stays, the problem is reported, recovers', async () => {
  await scenario('git-500');
}, 120_000);

it('Git sends truncated packs: the last good commit stays, the problem is reported, recovers', async () => {
  await scenario('git-truncated-pack');
}, 120_000);

it('the branch is force-pushed to a rewritten history: detected and followed', async () => {
  await scenario('git-force-push');
}, 120_000);

it("the hub's cache filesystem is full: last good commit kept, reported, recovers", async () => {
  await scenario('cache-full');
}, 120_000);

it("the hub's cache filesystem is read-only: last good commit kept, reported, recovers", async () => {
  await scenario('cache-readonly');
}, 120_000);

it("the hub's clock jumps an hour forward mid-rollout: soak kept, no target Stale for long", async () => {
  await scenario('clock-forward');
}, 120_000);

it("the hub's clock jumps an hour back mid-rollout: soak not stretched, no target Stale for long", async () => {
  await scenario('clock-backward');
}, 120_000);
