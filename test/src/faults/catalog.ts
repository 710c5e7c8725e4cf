/**
 * Every fault scenario with the fleet it runs on — one list for the integration suite and for
 * `npm run bench -- faults`, so both run the same code (at different sizes).
 */
import type { FaultFleetOptions } from './harness.ts';
import type { Scenario } from './scenario.ts';
import {
  agentKilledMidApply,
  apiserverHung,
  apiserverRestart,
  apiserverSlow,
  partition,
} from './scenarios-agent.ts';
import { clockJump } from './scenarios-clock.ts';
import { cacheBroken, gitBroken, gitForcePush, redisKillDuringRollout } from './scenarios-hub.ts';

export interface ScenarioGroup {
  readonly fleet: FaultFleetOptions;
  readonly scenarios: readonly (readonly [name: string, scenario: Scenario])[];
}

/** One cluster; the agent's links to the hub and to its apiserver go through fault proxies. */
export const AGENT_GROUP: ScenarioGroup = {
  fleet: { targets: ['t1'] },
  scenarios: [
    ['agent-kill-mid-apply', agentKilledMidApply],
    ['partition-drop', partition('drop')],
    ['partition-blackhole', partition('blackhole')],
    ['partition-slow', partition('slow')],
    ['apiserver-hung', apiserverHung],
    ['apiserver-slow', apiserverSlow],
    ['apiserver-restart', apiserverRestart],
  ],
};

/** Three clusters (rollout waves); the hub's cache on a 32 MiB tmpfs, its clock under libfaketime. */
export const HUB_GROUP: ScenarioGroup = {
  fleet: { targets: ['t1', 't2', 't3'], cacheTmpfsBytes: 32 * 1024 * 1024, faketime: true },
  scenarios: [
    ['redis-kill-mid-rollout', redisKillDuringRollout],
    ['git-500', gitBroken('error')],
    ['git-truncated-pack', gitBroken('truncate')],
    ['git-force-push', gitForcePush],
    ['cache-full', cacheBroken('full')],
    ['cache-readonly', cacheBroken('readonly')],
    ['clock-forward', clockJump('forward')],
    ['clock-backward', clockJump('backward')],
  ],
};

/** The scenario of `group` named `name`. */
export function scenarioOf(group: ScenarioGroup, name: string): Scenario {
  const s = group.scenarios.find(([n]) => n === name)?.[1];
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}
