/**
 * The agent's reconciler: holds every app assigned to this cluster and keeps the cluster matching
 * it — continuously, with or without the hub. This class takes the hub's messages and wires the
 * collaborators that do the work, each the one owner of its part:
 *
 * - sync-pass.ts: a pass per app — validation gate over the whole set, staged server-side apply,
 *   prune, inventory; sync-scheduler.ts decides when passes run (never overlapping, coalesced,
 *   retried with backoff, periodically resynced).
 * - drift-loop.ts: watch events (watches.ts) become drift checks that correct, report or ignore
 *   per policy, backing off from a controller that keeps fighting.
 * - unmanaged-scan.ts: the periodic scan for unmanaged objects in the app's namespaces.
 * - reporter.ts: every change is reported (debounced, newest wins) through the hub link's outbox.
 * - app-state.ts: the per-app state and the claims between apps (../core/ownership.ts: an object
 *   another assigned app owns is not taken over, and nothing another assignment declares is ever
 *   deleted).
 * - trust-gate.ts: what every hub message passes first — with pinned hub keys only desired state
 *   the hub signed for this target, never at a version below one already passed (../core/intake.ts).
 *
 * Decisions are the pure functions of ../core; the collaborators are the orchestration and I/O.
 */
import {
  ErrorCode,
  GitfleetError,
  noopTracer,
  toGitfleetError,
  type AppRemoval,
  type Assignment,
  type HeldApp,
  type KubeObject,
  type Logger,
  type PinnedHubKeys,
  type StatusReport,
  type SyncRequest,
  type TraceCarrier,
  type Tracer,
} from '@gitfleet/proto';
import { Intake } from '../core/intake.ts';
import type { Inventory } from '../core/inventory.ts';
import type { LocalPolicy } from '../core/local-policy.ts';
import type { KindScope } from '../core/scope-check.ts';
import { describeWatchScope, watchScope, type WatchScope } from '../core/watch-scope.ts';
import { scopeKube } from '../kube/namespace-scoped-kube.ts';
import type { KubeClient } from '../kube/port.ts';
import type { LinkHandler } from '../link/hub-link.ts';
import type { ClusterAppStore } from '../state/app-store.ts';
import { AppTable, newRuntime, setDesired, stopTimers } from './app-state.ts';
import { background, type ReconcileContext, type ReconcileSettings } from './context.ts';
import { Discovery } from './discovery.ts';
import { DriftLoop } from './drift-loop.ts';
import { Pruner } from './pruner.ts';
import { StatusReporter, type Reporter } from './reporter.ts';
import { TrustGate } from './trust-gate.ts';
import { SyncPass } from './sync-pass.ts';
import { SyncScheduler } from './sync-scheduler.ts';
import { UnmanagedScanner } from './unmanaged-scan.ts';
import { SetValidator } from './validator.ts';
import { WatchRegistry } from './watches.ts';

export { CORRECTED_DRIFT_TTL_MS } from '../core/report-state.ts';
export type { Reporter } from './reporter.ts';

export interface AgentOptions {
  readonly target: string;
  readonly applyConcurrency?: number;
  readonly resyncIntervalMs?: number;
  readonly unmanagedScanIntervalMs?: number;
  /** Delay that coalesces bursts of events into one report. */
  readonly reportDebounceMs?: number;
  /** Salt for Secret value fingerprints in drift records. */
  readonly maskSalt?: string;
  /**
   * The hub keys whose signatures the agent requires on desired state (../core/intake.ts);
   * absent: nothing is verified (a hub without a signing key).
   */
  readonly hubKeys?: PinnedHubKeys;
  /** What this agent refuses to apply whatever the hub sends (default: the built-in policy). */
  readonly policy?: LocalPolicy;
}

export interface AgentDeps {
  readonly kube: KubeClient;
  readonly store: ClusterAppStore;
  readonly logger: Logger;
  /** Where reports go (the hub link); set later with `setReporter` if built after the agent. */
  readonly report?: Reporter;
  readonly now?: () => number;
  /** Spans for applies that continue the hub's trace of a change. */
  readonly tracer?: Tracer;
}

export class Agent implements LinkHandler {
  private readonly target: string;
  private readonly resyncIntervalMs: number;
  private readonly unmanagedScanIntervalMs: number;
  private readonly settings: ReconcileSettings;
  private readonly store: ClusterAppStore;
  private readonly logger: Logger;
  private readonly apps = new AppTable();
  private readonly watches: WatchRegistry;
  private readonly discovery: Discovery;
  private readonly reporter: StatusReporter;
  private readonly scheduler: SyncScheduler;
  private readonly pruner: Pruner;
  private readonly drift: DriftLoop;
  private readonly scanner: UnmanagedScanner;
  private readonly seenSyncRequests = new Set<string>();
  private readonly trust: TrustGate;
  /** Where the agent lists and watches: cluster-wide, or only the namespaces its policy allows. */
  private readonly scope: WatchScope;
  private sink: Reporter | undefined;
  /** Which kinds are namespaced as far as discovery knows (for the destination namespace). */
  private readonly kinds: KindScope = (gk) => this.discovery.namespacedKind(gk);
  private resyncTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;

