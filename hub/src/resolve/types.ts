/**
 * The resolver's options, dependencies and status (./resolver.ts): what it is given and what it
 * shows operators (`GET /api/v1/fleet`).
 */
import type { Logger, TraceCarrier, Tracer } from '@gitfleet/proto';
import type { FleetProblem, FleetSpec } from '../core/fleet/index.ts';
import type { GitRepo, GitSource } from '../git/port.ts';
import type { LastGoodFleetStore } from '../store/fleet-store.ts';
import type { HubStore } from '../store/port.ts';
import type { PublishedRevisions } from '../rollout/rollout-revisions.ts';
import type { SourceRenderer } from '../sources/renderer.ts';
import type { HubProblem, ResolveFailure } from './problems.ts';

export interface ResolverOptions {
  /** The fleet repository and the branch that holds the fleet definition. */
  readonly fleet: GitRepo & { readonly branch: string };
  /** Credentials for application source repositories by URL (the fleet's own are in `fleet`). */
  readonly credentialsFor?: (url: string) => Pick<GitRepo, 'token' | 'username'>;
}

export interface ResolverDeps {
  readonly git: GitSource;
  readonly store: HubStore;
  /**
   * Called for every (target, app) whose desired state changed (enqueue a delivery), with the
   * trace context of the change (its render span) to carry on.
   */
  readonly changed: (
    target: string,
    app: string,
    version: number,
    trace: TraceCarrier,
  ) => Promise<void>;
  readonly logger: Logger;
  /** Spans: one trace per pass (the commit seen), a child per (app, target) rendered. */
  readonly tracer?: Tracer;
  /**
   * Rollouts: which revision a target runs while its application rolls out, and which targets a
   * rollout step moved (re-resolved at once). Published by the rollout controller
   * (../rollout/rollout-revisions.ts); the resolver only reads it.
   */
  readonly rollouts?: PublishedRevisions;
  /**
   * Renders kustomize applications, cached across passes (../sources/renderer.ts); absent: one
   * of the resolver's own with the default settings.
   */
  readonly sources?: SourceRenderer;
  /** Where the last good fleet is kept across restarts (absent: only in memory). */
  readonly lastGood?: LastGoodFleetStore;
  /**
   * Called at the end of every full pass with the fleet in force and its commit, once desired
   * state is stored (the hub polls the fleet's source repositories and writes rendered manifests
   * to Git, ../hydrate/hydrator.ts). The problems it returns join the pass's; it never changes
   * desired state and never rejects.
   */
  readonly afterPass?: (spec: FleetSpec, fleetCommit: string | undefined) => Promise<HubProblem[]>;
  readonly now?: () => number;
}

/** Where the fleet in force came from. */
export type InForceSource = 'git' | 'redis';

export interface ResolverStatus {
  /** The head commit of the fleet branch as last seen (undefined until one was). */
  readonly fleetCommit: string | undefined;
  /**
   * True when the fleet definition at the head commit is the one in force. False when it was
   * rejected, could not be read, or the fetch or the branch failed: the last good fleet stays in
   * force, and `fleetProblems` / `problems` say why.
   */
  readonly fleetAccepted: boolean;
  /** Commit of the fleet definition in force (the last good one). */
  readonly inForceCommit: string | undefined;
  /** `redis`: the fleet in force is the one a hub saved before this one started. */
  readonly inForceFrom: InForceSource | undefined;
  /** Problems of the fleet definition at the head commit (empty when it could not be read). */
  readonly fleetProblems: readonly FleetProblem[];
  /**
   * Problems outside the fleet definition: fetch, branch, read, persistence, the pass, and
   * (application, target) pairs refused for reaching outside their project (`scope`).
   */
  readonly problems: readonly HubProblem[];
  readonly failures: readonly ResolveFailure[];
  /** The first of `problems`, as text (undefined when there is none). */
  readonly lastError: string | undefined;
  readonly lastPassAtMs: number | undefined;
  readonly lastPassMs: number | undefined;
  readonly changedLastPass: number;
}
