import { HUB_ENV_VARS } from '@gitfleet/hub';

/**
 * Every hub setting unset, for a child hub's environment (spawn drops undefined values), so nothing
 * leaks in from ours. Derived from the hub's own configuration keys: it cannot go stale.
 */
export const NO_HUB_ENV: Readonly<Record<string, undefined>> = Object.fromEntries(
  HUB_ENV_VARS.map((k) => [k, undefined]),
);
