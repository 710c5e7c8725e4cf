/**
 * Where rollouts publish which revision each (application, target) runs, for the resolver to
 * read. The rollout controller (./controller.ts) writes the rollout states here after a step that
 * moved targets, and the pairs it moved; the resolver (../resolve) reads the revision of every
 * (application, target) it resolves and re-resolves the pairs that moved. Neither calls the
 * other: this is all they share.
 *
 * What the resolver brings along is what Git says: the revision an application's own source
 * asks for (recorded as the resolver reads) and the end of each pass. They are the controller's
 * inputs for its next step — a new revision starts a rollout — never a decision about a target.
 *
 * Only targets that follow the application's own revision take part; a target or environment
 * pin is a person's explicit decision and applies at once.
 */
import type { FleetSpec, RevisionRef } from '../core/fleet/index.ts';
import { revisionFor, type RolloutState } from '../core/rollout/index.ts';
import type { RolloutStore } from './rollout-store.ts';

/** One (application, target) a rollout step moved to another revision. */
export interface MovedPair {
  readonly app: string;
  readonly target: string;
}

/** What the resolver asks for one (application, target) it resolves. */
export interface RevisionQuery {
  /** The fleet the resolver resolves with. */
  readonly spec: FleetSpec;
  readonly app: string;
  readonly target: string;
  /** The commit the target's pin resolves to. */
  readonly commit: string;
  /** Which pin that is. */
  readonly pin: RevisionRef['source'];
  /**
   * Fingerprints the application's source files at a commit: a commit that did not change them
   * (a fleet-only change in the same repository) is no new revision to roll out.
   */
  readonly sourceDigest: (commit: string) => Promise<string>;
}

/** The resolver's view of {@link RolloutRevisions}. */
export type PublishedRevisions = Pick<
  RolloutRevisions,
  'refresh' | 'revisionFor' | 'passed' | 'onMoved'
>;

export class RolloutRevisions {
  private readonly store: Pick<RolloutStore, 'loadAll'>;
  /** States as last read or published. */
  private states = new Map<string, RolloutState>();
  /** App → the revision its own source wants, as the last resolver pass saw it. */
  private readonly wanted = new Map<string, string>();
  /** App → a commit whose sources equal those of an earlier one (`as`). */
  private readonly sameSource = new Map<string, { commit: string; as: string }>();
  private readonly movedListeners: ((pairs: readonly MovedPair[]) => void)[] = [];
  private readonly passListeners: (() => void)[] = [];

  constructor(store: Pick<RolloutStore, 'loadAll'>) {
    this.store = store;
  }

  // ------------------------------------------------------------------ the resolver's side

  /** Reads every state (at the start of a resolver pass). */
  async refresh(): Promise<void> {
    this.states = await this.store.loadAll();
  }

  /**
   * The commit the target runs: what its pin says, unless the application has a rollout and the
   * target follows the application's own revision — then what the rollout says.
   */
  async revisionFor(q: RevisionQuery): Promise<string> {
    const strategy = q.spec.applications.find((a) => a.name === q.app)?.rollout;
    if (strategy === undefined || q.pin !== 'application') return q.commit;
    const state = this.states.get(q.app);
    let wanted = q.commit;
    // a commit that left the app's sources as they were is the revision already rolled out
    if (state !== undefined && q.commit !== state.toRevision) {
      const same = this.sameSource.get(q.app);
      if (same?.commit === q.commit) wanted = same.as;
      else if ((await q.sourceDigest(q.commit)) === (await q.sourceDigest(state.toRevision))) {
        this.sameSource.set(q.app, { commit: q.commit, as: state.toRevision });
        wanted = state.toRevision;
      }
    }
    this.wanted.set(q.app, wanted);
    return state === undefined ? q.commit : revisionFor(state, q.target);
  }

  /** A resolver pass ended: the controller steps with what it saw. */
  passed(): void {
    for (const listener of this.passListeners) listener();
  }

  /** Calls `listener` with the pairs each step moves. */
  onMoved(listener: (pairs: readonly MovedPair[]) => void): void {
    this.movedListeners.push(listener);
  }

  // ------------------------------------------------------------------ the controller's side

  /** The revision the application's own source asks for, as the last resolver pass saw it. */
  wantedOf(app: string): string | undefined {
    return this.wanted.get(app);
  }

  /** Publishes the states a step left and the pairs it moved (their resolvers re-resolve them). */
  publish(states: Map<string, RolloutState>, moved: readonly MovedPair[]): void {
    this.states = states;
    for (const listener of this.movedListeners) listener(moved);
  }

  /** Calls `listener` at the end of every resolver pass. */
  onPassed(listener: () => void): void {
    this.passListeners.push(listener);
  }
}
