/**
 * Git → desired state. One pass: fetch the fleet repository, parse and accept the fleet (an
 * invalid change keeps the last good fleet in force), then for every (application, target) the
 * placement selects: pin → commit → rendered objects (manifests + overlays) → content digest →
 * `putDesired` in the store, which allocates a new version only when the digest or policies
 * changed; a changed (target, app) becomes a delivery job. Apps no longer placed on a target are
 * removed. A target in a frozen environment keeps what it has.
 *
 * The decisions (parse, accept, placement, pins, render) are pure functions of ../core; this
 * class only does the I/O around them and keeps the status operators read.
 */
import { createHash } from 'node:crypto';
import {
  ErrorCode,
  GitfleetError,
  carrierOf,
  inSpan,
  noopTracer,
  startSpan,
  toGitfleetError,
  type Logger,
  type Span,
  type TraceCarrier,
  type Tracer,
} from '@gitfleet/proto';
import {
  acceptFleet,
  environmentOf,
  findTarget,
  formatProblem,
  overlaysFor,
  parseFleet,
  placementOf,
  resolveRevisionRef,
  type FleetProblem,
  type FleetSpec,
} from '../core/fleet/index.ts';
import { renderApp } from '../core/render/index.ts';
import type { GitRepo, GitSource } from '../git/port.ts';
import type { HubStore } from '../store/port.ts';

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
  /** Rollouts: which revision a target runs while its application rolls out (see rollout/). */
  readonly rollouts?: RevisionGate;
  readonly now?: () => number;
}

/** What the resolver asks of the rollout controller. */
export interface RevisionGate {
  /** Reads the current rollout states (once per pass). */
  refresh(): Promise<void>;
  /**
   * The commit `target` should run, given the commit its pin resolves to and the pin's source.
   * `sourceDigest` fingerprints the application's source files at a commit: a commit that did
   * not change them (a fleet-only change in the same repository) is no new revision to roll out.
   */
  revisionFor(
    app: string,
    target: string,
    commit: string,
    source: string,
    sourceDigest: (commit: string) => Promise<string>,
  ): Promise<string>;
  /** A pass ended: step the rollouts with what it saw. */
  passed(): void;
}

/** Why one (application, target) could not be resolved; its last good desired state stays. */
export interface ResolveFailure {
  readonly app: string;
  readonly target: string;
  readonly code: string;
  readonly message: string;
}

export interface ResolverStatus {
  /** Fleet repository commit last read. */
  readonly fleetCommit: string | undefined;
  /** False when the last fleet change was rejected (the previous good one stays in force). */
  readonly fleetAccepted: boolean;
  readonly fleetProblems: readonly FleetProblem[];
  readonly failures: readonly ResolveFailure[];
  readonly lastError: string | undefined;
  readonly lastPassAtMs: number | undefined;
  readonly lastPassMs: number | undefined;
  readonly changedLastPass: number;
}

export class Resolver {
  private readonly opts: ResolverOptions;
  private readonly git: GitSource;
  private readonly store: HubStore;
  private readonly changed: ResolverDeps['changed'];
  private readonly logger: Logger;
  private readonly tracer: Tracer;
  private readonly rollouts: RevisionGate | undefined;
  private readonly digests = new Map<string, string>();
  /** Per pass: ref → commit, and (commit, path) → files (see passIn). */
  private readonly refs = new Map<string, Promise<string>>();
  private readonly reads = new Map<string, ReturnType<GitSource['readFiles']>>();
  private readonly now: () => number;
  private inForce: FleetSpec | undefined;
  private statusValue: ResolverStatus = {
    fleetCommit: undefined,
    fleetAccepted: true,
    fleetProblems: [],
    failures: [],
    lastError: undefined,
    lastPassAtMs: undefined,
    lastPassMs: undefined,
    changedLastPass: 0,
  };
  private running: Promise<void> | undefined;
  private readonly pendingPairs = new Map<string, { app: string; target: string }>();
  private again = false;

