/**
 * The agent's reconciler: holds every app assigned to this cluster and keeps the cluster matching
 * it — continuously, with or without the hub.
 *
 * - A sync pass per app validates the whole rendered set first (locally against the server's
 *   OpenAPI schema; a server-side dry-run only for what that cannot decide) and applies nothing if
 *   any object is invalid; then applies in stages (CRDs and Namespaces first, webhooks last) with
 *   server-side apply, skipping unchanged objects without a request; then prunes what left Git;
 *   then persists the inventory in the cluster.
 * - Watches (one informer per kind) feed drift checks: an event on a managed object compares live
 *   with what was applied and corrects, reports or ignores it per policy, backing off from a
 *   controller that keeps fighting.
 * - Ownership between apps (../core/ownership.ts): an object another assigned app owns is not
 *   taken over (OWNERSHIP_CONFLICT), and nothing another assignment declares is ever deleted.
 *   A claim per object, set before each write, keeps the ownership label from flipping.
 * - A periodic resync re-lists every kind and re-runs the pass (no writes when nothing changed);
 *   a periodic scan finds unmanaged objects in the app's namespaces.
 * - Every change is reported (debounced, newest wins) through the hub link's outbox.
 *
 * Decisions are the pure functions of ../core; this class is the orchestration and I/O around them.
 */
import {
  ErrorCode,
  GitfleetError,
  canonicalJson,
  objectRef,
  statusHash,
  toErrorDetail,
  toGitfleetError,
  type AppRemoval,
  type Assignment,
  type DriftRecord,
  type ErrorDetail,
  type Health,
  type HeldApp,
  type JsonObject,
  type KubeObject,
  type Logger,
  type ObjectRef,
  type ObjectResult,
  type StatusReport,
  type SyncRequest,
  type SyncState,
  type TraceCarrier,
  type Tracer,
  type UnmanagedObject,
  SpanKind,
  SpanStatusCode,
  carrierOf,
  inSpan,
  noopTracer,
} from '@gitfleet/proto';
import { planApplyStages, planDeletionOrder } from '../core/apply-order.ts';
import { CorrectionGuard, describeFight } from '../core/correction-guard.ts';
import {
  buildDriftRecord,
  compareDesiredLive,
  compareDryRunLive,
  resolveDriftMode,
} from '../core/drift.ts';
import { assessHealth, missingHealth, worstHealth } from '../core/health.ts';
import { decidePrune, inventoryKey, toInventory, type Inventory } from '../core/inventory.ts';
import { FIELD_MANAGER, LABEL_APP, ownerLabel, withOwnership } from '../core/labels.ts';
import {
  currentOwner,
  decideDelete,
  decideTake,
  labelOwner,
  type TakeDecision,
} from '../core/ownership.ts';
import {
  validateAgainstSchema,
  validateObject,
  type ValidationProblem,
} from '../core/openapi-validate.ts';
import { deriveSyncState, type ChangeSetEntry } from '../core/sync-state.ts';
import { untakenAssignmentReport } from '../core/take-failure.ts';
import { findUnmanaged } from '../core/unmanaged.ts';
import type { Gvk, KubeClient, OpenApiSchema, ResourceInfo, WatchEventType } from '../kube/port.ts';
import type { LinkHandler } from '../link/hub-link.ts';
import type { ClusterAppStore } from '../state/app-store.ts';
import { mapLimit } from './limit.ts';
import { gvkKey, WatchRegistry } from './watches.ts';

export interface AgentOptions {
  readonly target: string;
  readonly applyConcurrency?: number;
  readonly resyncIntervalMs?: number;
  readonly unmanagedScanIntervalMs?: number;
  /** Delay that coalesces bursts of events into one report. */
  readonly reportDebounceMs?: number;
  /** Salt for Secret value fingerprints in drift records. */
  readonly maskSalt?: string;
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

/** Sends a report, continuing the trace of the apply it reports on (empty carrier: none). */
export type Reporter = (report: StatusReport, trace: TraceCarrier) => void;

interface AppRuntime {
  assignment: Assignment;
  desired: KubeObject[];
  desiredByKey: Map<string, KubeObject>;
  gvks: Map<string, Gvk>;
  inventory: Inventory | undefined;
  /** Change set entries of the last pass, by inventory key. */
  entries: Map<string, ChangeSetEntry>;
  drift: Map<string, DriftRecord>;
  unmanaged: UnmanagedObject[];
  error: ErrorDetail | undefined;
  /** Version whose sync pass completed (manual mode: only after a SyncRequest). */
  syncedVersion: number;
  manualSyncRequested: boolean;
  running: Promise<void> | undefined;
  again: boolean;
  /** Objects whose watch events arrived during a pass: drift-checked right after it. */
  pendingDrift: Set<string>;
  /** Mode of the pass to run next when one is requested while a pass runs ('apply' wins). */
  nextMode: 'apply' | 'resync' | undefined;
  /** Mode of the running pass: only 'apply' passes show as Applying. */
  runningMode: 'apply' | 'resync' | undefined;
  /** Drift checks in flight per object, and objects to check again when they finish. */
  checking: Set<string>;
  recheck: Set<string>;
  /** resourceVersion of the live object each last correction was made from (a stale cache
   * showing that same version again must not trigger a second correction). */
  correctedFromRv: Map<string, string>;
  /** Canonical JSON of the last inventory persisted (skip the write when unchanged). */
  savedInventory: string | undefined;
  /** Assignment version the entries were first produced for (keeps 'created' across passes). */
  entriesVersion: number;
  driftTimers: Map<string, NodeJS.Timeout>;
  retryTimer: NodeJS.Timeout | undefined;
  retryAttempt: number;
  reportTimer: NodeJS.Timeout | undefined;
  lastReportHash: string | undefined;
  removed: boolean;
  /** Trace context of the delivery of `assignment`, until its apply pass starts. */
  deliveryTrace: TraceCarrier | undefined;
  /** The apply span's context, carried by reports until one shows the pass finished. */
  reportTrace: TraceCarrier;
}

/** How long a corrected drift stays in reports after it was last seen. */
export const CORRECTED_DRIFT_TTL_MS = 3_600_000;

const GROUP_VERSION = (apiVersion: string): { group: string; version: string } => {
  const i = apiVersion.indexOf('/');
  return i === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
};

function gvkOf(obj: KubeObject): Gvk {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  const { group, version } = GROUP_VERSION(typeof apiVersion === 'string' ? apiVersion : '');
  return { group, version, kind: typeof kind === 'string' ? kind : '' };
}

function describe(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}

function resourceVersionOf(obj: KubeObject | undefined): string | undefined {
  const rv = (obj?.['metadata'] as JsonObject | undefined)?.['resourceVersion'];
  return typeof rv === 'string' ? rv : undefined;
}

function uidOf(obj: KubeObject | undefined): string | undefined {
  const uid = (obj?.['metadata'] as JsonObject | undefined)?.['uid'];
  return typeof uid === 'string' ? uid : undefined;
}

function isCrd(obj: KubeObject): boolean {
  const apiVersion = obj['apiVersion'];
  return (
    obj['kind'] === 'CustomResourceDefinition' &&
    typeof apiVersion === 'string' &&
    apiVersion.startsWith('apiextensions.k8s.io/')
  );
}

/** The openAPIV3Schema a CRD in the same set declares for group/version/kind, if any. */
function crdSchemaFor(crds: readonly KubeObject[], gvk: Gvk): OpenApiSchema | undefined | null {
  for (const crd of crds) {
    const spec = crd['spec'] as
      | {
          group?: string;
          names?: { kind?: string };
          versions?: { name?: string; schema?: { openAPIV3Schema?: OpenApiSchema } }[];
        }
      | undefined;
    if (spec?.group !== gvk.group || spec.names?.kind !== gvk.kind) continue;
    const v = spec.versions?.find((x) => x.name === gvk.version);
    if (v === undefined) return null;
    return v.schema?.openAPIV3Schema;
  }
  return null;
}

export class Agent implements LinkHandler {
  private readonly opts: Required<Omit<AgentOptions, 'maskSalt'>> & {
    maskSalt: string | undefined;
  };
  private readonly kube: KubeClient;
  private readonly store: ClusterAppStore;
  private readonly logger: Logger;
  private readonly now: () => number;
  private reporter: Reporter | undefined;
  private readonly tracer: Tracer;
  private readonly apps = new Map<string, AppRuntime>();
  private readonly watches: WatchRegistry;
  private readonly guard = new CorrectionGuard();
  private readonly resources = new Map<string, ResourceInfo>();
  private readonly seenSyncRequests = new Set<string>();
  /**
   * The app that owns each object (inventory key → app), set before any write of it and kept
   * while that app declares it; see `currentOwner`.
   */
  private readonly claims = new Map<string, string>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(opts: AgentOptions, deps: AgentDeps) {
    this.opts = {
      target: opts.target,
      applyConcurrency: opts.applyConcurrency ?? 32,
      resyncIntervalMs: opts.resyncIntervalMs ?? 300_000,
      unmanagedScanIntervalMs: opts.unmanagedScanIntervalMs ?? 60_000,
      reportDebounceMs: opts.reportDebounceMs ?? 50,
      maskSalt: opts.maskSalt,
    };
    this.kube = deps.kube;
    this.store = deps.store;
    this.logger = deps.logger.child({ component: 'reconciler' });
    this.now = deps.now ?? Date.now;
    this.reporter = deps.report;
    this.tracer = deps.tracer ?? noopTracer;
    this.watches = new WatchRegistry(this.kube, this.logger, (app, type, obj, gvk) =>
      this.onWatchEvent(app, type, obj, gvk),
    );
  }

