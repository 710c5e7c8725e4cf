/**
 * The unmanaged scan of an app: lists the namespaced kinds the app uses in the namespaces it owns
 * (those of the agent's watch scope, one list per kind and namespace) and finds the objects no held app declares (../core/unmanaged.ts), reporting them or, per the
 * app's policy, pruning them.
 */
import {
  formatApiVersion,
  objectRef,
  toGitfleetError,
  type KubeObject,
  type UnmanagedObject,
} from '@gitfleet/proto';
import { scanNamespaces } from '../core/scan-scope.ts';
import type { WatchScope } from '../core/watch-scope.ts';
import { findUnmanaged } from '../core/unmanaged.ts';
import type { ReconcileContext } from './context.ts';

export class UnmanagedScanner {
  private readonly ctx: ReconcileContext;
  /** The agent's watch scope: nothing outside it is listed. */
  private readonly scope: WatchScope | undefined;

  constructor(ctx: ReconcileContext, scope?: WatchScope) {
    this.ctx = ctx;
    this.scope = scope;
  }

  async scan(app: string): Promise<void> {
    const { apps, kube, discovery, logger, triggers } = this.ctx;
    const rt = apps.get(app);
    if (rt === undefined || rt.removed || rt.running !== undefined) return;
    const policy = rt.assignment.policies.unmanaged;
    if (policy.mode === 'ignore') {
      if (rt.unmanaged.length > 0) {
        rt.unmanaged = [];
        triggers.report(app);
      }
      return;
    }
    const namespaces = scanNamespaces(rt.desired.map(objectRef), this.scope);
    const kinds = [...rt.gvks.values()].filter((g) => discovery.namespaced(g));
    const liveObjects: KubeObject[] = [];
    try {
      await Promise.all(
        kinds.flatMap((g) =>
          [...namespaces].map(async (ns) => {
            const items = await kube.list(g, { namespace: ns });
            const apiVersion = formatApiVersion(g);
            for (const o of items) liveObjects.push({ ...o, apiVersion, kind: g.kind });
          }),
        ),
      );
    } catch (err) {
      logger.warn('unmanaged scan failed', { app, error: toGitfleetError(err).message });
      return;
    }
    const found = findUnmanaged({
      app,
      ownedNamespaces: namespaces,
      desiredKeys: apps.declaredKeys(),
      liveObjects,
      policy,
    });
    const out: UnmanagedObject[] = [];
    for (const u of found) {
      if (u.action === 'pruned') {
        try {
          await kube.delete(u.ref);
          out.push(u);
        } catch (err) {
          out.push({ ...u, action: 'prune-failed', message: toGitfleetError(err).message });
        }
      } else out.push(u);
    }
    rt.unmanaged = out;
    triggers.report(app);
  }
}
