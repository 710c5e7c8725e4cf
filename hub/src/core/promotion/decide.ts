/**
 * Whether an application may be promoted from one environment to the next, as a pure function of
 * the hub's status: every target of the source environment that the application is placed on
 * must report it Synced and Healthy, on a Connected target, at the revision it is meant to run —
 * and all of them at the same revision. That revision is what the next environment gets pinned
 * to. Otherwise the answer names each target that is not there yet, and why. The CLI
 * (`gitfleet promote`) and the hub (`POST /api/v1/promote`) both decide with it.
 */

/** What the decision reads of a status row of the hub (GET /api/v1/status). */
export interface PromotionRow {
  readonly target: string;
  readonly connection: string;
  readonly sync: string;
  readonly health: string;
  readonly revision?: string;
  readonly desiredRevision: string;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface PromotionInput {
  readonly app: string;
  /** The source environment. */
  readonly from: string;
  /** Targets of `from` the app is placed on (from the hub's environments and applications). */
  readonly targets: readonly string[];
  /** The hub's status rows of `app` in `from`. */
  readonly rows: readonly PromotionRow[];
}

export type PromotionDecision =
  | { readonly ok: true; readonly revision: string; readonly targets: readonly string[] }
  | {
      readonly ok: false;
      /** One line per target that is not there yet (or one line for the environment). */
      readonly reasons: readonly string[];
    };

/** A commit SHA as its first 7 characters, any other revision as written ('-' when none). */
export function shortRevision(rev: string | undefined): string {
  if (rev === undefined || rev === '') return '-';
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev) ? rev.slice(0, 7) : rev;
}

/** Why one target's row does not count as "running healthily", or undefined when it does. */
export function notThereYet(r: PromotionRow | undefined, target: string): string | undefined {
  if (r === undefined)
    return `${target}: no desired state for the app yet (the hub has not resolved it)`;
  const problems: string[] = [];
  if (r.connection !== 'Connected') problems.push(`the target is ${r.connection}`);
  if (r.sync !== 'Synced') problems.push(`sync is ${r.sync}`);
  if (r.health !== 'Healthy') problems.push(`health is ${r.health}`);
  if (r.revision !== r.desiredRevision) {
    problems.push(
      `it runs ${shortRevision(r.revision)} but is meant to run ${shortRevision(r.desiredRevision)}`,
    );
  }
  if (r.error !== undefined) problems.push(`${r.error.code}: ${r.error.message}`);
  return problems.length === 0 ? undefined : `${target}: ${problems.join(', ')}`;
}

export function decidePromotion(input: PromotionInput): PromotionDecision {
  const { app, from, targets, rows } = input;
  if (targets.length === 0) {
    return {
      ok: false,
      reasons: [
        `${app} is placed on no target of environment ${from}: there is nothing to promote`,
      ],
    };
  }
  const byTarget = new Map(rows.map((r) => [r.target, r]));
  const reasons = [...targets].sort().flatMap((t) => notThereYet(byTarget.get(t), t) ?? []);
  if (reasons.length > 0) return { ok: false, reasons };
  const revisions = new Map<string, string[]>();
  for (const t of targets) {
    const rev = byTarget.get(t)?.revision ?? '';
    revisions.set(rev, [...(revisions.get(rev) ?? []), t]);
  }
  const [only, ...others] = [...revisions.keys()];
  if (only === undefined || others.length > 0) {
    return {
      ok: false,
      reasons: [
        `the targets of ${from} run different revisions: ${[...revisions.entries()]
          .map(([rev, ts]) => `${shortRevision(rev)} on ${ts.sort().join(', ')}`)
          .join('; ')}`,
      ],
    };
  }
  return { ok: true, revision: only, targets: [...targets].sort() };
}
