/**
 * Rendered manifests in Git: after each resolve pass, for every application with
 * `spec.hydrateTo`, the desired state the resolver stored for each of its targets (objects and
 * source commit) is laid out per environment (../core/hydrate) and written to the branch of the
 * application's repository (../git/hydrate-writer.ts). Applications are written one after the
 * other, each repository fetched once per pass, so two writing to the same branch each see the
 * other's commit.
 *
 * Hydration only reads desired state: whatever goes wrong (credentials, a branch another writer
 * keeps moving, a limit) is a `hydrate` problem naming the application and the branch, shown with
 * the pass's problems, and never touches what agents receive.
 *
 * Every replica may write: the commit follows from the render alone (author, message, time from
 * the source commits), so replicas writing the same render on the same head make the same commit,
 * and no push is ever forced.
 */
import { ErrorCode, GitfleetError, toGitfleetError } from '@gitfleet/proto';
import type { Logger } from '@gitfleet/proto';
import { environmentOf, placementOf } from '../core/fleet/index.ts';
import type { ApplicationSpec, FleetSpec, HydrateTo } from '../core/fleet/index.ts';
import {
  hydrateBranchLoop,
  hydrateLayout,
  hydrateMessage,
  hydrateTime,
} from '../core/hydrate/index.ts';
import type { HydrateTarget } from '../core/hydrate/index.ts';
import type { HydrateResult, HydrateWrite } from '../git/hydrate-writer.ts';
import { normaliseRepoUrl, redactUrl } from '../git/repo-url.ts';
import { ProblemStage, problemOf } from '../resolve/problems.ts';
import type { HubProblem } from '../resolve/problems.ts';
import type { HubStore } from '../store/port.ts';
import type { HydrateMetrics } from './metrics.ts';

export interface HydratorOptions {
  /** The fleet repository and branch: the repository of an application without `repoURL`. */
  readonly fleet: { readonly url: string; readonly branch: string };
}

export interface HydratorDeps {
  readonly store: Pick<HubStore, 'getDesired'>;
  readonly writer: { write(w: HydrateWrite): Promise<HydrateResult> };
  readonly logger: Logger;
  readonly metrics?: HydrateMetrics;
  readonly now?: () => number;
}

export class Hydrator {
  readonly #opts: HydratorOptions;
  readonly #deps: HydratorDeps;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(opts: HydratorOptions, deps: HydratorDeps) {
    this.#opts = opts;
    this.#deps = deps;
    this.#logger = deps.logger.child({ component: 'hydrator' });
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Writes every application with `spec.hydrateTo` of `spec`; returns one problem per
   * application that could not be written. Never rejects.
   */
  async afterPass(spec: FleetSpec, fleetCommit: string | undefined): Promise<HubProblem[]> {
    const problems: HubProblem[] = [];
    const fetched = new Set<string>();
    for (const app of spec.applications) {
      const to = app.hydrateTo;
      if (to === undefined) continue;
      const url = app.source.repoURL ?? this.#opts.fleet.url;
      try {
        await this.#hydrate(spec, app, url, fetched);
      } catch (err) {
        problems.push(this.#failed(app, to, redactUrl(url), fleetCommit, err));
      }
    }
    return problems;
  }

  #failed(
    app: ApplicationSpec,
    to: HydrateTo,
    repo: string,
    fleetCommit: string | undefined,
    err: unknown,
  ): HubProblem {
    const e = toGitfleetError(err);
    this.#deps.metrics?.failed(e.code);
    const p = problemOf(
      ProblemStage.Hydrate,
      new GitfleetError(
        e.code,
        `rendered manifests of ${app.name} → branch ${to.branch}, ${to.path}/: ${e.message}`,
        { details: { ...e.details, app: app.name, branch: to.branch, field: 'spec.hydrateTo' } },
      ),
      { repo, ...(fleetCommit === undefined ? {} : { commit: fleetCommit }), atMs: this.#now() },
    );
    this.#logger.warn('rendered manifests not written; delivery is not affected', {
      app: app.name,
      repo,
      branch: to.branch,
      code: p.code,
      error: p.message,
    });
    return p;
  }

  async #hydrate(
    spec: FleetSpec,
    app: ApplicationSpec,
    url: string,
    fetched: Set<string>,
  ): Promise<void> {
    const to = app.hydrateTo;
    if (to === undefined) return;
    const loop = hydrateBranchLoop(spec, app, {
      sameRepo: sameRepo(url, this.#opts.fleet.url),
      branch: this.#opts.fleet.branch,
    });
    if (loop !== undefined) {
      throw new GitfleetError(ErrorCode.ConfigInvalid, loop, { details: { branch: to.branch } });
    }
    const targets: HydrateTarget[] = [];
    for (const target of placementOf(spec, app.name)) {
      const desired = await this.#deps.store.getDesired(target, app.name);
      // a target whose first render failed has nothing to show yet
      if (desired === undefined) continue;
      const environment = environmentOf(spec, target)?.name;
      targets.push({
        target,
        ...(environment === undefined ? {} : { environment }),
        revision: desired.assignment.revision,
        objects: desired.assignment.objects,
      });
    }
    const layout = hydrateLayout(app.name, to.path, targets);
    const result = await this.#deps.writer.write({
      url,
      branch: to.branch,
      path: to.path,
      files: layout.files,
      message: hydrateMessage(app.name, layout.groups),
      sourceCommits: [...new Set(layout.groups.flatMap((g) => g.revisions))],
      time: hydrateTime,
      fetched,
    });
    if (result.kind === 'committed') {
      this.#deps.metrics?.committed();
      this.#logger.info('rendered manifests committed', {
        app: app.name,
        repo: redactUrl(url),
        branch: to.branch,
        commit: result.commit,
        created: result.created,
        files: layout.files.size,
      });
    }
  }
}

function sameRepo(a: string, b: string): boolean {
  try {
    return normaliseRepoUrl(a) === normaliseRepoUrl(b);
  } catch {
    return a === b;
  }
}
