/**
 * The drift loop: watch events on managed objects become drift checks. A check compares the live
 * object with what was applied and, per the app's policy, leaves it, reports it or corrects it —
 * backing off from a controller that keeps fighting a correction. Events are coalesced per object,
 * checks of one object never overlap, and checks during a pass wait for its end. The decision
 * tree is ../core/drift-decision.ts.
 */
import {
  describeObject,
  formatApiVersion,
  objectRef,
  toErrorDetail,
  type DriftRecord,
  type FieldChange,
  type IgnoreRule,
  type KubeObject,
} from '@gitfleet/proto';
import { CorrectionGuard, describeFight } from '../core/correction-guard.ts';
import { conflictEntry } from '../core/apply-skip.ts';
import {
  backoffEntry,
  conflictIsNew,
  correctedEntry,
  correctionFailedEntry,
  decideDrift,
  dropsResolvedDrift,
  entryBackInSync,
  gateDrift,
  needsPassAfterCorrection,
  reportedDriftEntry,
  startDriftCheck,
} from '../core/drift-decision.ts';
import {
  buildDriftRecord,
  compareDesiredLive,
  compareDryRunLive,
  resolveDriftMode,
} from '../core/drift.ts';
import { inventoryKey } from '../core/inventory.ts';
import { asString, at } from '../core/kube-object.ts';
import { FIELD_MANAGER } from '../core/labels.ts';
import type { Gvk, WatchEventType } from '../kube/port.ts';
import type { AppRuntime } from './app-state.ts';
import { background, type ReconcileContext } from './context.ts';

/** A correction to make: of `desired`, from `live` (read at `liveRv`), recorded as `record`. */
interface Correction {
  readonly desired: KubeObject;
  readonly live: KubeObject | undefined;
  readonly liveRv: string | undefined;
  readonly changes: readonly FieldChange[];
  readonly record: DriftRecord;
  readonly now: number;
}

export class DriftLoop {
  private readonly ctx: ReconcileContext;
  private readonly guard = new CorrectionGuard();

  constructor(ctx: ReconcileContext) {
    this.ctx = ctx;
  }

  /**
   * An event on a managed object goes to the app its label names and, when another app holds the
   * claim on it (someone relabelled it by hand), to that app too: the owner sees every change,
   * including a deletion, whoever made it.
   */
  onWatchEvent(labelled: string, type: WatchEventType, obj: KubeObject, g: Gvk): void {
    const ref = objectRef({ ...obj, apiVersion: formatApiVersion(g), kind: g.kind });
    const key = inventoryKey(ref);
    this.onAppEvent(labelled, key, type);
    const claimant = this.ctx.apps.claimOf(key);
    if (claimant !== undefined && claimant !== labelled) this.onAppEvent(claimant, key, type);
  }

  /** Checks one object of `rt` in the background (events during a pass, after it). */
  checkLater(rt: AppRuntime, key: string): void {
    background(this.ctx.logger, rt.assignment.app, 'drift check', this.check(rt, key, false));
  }

  private onAppEvent(app: string, key: string, type: WatchEventType): void {
    const rt = this.ctx.apps.get(app);
    if (rt === undefined || rt.removed) return;
    if (!rt.desiredByKey.has(key)) return;
    // health may have changed with any event (status updates come in bursts: report after the
    // last one). During a pass its own applies cause these events and the end of the pass reports.
    if (rt.running === undefined) this.ctx.triggers.report(app);
    if (rt.driftTimers.has(key)) return;
    // coalesce bursts of events for one object; DELETED is checked against the server
    const t = setTimeout(() => {
      rt.driftTimers.delete(key);
      background(this.ctx.logger, app, 'drift check', this.check(rt, key, type === 'DELETED'));
    }, 5);
    rt.driftTimers.set(key, t);
  }

  private async check(rt: AppRuntime, key: string, confirmWithServer: boolean): Promise<void> {
    // one check per object at a time; events during a check re-check once after it
    if (rt.checking.has(key)) {
      rt.recheck.add(key);
      return;
    }
    rt.checking.add(key);
    try {
      await this.checkOnce(rt, key, confirmWithServer);
    } finally {
      rt.checking.delete(key);
    }
    if (rt.recheck.delete(key)) await this.check(rt, key, false);
  }