  constructor(opts: AgentOptions, deps: AgentDeps) {
    this.target = opts.target;
    this.resyncIntervalMs = opts.resyncIntervalMs ?? 300_000;
    this.unmanagedScanIntervalMs = opts.unmanagedScanIntervalMs ?? 60_000;
    this.settings = { applyConcurrency: opts.applyConcurrency ?? 32, maskSalt: opts.maskSalt };
    this.sink = deps.report;
    this.store = deps.store;
    this.logger = deps.logger.child({ component: 'reconciler' });
    const now = deps.now ?? Date.now;
    this.trust = new TrustGate({
      target: opts.target,
      keys: opts.hubKeys,
      logger: this.logger,
      now,
    });
    this.scope = watchScope(opts.policy);
    // every call the reconciler makes goes through the scope (the store keeps its own namespace)
    const kube = scopeKube(deps.kube, this.scope);
    this.discovery = new Discovery(kube);
    this.watches = new WatchRegistry(kube, this.logger, (app, type, obj, gvk) =>
      this.drift.onWatchEvent(app, type, obj, gvk),
    );
    this.reporter = new StatusReporter({
      apps: this.apps,
      watches: this.watches,
      kube,
      store: deps.store,
      logger: this.logger,
      now,
      debounceMs: opts.reportDebounceMs ?? 50,
      sink: deps.report,
    });
    const ctx: ReconcileContext = {
      kube,
      logger: this.logger,
      now,
      apps: this.apps,
      watches: this.watches,
      discovery: this.discovery,
      settings: this.settings,
      triggers: {
        sync: (app, mode) => this.scheduler.schedule(app, mode),
        retry: (rt) => this.scheduler.retry(rt),
        report: (app) => this.reporter.schedule(app),
        scan: (app) => this.scan(app),
        checkDrift: (rt, key) => this.drift.checkLater(rt, key),
      },
    };
    this.pruner = new Pruner(ctx);
    const pass = new SyncPass(ctx, {
      store: deps.store,
      tracer: deps.tracer ?? noopTracer,
      validator: new SetValidator(ctx, opts.policy),
      pruner: this.pruner,
    });
    this.scheduler = new SyncScheduler(ctx, (rt, mode) => pass.run(rt, mode));
    this.drift = new DriftLoop(ctx);
    this.scanner = new UnmanagedScanner(ctx, this.scope);
  }

  setReporter(fn: Reporter): void {
    this.sink = fn;
    this.reporter.setSink(fn);
  }

  /** Loads persisted assignments and starts reconciling them (no hub needed). */
  async start(): Promise<void> {
    this.logger.info('watch scope', describeWatchScope(this.scope));
    await this.store.ensureNamespace();
    this.settings.maskSalt ??= await this.store.salt();
    const states = await this.store.loadAll((app, err) =>
      this.logger.error('persisted state unreadable: waiting for the hub to resend it', {
        app,
        error: toGitfleetError(err).message,
      }),
    );
    for (const s of states) {
      if (!this.trust.resumable(s.assignment, this.sink)) continue;
      this.trust.passedAt(s.app, s.assignment.version);
      this.apps.set(s.app, newRuntime(s.assignment, s.inventory, this.kinds));
      this.logger.info('resuming persisted assignment', {
        app: s.app,
        version: s.assignment.version,
        revision: s.assignment.revision,
      });
      this.scheduler.schedule(s.app);
    }
    await this.trust.loadRemovals(this.store, (app) => this.apps.get(app) !== undefined);
    void this.discovery.prewarm();
    this.resyncTimer = setInterval(() => this.scheduler.resyncAll(), this.resyncIntervalMs);
    this.resyncTimer.unref();
    this.scanTimer = setInterval(() => {
      for (const app of this.apps.names()) this.scan(app);
    }, this.unmanagedScanIntervalMs);
    this.scanTimer.unref();
  }

  async close(): Promise<void> {
    this.apps.closed = true;
    clearInterval(this.resyncTimer);
    clearInterval(this.scanTimer);
    for (const rt of this.apps.values()) stopTimers(rt);
    // watches first: a pass waiting for a cache that will never warm must not hold shutdown up
    this.watches.stopAll();
    await Promise.all(
      this.apps.values().map((rt) => rt.running?.catch(() => undefined) ?? Promise.resolve()),
    );
  }

  // ------------------------------------------------------------------ LinkHandler

  held(): Omit<HeldApp, 'statusHash'>[] {
    return this.apps
      .values()
      .filter((rt) => !rt.removed)
      .map((rt) => ({
        app: rt.assignment.app,
        assignmentVersion: rt.assignment.version,
        revision: rt.assignment.revision,
        contentDigest: rt.assignment.contentDigest,
      }));
  }

