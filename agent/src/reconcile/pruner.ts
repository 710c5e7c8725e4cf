/**
 * Deleting what an app no longer declares: prune candidates of a pass (objects of the last
 * inventory that left the desired set), and every object of an app removed with deletion. What
 * may go is decided by ../core/inventory.ts and ../core/ownership.ts; deletes run in reverse
 * apply order (webhooks first, namespaces and CRDs last).
 */
import {
  describeObject,
  objectRef,
  toErrorDetail,
  toGitfleetError,
  type KubeObject,
  type ObjectRef,
} from '@gitfleet/proto';
import { planDeletionOrder } from '../core/apply-order.ts';
import { decidePrune, inventoryKey } from '../core/inventory.ts';
import { ownerLabel } from '../core/labels.ts';
import { decideDelete } from '../core/ownership.ts';
import { emptyDesiredError, keptCandidateEntries, prunedEntry } from '../core/pass-outcome.ts';
import type { ChangeSetEntry } from '../core/sync-state.ts';
import type { AppRuntime } from './app-state.ts';
import type { ReconcileContext } from './context.ts';
import { mapLimit } from '@gitfleet/proto/domain';

export class Pruner {
  private readonly ctx: ReconcileContext;

  constructor(ctx: ReconcileContext) {
    this.ctx = ctx;
  }

  /**
   * Prunes what left the desired set; returns the entries of the candidates (kept, deleted or
   * failed). Sets the app's error when prune refused an empty desired set.
   */
  async prune(rt: AppRuntime): Promise<ChangeSetEntry[]> {
    const { kube, apps } = this.ctx;
    const a = rt.assignment;
    const desiredRefs = rt.desired.map(objectRef);
    const desiredKeys = new Set(desiredRefs.map(inventoryKey));
    const candidates = (rt.inventory?.entries ?? []).filter(
      (e) => !desiredKeys.has(inventoryKey(e.ref)),
    );
    if (candidates.length === 0) return [];
    const live = new Map<string, KubeObject | undefined>();
    await Promise.all(
      candidates.map(async (c) =>
        live.set(inventoryKey(c.ref), await kube.get(c.ref).catch(() => undefined)),
      ),
    );
    const decisions = decidePrune({
      previous: rt.inventory,
      desired: desiredRefs,
      policy: a.policies.prune,
      live,
      ownerLabel: ownerLabel(a.app),
      declaredBy: new Map(
        candidates.map((c) => [inventoryKey(c.ref), apps.declarers(inventoryKey(c.ref))] as const),
      ),
    });
    const out = keptCandidateEntries(decisions);
    const emptyDesired = emptyDesiredError(decisions);
    if (emptyDesired !== undefined) rt.error = emptyDesired;
    const toDelete = decisions.filter((d) => d.action === 'prune');
    const byKey = new Map(toDelete.map((d) => [inventoryKey(d.ref), d]));
    const objs = toDelete
      .map((d) => live.get(inventoryKey(d.ref)))
      .filter((o): o is KubeObject => o !== undefined);
    await this.deleteInOrder(objs, (o, r) => {
      const ref = byKey.get(inventoryKey(objectRef(o)))?.ref ?? objectRef(o);
      out.push(prunedEntry(ref, r.status === 'fulfilled' ? undefined : toErrorDetail(r.reason)));
    });
    return out;
  }

  /**
   * Deletes the objects of a removed app (`rt.removed` is set, so it declares nothing any more):
   * only those labelled for it and declared by no other assignment on the target.
   */
  async deleteAppObjects(rt: AppRuntime): Promise<void> {
    const { kube, apps, logger } = this.ctx;
    const app = rt.assignment.app;
    const refs = rt.inventory?.entries.map((e) => e.ref) ?? rt.desired.map(objectRef);
    const live: KubeObject[] = [];
    await Promise.all(
      refs.map(async (ref: ObjectRef) => {
        const o = await kube.get(ref).catch(() => undefined);
        const d = decideDelete({
          app,
          ref,
          live: o,
          declaredBy: apps.declarers(inventoryKey(ref)),
        });
        if (d.action === 'delete' && o !== undefined) live.push(o);
        else if (d.reason === 'declared-elsewhere')
          logger.info('kept on app removal', { app, object: describeObject(ref), why: d.message });
      }),
    );
    await this.deleteInOrder(live, (o, r) => {
      if (r.status === 'fulfilled') return;
      logger.warn('could not delete an object of a removed app', {
        app,
        object: describeObject(objectRef(o)),
        error: toGitfleetError(r.reason).message,
      });
    });
  }

  /** Deletes `objs` stage by stage; `done` gets each object with the result of its delete. */
  private async deleteInOrder(
    objs: readonly KubeObject[],
    done: (o: KubeObject, result: PromiseSettledResult<boolean>) => void,
  ): Promise<void> {
    for (const stage of planDeletionOrder(objs)) {
      const results = await mapLimit(stage, this.ctx.settings.applyConcurrency, (o) =>
        this.ctx.kube.delete(objectRef(o)),
      );
      results.forEach((r, i) => done(stage[i] as KubeObject, r));
    }
  }
}