  private async checkOnce(rt: AppRuntime, key: string, confirmWithServer: boolean): Promise<void> {
    const { apps, kube, watches, triggers } = this.ctx;
    const desired = rt.desiredByKey.get(key);
    const a = rt.assignment;
    const start = startDriftCheck({
      declared: desired !== undefined,
      removed: rt.removed,
      closed: apps.closed,
      passRunning: rt.running !== undefined,
      applied: rt.syncedVersion === a.version,
    });
    if (start === 'defer') rt.pendingDrift.add(key); // a pass is running: look again right after it
    if (start !== 'check' || desired === undefined) return;
    const ref = objectRef(desired);
    let live = watches.cachedOf(desired);
    if (live === undefined || confirmWithServer) live = await kube.get(ref).catch(() => live);
    const liveRv = asString(at(live, 'metadata', 'resourceVersion'));
    const gate = gateDrift({
      take: apps.mayWrite(a.app, key, ref, watches.cachedOf(desired) ?? live),
      liveResourceVersion: liveRv,
      correctedFromResourceVersion: rt.correctedFromRv.get(key),
      mode: resolveDriftMode(ref, desired, a.policies.drift),
      manualSync: a.policies.sync === 'manual',
    });
    switch (gate.kind) {
      case 'conflict':
        // an object another app owns is that app's to correct; this app reports the conflict
        rt.drift.delete(key);
        if (conflictIsNew(rt.entries.get(key))) {
          rt.entries.set(key, conflictEntry(ref, gate.error));
          triggers.report(a.app);
        }
        return;
      case 'stale':
        return;
      case 'ignore':
        rt.drift.delete(key);
        return;
      case 'compare':
        break;
    }
    const { drifted, changes } = await this.compare(desired, live, a.policies.ignore);
    const now = this.ctx.now();
    const decision = decideDrift({
      mode: gate.mode,
      drifted,
      nowMs: now,
      nextCorrectionAtMs: this.guard.nextCorrectionAt(key, now),
    });
    if (decision.kind === 'in-sync') {
      if (dropsResolvedDrift(rt.drift.get(key))) {
        rt.drift.delete(key);
        triggers.report(a.app);
      }
      const entry = entryBackInSync(rt.entries.get(key));
      if (entry !== undefined) rt.entries.set(key, entry);
      return;
    }
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
        maskSalt: this.ctx.settings.maskSalt,
      });
    if (decision.kind === 'report') {
      rt.drift.set(key, recordAs('reported'));
      rt.entries.set(key, reportedDriftEntry(ref));
    } else if (decision.kind === 'backoff') {
      // another controller keeps fighting the corrections: back off and say so
      const fight = this.guard.fightingWith(key, now);
      rt.drift.set(key, recordAs('reported'));
      rt.entries.set(key, backoffEntry(ref, fight && describeFight(fight)));
      if (!rt.driftTimers.has(key)) {
        const t = setTimeout(() => {
          rt.driftTimers.delete(key);
          background(this.ctx.logger, a.app, 'drift check', this.check(rt, key, false));
        }, decision.retryInMs);
        t.unref();
        rt.driftTimers.set(key, t);
      }
    } else {
      await this.correct(rt, key, {
        desired,
        live,
        liveRv,
        changes,
        now,
        record: recordAs('corrected'),
      });
    }
    triggers.report(a.app);
  }

  /**
   * Whether live drifted from `desired`, and how: a missing object differs as a whole; what the
   * local comparison cannot decide, a server-side dry run of the apply decides.
   */
  private async compare(
    desired: KubeObject,
    live: KubeObject | undefined,
    ignore: readonly IgnoreRule[],
  ): Promise<{ drifted: boolean; changes: readonly FieldChange[] }> {
    const ref = objectRef(desired);
    if (live === undefined)
      return { drifted: true, changes: [{ path: '', desired: `${ref.kind} ${ref.name}` }] };
    let cmp = compareDesiredLive(desired, live, { ignore, fieldManager: FIELD_MANAGER });
    if (cmp.undecidable && !cmp.drifted) {
      const dry = await this.ctx.kube
        .apply(desired, { fieldManager: FIELD_MANAGER, force: true, dryRun: true })
        .catch(() => undefined);
      if (dry !== undefined) cmp = compareDryRunLive(dry, live, { ignore });
    }
    return { drifted: cmp.drifted, changes: cmp.changes };
  }

  /** Self-heal: takes the fields back even from another manager (that is what correct means). */
  private async correct(rt: AppRuntime, key: string, c: Correction): Promise<void> {
    const { apps, kube, logger, triggers } = this.ctx;
    const { desired, live, liveRv, changes, record, now } = c;
    const app = rt.assignment.app;
    const ref = objectRef(desired);
    try {
      apps.claim(key, app);
      const applied = await kube.apply(desired, { fieldManager: FIELD_MANAGER, force: true });
      if (liveRv !== undefined) rt.correctedFromRv.set(key, liveRv);
      this.guard.recordCorrection(key, now, record.fieldManager);
      rt.drift.set(key, record);
      rt.entries.set(
        key,
        correctedEntry(ref, live === undefined, asString(at(applied, 'metadata', 'uid'))),
      );
      logger.info('drift corrected', {
        app,
        object: describeObject(ref),
        by: record.fieldManager,
        fields: changes.map((c) => c.path),
      });
      if (needsPassAfterCorrection(desired, ref, live === undefined)) triggers.sync(app);
    } catch (err) {
      rt.drift.set(key, { ...record, action: 'reported' });
      rt.entries.set(key, correctionFailedEntry(ref, toErrorDetail(err)));
      triggers.retry(rt);
    }
  }
}
