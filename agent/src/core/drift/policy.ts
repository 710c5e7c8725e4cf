/**
 * What the drift policy of an assignment says about one object: which fields its ignore rules
 * skip, and its drift mode (annotation, overrides, default).
 */
import { DriftMode, matchesSelector } from '@gitfleet/proto/domain';
import type {
  DriftPolicy,
  IgnoreRule,
  KubeObject,
  ObjectRef,
  ObjectSelector,
} from '@gitfleet/proto/domain';
import { annotationsOf } from '../kube-object.ts';
import { ANNOTATION_DRIFT } from '../labels.ts';

/** The JSON pointers of every ignore rule that applies to `ref`. */
export function ignoredPointers(ref: ObjectRef, rules: readonly IgnoreRule[]): string[] {
  const pointers: string[] = [];
  for (const rule of rules) {
    if (matchesSelector(ref, rule.selector)) pointers.push(...rule.jsonPointers);
  }
  return pointers;
}

/**
 * The drift mode of one object: the `gitfleet.dev/drift` annotation of `obj` wins (when it is a
 * valid mode), then the most specific matching override of the policy (most selector fields
 * set; the first listed among equals, as the DriftPolicy contract says), then the policy mode.
 */
export function resolveDriftMode(
  ref: ObjectRef,
  obj: KubeObject | undefined,
  policy: DriftPolicy,
): DriftMode {
  const annotated = obj === undefined ? undefined : annotationsOf(obj)[ANNOTATION_DRIFT];
  if (annotated !== undefined && isDriftMode(annotated)) return annotated;
  let best: DriftMode | undefined;
  let bestScore = -1;
  for (const override of policy.overrides) {
    if (!matchesSelector(ref, override.selector)) continue;
    const score = specificity(override.selector);
    if (score > bestScore) {
      best = override.mode;
      bestScore = score;
    }
  }
  return best ?? policy.mode;
}

function isDriftMode(v: string): v is DriftMode {
  return (Object.values(DriftMode) as string[]).includes(v);
}

/** How many fields a selector sets: the more, the more specific. */
function specificity(s: ObjectSelector): number {
  return [s.group, s.kind, s.namespace, s.name].filter((f) => f !== undefined).length;
}
