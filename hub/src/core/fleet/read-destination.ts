/**
 * `spec.destination` and `spec.syncPolicy` of an Application, in Argo CD's shape, → the namespace
 * fields of its AssignmentPolicies:
 *
 *   destination:
 *     namespace: guestbook      # where namespaced objects without metadata.namespace go
 *   syncPolicy:
 *     createNamespace: true     # the agent creates that namespace when it does not exist
 *
 * The destination namespace belongs to the application and is the same on every target (the
 * agent decides, from the cluster's discovery, which objects are namespaced). An overlay's
 * `namespace` still sets the namespace of every namespaced object on the targets it selects; the
 * destination namespace then only covers what is left without one.
 */
import type { AssignmentPolicies } from '@gitfleet/proto/domain';
import { dnsLabelProblem } from './read-overlays.ts';
import { readBoolean, readCheckedString, readFields, report } from './read.ts';
import type { Ctx, Slot } from './read.ts';

/** The namespace policies of an application; each field present only when set. */
export type NamespacePolicies = Pick<
  AssignmentPolicies,
  'destinationNamespace' | 'createNamespace'
>;

/**
 * Reads `spec.destination` and `spec.syncPolicy` (either may be absent). A bad value is reported
 * where it is written and left out.
 */
export function readDestination(
  ctx: Ctx,
  destination: Slot | undefined,
  syncPolicy: Slot | undefined,
): NamespacePolicies {
  const destFields =
    destination === undefined ? undefined : readFields(ctx, destination, ['namespace']);
  const nsSlot = destFields?.get('namespace');
  const namespace =
    nsSlot === undefined ? undefined : readCheckedString(ctx, nsSlot, dnsLabelProblem);

  const syncFields =
    syncPolicy === undefined ? undefined : readFields(ctx, syncPolicy, ['createNamespace']);
  const createSlot = syncFields?.get('createNamespace');
  const create = createSlot === undefined ? undefined : readBoolean(ctx, createSlot);
  if (create === true && nsSlot === undefined && createSlot !== undefined) {
    report(
      ctx,
      createSlot.node.pos,
      createSlot.field,
      'needs spec.destination.namespace: the namespace to create',
    );
  }
  if (namespace === undefined) return {};
  return { destinationNamespace: namespace, ...(create === true ? { createNamespace: true } : {}) };
}
