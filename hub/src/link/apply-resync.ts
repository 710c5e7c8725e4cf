/**
 * The store side of the resync handshake (proto/README.md, "Handshake and resync", step 2): reads
 * the target's state, decides with the pure `planResync`, writes the version counters and the
 * outbox, says which apps the stream may report on afterwards and what to send after Welcome.
 */
import type { Hello } from '@gitfleet/proto';
import { assignedAfterResync } from '../core/link/scope.ts';
import { planResync, type ResyncDecision } from '../core/resync.ts';
import type { HubStore, PendingDelivery } from '../store/port.ts';

export interface AppliedResync {
  readonly decision: ResyncDecision;
  /** App → highest version assigned to the target once the plan is carried out. */
  readonly assigned: ReadonlyMap<string, number>;
}

export async function applyResync(
  store: HubStore,
  target: string,
  hello: Hello,
): Promise<AppliedResync> {
  const state = await store.resyncState(target);
  const decision = planResync(hello, state);
  for (const [app, version] of decision.bumpVersions) await store.bumpVersion(target, app, version);
  for (const a of decision.adopt)
    await store.reissueDesired(target, a.app, a.version, { delivered: true });
  for (const a of decision.assign) {
    if (a.version > (state.desired.get(a.app)?.version ?? 0)) {
      await store.reissueDesired(target, a.app, a.version, { delivered: false });
    }
  }
  for (const r of decision.remove) {
    if (state.desired.has(r.app) || (await store.pendingOf(target, r.app)) === undefined) {
      await store.removeDesired(target, r.app, {
        atLeast: r.version,
        deletion: r.deletion,
        force: true,
      });
    }
  }
  return { decision, assigned: assignedAfterResync(state.desired, decision) };
}

/**
 * What follows Welcome, in order: the plan's assignments, then everything else still pending
 * (newest version per app). A planned assignment the store holds as acked is not pending (the
 * agent lost it: a wiped or reinstalled agent), so it comes from the desired state.
 */
export async function resyncDeliveries(
  store: HubStore,
  target: string,
  decision: Pick<ResyncDecision, 'assign'>,
): Promise<PendingDelivery[]> {
  const pending = await store.pendingFor(target);
  const pendingApps = new Set(pending.map((p) => p.payload.app));
  const lost: PendingDelivery[] = [];
  for (const a of decision.assign) {
    if (pendingApps.has(a.app)) continue;
    const desired = await store.getDesired(target, a.app);
    if (desired !== undefined) lost.push({ payload: desired.assignment, trace: desired.trace });
  }
  return [...lost, ...pending];
}
