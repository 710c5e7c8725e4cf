/**
 * Git → desired state. One pass: fetch the fleet repository, parse and accept the fleet (an
 * invalid change keeps the last good fleet in force), then for every (application, target) the
 * placement selects: pin → commit → rendered objects (manifests + overlays) → content digest →
 * `putDesired` in the store (with the application's project scope, signed with the rest), which
 * allocates a new version only when the digest, policies or scope changed; a changed (target,
 * app) becomes a delivery job. Apps no longer placed on a target are removed (./removals.ts).
 * The decisions (parse, accept, placement, pins, render) are pure functions of ../core; this
 * class only does the I/O around them and keeps the status operators read.
 *
 * Nothing a pass runs into ends it badly: a failed fetch, a branch that cannot be resolved, fleet
 * files that cannot be read (a size limit, say), a render that throws, a store that fails — each
 * becomes a recorded problem (./problems.ts) in the status, the fleet in force stays, and
 * `trigger()` resolves. The fleet in force is saved to Redis (../store/fleet-store.ts) whenever it
 * changes, and `restore()` loads it at start, so a restarted hub serves it before Git answers.
 */
import {
  carrierOf,
  errorLogFields,
  inSpan,
  noopTracer,
  startSpan,
  toGitfleetError,
  type Logger,
  type Span,
  type Tracer,
  mapLimit,
} from '@gitfleet/proto';
import {
  acceptFleet,
  environmentOf,
  findTarget,
  formatProblem,
  parseFleet,
  placementOf,
  projectScopeOf,
  resolveRevisionRef,
  type FleetDecision,
  type FleetSpec,
} from '../core/fleet/index.ts';
import type { GitRepo, GitSource } from '../git/port.ts';
import { redactUrl } from '../git/repo-url.ts';
import type { LastGoodFleetStore } from '../store/fleet-store.ts';
import type { HubStore } from '../store/port.ts';
import {
  HEAD_STAGES,
  ProblemStage,
  failureOf,
  formatHubProblem,
  problemOf,
  scopeProblemOf,
  type HubProblem,
  type ResolveFailure,
} from './problems.ts';
import { PassCache } from './pass-cache.ts';
import { ProjectClaims } from './project-claims.ts';
import { removeUnplaced } from './removals.ts';
import { renderForTarget } from './render-target.ts';
import { renderSource } from './source-step.ts';
import { SourceRenderer } from '../sources/renderer.ts';
import { assignmentScope, checkPlacementScope } from './scope-check.ts';
import type { InForceSource, ResolverDeps, ResolverOptions, ResolverStatus } from './types.ts';

/** Targets of one application resolved at once in a pass. */
const PAIRS_IN_FLIGHT = 8;

export type { HubProblem, ResolveFailure } from './problems.ts';
export type * from './types.ts';

export class Resolver {
  private readonly opts: ResolverOptions;
  private readonly git: GitSource;
  private readonly store: HubStore;
  private readonly changed: ResolverDeps['changed'];
  private readonly logger: Logger;
  private readonly tracer: Tracer;
  private readonly rollouts: ResolverDeps['rollouts'];
  private readonly lastGood: LastGoodFleetStore | undefined;
  private readonly afterPass: ResolverDeps['afterPass'];
  /** What a pass reads from Git, asked once per pass. */
  private readonly cache: PassCache;
  /** Kustomize renders, cached across passes. */
  private readonly sources: SourceRenderer;
  /** Objects declared across projects, per target (a conflict refuses both applications). */
  private readonly claims = new ProjectClaims();
  private readonly now: () => number;
  private inForce: FleetSpec | undefined;
  private inForceCommit: string | undefined;
  private inForceFrom: InForceSource | undefined;
  /** The commit of the fleet last saved to (or loaded from) the store. */
  private savedCommit: string | undefined;
  private statusValue: ResolverStatus = {
    fleetCommit: undefined,
    fleetAccepted: false,
    inForceCommit: undefined,
    inForceFrom: undefined,
    fleetProblems: [],
    problems: [],
    failures: [],
    lastError: undefined,
    lastPassAtMs: undefined,
    lastPassMs: undefined,
    changedLastPass: 0,
  };
  /** The fleet branch's head as last read, and what was decided of it. */
  private lastRead: { readonly commit: string; readonly decision: FleetDecision } | undefined;
  private running: Promise<void> | undefined;
  private readonly pendingPairs = new Map<string, { app: string; target: string }>();
  private again = false;

