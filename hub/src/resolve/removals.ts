/**
 * The end of a full pass: every application stored for a target that the fleet no longer places
 * there (or a target that left the fleet) is removed — a removal its agent applies with the
 * application's deletion policy. Frozen environments keep what they have. The resolver calls
 * this only for a fleet read from Git: a saved one may be older than what is stored (another
 * replica saved it last), and removing on its word could delete what a newer fleet declares.
 */
import type { Logger } from '@gitfleet/proto';
import { environmentOf, findTarget, type FleetSpec } from '../core/fleet/index.ts';
import type { HubStore } from '../store/port.ts';

export interface RemovalInput {
  readonly spec: FleetSpec;
  /** target → the applications the fleet places on it. */
  readonly placed: ReadonlyMap<string, ReadonlySet<string>>;
  readonly store: Pick<HubStore, 'targets' | 'listDesired' | 'removeDesired'>;
  /** Enqueues the delivery of a change (the resolver's `changed`). */
  readonly changed: (target: string, app: string, version: number) => Promise<void>;
  readonly logger: Logger;
}

/** Removes what left (see the module comment); returns how many were removed. */
export async function removeUnplaced(input: RemovalInput): Promise<number> {
  const { spec, placed, store } = input;
  let removedCount = 0;
  for (const target of await store.targets()) {
    const frozen =
      findTarget(spec, target) !== undefined && environmentOf(spec, target)?.frozen === true;
    if (frozen) continue;
    for (const d of await store.listDesired(target)) {
      if (placed.get(target)?.has(d.app) === true) continue;
      const removed = await store.removeDesired(target, d.app);
      if (removed === undefined) continue;
      removedCount++;
      await input.changed(target, d.app, removed.version);
      input.logger.info('app removed from target', {
        app: d.app,
        target,
        version: removed.version,
      });
    }
  }
  return removedCount;
}