  setReporter(fn: Reporter): void {
    this.reporter = fn;
  }

  /** Loads persisted assignments and starts reconciling them (no hub needed). */
  async start(): Promise<void> {
    await this.store.ensureNamespace();
    this.opts.maskSalt ??= await this.store.salt();
    const states = await this.store.loadAll((app, err) =>
      this.logger.error('persisted state unreadable: waiting for the hub to resend it', {
        app,
        error: toGitfleetError(err).message,
      }),
    );
    for (const s of states) {
      this.apps.set(s.app, this.newRuntime(s.assignment, s.inventory));
      this.logger.info('resuming persisted assignment', {
        app: s.app,
        version: s.assignment.version,
        revision: s.assignment.revision,
      });
      this.scheduleSync(s.app);
    }
    void this.prewarm();
    this.resyncTimer = setInterval(() => this.resyncAll(), this.opts.resyncIntervalMs);
    this.resyncTimer.unref();
    this.scanTimer = setInterval(() => {
      for (const app of this.apps.keys())
        this.background(app, 'unmanaged scan', this.scanUnmanaged(app));
    }, this.opts.unmanagedScanIntervalMs);
    this.scanTimer.unref();
  }

  /**
   * Fetches discovery and the OpenAPI schemas of the core and apps groups before the first
   * assignment needs them (the v1 schema alone is megabytes of JSON), so a first sync does not
   * pay for it. Failures are harmless: the sync pass fetches on demand.
   */
  private async prewarm(): Promise<void> {
    const kinds: Gvk[] = [
      { group: '', version: 'v1', kind: 'Namespace' },
      { group: '', version: 'v1', kind: 'ConfigMap' },
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ];
    await Promise.allSettled([
      ...kinds.map((g) => this.resolve(g)),
      this.kube.openApiSchema('', 'v1'),
      this.kube.openApiSchema('apps', 'v1'),
    ]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.resyncTimer);
    clearInterval(this.scanTimer);
    for (const rt of this.apps.values()) this.stopTimers(rt);
    // watches first: a pass waiting for a cache that will never warm must not hold shutdown up
    this.watches.stopAll();
    await Promise.all(
      [...this.apps.values()].map((rt) => rt.running?.catch(() => undefined) ?? Promise.resolve()),
    );
  }

  // ------------------------------------------------------------------ LinkHandler

  held(): Omit<HeldApp, 'statusHash'>[] {
    return [...this.apps.values()]
      .filter((rt) => !rt.removed)
      .map((rt) => ({
        app: rt.assignment.app,
        assignmentVersion: rt.assignment.version,
        revision: rt.assignment.revision,
        contentDigest: rt.assignment.contentDigest,
      }));
  }

