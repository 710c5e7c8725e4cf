/**
 * The destination namespace in a sync pass: the set placed in it once discovery has answered for
 * every kind of the set, and the Namespace created (createNamespace) before the app's objects.
 * The decisions are ../core/destination-namespace.ts.
 */
import { GitfleetError, objectRef, type KubeObject } from '@gitfleet/proto';
import {
  createdNamespaceEntry,
  namespaceRef,
  planNamespace,
} from '../core/destination-namespace.ts';
import { FIELD_MANAGER } from '../core/labels.ts';
import type { ChangeSetEntry } from '../core/sync-state.ts';
import type { ResourceInfo } from '../kube/port.ts';
import { setDesired, type AppRuntime } from './app-state.ts';
import type { ReconcileContext } from './context.ts';

/**
 * Places the set in the app's destination namespace as discovery (`infos`, per kind) says which
 * kinds are namespaced; leaves the runtime alone when that changes nothing.
 */
export function placeDesired(
  rt: AppRuntime,
  infos: ReadonlyMap<string, ResourceInfo | undefined>,
): void {
  const namespaced = new Map<string, boolean>();
  for (const info of infos.values()) {
    if (info !== undefined) namespaced.set(`${info.group}/${info.kind}`, info.namespaced);
  }
  const before = [...rt.desiredByKey.keys()].join('\n');
  const previous = { desired: rt.desired, desiredByKey: rt.desiredByKey, gvks: rt.gvks };
  setDesired(rt, (gk) => namespaced.get(`${gk.group}/${gk.kind}`));
  if ([...rt.desiredByKey.keys()].join('\n') === before) Object.assign(rt, previous);
}

/** What the pass carries on with after the destination-namespace step. */
export interface NamespaceStep {
  /** The Namespace's change set entry (created now, or created for the app before). */
  readonly entry?: ChangeSetEntry;
  /** The destination namespace that does not exist, and the failure of every object meant for it. */
  readonly missing?: { readonly namespace: string; readonly error: GitfleetError };
}

/**
 * Creates the app's destination namespace when it asks for it and it does not exist (in manual
 * mode only reports it missing). Throws what the API server answered when it could not be read
 * or created (the pass is retried).
 */
export async function prepareNamespace(
  ctx: ReconcileContext,
  rt: AppRuntime,
  manual: boolean,
): Promise<NamespaceStep> {
  const a = rt.assignment;
  const name = a.policies.destinationNamespace;
  if (name === undefined) return {};
  const create = a.policies.createNamespace === true;
  // without createNamespace the Namespace is only read to explain a failure: not when nothing
  // goes there, and an agent that may not read it (confined to namespaces) just applies
  if (!create && (manual || !rt.desired.some((o) => objectRef(o).namespace === name))) return {};
  let live: KubeObject | undefined;
  try {
    live = await ctx.kube.get(namespaceRef(name));
  } catch (err) {
    if (create) throw err;
    return {};
  }
  const plan = planNamespace({ app: a.app, policies: a.policies, set: rt.desired, live });
  switch (plan.kind) {
    case 'none':
      return {};
    case 'present':
      return { entry: plan.entry };
    case 'missing':
      return {
        missing: {
          namespace: plan.namespace,
          error: new GitfleetError(plan.error.code, plan.error.message),
        },
      };
    case 'create': {
      const ref = objectRef(plan.object);
      if (manual) {
        return {
          entry: {
            ref,
            action: 'skipped',
            message: 'not created: the app syncs manually',
            outOfSync: true,
            dropFromInventory: true,
          },
        };
      }
      const applied = await ctx.kube.apply(plan.object, {
        fieldManager: FIELD_MANAGER,
        force: false,
      });
      ctx.logger.info('created the destination namespace', { app: a.app, namespace: name });
      return { entry: createdNamespaceEntry(name, applied) };
    }
  }
}