  constructor(opts: ResolverOptions, deps: ResolverDeps) {
    this.opts = opts;
    this.git = deps.git;
    this.store = deps.store;
    this.changed = deps.changed;
    this.logger = deps.logger.child({ component: 'resolver' });
    this.now = deps.now ?? Date.now;
    this.tracer = deps.tracer ?? noopTracer;
    this.rollouts = deps.rollouts;
  }

  get status(): ResolverStatus {
    return this.statusValue;
  }

  /** The fleet definition in force (undefined until one was accepted). */
  get fleet(): FleetSpec | undefined {
    return this.inForce;
  }

  /** Runs a pass now; a call while one runs schedules exactly one more. */
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
          if (this.again) {
            this.again = false;
            this.pendingPairs.clear();
            await this.pass();
          } else {
            const pairs = [...this.pendingPairs.values()];
            this.pendingPairs.clear();
            await this.passPairs(pairs);
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
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
      this.refs.clear();
      this.reads.clear();
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
      this.refs.clear();
      this.reads.clear();
    }
  }

  private async passIn(passSpan: Span): Promise<void> {
    const t0 = this.now();
    // one answer per ref and per (commit, path) in a pass: consistent (a fetch landing mid-pass
    // cannot split the fleet over two commits) and ~6 ms cheaper per (app, target)
    this.refs.clear();
    this.reads.clear();
    const fleetRepo = this.opts.fleet;
    let changedCount = 0;
    const failures: ResolveFailure[] = [];
    try {
      await this.git.fetch(fleetRepo);
    } catch (err) {
      // keep working from the last good fetch; say so
      this.statusValue = { ...this.statusValue, lastError: toGitfleetError(err).message };
      this.logger.warn('fleet fetch failed; using the last good commit', {
        error: toGitfleetError(err).message,
      });
    }
    let fleetCommit: string;
    try {
      fleetCommit = await this.git.resolve(fleetRepo, fleetRepo.branch);
    } catch (err) {
      this.statusValue = {
        ...this.statusValue,
        lastError: toGitfleetError(err).message,
        lastPassAtMs: this.now(),
      };
      return;
    }
    passSpan.setAttribute('gitfleet.fleet_commit', fleetCommit);
    const read = await this.git.readFiles(fleetRepo, fleetCommit, '', {
      include: (p) => /\.(ya?ml|json)$/i.test(p),
    });
    const decision = acceptFleet(this.inForce, parseFleet(read.files));
    if (!decision.accepted) {
      this.logger.warn('fleet change rejected; the last good fleet stays in force', {
        commit: fleetCommit,
        problems: decision.problems
          .filter((p) => p.severity === 'error')
          .slice(0, 10)
          .map(formatProblem),
      });
    }
    this.inForce = decision.inForce;
    const spec = this.inForce;
    await this.rollouts?.refresh();
    if (spec !== undefined) {
      // fetch each application source once per pass (the fleet repo is fetched already)
      const fetched = new Set([fleetRepo.url]);
      for (const app of spec.applications) {
        const url = app.source.repoURL ?? fleetRepo.url;
        if (fetched.has(url)) continue;
        fetched.add(url);
        await this.git.fetch(this.repoFor(url)).catch((err: unknown) => {
          this.logger.warn('application source fetch failed; using its last good commit', {
            repo: url,
            error: toGitfleetError(err).message,
          });
        });
      }
      const placed = new Map<string, Set<string>>(); // target → apps
      for (const app of spec.applications) {
        for (const target of placementOf(spec, app.name)) {
          let apps = placed.get(target);
          if (apps === undefined) placed.set(target, (apps = new Set()));
          apps.add(app.name);
          try {
            if (await this.resolveOne(spec, app.name, target, passSpan)) changedCount++;
          } catch (err) {
            const e = toGitfleetError(err);
            failures.push({ app: app.name, target, code: e.code, message: e.message });
            this.logger.warn('could not resolve; the last good desired state stays', {
              app: app.name,
              target,
              code: e.code,
              error: e.message,
            });
          }
        }
      }
      // apps that left a target (or targets that left the fleet) are removed
      for (const target of await this.store.targets()) {
        if (environmentOf0(spec, target)?.frozen === true) continue;
        for (const d of await this.store.listDesired(target)) {
          if (placed.get(target)?.has(d.app) === true) continue;
          const removed = await this.store.removeDesired(target, d.app);
          if (removed !== undefined) {
            changedCount++;
            await this.changed(target, d.app, removed.version, carrierOf(passSpan));
            this.logger.info('app removed from target', {
              app: d.app,
              target,
              version: removed.version,
            });
          }
        }
      }
    }
    const done = this.now();
    passSpan.setAttribute('gitfleet.changed', changedCount);
    this.statusValue = {
      fleetCommit,
      fleetAccepted: decision.accepted,
      fleetProblems: decision.problems,
      failures,
      lastError: undefined,
      lastPassAtMs: done,
      lastPassMs: done - t0,
      changedLastPass: changedCount,
    };
    this.logger.info('resolve pass', {
      fleetCommit,
      ms: done - t0,
      changed: changedCount,
      failures: failures.length,
    });
    this.rollouts?.passed();
  }

  private resolveCached(repo: GitRepo, ref: string): Promise<string> {
    const key = `${repo.url}\n${ref}`;
    let p = this.refs.get(key);
    if (p === undefined) {
      p = this.git.resolve(repo, ref);
      this.refs.set(key, p);
      p.catch(() => this.refs.delete(key));
    }
    return p;
  }

  private readCached(
    repo: GitRepo,
    commit: string,
    path: string,
  ): ReturnType<GitSource['readFiles']> {
    const key = `${repo.url}\n${commit}\n${path}`;
    let p = this.reads.get(key);
    if (p === undefined) {
      p = this.git.readFiles(repo, commit, path);
      this.reads.set(key, p);
      p.catch(() => this.reads.delete(key));
    }
    return p;
  }

  /** sha256 of an application's source files (paths and contents) at a commit, cached. */
  private async sourceDigest(repo: GitRepo, commit: string, path: string): Promise<string> {
    const key = `${repo.url}\n${commit}\n${path}`;
    let d = this.digests.get(key);
    if (d === undefined) {
      const read = await this.readCached(repo, commit, path);
      const hash = createHash('sha256');
      for (const [p, content] of [...read.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
        hash.update(`${p}\0${String(content.length)}\0${content}\0`);
      }
      d = hash.digest('hex');
      if (this.digests.size >= 1_000) this.digests.clear();
      this.digests.set(key, d);
    }
    return d;
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
    const env = environmentOf(spec, target);
    if (env?.frozen === true) return false;
    const repo = this.repoFor(app.source.repoURL ?? this.opts.fleet.url);
    const pin = resolveRevisionRef(spec, appName, target);
    const wanted = await this.resolveCached(repo, pin.ref);
    // while the application rolls out, a target not yet moved keeps its last good revision
    const commit =
      (await this.rollouts?.revisionFor(appName, target, wanted, pin.source, (c) =>
        this.sourceDigest(repo, c, app.source.path),
      )) ?? wanted;
    span.setAttribute('gitfleet.revision', commit);
    if (commit !== wanted) span.setAttribute('gitfleet.held_back_from', wanted);
    const read = await this.readCached(repo, commit, app.source.path);
    const rendered = renderApp({
      files: read.files,
      basePath: app.source.path,
      overlays: overlaysFor(spec, appName, target),
      ctx: {
        target,
        labels: { ...t.labels },
        ...(env === undefined ? {} : { environment: env.name }),
      },
    });
    if (!rendered.ok) {
      throw new GitfleetError(
        ErrorCode.ManifestInvalid,
        `${appName} on ${target} at ${commit.slice(0, 12)}: ${rendered.problems
          .slice(0, 5)
          .map(
            (p) =>
              `${p.file === undefined ? '' : `${p.file}${p.line === undefined ? '' : `:${p.line}`}: `}${p.message}`,
          )
          .join('; ')}`,
        { terminal: true },
      );
    }
    const { version, changed } = await this.store.putDesired(target, appName, {
      revision: commit,
      digest: rendered.digest,
      objects: rendered.objects,
      policies: app.policies,
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

function environmentOf0(spec: FleetSpec, target: string): ReturnType<typeof environmentOf> {
  return findTarget(spec, target) === undefined ? undefined : environmentOf(spec, target);
}