  async takeAssignment(a: Assignment, trace: TraceCarrier = {}): Promise<void> {
    if (a.target !== this.target) {
      throw new GitfleetError(
        ErrorCode.ProtocolViolation,
        `assignment ${a.app} v${a.version} is for target ${a.target}, this agent is ${this.target}`,
        { terminal: true },
      );
    }
    if (this.trust.admit(a) === Intake.Duplicate) return;
    const rt = this.apps.get(a.app);
    if (rt !== undefined && !rt.removed && a.version <= rt.assignment.version) {
      this.logger.debug('duplicate or stale assignment: acked, not applied', {
        app: a.app,
        version: a.version,
        held: rt.assignment.version,
      });
      return;
    }
    const inventory: Inventory | undefined = rt?.inventory;
    // durably take it over first: after the ack, a restarted agent must still have it
    try {
      await this.store.save({ app: a.app, assignment: a, inventory });
    } catch (err) {
      // left unacked (the hub resends it); the hub still learns why the version is not applied
      this.reporter.untaken(a, err);
      throw err;
    }
    this.trust.passedAt(a.app, a.version);
    if (rt === undefined || rt.removed) {
      this.apps.set(a.app, newRuntime(a, inventory, this.kinds));
    } else {
      const before = rt.desiredByKey;
      rt.assignment = a;
      rt.drift.clear();
      setDesired(rt, this.kinds);
      rt.manualSyncRequested = false;
      this.releaseClaims(a.app, before, rt.desiredByKey);
    }
    const taken = this.apps.get(a.app);
    if (taken !== undefined)
      taken.deliveryTrace = trace['traceparent'] === undefined ? undefined : trace;
    this.logger.info('assignment accepted', {
      app: a.app,
      version: a.version,
      revision: a.revision,
      objects: a.objects.length,
    });
    this.scheduler.schedule(a.app);
  }

  async takeRemoval(r: AppRemoval): Promise<void> {
    const intake = this.trust.admit(r);
    if (intake === Intake.Duplicate) return;
    const rt = this.apps.get(r.app);
    if (rt === undefined) {
      // an app never held here: its tombstone still keeps older versions from being replayed
      if (intake === Intake.Take) await this.store.remove(r.app, r);
      this.trust.passedAt(r.app, r.version);
      return;
    }
    if (!rt.removed) {
      if (r.version <= rt.assignment.version) return;
      // from here on the app declares nothing: other apps may take over what it shared
      rt.removed = true;
      stopTimers(rt);
      await rt.running?.catch(() => undefined);
      if (r.deletion === 'delete') await this.pruner.deleteAppObjects(rt);
      this.watches.release(r.app);
      this.releaseClaims(r.app, rt.desiredByKey, new Map());
    }
    // a failure here leaves the message unacked; the resend finishes the removal
    await this.store.remove(r.app, intake === Intake.Take ? r : undefined);
    this.trust.passedAt(r.app, r.version);
    if (this.apps.get(r.app) === rt) this.apps.delete(r.app);
    this.logger.info('app removed', { app: r.app, deletion: r.deletion });
  }

  takeSyncRequest(s: SyncRequest): Promise<void> {
    try {
      this.trust.admitSyncRequest(s);
    } catch (err) {
      return Promise.reject(toGitfleetError(err));
    }
    const rt = this.apps.get(s.app);
    if (rt === undefined || rt.removed || rt.assignment.version !== s.assignmentVersion) {
      return Promise.reject(
        new GitfleetError(
          ErrorCode.NotFound,
          `sync request ${s.requestId}: app ${s.app} is not held at version ${s.assignmentVersion}`,
          { terminal: true },
        ),
      );
    }
    if (this.seenSyncRequests.has(s.requestId)) return Promise.resolve();
    this.seenSyncRequests.add(s.requestId);
    if (this.seenSyncRequests.size > 1_000)
      this.seenSyncRequests.delete(this.seenSyncRequests.values().next().value ?? '');
    rt.manualSyncRequested = true;
    this.scheduler.schedule(s.app);
    return Promise.resolve();
  }

  reportsRequested(apps: readonly string[]): void {
    this.reporter.requested(apps);
  }

  // ------------------------------------------------------------------ introspection (tests, metrics)

  appNames(): string[] {
    return this.apps.names();
  }

  /** Resolves once no sync pass is running or queued for `app`. */
  idle(app: string): Promise<void> {
    return this.scheduler.idle(app);
  }

  /** Builds the current report of an app (also what the hub gets). */
  reportOf(app: string): StatusReport | undefined {
    const rt = this.apps.get(app);
    return rt === undefined ? undefined : this.reporter.build(rt);
  }

  // ------------------------------------------------------------------ wiring

  private scan(app: string): void {
    background(this.logger, app, 'unmanaged scan', this.scanner.scan(app));
  }

  /** Drops `app`'s claims on what it no longer declares; apps that declare them sync again. */
  private releaseClaims(
    app: string,
    before: ReadonlyMap<string, KubeObject>,
    after: ReadonlyMap<string, KubeObject>,
  ): void {
    const others = this.apps.releaseClaims(app, before, after);
    for (const other of others) this.scheduler.schedule(other);
  }
}
