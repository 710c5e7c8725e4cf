/**
 * The outcome of a set the agent's local policy refuses, as data: per refused object the error
 * listing every rule it breaks, the change set (the refused objects failed, every other one
 * skipped: nothing of the app is applied) and the app's error (POLICY_DENIED).
 */
import { ErrorCode, identityOf } from '@gitfleet/proto/domain';
import type { ErrorDetail, KubeObject, ObjectRef } from '@gitfleet/proto/domain';
import { inventoryKey } from './inventory.ts';
import type { PolicyViolation } from './local-policy.ts';
import { MAX_APP_ERROR_LENGTH } from './pass-outcome.ts';
import type { ChangeSetEntry } from './sync-state.ts';

/** One violation as reports show it: `rule at /field: why and what to change`. */
export function formatViolation(v: PolicyViolation): string {
  return `${v.rule} at ${v.field === '' ? '/' : v.field}: ${v.fix}`;
}

/**
 * Per refused object of `set` (by inventory key) its POLICY_DENIED error naming the object and
 * each violation (cut at the longest app error); empty when nothing is refused.
 */
export function policyDenials(
  set: readonly KubeObject[],
  violations: readonly PolicyViolation[],
): Map<string, ErrorDetail> {
  const byIndex = new Map<number, PolicyViolation[]>();
  for (const v of violations) byIndex.set(v.index, [...(byIndex.get(v.index) ?? []), v]);
  const out = new Map<string, ErrorDetail>();
  for (const [index, vs] of byIndex) {
    const obj = set[index];
    if (obj === undefined) continue;
    out.set(inventoryKey(identityOf(obj)), {
      code: ErrorCode.PolicyDenied,
      message: `${vs[0]?.object ?? ''}: ${vs.map(formatViolation).join('; ')}`.slice(
        0,
        MAX_APP_ERROR_LENGTH,
      ),
    });
  }
  return out;
}

/**
 * The change set of a set refused as a whole, in declaration order: the refused objects failed
 * with their errors, every other one skipped with `skippedMessage` (nothing of the set applies).
 */
export function refusedSetEntries(
  refs: readonly ObjectRef[],
  denied: ReadonlyMap<string, ErrorDetail>,
  skippedMessage: string,
): Map<string, ChangeSetEntry> {
  return new Map(
    refs.map((ref) => {
      const error = denied.get(inventoryKey(ref));
      const entry: ChangeSetEntry =
        error === undefined
          ? { ref, action: 'skipped', message: skippedMessage, outOfSync: true }
          : { ref, action: 'failed', error };
      return [inventoryKey(ref), entry] as const;
    }),
  );
}

/** The change set of a set that breaks the local policy (see {@link refusedSetEntries}). */
export function policyDeniedEntries(
  refs: readonly ObjectRef[],
  denied: ReadonlyMap<string, ErrorDetail>,
): Map<string, ChangeSetEntry> {
  return refusedSetEntries(
    refs,
    denied,
    "not applied: another object of the set breaks the agent's local policy",
  );
}

/** The app's error for a refused set (`total` objects declared). */
export function policyDeniedError(
  denied: ReadonlyMap<string, ErrorDetail>,
  total: number,
): ErrorDetail {
  const problems = [...denied.values()].map((e) => e.message).join('; ');
  return {
    code: ErrorCode.PolicyDenied,
    message:
      `${denied.size} of ${total} objects break the agent's local policy; nothing was applied: ${problems}`.slice(
        0,
        MAX_APP_ERROR_LENGTH,
      ),
  };
}