  constructor(opts: ResolverOptions, deps: ResolverDeps) {
    this.opts = opts;
    this.git = deps.git;
    this.cache = new PassCache(deps.git);
    this.sources = deps.sources ?? new SourceRenderer({}, { logger: deps.logger });
    this.store = deps.store;
    this.changed = deps.changed;
    this.logger = deps.logger.child({ component: 'resolver' });
    this.now = deps.now ?? Date.now;
    this.tracer = deps.tracer ?? noopTracer;
    this.rollouts = deps.rollouts;
    this.lastGood = deps.lastGood;
    this.afterPass = deps.afterPass;
    // a rollout step moved targets: resolve them again (a pass never rejects; the catch logs
    // what would be a bug, so that no promise floats)
    deps.rollouts?.onMoved((pairs) => {
      this.resolvePairs(pairs).catch((err: unknown) =>
        this.logger.error('resolve pass failed unexpectedly', {
          trigger: 'rollout',
          ...errorLogFields(err),
        }),
      );
    });
  }

  get status(): ResolverStatus {
    return this.statusValue;
  }

  /** The fleet definition in force (undefined until one was accepted). */
  get fleet(): FleetSpec | undefined {
    return this.inForce;
  }

  /**
   * Loads the last good fleet saved by a hub before (see ../store/fleet-store.ts) and puts it in
   * force until Git says otherwise: agents of its targets are accepted at once. True when one
   * was loaded; a failure to load is a recorded problem, never a throw.
   */
  async restore(): Promise<boolean> {
    if (this.lastGood === undefined || this.inForce !== undefined) return false;
    const repo = redactUrl(this.opts.fleet.url);
    try {
      const saved = await this.lastGood.load(repo, this.opts.fleet.branch);
      if (saved === undefined || this.inForce !== undefined) return false;
      this.inForce = saved.spec;
      this.inForceCommit = saved.commit;
      this.inForceFrom = 'redis';
      this.savedCommit = saved.commit;
      this.statusValue = {
        ...this.statusValue,
        inForceCommit: saved.commit,
        inForceFrom: 'redis',
      };
      this.logger.info('last good fleet loaded from Redis; it is in force until Git is read', {
        commit: saved.commit,
        targets: saved.spec.targets.length,
        applications: saved.spec.applications.length,
        acceptedAtMs: saved.acceptedAtMs,
      });
      return true;
    } catch (err) {
      const p = problemOf(ProblemStage.Restore, toGitfleetError(err), { repo, atMs: this.now() });
      this.logger.warn('could not load the last good fleet from Redis', {
        code: p.code,
        error: p.message,
      });
      this.statusValue = {
        ...this.statusValue,
        problems: [...this.statusValue.problems, p],
        lastError: this.statusValue.lastError ?? formatHubProblem(p),
      };
      return false;
    }
  }

  /** Saves the fleet in force again at the next pass (Redis lost what it held). */
  persistAgain(): void {
    this.savedCommit = undefined;
  }

  /**
   * Runs a pass now; a call while one runs schedules exactly one more. Never rejects: whatever
   * goes wrong is a problem in `status`.
   */
  trigger(): Promise<void> {
    this.again = true;
    return this.run();
  }

  /**
   * Re-resolves only these (application, target) pairs against the fleet in force — no fetch, no
   * parse, no removal scan: what a rollout needs when it moves a wave. Queued behind a running
   * pass; a full pass pending covers them.
   */
  resolvePairs(pairs: readonly { readonly app: string; readonly target: string }[]): Promise<void> {
    for (const p of pairs) this.pendingPairs.set(`${p.app}\n${p.target}`, p);
    return this.run();
  }

