/**
 * One sync pass of an app: its objects placed in its destination namespace; the agent's local
 * policy, discovery, the app's signed project scope and the validation gate over the whole
 * rendered set (nothing is applied if any object is refused or invalid); watches for its kinds;
 * the destination namespace created when the app asks for it; server-side apply in stages (CRDs
 * and Namespaces first, webhooks last), skipping unchanged objects without a request; prune of
 * what left Git; then the inventory persisted in the cluster. An apply of a delivered assignment is a span of
 * the change's trace. The decisions are the functions of ../core.
 */
import {
  ErrorCode,
  SpanKind,
  SpanStatusCode,
  canonicalJson,
  carrierOf,
  formatApiVersion,
  inSpan,
  objectRef,
  toErrorDetail,
  toGitfleetError,
  type Assignment,
  type GitfleetError,
  type KubeObject,
  type Logger,
  type Tracer,
} from '@gitfleet/proto';
import { planApplyStages } from '../core/apply-order.ts';
import {
  appliedBefore,
  applyEntry,
  claimsBeforeWrite,
  conflictEntry,
  decideApply,
  type LiveComparison,
} from '../core/apply-skip.ts';
import { carryOverEntries } from '../core/change-carry.ts';
import { namespaceToCreate } from '../core/destination-namespace.ts';
import { compareDesiredLive } from '../core/drift.ts';
import { assessHealth } from '../core/health.ts';
import { inventoryKey, toInventory } from '../core/inventory.ts';
import { asString, at } from '../core/kube-object.ts';
import { FIELD_MANAGER, LABEL_APP } from '../core/labels.ts';
import { policyDeniedEntries, policyDeniedError } from '../core/local-policy-outcome.ts';
import { labelOwner } from '../core/ownership.ts';
import {
  countAction,
  failedEntry,
  failedPassError,
  invalidSetEntries,
  invalidSetError,
  unreachableError,
} from '../core/pass-outcome.ts';
import { isCrd } from '../core/schema-augment.ts';
import { scopeDeniedEntries, scopeDeniedError } from '../core/scope-check.ts';
import type { ChangeSetEntry } from '../core/sync-state.ts';
import type { ResourceInfo } from '../kube/port.ts';
import type { ClusterAppStore } from '../state/app-store.ts';
import type { AppRuntime, PassMode } from './app-state.ts';
import type { ReconcileContext } from './context.ts';
import { placeDesired, prepareNamespace, type NamespaceStep } from './destination.ts';
import { mapLimit } from '@gitfleet/proto/domain';
import type { Pruner } from './pruner.ts';
import type { SetValidator } from './validator.ts';
import { gvkKey } from './watches.ts';

/** Discovery per kind key (undefined: the kind is not served). */
type Infos = Map<string, ResourceInfo | undefined>;

export interface SyncPassDeps {
  readonly store: ClusterAppStore;
  readonly tracer: Tracer;
  readonly validator: SetValidator;
  readonly pruner: Pruner;
}

export class SyncPass {
  private readonly ctx: ReconcileContext;
  private readonly deps: SyncPassDeps;

  constructor(ctx: ReconcileContext, deps: SyncPassDeps) {
    this.ctx = ctx;
    this.deps = deps;
  }