  async takeAssignment(a: Assignment, trace: TraceCarrier = {}): Promise<void> {
    if (a.target !== this.opts.target) {
      throw new GitfleetError(
        ErrorCode.ProtocolViolation,
        `assignment ${a.app} v${a.version} is for target ${a.target}, this agent is ${this.opts.target}`,
        { terminal: true },
      );
    }
    const rt = this.apps.get(a.app);
    if (rt !== undefined && !rt.removed && a.version <= rt.assignment.version) {
      this.logger.debug('duplicate or stale assignment: acked, not applied', {
        app: a.app,
        version: a.version,
        held: rt.assignment.version,
      });
      return;
    }
    const inventory = rt?.inventory;
    // durably take it over first: after the ack, a restarted agent must still have it
    try {
      await this.store.save({ app: a.app, assignment: a, inventory });
    } catch (err) {
      // left unacked (the hub resends it); the hub still learns why the version is not applied
      this.reportUntaken(a, err);
      throw err;
    }
    if (rt === undefined || rt.removed) {
      this.apps.set(a.app, this.newRuntime(a, inventory));
    } else {
      const before = rt.desiredByKey;
      rt.assignment = a;
      rt.drift.clear();
      this.setDesired(rt);
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
    this.scheduleSync(a.app);
  }

  /**
   * Reports, at the assignment's own version, why it could not be taken over (the decision and
   * its wording are core/take-failure.ts). Sent on every failed attempt — at most once per resend
   * of the hub — so a report of the previous version queued meanwhile never hides it for long.
   */
  private reportUntaken(a: Assignment, err: unknown): void {
    const e = toGitfleetError(err);
    const content = untakenAssignmentReport(
      {
        target: a.target,
        app: a.app,
        version: a.version,
        revision: a.revision,
        contentDigest: a.contentDigest,
        stateSecret: this.store.secretOf(a.app),
        server: this.kube.server,
      },
      e,
    );
    if (content === undefined) return;
    this.logger.warn('could not take an assignment over; reported to the hub', {
      app: a.app,
      version: a.version,
      code: e.code,
      error: e.message,
    });
    try {
      const report = { ...content, statusHash: statusHash(content), observedAtUnixMs: this.now() };
      this.reporter?.(report, {});
    } catch (reportErr) {
      this.logger.error('could not report', {
        app: a.app,
        error: toGitfleetError(reportErr).message,
      });
    }
  }

  async takeRemoval(r: AppRemoval): Promise<void> {
    const rt = this.apps.get(r.app);
    if (rt === undefined) return;
    if (!rt.removed) {
      if (r.version <= rt.assignment.version) return;
      // from here on the app declares nothing: other apps may take over what it shared
      rt.removed = true;
      this.stopTimers(rt);
      await rt.running?.catch(() => undefined);
      if (r.deletion === 'delete') await this.deleteAppObjects(rt);
      this.watches.release(r.app);
      this.releaseClaims(r.app, rt.desiredByKey, new Map());
    }
    // a failure here leaves the message unacked; the resend finishes the removal
    await this.store.remove(r.app);
    if (this.apps.get(r.app) === rt) this.apps.delete(r.app);
    this.logger.info('app removed', { app: r.app, deletion: r.deletion });
  }

  takeSyncRequest(s: SyncRequest): Promise<void> {
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
    this.scheduleSync(s.app);
    return Promise.resolve();
  }

  reportsRequested(apps: readonly string[]): void {
    for (const app of apps) {
      const rt = this.apps.get(app);
      if (rt === undefined) continue;
      rt.lastReportHash = undefined;
      this.scheduleReport(app);
    }
  }

  // ------------------------------------------------------------------ introspection (tests, metrics)

  appNames(): string[] {
    return [...this.apps.keys()];
  }

  /** Resolves once no sync pass is running or queued for `app`. */
  async idle(app: string): Promise<void> {
    for (;;) {
      const rt = this.apps.get(app);
      if (rt?.running === undefined) return;
      await rt.running.catch(() => undefined);
    }
  }

  /** Builds the current report of an app (also what the hub gets). */
  reportOf(app: string): StatusReport | undefined {
    const rt = this.apps.get(app);
    return rt === undefined ? undefined : this.buildReport(rt);
  }

  // ------------------------------------------------------------------ runtime bookkeeping

  private newRuntime(a: Assignment, inventory: Inventory | undefined): AppRuntime {
    const rt: AppRuntime = {
      assignment: a,
      desired: [],
      desiredByKey: new Map(),
      gvks: new Map(),
      inventory,
      entries: new Map(),
      drift: new Map(),
      unmanaged: [],
      error: undefined,
      syncedVersion: 0,
      manualSyncRequested: false,
      running: undefined,
      again: false,
      pendingDrift: new Set(),
      nextMode: undefined,
      runningMode: undefined,
      checking: new Set(),
      recheck: new Set(),
      correctedFromRv: new Map(),
      savedInventory: undefined,
      entriesVersion: 0,
      driftTimers: new Map(),
      retryTimer: undefined,
      retryAttempt: 0,
      reportTimer: undefined,
      lastReportHash: undefined,
      removed: false,
      deliveryTrace: undefined,
      reportTrace: {},
    };
    this.setDesired(rt);
    return rt;
  }

  private setDesired(rt: AppRuntime): void {
    const app = rt.assignment.app;
    rt.desired = rt.assignment.objects.map((o) => withOwnership(o, app));
    rt.desiredByKey = new Map(rt.desired.map((o) => [inventoryKey(objectRef(o)), o]));
    rt.gvks = new Map(rt.desired.map((o) => [gvkKey(gvkOf(o)), gvkOf(o)]));
    // drift of objects that left the desired set is no longer ours to report
    for (const k of rt.drift.keys()) if (!rt.desiredByKey.has(k)) rt.drift.delete(k);
  }

  /** Runs `work` in the background: a failure is logged (JSON), never left to float. */
  private background(app: string, what: string, work: Promise<void>): void {
    work.catch((err: unknown) =>
      this.logger.error(`${what} failed`, { app, error: toGitfleetError(err).message }),
    );
  }

  // ------------------------------------------------------------------ ownership between apps

  /** Apps assigned on this target (not being removed) whose desired set holds `key`. */
  private declarers(key: string): string[] {
    const out: string[] = [];
    for (const rt of this.apps.values()) {
      if (!rt.removed && rt.desiredByKey.has(key)) out.push(rt.assignment.app);
    }
    return out;
  }

  /**
   * May `rt`'s app write the object now? The owner is its claim, else the label of the object in
   * the watch cache (every managed object of a watched kind), else of `live`.
   */
  private mayWrite(
    rt: AppRuntime,
    key: string,
    desired: KubeObject,
    live?: KubeObject,
  ): TakeDecision {
    const ref = objectRef(desired);
    const cached = this.watches.get(gvkOf(desired), ref.namespace, ref.name);
    return decideTake({
      app: rt.assignment.app,
      ref,
      owner: currentOwner(this.claims.get(key), cached ?? live),
      declaredBy: this.declarers(key),
    });
  }

  /**
   * `app` declared `before` and now declares only `after`: drops its claims on the rest, and has
   * every other app that declares one of those objects sync again (it may take it over now).
   */
  private releaseClaims(
    app: string,
    before: ReadonlyMap<string, KubeObject>,
    after: ReadonlyMap<string, KubeObject>,
  ): void {
    const released = new Set<string>();
    for (const key of before.keys()) if (!after.has(key)) released.add(key);
    for (const [key, owner] of this.claims) {
      if (owner === app && !after.has(key)) {
        this.claims.delete(key);
        released.add(key);
      }
    }
    if (released.size === 0) return;
    const keys = [...released];
    for (const other of this.apps.values()) {
      if (other.removed || other.assignment.app === app) continue;
      if (keys.some((k) => other.desiredByKey.has(k))) this.scheduleSync(other.assignment.app);
    }
  }

  private stopTimers(rt: AppRuntime): void {
    for (const t of rt.driftTimers.values()) clearTimeout(t);
    rt.driftTimers.clear();
    clearTimeout(rt.retryTimer);
    clearTimeout(rt.reportTimer);
  }

  /** Queues a sync pass; passes of one app never overlap, bursts coalesce into one more pass. */
  private scheduleSync(app: string, mode: 'apply' | 'resync' = 'apply'): void {
    const rt = this.apps.get(app);
    if (rt === undefined || rt.removed || this.closed) return;
    if (rt.running !== undefined) {
      rt.again = true;
      rt.nextMode = rt.nextMode === 'apply' || mode === 'apply' ? 'apply' : 'resync';
      return;
    }
    const run = async (): Promise<void> => {
      let current = mode;
      try {
        do {
          rt.again = false;
          rt.nextMode = undefined;
          rt.runningMode = current;
          await this.syncPass(rt, current);
          current = rt.nextMode ?? 'apply';
        } while (rt.again && !rt.removed && !this.closed);
      } finally {
        rt.running = undefined;
        rt.runningMode = undefined;
      }
      // events that arrived during the pass did not schedule reports: report now
      this.scheduleReport(app);
      const pending = [...rt.pendingDrift];
      rt.pendingDrift.clear();
      for (const key of pending)
        this.background(app, 'drift check', this.checkDrift(rt, key, false));
    };
    rt.running = run();
    rt.running.catch((err: unknown) =>
      this.logger.error('sync pass crashed', { app, error: toGitfleetError(err).message }),
    );
  }

  private resyncAll(): void {
    for (const app of this.apps.keys()) this.scheduleSync(app, 'resync');
  }

  // ------------------------------------------------------------------ the sync pass

  /** A pass; an apply of a delivered assignment is a span of the change's trace. */
  private async syncPass(rt: AppRuntime, mode: 'apply' | 'resync'): Promise<void> {
    const parent = rt.deliveryTrace;
    if (mode !== 'apply' || parent === undefined) return this.syncPassIn(rt, mode);
    rt.deliveryTrace = undefined;
    const a = rt.assignment;
    await inSpan(
      this.tracer,
      'gitfleet.apply',
      {
        parent,
        kind: SpanKind.CONSUMER,
        attributes: {
          'gitfleet.target': a.target,
          'gitfleet.app': a.app,
          'gitfleet.version': a.version,
          'gitfleet.revision': a.revision,
          'gitfleet.objects': a.objects.length,
        },
      },
      async (span) => {
        rt.reportTrace = carrierOf(span);
        await this.syncPassIn(rt, mode);
        span.setAttribute('gitfleet.created', count(rt.entries, 'created'));
        span.setAttribute('gitfleet.configured', count(rt.entries, 'configured'));
        span.setAttribute('gitfleet.unchanged', count(rt.entries, 'unchanged'));
        if (rt.error !== undefined) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: rt.error.message });
        }
      },
    );
  }

  private async syncPassIn(rt: AppRuntime, mode: 'apply' | 'resync'): Promise<void> {
    const a = rt.assignment;
    const app = a.app;
    const log = this.logger.child({ app, version: a.version });
    const manual = a.policies.sync === 'manual' && !rt.manualSyncRequested;
    const t0 = this.now();
    rt.error = undefined;
    if (mode === 'apply') this.scheduleReport(app);

    // 1. discovery, and the validation gate over the whole set
    const crds = rt.desired.filter(isCrd);
    const infos = new Map<string, ResourceInfo | undefined>();
    let unreachable: GitfleetError | undefined;
    await Promise.all(
      [...rt.gvks.values()].map(async (g) => {
        try {
          infos.set(gvkKey(g), await this.resolve(g));
        } catch (err) {
          const e = toGitfleetError(err);
          // NOT_FOUND: the kind is not served (a CRD in the set may define it); anything else
          // means the apiserver could not answer: retry the pass, do not judge the set
          if (e.code === ErrorCode.NotFound) infos.set(gvkKey(g), undefined);
          else unreachable ??= e;
        }
      }),
    );
    if (unreachable !== undefined) {
      rt.error = {
        code: unreachable.code,
        message: `cluster API unavailable: ${unreachable.message}`,
      };
      log.warn('discovery failed; retrying the pass', { error: unreachable.message });
      this.scheduleRetry(rt);
      this.scheduleReport(app);
      return;
    }
    const invalid = await this.validate(rt, infos, crds);
    if (invalid.size > 0) {
      rt.entries = new Map(
        rt.desired.map((o) => {
          const ref = objectRef(o);
          const problem = invalid.get(inventoryKey(ref));
          return [
            inventoryKey(ref),
            problem === undefined
              ? {
                  ref,
                  action: 'skipped',
                  message: 'not applied: another object of the set is invalid',
                  outOfSync: true,
                }
              : { ref, action: 'failed', error: problem },
          ] as const;
        }),
      );
      rt.error = {
        code: ErrorCode.ManifestInvalid,
        message:
          `${invalid.size} of ${rt.desired.length} objects are invalid; nothing was applied: ${[...invalid.values()].map((e) => e.message).join('; ')}`.slice(
            0,
            4_000,
          ),
      };
      log.warn('rejected invalid set', { invalid: invalid.size });
      this.scheduleReport(app);
      return;
    }

    // 2. watches for every kind already served (CR kinds follow after their CRDs); a kind the
    // agent may not watch (RBAC) fails the pass with what to grant, and is retried with backoff
    try {
      await this.watches.ensure(
        app,
        [...rt.gvks.values()].filter((g) => infos.get(gvkKey(g)) !== undefined),
      );
    } catch (err) {
      const e = toGitfleetError(err);
      rt.error = { code: e.code, message: e.message };
      log.warn('could not watch the kinds of the set; retrying the pass', { error: e.message });
      this.scheduleRetry(rt);
      this.scheduleReport(app);
      return;
    }
    const listed = mode === 'resync' ? await this.listLive(rt) : undefined;
    const liveOf = (o: KubeObject): KubeObject | undefined => {
      const ref = objectRef(o);
      const g = gvkOf(o);
      return listed !== undefined
        ? listed.get(inventoryKey(ref))
        : this.watches.get(g, ref.namespace, ref.name);
    };

    // 3. apply in stages
    const entries = new Map<string, ChangeSetEntry>();
    let transient = false;
    for (const stage of planApplyStages(rt.desired)) {
      if (rt.removed || this.closed) return;
      const results = await mapLimit(stage, this.opts.applyConcurrency, async (obj) =>
        this.applyOne(rt, obj, liveOf(obj), manual),
      );
      results.forEach((r, i) => {
        const obj = stage[i] as KubeObject;
        const ref = objectRef(obj);
        if (r.status === 'fulfilled') entries.set(inventoryKey(ref), r.value);
        else {
          const e = toGitfleetError(r.reason);
          // not terminal: the server, RBAC or a namespace being deleted; retried with backoff
          if (!e.terminal) transient = true;
          entries.set(inventoryKey(ref), {
            ref,
            action: 'failed',
            error: toErrorDetail(e),
            outOfSync: true,
          });
        }
      });
      const stageCrds = stage.filter(isCrd);
      if (stageCrds.length > 0 && !manual) {
        await this.waitEstablished(stageCrds);
        this.kube.invalidateDiscovery();
        this.resources.clear();
        const newKinds = [...rt.gvks.values()].filter((g) => infos.get(gvkKey(g)) === undefined);
        await Promise.all(
          newKinds.map(async (g) =>
            infos.set(gvkKey(g), await this.resolve(g).catch(() => undefined)),
          ),
        );
        await this.watches.ensure(
          app,
          [...rt.gvks.values()].filter((g) => infos.get(gvkKey(g)) !== undefined),
        );
      }
    }

    // 4. prune what left the desired set
    if (!manual) {
      const pruned = await this.prune(rt);
      for (const e of pruned) entries.set(inventoryKey(e.ref), e);
    }
    // a later pass of the same version keeps what the first one did ('created' stays 'created')
    if (rt.entriesVersion === a.version) {
      for (const [key, e] of entries) {
        const before = rt.entries.get(key);
        if (
          e.action === 'unchanged' &&
          (before?.action === 'created' || before?.action === 'configured')
        ) {
          entries.set(key, {
            ...before,
            ...(e.uid === undefined ? {} : { uid: e.uid }),
            outOfSync: false,
          });
        }
      }
    }
    rt.entries = entries;
    rt.entriesVersion = a.version;

    // 5. persist the inventory (failed entries stay in it: a failed update never becomes a prune)
    if (!manual) {
      const inventory = toInventory(
        [...entries.values()],
        { app, revision: a.revision, assignmentVersion: a.version },
        rt.inventory,
      );
      rt.inventory = inventory;
      const encoded = canonicalJson(inventory);
      try {
        // the assignment itself was persisted when it was taken over: write only a changed inventory
        if (encoded !== rt.savedInventory) {
          await this.store.save({ app, assignment: a, inventory });
          rt.savedInventory = encoded;
        }
      } catch (err) {
        transient = true;
        log.warn('could not persist the inventory', { error: toGitfleetError(err).message });
      }
    }
    if (!manual || rt.manualSyncRequested) rt.syncedVersion = a.version;

    const failed = [...entries.values()].filter((e) => e.action === 'failed');
    if (failed.length > 0) {
      rt.error = {
        code: failed[0]?.error?.code ?? ErrorCode.ApplyFailed,
        message:
          `${failed.length} object(s) failed: ${failed.map((e) => `${describe(e.ref)}: ${e.error?.message ?? ''}`).join('; ')}`.slice(
            0,
            4_000,
          ),
      };
    }
    // retry transient failures with backoff; a clean pass resets it
    if (transient) this.scheduleRetry(rt);
    else rt.retryAttempt = 0;
    log.info('sync pass', {
      mode,
      ms: this.now() - t0,
      created: failed.length === 0 ? count(entries, 'created') : undefined,
      configured: count(entries, 'configured'),
      unchanged: count(entries, 'unchanged'),
      deleted: count(entries, 'deleted'),
      failed: failed.length,
    });
    this.scheduleReport(app);
    if (a.policies.unmanaged.mode !== 'ignore')
      this.background(app, 'unmanaged scan', this.scanUnmanaged(app));
  }

  private async resolve(g: Gvk): Promise<ResourceInfo> {
    const k = gvkKey(g);
    const hit = this.resources.get(k);
    if (hit !== undefined) return hit;
    const info = await this.kube.resolve(g);
    this.resources.set(k, info);
    return info;
  }

  /** Problems per object (inventory key); empty when the whole set may be applied. */
  private async validate(
    rt: AppRuntime,
    infos: Map<string, ResourceInfo | undefined>,
    crds: readonly KubeObject[],
  ): Promise<Map<string, ErrorDetail>> {
    const problems = new Map<string, ErrorDetail>();
    const undecided: KubeObject[] = [];
    const fmt = (ref: ObjectRef, ps: readonly ValidationProblem[]): ErrorDetail => ({
      code: ErrorCode.ManifestInvalid,
      message: `${describe(ref)}: ${ps
        .slice(0, 5)
        .map((p) => `${p.path === '' ? '/' : p.path}: ${p.message}`)
        .join('; ')}`,
    });
    await Promise.all(
      rt.desired.map(async (obj) => {
        const ref = objectRef(obj);
        const g = gvkOf(obj);
        const info = infos.get(gvkKey(g));
        if (info === undefined) {
          const schema = crdSchemaFor(crds, g);
          if (schema === null) {
            problems.set(inventoryKey(ref), {
              code: ErrorCode.ManifestInvalid,
              message: `${describe(ref)}: the cluster does not serve ${g.group === '' ? g.version : `${g.group}/${g.version}`} ${g.kind} and no CustomResourceDefinition in this application defines it`,
            });
          } else if (schema !== undefined) {
            // the server adds apiVersion, kind and metadata to every CRD schema implicitly
            const full: OpenApiSchema = {
              ...schema,
              properties: {
                ...schema.properties,
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            };
            const ps = validateAgainstSchema(obj, full, {});
            if (ps.length > 0) problems.set(inventoryKey(ref), fmt(ref, ps));
          }
          return;
        }
        if (info.namespaced && ref.namespace === '') {
          problems.set(inventoryKey(ref), {
            code: ErrorCode.ManifestInvalid,
            message: `${describe(ref)}: ${g.kind} is namespaced: set metadata.namespace (or a namespace overlay for the target)`,
          });
          return;
        }
        const doc = await this.kube.openApiSchema(g.group, g.version).catch(() => undefined);
        const result = validateObject(obj, doc);
        if (!result.decided) undecided.push(obj);
        else if (result.problems.length > 0)
          problems.set(inventoryKey(ref), fmt(ref, result.problems));
      }),
    );
    // what the schema could not decide goes to a server-side dry run (when its namespace exists)
    const namespacesInSet = new Set(
      rt.desired.filter((o) => o['kind'] === 'Namespace').map((o) => objectRef(o).name),
    );
    const dryRunnable = undecided.filter((o) => {
      const ns = objectRef(o).namespace;
      return (
        ns === '' ||
        !namespacesInSet.has(ns) ||
        this.watches.get({ group: '', version: 'v1', kind: 'Namespace' }, '', ns) !== undefined
      );
    });
    const results = await mapLimit(dryRunnable, this.opts.applyConcurrency, (o) =>
      this.kube.apply(o, { fieldManager: FIELD_MANAGER, force: true, dryRun: true }),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const e = toGitfleetError(r.reason);
        if (e.code === ErrorCode.ApplyFailed) {
          const ref = objectRef(dryRunnable[i] as KubeObject);
          problems.set(inventoryKey(ref), { code: ErrorCode.ManifestInvalid, message: e.message });
        }
      }
    });
    return problems;
  }

  private async applyOne(
    rt: AppRuntime,
    desired: KubeObject,
    live: KubeObject | undefined,
    manual: boolean,
  ): Promise<ChangeSetEntry> {
    const ref = objectRef(desired);
    const a = rt.assignment;
    const key = inventoryKey(ref);
    // another assigned app owns it: neither take it over nor compare it (it is not ours)
    const take = this.mayWrite(rt, key, desired, live);
    if (take.action === 'refuse') return conflictEntry(ref, take.error);
    // claimed before the write goes out, so a concurrent pass of another app sees the owner
    if (!manual || take.reason === 'ours') this.claims.set(key, a.app);
    if (live !== undefined) {
      const cmp = compareDesiredLive(desired, live, {
        ignore: a.policies.ignore,
        fieldManager: FIELD_MANAGER,
      });
      const appliedBefore =
        rt.syncedVersion === a.version || rt.inventory?.assignmentVersion === a.version;
      // taking over from another app rewrites the label, which the comparison cannot see as
      // drift (it is our field manager's field whichever app wrote it)
      const relabel = labelOwner(live) !== a.app;
      // same version already applied and nothing differs: no request at all
      if (!relabel && !cmp.drifted && (!cmp.undecidable || appliedBefore)) {
        return { ref, action: 'unchanged', uid: uidOf(live) };
      }
    }
    if (manual) {
      return {
        ref,
        action: 'skipped',
        message: live === undefined ? 'missing; manual sync' : 'differs from Git; manual sync',
        outOfSync: true,
      };
    }
    const applied = await this.kube.apply(desired, {
      fieldManager: FIELD_MANAGER,
      force: a.policies.conflict === 'force',
    });
    rt.drift.delete(inventoryKey(ref));
    return { ref, action: live === undefined ? 'created' : 'configured', uid: uidOf(applied) };
  }

  private async waitEstablished(crds: readonly KubeObject[]): Promise<void> {
    const deadline = this.now() + 30_000;
    for (const crd of crds) {
      const ref = objectRef(crd);
      for (;;) {
        const live = await this.kube.get(ref).catch(() => undefined);
        if (live !== undefined && assessHealth(live).status === 'Healthy') break;
        if (this.now() > deadline) return; // applying its CRs will fail and say why
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async listLive(rt: AppRuntime): Promise<Map<string, KubeObject>> {
    const out = new Map<string, KubeObject>();
    await Promise.all(
      [...rt.gvks.values()].map(async (g) => {
        if (!this.watches.isWatched(g)) return;
        const items = await this.kube
          .list(g, { labelSelector: `${LABEL_APP}=${rt.assignment.app}` })
          .catch(() => []);
        for (const o of items)
          out.set(
            inventoryKey({
              ...objectRef({
                ...o,
                apiVersion: g.group === '' ? g.version : `${g.group}/${g.version}`,
                kind: g.kind,
              }),
            }),
            o,
          );
      }),
    );
    return out;
  }

  private async prune(rt: AppRuntime): Promise<ChangeSetEntry[]> {
    const a = rt.assignment;
    const desiredRefs = rt.desired.map(objectRef);
    const desiredKeys = new Set(desiredRefs.map(inventoryKey));
    const candidates = (rt.inventory?.entries ?? []).filter(
      (e) => !desiredKeys.has(inventoryKey(e.ref)),
    );
    if (candidates.length === 0) return [];
    const live = new Map<string, KubeObject | undefined>();
    await Promise.all(
      candidates.map(async (c) =>
        live.set(inventoryKey(c.ref), await this.kube.get(c.ref).catch(() => undefined)),
      ),
    );
    const decisions = decidePrune({
      previous: rt.inventory,
      desired: desiredRefs,
      policy: a.policies.prune,
      live,
      ownerLabel: ownerLabel(a.app),
      declaredBy: new Map(
        candidates.map((c) => [inventoryKey(c.ref), this.declarers(inventoryKey(c.ref))] as const),
      ),
    });
    const out: ChangeSetEntry[] = [];
    const toDelete = decisions.filter((d) => d.action === 'prune');
    for (const d of decisions) {
      if (d.action === 'skip') {
        out.push({
          ref: d.ref,
          action: 'skipped',
          message: d.message,
          outOfSync: !d.dropFromInventory,
          dropFromInventory: d.dropFromInventory,
        });
      }
    }
    if (decisions.some((d) => d.reason === 'empty-desired')) {
      rt.error = {
        code: ErrorCode.ManifestInvalid,
        message:
          decisions.find((d) => d.reason === 'empty-desired')?.message ?? 'empty desired set',
      };
    }
    // delete in reverse apply order (webhooks first, namespaces and CRDs last)
    const byKey = new Map(toDelete.map((d) => [inventoryKey(d.ref), d]));
    const objs = toDelete
      .map((d) => live.get(inventoryKey(d.ref)))
      .filter((o): o is KubeObject => o !== undefined);
    for (const stage of planDeletionOrder(objs)) {
      const results = await mapLimit(stage, this.opts.applyConcurrency, (o) =>
        this.kube.delete(objectRef(o)),
      );
      results.forEach((r, i) => {
        const ref =
          byKey.get(inventoryKey(objectRef(stage[i] as KubeObject)))?.ref ??
          objectRef(stage[i] as KubeObject);
        out.push(
          r.status === 'fulfilled'
            ? { ref, action: 'deleted', message: 'pruned: no longer in Git' }
            : { ref, action: 'failed', error: toErrorDetail(r.reason), outOfSync: true },
        );
      });
    }
    return out;
  }

  /**
   * Deletes the objects of a removed app (`rt.removed` is set, so it declares nothing any more):
   * only those labelled for it and declared by no other assignment on the target.
   */
  private async deleteAppObjects(rt: AppRuntime): Promise<void> {
    const app = rt.assignment.app;
    const refs = rt.inventory?.entries.map((e) => e.ref) ?? rt.desired.map(objectRef);
    const live: KubeObject[] = [];
    await Promise.all(
      refs.map(async (ref) => {
        const o = await this.kube.get(ref).catch(() => undefined);
        const d = decideDelete({
          app,
          ref,
          live: o,
          declaredBy: this.declarers(inventoryKey(ref)),
        });
        if (d.action === 'delete' && o !== undefined) live.push(o);
        else if (d.reason === 'declared-elsewhere')
          this.logger.info('kept on app removal', { app, object: describe(ref), why: d.message });
      }),
    );
    for (const stage of planDeletionOrder(live)) {
      const results = await mapLimit(stage, this.opts.applyConcurrency, (o) =>
        this.kube.delete(objectRef(o)),
      );
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          this.logger.warn('could not delete an object of a removed app', {
            app,
            object: describe(objectRef(stage[i] as KubeObject)),
            error: toGitfleetError(r.reason).message,
          });
        }
      });
    }
  }

  private scheduleRetry(rt: AppRuntime): void {
    clearTimeout(rt.retryTimer);
    const delay = Math.min(300_000, 2_000 * 2 ** rt.retryAttempt++);
    rt.retryTimer = setTimeout(() => this.scheduleSync(rt.assignment.app), delay);
    rt.retryTimer.unref();
  }

  // ------------------------------------------------------------------ drift

  /**
   * An event on a managed object goes to the app its label names and, when another app holds the
   * claim on it (someone relabelled it by hand), to that app too: the owner sees every change,
   * including a deletion, whoever made it.
   */
  private onWatchEvent(labelled: string, type: WatchEventType, obj: KubeObject, g: Gvk): void {
    const ref = objectRef({
      ...obj,
      apiVersion: g.group === '' ? g.version : `${g.group}/${g.version}`,
      kind: g.kind,
    });
    const key = inventoryKey(ref);
    this.onAppEvent(labelled, key, type);
    const claimant = this.claims.get(key);
    if (claimant !== undefined && claimant !== labelled) this.onAppEvent(claimant, key, type);
  }

  private onAppEvent(app: string, key: string, type: WatchEventType): void {
    const rt = this.apps.get(app);
    if (rt === undefined || rt.removed) return;
    if (!rt.desiredByKey.has(key)) return;
    // health may have changed with any event (status updates come in bursts: report after the
    // last one). During a pass its own applies cause these events and the end of the pass reports.
    if (rt.running === undefined) this.scheduleReport(app);
    if (rt.driftTimers.has(key)) return;
    // coalesce bursts of events for one object; DELETED is checked against the server
    const t = setTimeout(() => {
      rt.driftTimers.delete(key);
      this.background(app, 'drift check', this.checkDrift(rt, key, type === 'DELETED'));
    }, 5);
    rt.driftTimers.set(key, t);
  }

  private async checkDrift(rt: AppRuntime, key: string, confirmWithServer: boolean): Promise<void> {
    // one check per object at a time; events during a check re-check once after it
    if (rt.checking.has(key)) {
      rt.recheck.add(key);
      return;
    }
    rt.checking.add(key);
    try {
      await this.checkDriftOnce(rt, key, confirmWithServer);
    } finally {
      rt.checking.delete(key);
    }
    if (rt.recheck.delete(key)) await this.checkDrift(rt, key, false);
  }

  private async checkDriftOnce(
    rt: AppRuntime,
    key: string,
    confirmWithServer: boolean,
  ): Promise<void> {
    const desired = rt.desiredByKey.get(key);
    if (desired === undefined || rt.removed || this.closed) return;
    if (rt.running !== undefined) {
      // a pass is running: look again right after it
      rt.pendingDrift.add(key);
      return;
    }
    const a = rt.assignment;
    if (rt.syncedVersion !== a.version) return; // not applied yet (manual mode or first pass pending)
    const ref = objectRef(desired);
    const g = gvkOf(desired);
    let live = this.watches.get(g, ref.namespace, ref.name);
    if (live === undefined || confirmWithServer) live = await this.kube.get(ref).catch(() => live);
    // an object another app owns is that app's to correct; this app keeps reporting the conflict
    const take = this.mayWrite(rt, key, desired, live);
    if (take.action === 'refuse') {
      rt.drift.delete(key);
      if (rt.entries.get(key)?.error?.code !== ErrorCode.OwnershipConflict) {
        rt.entries.set(key, conflictEntry(ref, take.error));
        this.scheduleReport(a.app);
      }
      return;
    }
    // the cache may still show the very object the last correction was made from
    const liveRv = resourceVersionOf(live);
    if (liveRv !== undefined && rt.correctedFromRv.get(key) === liveRv) return;
    const manual = a.policies.sync === 'manual';
    let mode = resolveDriftMode(ref, desired, a.policies.drift);
    if (manual && mode === 'correct') mode = 'warn';
    if (mode === 'ignore') {
      rt.drift.delete(key);
      return;
    }
    let changes;
    if (live === undefined) {
      changes = [{ path: '', desired: `${ref.kind} ${ref.name}` }];
    } else {
      let cmp = compareDesiredLive(desired, live, {
        ignore: a.policies.ignore,
        fieldManager: FIELD_MANAGER,
      });
      if (cmp.undecidable && !cmp.drifted) {
        const dry = await this.kube
          .apply(desired, { fieldManager: FIELD_MANAGER, force: true, dryRun: true })
          .catch(() => undefined);
        if (dry !== undefined) cmp = compareDryRunLive(dry, live, { ignore: a.policies.ignore });
      }
      if (!cmp.drifted) {
        // a reported drift that went away is resolved; a corrected one stays on record (until the
        // next version or CORRECTED_DRIFT_TTL_MS) so the fleet's drift report shows what happened
        if (rt.drift.get(key)?.action !== 'corrected' && rt.drift.delete(key))
          this.scheduleReport(a.app);
        const entry = rt.entries.get(key);
        if (entry?.outOfSync === true && entry.action !== 'failed')
          rt.entries.set(key, { ...entry, outOfSync: false, action: 'unchanged' });
        return;
      }
      changes = cmp.changes;
    }
    const now = this.now();
    const previous = rt.drift.get(key);
    const recordAs = (action: DriftRecord['action']): DriftRecord =>
      buildDriftRecord({
        ref,
        changes,
        live,
        ourManager: FIELD_MANAGER,
        previous,
        nowMs: now,
        action,
        desired,
        maskSalt: this.opts.maskSalt,
      });
    if (mode === 'warn') {
      rt.drift.set(key, recordAs('reported'));
      rt.entries.set(key, {
        ref,
        action: 'skipped',
        message: 'drift reported, not corrected (warn)',
        outOfSync: true,
      });
      this.scheduleReport(a.app);
      return;
    }
    // correct, unless another controller keeps fighting us: then back off and say so
    const next = this.guard.nextCorrectionAt(key, now);
    if (next > now) {
      const fight = this.guard.fightingWith(key, now);
      rt.drift.set(key, recordAs('reported'));
      rt.entries.set(key, {
        ref,
        action: 'skipped',
        message: fight === undefined ? 'correction backing off' : describeFight(fight),
        outOfSync: true,
      });
      if (!rt.driftTimers.has(key)) {
        const t = setTimeout(() => {
          rt.driftTimers.delete(key);
          this.background(a.app, 'drift check', this.checkDrift(rt, key, false));
        }, next - now);
        t.unref();
        rt.driftTimers.set(key, t);
      }
      this.scheduleReport(a.app);
      return;
    }
    const record = recordAs('corrected');
    try {
      this.claims.set(key, a.app);
      // self-heal takes the fields back even from another manager (that is what correct means)
      const applied = await this.kube.apply(desired, { fieldManager: FIELD_MANAGER, force: true });
      if (liveRv !== undefined) rt.correctedFromRv.set(key, liveRv);
      this.guard.recordCorrection(key, now, record.fieldManager);
      rt.drift.set(key, record);
      rt.entries.set(key, {
        ref,
        action: live === undefined ? 'created' : 'configured',
        uid: uidOf(applied),
        message: 'drift corrected',
      });
      this.logger.info('drift corrected', {
        app: a.app,
        object: describe(ref),
        by: record.fieldManager,
        fields: changes.map((c) => c.path),
      });
      // a re-created Namespace or CRD came back empty: the app's objects in it need a pass
      if (live === undefined && (isCrd(desired) || (ref.kind === 'Namespace' && ref.group === '')))
        this.scheduleSync(a.app);
    } catch (err) {
      rt.drift.set(key, { ...record, action: 'reported' });
      rt.entries.set(key, { ref, action: 'failed', error: toErrorDetail(err), outOfSync: true });
      this.scheduleRetry(rt);
    }
    this.scheduleReport(a.app);
  }

  // ------------------------------------------------------------------ unmanaged objects

  private async scanUnmanaged(app: string): Promise<void> {
    const rt = this.apps.get(app);
    if (rt === undefined || rt.removed || rt.running !== undefined) return;
    const policy = rt.assignment.policies.unmanaged;
    if (policy.mode === 'ignore') {
      if (rt.unmanaged.length > 0) {
        rt.unmanaged = [];
        this.scheduleReport(app);
      }
      return;
    }
    const namespaces = new Set<string>();
    for (const o of rt.desired) {
      const ref = objectRef(o);
      if (ref.kind === 'Namespace' && ref.group === '') namespaces.add(ref.name);
      else if (ref.namespace !== '') namespaces.add(ref.namespace);
    }
    const kinds = [...rt.gvks.values()].filter(
      (g) => this.resources.get(gvkKey(g))?.namespaced === true,
    );
    const liveObjects: KubeObject[] = [];
    try {
      await Promise.all(
        kinds.flatMap((g) =>
          [...namespaces].map(async (ns) => {
            const items = await this.kube.list(g, { namespace: ns });
            const apiVersion = g.group === '' ? g.version : `${g.group}/${g.version}`;
            for (const o of items) liveObjects.push({ ...o, apiVersion, kind: g.kind });
          }),
        ),
      );
    } catch (err) {
      this.logger.warn('unmanaged scan failed', { app, error: toGitfleetError(err).message });
      return;
    }
    const desiredKeys = new Set<string>();
    for (const other of this.apps.values())
      for (const k of other.desiredByKey.keys()) desiredKeys.add(k);
    const found = findUnmanaged({
      app,
      ownedNamespaces: namespaces,
      desiredKeys,
      liveObjects,
      policy,
    });
    const out: UnmanagedObject[] = [];
    for (const u of found) {
      if (u.action === 'pruned') {
        try {
          await this.kube.delete(u.ref);
          out.push(u);
        } catch (err) {
          out.push({ ...u, action: 'prune-failed', message: toGitfleetError(err).message });
        }
      } else out.push(u);
    }
    rt.unmanaged = out;
    this.scheduleReport(app);
  }

  // ------------------------------------------------------------------ reporting

  private scheduleReport(app: string): void {
    const rt = this.apps.get(app);
    if (rt === undefined || rt.reportTimer !== undefined || this.closed) return;
    rt.reportTimer = setTimeout(() => {
      rt.reportTimer = undefined;
      if (rt.removed) return;
      try {
        const report = this.buildReport(rt);
        if (report.statusHash === rt.lastReportHash) return;
        rt.lastReportHash = report.statusHash;
        this.reporter?.(report, rt.reportTrace);
        // the report that shows the apply finished closes its trace; later ones start none
        if (report.syncState !== 'Applying') rt.reportTrace = {};
      } catch (err) {
        // a report that cannot be built or queued must not take the reconciler down
        this.logger.error('could not report', { app, error: toGitfleetError(err).message });
      }
    }, this.opts.reportDebounceMs);
    rt.reportTimer.unref();
  }

  private buildReport(rt: AppRuntime): StatusReport {
    const a = rt.assignment;
    const now = this.now();
    for (const [k, d] of rt.drift) {
      if (d.action === 'corrected' && now - d.lastSeenUnixMs > CORRECTED_DRIFT_TTL_MS)
        rt.drift.delete(k);
    }
    const objects: ObjectResult[] = [];
    const healths: Health[] = [];
    for (const [key, obj] of rt.desiredByKey) {
      const ref = objectRef(obj);
      const live = this.watches.get(gvkOf(obj), ref.namespace, ref.name);
      const entry = rt.entries.get(key);
      // an object another app owns is out of this app's hands, whatever its own health
      const health: Health =
        entry?.error?.code === ErrorCode.OwnershipConflict
          ? { status: 'Degraded', message: entry.error.message }
          : live === undefined
            ? missingHealth(ref)
            : assessHealth(live);
      healths.push(health);
      objects.push({
        ref,
        action: entry?.action ?? 'skipped',
        health,
        message: entry?.message ?? (entry === undefined ? 'not applied yet' : ''),
        ...(entry?.error === undefined ? {} : { error: entry.error }),
      });
    }
    for (const [key, entry] of rt.entries) {
      if (rt.desiredByKey.has(key)) continue;
      objects.push({
        ref: entry.ref,
        action: entry.action,
        health: { status: 'Healthy', message: '' },
        message: entry.message ?? '',
        ...(entry.error === undefined ? {} : { error: entry.error }),
      });
    }
    let syncState: SyncState;
    if (rt.runningMode === 'apply') syncState = 'Applying';
    else if (rt.error !== undefined) syncState = 'Failed';
    else if (rt.syncedVersion !== a.version && a.policies.sync === 'automated')
      syncState = 'Applying';
    else {
      syncState = deriveSyncState([...rt.entries.values()]);
      if (syncState === 'Synced' && [...rt.drift.values()].some((d) => d.action === 'reported'))
        syncState = 'OutOfSync';
      if (syncState === 'Synced' && rt.entries.size < rt.desiredByKey.size) syncState = 'OutOfSync';
    }
    const content = {
      kind: 'statusReport' as const,
      target: a.target,
      app: a.app,
      assignmentVersion: a.version,
      revision: a.revision,
      contentDigest: a.contentDigest,
      syncState,
      health: worstHealth(healths),
      objects,
      drift: [...rt.drift.values()],
      unmanaged: rt.unmanaged,
      ...(rt.error === undefined ? {} : { error: rt.error }),
    };
    return { ...content, statusHash: statusHash(content), observedAtUnixMs: now };
  }
}

/**
 * The entry of an object another app owns: failed with OWNERSHIP_CONFLICT, and not in this app's
 * inventory (it never applied it, so it must never prune or delete it).
 */
function conflictEntry(ref: ObjectRef, error: ErrorDetail): ChangeSetEntry {
  return { ref, action: 'failed', error, outOfSync: true, dropFromInventory: true };
}

function count(entries: Map<string, ChangeSetEntry>, action: ChangeSetEntry['action']): number {
  let n = 0;
  for (const e of entries.values()) if (e.action === action) n++;
  return n;
}