  private run(): Promise<void> {
    this.running ??= (async () => {
      try {
        while (this.again || this.pendingPairs.size > 0) {
          try {
            if (this.again) {
              this.again = false;
              this.pendingPairs.clear();
              await this.pass();
            } else {
              const pairs = [...this.pendingPairs.values()];
              this.pendingPairs.clear();
              await this.passPairs(pairs);
            }
          } catch (err) {
            this.passFailed(err);
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** A pass ended in an error nothing inside it handled: record it, keep everything else. */
  private passFailed(err: unknown): void {
    const p = problemOf(ProblemStage.Pass, toGitfleetError(err), {
      repo: redactUrl(this.opts.fleet.url),
      atMs: this.now(),
    });
    this.logger.error('resolve pass failed; the fleet in force and desired state stay', {
      code: p.code,
      error: p.message,
      ...(err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {}),
    });
    const problems = [...this.statusValue.problems.filter((x) => x.stage !== p.stage), p];
    this.statusValue = {
      ...this.statusValue,
      problems,
      lastError: problems[0] === undefined ? undefined : formatHubProblem(problems[0]),
      lastPassAtMs: p.atMs,
    };
  }

  private async passPairs(
    pairs: readonly { readonly app: string; readonly target: string }[],
  ): Promise<void> {
    const spec = this.inForce;
    if (spec === undefined) return;
    const span = startSpan(this.tracer, 'gitfleet.resolve', {
      attributes: { 'gitfleet.fleet_repo': this.opts.fleet.url, 'gitfleet.pairs': pairs.length },
    });
    const placed = new Map<string, ReadonlySet<string>>();
    let changed = 0;
    try {
      await this.rollouts?.refresh();
      for (const { app, target } of pairs) {
        let on = placed.get(app);
        if (on === undefined) {
          on = new Set(spec.applications.some((a) => a.name === app) ? placementOf(spec, app) : []);
          placed.set(app, on);
        }
        if (!on.has(target)) continue;
        try {
          if (await this.resolveOne(spec, app, target, span)) changed++;
        } catch (err) {
          this.logger.warn('could not resolve; the last good desired state stays', {
            app,
            target,
            error: toGitfleetError(err).message,
          });
        }
      }
    } finally {
      span.setAttribute('gitfleet.changed', changed);
      span.end();
      this.cache.clear();
    }
    this.logger.info('resolve pass (targets moved by a rollout)', {
      pairs: pairs.length,
      changed,
    });
    this.rollouts?.passed();
  }

  private async pass(): Promise<void> {
    // the root of the change's trace: commit seen → render → job → delivery → apply → report
    const span = startSpan(this.tracer, 'gitfleet.resolve', {
      attributes: { 'gitfleet.fleet_repo': this.opts.fleet.url },
    });
    try {
      await this.passIn(span);
    } finally {
      span.end();
      this.cache.clear();
    }
  }

  private async passIn(passSpan: Span): Promise<void> {
    const t0 = this.now();
    this.cache.clear();
    const fleetRepo = this.opts.fleet;
    const repo = redactUrl(fleetRepo.url);
    const problems: HubProblem[] = [];
    const record = (stage: ProblemStage, err: unknown, commit?: string): void => {
      const p = problemOf(stage, toGitfleetError(err), {
        repo,
        ...(commit === undefined ? {} : { commit }),
        atMs: this.now(),
      });
      problems.push(p);
      this.logger.warn('fleet problem; the last good fleet stays in force', {
        stage: p.stage,
        code: p.code,
        error: p.message,
        ...(p.file === undefined ? {} : { file: p.file }),
        ...(p.limit === undefined ? {} : { limit: p.limit }),
      });
    };
    let changedCount = 0;
    const failures: ResolveFailure[] = [];
    try {
      await this.git.fetch(fleetRepo);
    } catch (err) {
      // keep working from the last good fetch; say so
      record(ProblemStage.Fetch, err);
    }
    let fleetCommit: string | undefined;
    try {
      fleetCommit = await this.git.resolve(fleetRepo, fleetRepo.branch);
    } catch (err) {
      record(ProblemStage.Head, err);
    }
    let decision: FleetDecision | undefined;
    if (fleetCommit !== undefined) {
      passSpan.setAttribute('gitfleet.fleet_commit', fleetCommit);
      try {
        // a commit's files never change: the same head is not read and parsed again
        if (this.lastRead?.commit === fleetCommit) decision = this.lastRead.decision;
        else {
          const read = await this.git.readFiles(fleetRepo, fleetCommit, '', {
            include: (p) => /\.(ya?ml|json)$/i.test(p),
          });
          decision = acceptFleet(this.inForce, parseFleet(read.files));
          this.lastRead = { commit: fleetCommit, decision };
        }
      } catch (err) {
        record(ProblemStage.Read, err, fleetCommit);
      }
    }
    if (decision !== undefined && !decision.accepted) {
      this.logger.warn('fleet change rejected; the last good fleet stays in force', {
        commit: fleetCommit,
        problems: decision.problems
          .filter((p) => p.severity === 'error')
          .slice(0, 10)
          .map(formatProblem),
      });
    }
    if (decision?.accepted === true && fleetCommit !== undefined) {
      this.inForce = decision.inForce;
      this.inForceCommit = fleetCommit;
      this.inForceFrom = 'git';
    }
    await this.persistInForce(fleetRepo.branch, repo, record);
    const spec = this.inForce;
    try {
      await this.rollouts?.refresh();
      if (spec !== undefined) {
        changedCount = await this.resolveAll(spec, passSpan, failures, problems);
      }
    } catch (err) {
      // the store or a rollout failed mid-pass: what was stored stays, the next pass redoes it
      record(ProblemStage.Pass, err, fleetCommit);
    }
    // source polling and rendered manifests to Git (never rejects, never changes desired state)
    if (spec !== undefined)
      problems.push(...((await this.afterPass?.(spec, this.inForceCommit)) ?? []));
    const done = this.now();
    passSpan.setAttribute('gitfleet.changed', changedCount);
    this.statusValue = {
      fleetCommit: fleetCommit ?? this.statusValue.fleetCommit,
      // the head's fleet is in force only when it was fetched, found and read, and accepted
      fleetAccepted: decision?.accepted === true && !problems.some((p) => HEAD_STAGES.has(p.stage)),
      inForceCommit: this.inForceCommit,
      inForceFrom: this.inForceFrom,
      fleetProblems: decision?.problems ?? [],
      problems,
      failures,
      lastError: problems[0] === undefined ? undefined : formatHubProblem(problems[0]),
      lastPassAtMs: done,
      lastPassMs: done - t0,
      changedLastPass: changedCount,
    };
    this.logger.info('resolve pass', {
      fleetCommit,
      inForceCommit: this.inForceCommit,
      ms: done - t0,
      changed: changedCount,
      failures: failures.length,
      problems: problems.length,
    });
    this.rollouts?.passed();
  }

  /** Saves the fleet in force when the store does not hold it yet (a failure is a problem). */
  private async persistInForce(
    branch: string,
    repo: string,
    record: (stage: ProblemStage, err: unknown, commit?: string) => void,
  ): Promise<void> {
    const spec = this.inForce;
    const commit = this.inForceCommit;
    if (this.lastGood === undefined || spec === undefined || commit === undefined) return;
    if (commit === this.savedCommit) return;
    try {
      await this.lastGood.save({ repo, branch, commit, spec, acceptedAtMs: this.now() });
      this.savedCommit = commit;
    } catch (err) {
      record(ProblemStage.Persist, err, commit);
    }
  }

  /**
   * Resolves every placed (application, target) of `spec` and removes what left; returns how
   * many changed. One pair's failure is recorded in `failures` and the others go on; a pair
   * outside its project is also a `scope` problem in `problems`.
   */
  private async resolveAll(
    spec: FleetSpec,
    passSpan: Span,
    failures: ResolveFailure[],
    problems: HubProblem[],
  ): Promise<number> {
    const fleetRepo = this.opts.fleet;
    let changedCount = 0;
    // fetch each application source once per pass (the fleet repo is fetched already)
    const fetched = new Set([fleetRepo.url]);
    for (const app of spec.applications) {
      const url = app.source.repoURL ?? fleetRepo.url;
      if (fetched.has(url)) continue;
      fetched.add(url);
      await this.git.fetch(this.repoFor(url)).catch((err: unknown) => {
        const p = problemOf(ProblemStage.Source, toGitfleetError(err), {
          repo: redactUrl(url),
          atMs: this.now(),
        });
        problems.push(p);
        this.logger.warn('application source fetch failed; using its last good commit', {
          repo: p.repo,
          code: p.code,
          error: p.message,
        });
      });
    }
    const placed = new Map<string, Set<string>>(); // target → apps
    // an app's targets a few at a time (renders and round trips overlap), apps in fleet order
    // (which claims an object first); failures in target order
    for (const app of spec.applications) {
      const targets = placementOf(spec, app.name);
      for (const target of targets) {
        let apps = placed.get(target);
        if (apps === undefined) placed.set(target, (apps = new Set()));
        apps.add(app.name);
      }
      const results = await mapLimit(targets, PAIRS_IN_FLIGHT, (target) =>
        this.resolveOne(spec, app.name, target, passSpan),
      );
      for (const [i, result] of results.entries()) {
        const target = targets[i] ?? '';
        if (result.status === 'fulfilled') {
          if (result.value) changedCount++;
          continue;
        }
        const f = failureOf(app.name, target, result.reason);
        failures.push(f);
        const repo = redactUrl(fleetRepo.url);
        const ctx = { repo, commit: this.inForceCommit, atMs: this.now() };
        const scope = scopeProblemOf(result.reason, ctx);
        if (scope !== undefined) problems.push(scope);
        this.logger.warn('could not resolve; the last good desired state stays', {
          app: app.name,
          target,
          code: f.code,
          error: f.message,
        });
      }
    }
    if (spec.projects === undefined) this.claims.clear();
    else this.claims.retain(placed);
    // apps that left a target are removed, only on the word of a fleet read from Git
    if (this.inForceFrom !== 'git') return changedCount;
    changedCount += await removeUnplaced({
      spec,
      placed,
      store: this.store,
      changed: (target, app, version) => this.changed(target, app, version, carrierOf(passSpan)),
      logger: this.logger,
    });
    return changedCount;
  }

  private repoFor(url: string): GitRepo {
    if (url === this.opts.fleet.url) return this.opts.fleet;
    return { url, ...this.opts.credentialsFor?.(url) };
  }

  /** Resolves one (app, target); true when its desired state changed. */
  private resolveOne(
    spec: FleetSpec,
    appName: string,
    target: string,
    passSpan: Span,
  ): Promise<boolean> {
    return inSpan(
      this.tracer,
      'gitfleet.render',
      { parent: passSpan, attributes: { 'gitfleet.app': appName, 'gitfleet.target': target } },
      (span) => this.renderOne(spec, appName, target, span),
    );
  }

  private async renderOne(
    spec: FleetSpec,
    appName: string,
    target: string,
    span: Span,
  ): Promise<boolean> {
    const app = spec.applications.find((a) => a.name === appName);
    const t = findTarget(spec, target);
    if (app === undefined || t === undefined) return false;
    if (environmentOf(spec, target)?.frozen === true) return false;
    // outside the project: refused before anything of the source is read
    checkPlacementScope(spec, app, t);
    const repo = this.repoFor(app.source.repoURL ?? this.opts.fleet.url);
    const pin = resolveRevisionRef(spec, appName, target);
    const wanted = await this.cache.resolve(repo, pin.ref);
    // while the application rolls out, a target not yet moved keeps its last good revision
    const commit =
      (await this.rollouts?.revisionFor({
        spec,
        app: appName,
        target,
        commit: wanted,
        pin: pin.source,
        sourceDigest: (c) => this.cache.sourceDigest(repo, c, app.source.path),
      })) ?? wanted;
    span.setAttribute('gitfleet.revision', commit);
    if (commit !== wanted) span.setAttribute('gitfleet.held_back_from', wanted);
    const read = await this.cache.read(repo, commit, app.source.path);
    const subject = `${appName} on ${target} at ${commit.slice(0, 12)}`;
    const input = { fleet: spec, app, target: t, files: read.files, subject };
    const baseObjects = await renderSource(this.sources, {
      ...input,
      repoUrl: repo.url,
      commit,
      read: async (path) => (await this.cache.read(repo, commit, path)).files,
    });
    const rendered = renderForTarget({
      ...input,
      ...(baseObjects === undefined ? {} : { baseObjects }),
    });
    if (spec.projects !== undefined) {
      this.claims.claim(target, appName, projectScopeOf(spec, app), rendered.objects);
    }
    const scope = assignmentScope(spec, app);
    const { version, changed } = await this.store.putDesired(target, appName, {
      revision: commit,
      digest: rendered.digest,
      objects: rendered.objects,
      policies: app.policies,
      ...(scope === undefined ? {} : { scope }),
      trace: carrierOf(span),
    });
    span.setAttribute('gitfleet.changed', changed);
    if (changed) {
      this.logger.info('desired state changed', {
        app: appName,
        target,
        version,
        revision: commit,
        pin: pin.source,
      });
      await this.changed(target, appName, version, carrierOf(span));
    }
    return changed;
  }
}
