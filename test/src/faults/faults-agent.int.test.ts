/**
 * Fault suite, agent side (docs/reliability.md): one real cluster, the real hub and agent
 * binaries, the agent's links to the hub and to its apiserver through fault proxies. Each
 * scenario (scenarios-agent.ts, at the suite's small size) ends with the shared invariant check:
 * converged, nothing lost, no object written twice, no stale overwrite.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FaultFleet } from './harness.ts';
import { runScenario, SUITE_SIZE, type ScenarioResult } from './scenario.ts';
import { AGENT_GROUP, scenarioOf } from './catalog.ts';

let f: FaultFleet | undefined;

beforeAll(async () => {
  f = await FaultFleet.start(AGENT_GROUP.fleet);
}, 240_000);

afterAll(async () => {
  await f?.stop();
}, 120_000);

async function scenario(name: string): Promise<ScenarioResult> {
  if (f === undefined) throw new Error('the fault fleet did not start');
  const r = await runScenario(f, name, scenarioOf(AGENT_GROUP, name), SUITE_SIZE);
  expect(r.error).toBeUndefined();
  expect(r.report).toMatchObject({ converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 });
  return r;
}

it('agent SIGKILLed in the middle of an apply, restarted: converges, each object written once', async () => {
  const r = await scenario('agent-kill-mid-apply');
  expect(r.details['objectsAtKill']).toBeLessThan(SUITE_SIZE.bulkObjects);
}, 240_000);

it('hub↔agent partition that resets connections, then heal: converges on the newest commit', async () => {
  await scenario('partition-drop');
}, 180_000);

it('hub↔agent partition that holds connections silent, then heal: converges, no stale overwrite', async () => {
  await scenario('partition-blackhole');
}, 180_000);

it('hub↔agent link slow: commits converge through it without double writes', async () => {
  await scenario('partition-slow');
}, 180_000);

it('apiserver hung: the agent stays up and reports, converges after heal', async () => {
  await scenario('apiserver-hung');
}, 240_000);

it('apiserver slow: commits and drift corrections go through', async () => {
  await scenario('apiserver-slow');
}, 180_000);

it('apiserver restarted under the watches: drift after it is corrected', async () => {
  await scenario('apiserver-restart');
}, 180_000);
