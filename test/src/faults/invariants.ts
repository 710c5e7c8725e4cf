/**
 * What must hold after every fault scenario, decided by one pure function from the clusters' own
 * records (test/src/faults/witness.ts) and the hub's view:
 *
 * - **converged**: every object the scenario expects holds the expected content (`data.rev`) or,
 *   when pruning was expected, is gone; and the hub shows every (target, app) of the scenario
 *   Synced and Healthy at the desired version (`hubProblem` says why not).
 * - **nothing lost**: `lost` counts expected objects that are missing or hold other content.
 * - **no object written twice**: gitfleet's writes are the events whose content is not one the
 *   test injected itself (drift). A write that leaves `data.rev` what it was (not a correction of
 *   injected drift), or an object deleted and created again when no prune was expected, is a
 *   double write. A server-side apply of unchanged content emits no event at all, so the
 *   apiserver's count of successful applies must also equal the number of gitfleet's writes it
 *   saw, plus an allowance (requests that were in flight when the agent was killed); any excess is
 *   a double write too.
 * - **no stale overwrite**: contents are ordered by commit (`revisions`); a gitfleet write of a
 *   content older than one the object already held from gitfleet is a stale overwrite.
 */

export interface ObjectEvent {
  /** ADDED, MODIFIED, DELETED, RELISTED (see witness.ts). */
  readonly type: string;
  readonly rev: string | undefined;
}

export interface ObjectHistory {
  /** cluster/namespace/name */
  readonly key: string;
  /** The cluster it lives in (for the request count). */
  readonly cluster: string;
  /** Content when the scenario started (undefined: absent). */
  readonly initial: string | undefined;
  readonly events: readonly ObjectEvent[];
}

export interface ApplyCount {
  readonly cluster: string;
  /** Successful server-side applies the apiserver served during the scenario. */
  readonly requests: number;
  /** Extra requests that are not double writes (in flight when a fault struck). */
  readonly allowance: number;
}

export interface InvariantInput {
  /** Every managed object of the clusters checked, with its history during the scenario. */
  readonly objects: readonly ObjectHistory[];
  /** Expected content at the end by key; null: must be gone. Other objects are not judged on content. */
  readonly expected: ReadonlyMap<string, string | null>;
  /** Contents gitfleet was asked to write, in commit order. */
  readonly revisions: readonly string[];
  /** Contents written by the test itself (drift), not by gitfleet. */
  readonly injected?: ReadonlySet<string>;
  readonly applies?: readonly ApplyCount[];
  /** Why the hub does not show the scenario converged; undefined when it does. */
  readonly hubProblem?: string | undefined;
}

export interface InvariantReport {
  readonly converged: boolean;
  /** Expected objects, and how many of them are missing or wrong at the end. */
  readonly objects: number;
  readonly lost: number;
  readonly doubleWrites: number;
  readonly staleOverwrites: number;
  /** One line per violation (at most 20 per kind), for the test's message. */
  readonly violations: readonly string[];
}

const MAX_LINES_PER_KIND = 20;

export function checkInvariants(input: InvariantInput): InvariantReport {
  const injected = input.injected ?? new Set<string>();
  const order = new Map(input.revisions.map((r, i) => [r, i]));
  const lines = new Map<string, string[]>();
  const note = (kind: string, line: string): void => {
    const l = lines.get(kind) ?? [];
    if (l.length < MAX_LINES_PER_KIND) l.push(line);
    lines.set(kind, l);
  };
  let doubleWrites = 0;
  let staleOverwrites = 0;
  const writesByCluster = new Map<string, number>();
  const finals = new Map<string, string | undefined>();

  for (const o of input.objects) {
    let content = o.initial;
    let exists = o.initial !== undefined;
    let afterInjection = false;
    let deletedUnexpectedly = false;
    let newest = o.initial === undefined ? -1 : (order.get(o.initial) ?? -1);
    const pruneExpected = input.expected.get(o.key) === null;
    for (const e of o.events) {
      if (e.type === 'DELETED') {
        if (!pruneExpected) deletedUnexpectedly = true;
        exists = false;
        content = undefined;
        afterInjection = false;
        continue;
      }
      if (e.rev !== undefined && injected.has(e.rev)) {
        content = e.rev;
        exists = true;
        afterInjection = true;
        continue;
      }
      writesByCluster.set(o.cluster, (writesByCluster.get(o.cluster) ?? 0) + 1);
      if (!exists && deletedUnexpectedly) {
        doubleWrites++;
        note('double', `${o.key}: deleted and created again (${e.rev ?? '-'})`);
      } else if (exists && e.rev === content && !afterInjection) {
        doubleWrites++;
        note('double', `${o.key}: written again at ${e.rev ?? '-'} (${e.type})`);
      }
      const idx = e.rev === undefined ? undefined : order.get(e.rev);
      if (idx !== undefined) {
        if (idx < newest) {
          staleOverwrites++;
          note(
            'stale',
            `${o.key}: ${e.rev ?? '-'} written after ${input.revisions[newest] ?? '?'} (stale overwrite)`,
          );
        }
        newest = Math.max(newest, idx);
      }
      content = e.rev;
      exists = true;
      afterInjection = false;
    }
    finals.set(o.key, exists ? content : undefined);
  }

  let lost = 0;
  for (const [key, want] of input.expected) {
    const have = finals.get(key);
    if (want === null ? have !== undefined : have !== want) {
      lost++;
      note('lost', `${key}: ${have ?? 'absent'}, expected ${want ?? 'absent'}`);
    }
  }

  for (const a of input.applies ?? []) {
    const seen = writesByCluster.get(a.cluster) ?? 0;
    const excess = a.requests - seen - a.allowance;
    if (excess > 0) {
      doubleWrites += excess;
      note(
        'double',
        `${a.cluster}: ${a.requests} successful applies for ${seen} writes seen (allowance ${a.allowance}): ${excess} written twice`,
      );
    }
  }

  if (input.hubProblem !== undefined) note('hub', `hub: ${input.hubProblem}`);
  return {
    converged: lost === 0 && input.hubProblem === undefined,
    objects: input.expected.size,
    lost,
    doubleWrites,
    staleOverwrites,
    violations: [...lines.values()].flat(),
  };
}
