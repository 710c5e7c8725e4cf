/**
 * Whether a target is declared in the fleet in force, as the AgentLink server asks on every
 * Hello (`AgentLinkServerDeps.isDeclared`). The names are indexed once per fleet accepted:
 * thousands of agents reconnecting look up a set, not a list.
 */
import type { FleetSpec } from '../core/fleet/index.ts';

const index = new WeakMap<FleetSpec, ReadonlySet<string>>();

function targetsOf(fleet: FleetSpec): ReadonlySet<string> {
  let set = index.get(fleet);
  if (set === undefined) {
    set = new Set(fleet.targets.map((t) => t.name));
    index.set(fleet, set);
  }
  return set;
}

/**
 * `isDeclared` over the fleet in force as `inForce` holds it at each call (the resolver's):
 * undefined while no fleet is in force.
 */
export function declaredIn(inForce: {
  readonly fleet: FleetSpec | undefined;
}): (target: string) => boolean | undefined {
  return (target) => {
    const fleet = inForce.fleet;
    return fleet === undefined ? undefined : targetsOf(fleet).has(target);
  };
}