  /** A pass; an apply of a delivered assignment is a span of the change's trace. */
  async run(rt: AppRuntime, mode: PassMode): Promise<void> {
    const parent = rt.deliveryTrace;
    if (mode !== 'apply' || parent === undefined) return this.runIn(rt, mode);
    rt.deliveryTrace = undefined;
    const a = rt.assignment;
    await inSpan(
      this.deps.tracer,
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
        await this.runIn(rt, mode);
        const entries = [...rt.entries.values()];
        span.setAttribute('gitfleet.created', countAction(entries, 'created'));
        span.setAttribute('gitfleet.configured', countAction(entries, 'configured'));
        span.setAttribute('gitfleet.unchanged', countAction(entries, 'unchanged'));
        if (rt.error !== undefined) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: rt.error.message });
        }
      },
    );
  }

  private async runIn(rt: AppRuntime, mode: PassMode): Promise<void> {
    const { logger, now, triggers } = this.ctx;
    const a = rt.assignment;
    const app = a.app;
    const log = logger.child({ app, version: a.version });
    const manual = a.policies.sync === 'manual' && !rt.manualSyncRequested;
    const t0 = now();
    rt.error = undefined;
    if (mode === 'apply') triggers.report(app);

    // 0. an app with a destination namespace: its namespaced objects without one go into it,
    // as discovery says which kinds are namespaced
    let infos: Infos | undefined;
    if (a.policies.destinationNamespace !== undefined) {
      infos = await this.discover(rt, log);
      if (infos === undefined) return;
      placeDesired(rt, infos);
    }
    // the Namespace the agent would create is judged with the set
    const toCreate = namespaceToCreate(app, a.policies, rt.desired);
    const refs = [...rt.desired, ...(toCreate === undefined ? [] : [toCreate])].map(objectRef);

    // 1. the agent's local policy, discovery, the app's project scope, and the validation gate
    // over the whole set
    const denied = this.deps.validator.policyDenials(rt, toCreate === undefined ? [] : [toCreate]);
    if (denied.size > 0) {
      rt.entries = policyDeniedEntries(refs, denied);
      rt.error = policyDeniedError(denied, refs.length);
      log.warn('refused a set that breaks the local policy', {
        denied: denied.size,
        error: rt.error.message,
      });
      triggers.report(app);
      return;
    }
    const crds = rt.desired.filter(isCrd);
    infos ??= await this.discover(rt, log);
    if (infos === undefined) return;
    const outside = this.deps.validator.scopeDenials(rt, infos);
    if (outside.size > 0 && a.scope !== undefined) {
      rt.entries = scopeDeniedEntries(refs, outside);
      rt.error = scopeDeniedError(a.scope, outside, refs.length);
      log.warn("refused a set outside the app's project", {
        project: a.scope.name,
        refused: outside.size,
        error: rt.error.message,
      });
      triggers.report(app);
      return;
    }
    const invalid = await this.deps.validator.validate(rt, infos, crds);
    if (invalid.size > 0) {
      rt.entries = invalidSetEntries(rt.desired.map(objectRef), invalid);
      rt.error = invalidSetError(invalid, rt.desired.length);
      log.warn('rejected invalid set', { invalid: invalid.size });
      triggers.report(app);
      return;
    }

    // 2. watches for every kind already served (CR kinds follow after their CRDs); a kind the
    // agent may not watch (RBAC) fails the pass with what to grant, and is retried with backoff;
    // then the destination namespace, created first when the app asks for it
    let step: NamespaceStep;
    try {
      await this.watchServed(rt, infos);
      step = await prepareNamespace(this.ctx, rt, manual);
    } catch (err) {
      const e = toGitfleetError(err);
      rt.error = { code: e.code, message: e.message };
      log.warn('could not watch the kinds of the set or prepare its namespace; retrying the pass', {
        error: e.message,
      });
      triggers.retry(rt);
      triggers.report(app);
      return;
    }

    // 3. apply in stages
    const applied = await this.applyStages(rt, infos, mode, manual, step.missing);
    if (applied === undefined) return;
    let transient = applied.transient;
    const entries = applied.entries;
    if (step.entry !== undefined) entries.set(inventoryKey(step.entry.ref), step.entry);

    // 4. prune what left the desired set
    if (!manual) {
      const pruned = await this.deps.pruner.prune(rt);
      for (const e of pruned) entries.set(inventoryKey(e.ref), e);
    }
    // a later pass of the same version keeps what the first one did ('created' stays 'created')
    rt.entries = carryOverEntries(rt.entries, entries, rt.entriesVersion === a.version);
    rt.entriesVersion = a.version;

    // 5. persist the inventory (failed entries stay in it: a failed update never becomes a prune)
    if (!manual && !(await this.persist(rt, a, log))) transient = true;
    if (!manual || rt.manualSyncRequested) rt.syncedVersion = a.version;

    const all = [...rt.entries.values()];
    const failed = countAction(all, 'failed');
    rt.error = failedPassError(all) ?? rt.error;
    // retry transient failures with backoff; a clean pass resets it
    if (transient) triggers.retry(rt);
    else rt.retryAttempt = 0;
    log.info('sync pass', {
      mode,
      ms: now() - t0,
      created: failed === 0 ? countAction(all, 'created') : undefined,
      configured: countAction(all, 'configured'),
      unchanged: countAction(all, 'unchanged'),
      deleted: countAction(all, 'deleted'),
      failed,
    });
    triggers.report(app);
    if (a.policies.unmanaged.mode !== 'ignore') triggers.scan(app);
  }

  /**
   * Discovery of every kind of the set; undefined when the API server could not answer (the
   * pass is retried, the set not judged). A kind not served (NOT_FOUND) maps to undefined: a CRD
   * of the set may define it.
   */
  private async discover(rt: AppRuntime, log: Logger): Promise<Infos | undefined> {
    const { discovery, triggers } = this.ctx;
    const infos: Infos = new Map();
    let unreachable: GitfleetError | undefined;
    await Promise.all(
      [...rt.gvks.values()].map(async (g) => {
        try {
          infos.set(gvkKey(g), await discovery.resolve(g));
        } catch (err) {
          const e = toGitfleetError(err);
          if (e.code === ErrorCode.NotFound) infos.set(gvkKey(g), undefined);
          else unreachable ??= e;
        }
      }),
    );
    if (unreachable === undefined) return infos;
    rt.error = unreachableError(unreachable);
    log.warn('discovery failed; retrying the pass', { error: unreachable.message });
    triggers.retry(rt);
    triggers.report(rt.assignment.app);
    return undefined;
  }

  private async watchServed(rt: AppRuntime, infos: Infos): Promise<void> {
    await this.ctx.watches.ensure(
      rt.assignment.app,
      [...rt.gvks.values()].filter((g) => infos.get(gvkKey(g)) !== undefined),
    );
  }

  /**
   * Applies the set stage by stage; after a stage with CRDs, waits for them and discovers and
   * watches the kinds they define. Undefined when the app was removed or the agent closed.
   */
  private async applyStages(
    rt: AppRuntime,
    infos: Infos,
    mode: PassMode,
    manual: boolean,
    missing: NamespaceStep['missing'],
  ): Promise<{ entries: Map<string, ChangeSetEntry>; transient: boolean } | undefined> {
    const { apps, watches, discovery, settings } = this.ctx;
    const listed = mode === 'resync' ? await this.listLive(rt) : undefined;
    const liveOf = (o: KubeObject): KubeObject | undefined =>
      listed !== undefined ? listed.get(inventoryKey(objectRef(o))) : watches.cachedOf(o);
    const entries = new Map<string, ChangeSetEntry>();
    let transient = false;
    for (const stage of planApplyStages(rt.desired)) {
      if (rt.removed || apps.closed) return undefined;
      const results = await mapLimit(stage, settings.applyConcurrency, async (obj) => {
        // meant for a destination namespace that does not exist: fails, retried with backoff
        if (missing !== undefined && objectRef(obj).namespace === missing.namespace) {
          throw missing.error;
        }
        return this.applyOne(rt, obj, liveOf(obj), manual);
      });
      results.forEach((r, i) => {
        const ref = objectRef(stage[i] as KubeObject);
        if (r.status === 'fulfilled') entries.set(inventoryKey(ref), r.value);
        else {
          const e = toGitfleetError(r.reason);
          // not terminal: the server, RBAC or a namespace being deleted; retried with backoff
          if (!e.terminal) transient = true;
          entries.set(inventoryKey(ref), failedEntry(ref, toErrorDetail(e)));
        }
      });
      const stageCrds = stage.filter(isCrd);
      if (stageCrds.length > 0 && !manual) {
        await this.waitEstablished(stageCrds);
        discovery.invalidate();
        const newKinds = [...rt.gvks.values()].filter((g) => infos.get(gvkKey(g)) === undefined);
        await Promise.all(
          newKinds.map(async (g) =>
            infos.set(gvkKey(g), await discovery.resolve(g).catch(() => undefined)),
          ),
        );
        await this.watchServed(rt, infos);
      }
    }
    return { entries, transient };
  }

  private async applyOne(
    rt: AppRuntime,
    desired: KubeObject,
    live: KubeObject | undefined,
    manual: boolean,
  ): Promise<ChangeSetEntry> {
    const { apps, watches, kube } = this.ctx;
    const ref = objectRef(desired);
    const a = rt.assignment;
    const key = inventoryKey(ref);
    // another assigned app owns it: neither take it over nor compare it (it is not ours)
    const take = apps.mayWrite(a.app, key, ref, watches.cachedOf(desired) ?? live);
    if (take.action === 'refuse') return conflictEntry(ref, take.error);
    // claimed before the write goes out, so a concurrent pass of another app sees the owner
    if (claimsBeforeWrite(manual, take.reason === 'ours')) apps.claim(key, a.app);
    let comparison: LiveComparison | undefined;
    if (live !== undefined) {
      const cmp = compareDesiredLive(desired, live, {
        ignore: a.policies.ignore,
        fieldManager: FIELD_MANAGER,
      });
      // taking over from another app rewrites the label, which the comparison cannot see as
      // drift (it is our field manager's field whichever app wrote it)
      comparison = {
        relabel: labelOwner(live) !== a.app,
        drifted: cmp.drifted,
        undecidable: cmp.undecidable,
      };
    }
    const decision = decideApply({
      live: comparison,
      appliedBefore: appliedBefore(a.version, rt.syncedVersion, rt.inventory?.assignmentVersion),
      manual,
      conflict: a.policies.conflict,
    });
    if (decision.kind !== 'apply') return applyEntry(ref, decision, uidOf(live));
    const applied = await kube.apply(desired, {
      fieldManager: FIELD_MANAGER,
      force: decision.force,
    });
    rt.drift.delete(key);
    return applyEntry(ref, decision, uidOf(applied));
  }

  private async waitEstablished(crds: readonly KubeObject[]): Promise<void> {
    const { kube, now } = this.ctx;
    const deadline = now() + 30_000;
    for (const crd of crds) {
      const ref = objectRef(crd);
      for (;;) {
        const live = await kube.get(ref).catch(() => undefined);
        if (live !== undefined && assessHealth(live).status === 'Healthy') break;
        if (now() > deadline) return; // applying its CRs will fail and say why
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The app's live objects of every watched kind, listed from the server (resync). */
  private async listLive(rt: AppRuntime): Promise<Map<string, KubeObject>> {
    const { kube, watches } = this.ctx;
    const out = new Map<string, KubeObject>();
    await Promise.all(
      [...rt.gvks.values()].map(async (g) => {
        if (!watches.isWatched(g)) return;
        const items = await kube
          .list(g, { labelSelector: `${LABEL_APP}=${rt.assignment.app}` })
          .catch(() => []);
        const apiVersion = formatApiVersion(g);
        for (const o of items)
          out.set(inventoryKey(objectRef({ ...o, apiVersion, kind: g.kind })), o);
      }),
    );
    return out;
  }

  /** Persists a changed inventory of `a` (the pass's assignment); false when the write failed. */
  private async persist(rt: AppRuntime, a: Assignment, log: Logger): Promise<boolean> {
    const inventory = toInventory(
      [...rt.entries.values()],
      { app: a.app, revision: a.revision, assignmentVersion: a.version },
      rt.inventory,
    );
    rt.inventory = inventory;
    const encoded = canonicalJson(inventory);
    try {
      // the assignment itself was persisted when it was taken over: write only a changed inventory
      if (encoded !== rt.savedInventory) {
        await this.deps.store.save({ app: a.app, assignment: a, inventory });
        rt.savedInventory = encoded;
      }
      return true;
    } catch (err) {
      log.warn('could not persist the inventory', { error: toGitfleetError(err).message });
      return false;
    }
  }
}

function uidOf(obj: KubeObject | undefined): string | undefined {
  return asString(at(obj, 'metadata', 'uid'));
}
