/**
 * Ownership labels, per-object policy annotations and the field manager of the agent: the one
 * place that spells them. Every object the agent applies carries {@link LABEL_MANAGED_BY} and
 * {@link LABEL_APP}; prune and unmanaged detection trust only these labels, never names.
 */
import type { JsonObject, KubeObject } from '@gitfleet/proto/domain';
import { asObject } from './kube-object.ts';

/** Server-side apply field manager of the agent (also the `manager` in managedFields). */
export const FIELD_MANAGER = 'gitfleet-agent';

/** Standard "managed by" label (app.kubernetes.io recommended labels). */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Value of {@link LABEL_MANAGED_BY} on every object gitfleet applies. */
export const MANAGED_BY_GITFLEET = 'gitfleet';
/** Name of the app (assignment) that owns the object. Prune deletes only objects with the right value. */
export const LABEL_APP = 'gitfleet.dev/app';

/** `"false"` opts an object out of prune: it is left in the cluster when it leaves Git. */
export const ANNOTATION_PRUNE = 'gitfleet.dev/prune';
/** Integer sync wave (default 0): lower waves are applied first, see apply-order.ts. */
export const ANNOTATION_SYNC_WAVE = 'gitfleet.dev/sync-wave';
/** `"true"` reports the object Healthy whatever its status (it then never holds an app back). */
export const ANNOTATION_IGNORE_HEALTH = 'gitfleet.dev/ignore-health';
/** Per-object drift mode override: `correct | warn | ignore` (DriftMode). */
export const ANNOTATION_DRIFT = 'gitfleet.dev/drift';

/** A label key and the value that marks ownership. */
export interface OwnerLabel {
  readonly key: string;
  readonly value: string;
}

/** The label that marks objects of `app` as ours (what prune checks on the live object). */
export function ownerLabel(app: string): OwnerLabel {
  return { key: LABEL_APP, value: app };
}

/**
 * A copy of `obj` with the ownership labels of `app` set ({@link LABEL_MANAGED_BY} = gitfleet,
 * {@link LABEL_APP} = app). Other labels and all other fields are kept; `obj` is not mutated.
 *
 * @example withOwnership(configMap, 'shop').metadata.labels['gitfleet.dev/app'] === 'shop'
 */
export function withOwnership(obj: KubeObject, app: string): KubeObject {
  const metadata: JsonObject = asObject(obj['metadata']) ?? {};
  const labels: JsonObject = asObject(metadata['labels']) ?? {};
  return {
    ...obj,
    metadata: {
      ...metadata,
      labels: { ...labels, [LABEL_MANAGED_BY]: MANAGED_BY_GITFLEET, [LABEL_APP]: app },
    },
  };
}
