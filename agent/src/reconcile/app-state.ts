/**
 * The reconciler's state: per app, what it declares and what the last pass, the drift checks and
 * the scans found, with its timers; across apps, the claim on each object (the app allowed to
 * write it). The collaborators (sync pass, drift loop, scanner, reporter) read and update it; the
 * decisions over it are the functions of ../core.
 */
import {
  objectRef,
  type Assignment,
  type DriftRecord,
  type ErrorDetail,
  type KubeObject,
  type ObjectRef,
  type TraceCarrier,
  type UnmanagedObject,
} from '@gitfleet/proto';
import { namespacedIn, placeInDestination } from '../core/destination-namespace.ts';
import { inventoryKey, type Inventory } from '../core/inventory.ts';
import { withOwnership } from '../core/labels.ts';
import { currentOwner, decideTake, type TakeDecision } from '../core/ownership.ts';
import type { KindScope } from '../core/scope-check.ts';
import type { ChangeSetEntry } from '../core/sync-state.ts';
import type { Gvk } from '../kube/port.ts';
import { gvkKey, gvkOf } from './watches.ts';

/** A pass that applies a (new) version, or a periodic resync of the same one. */
export type PassMode = 'apply' | 'resync';

export interface AppRuntime {
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
  nextMode: PassMode | undefined;
  /** Mode of the running pass: only 'apply' passes show as Applying. */
  runningMode: PassMode | undefined;
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

/**
 * `kinds`: which kinds are namespaced as far as discovery knows yet (for the destination
 * namespace; the sync pass places the set again once discovery has answered for every kind).
 */
export function newRuntime(
  a: Assignment,
  inventory: Inventory | undefined,
  kinds: KindScope = () => undefined,
): AppRuntime {
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
  setDesired(rt, kinds);
  return rt;
}

/**
 * Derives the desired set (in the destination namespace, with ownership labels) and its kinds
 * from the assignment. `kinds`: which kinds are namespaced (undefined: not known).
 */
export function setDesired(rt: AppRuntime, kinds: KindScope = () => undefined): void {
  const a = rt.assignment;
  const placed = placeInDestination(
    a.objects,
    a.policies.destinationNamespace,
    namespacedIn(a.objects, kinds),
  );
  rt.desired = placed.map((o) => withOwnership(o, a.app));
  rt.desiredByKey = new Map(rt.desired.map((o) => [inventoryKey(objectRef(o)), o]));
  rt.gvks = new Map(rt.desired.map((o) => [gvkKey(gvkOf(o)), gvkOf(o)]));
  // drift of objects that left the desired set is no longer ours to report
  for (const k of rt.drift.keys()) if (!rt.desiredByKey.has(k)) rt.drift.delete(k);
}

export function stopTimers(rt: AppRuntime): void {
  for (const t of rt.driftTimers.values()) clearTimeout(t);
  rt.driftTimers.clear();
  clearTimeout(rt.retryTimer);
  clearTimeout(rt.reportTimer);
}

/** Every app held, and the claims between them. */
export class AppTable {
  /** Set once the agent closes: nothing new is scheduled. */
  closed = false;
  private readonly apps = new Map<string, AppRuntime>();
  /**
   * The app that owns each object (inventory key → app), set before any write of it and kept
   * while that app declares it; see `currentOwner`.
   */
  private readonly claims = new Map<string, string>();

  get(app: string): AppRuntime | undefined {
    return this.apps.get(app);
  }

  set(app: string, rt: AppRuntime): void {
    this.apps.set(app, rt);
  }

  delete(app: string): void {
    this.apps.delete(app);
  }

  names(): string[] {
    return [...this.apps.keys()];
  }

  values(): AppRuntime[] {
    return [...this.apps.values()];
  }

  /** Apps assigned on this target (not being removed) whose desired set holds `key`. */
  declarers(key: string): string[] {
    const out: string[] = [];
    for (const rt of this.apps.values()) {
      if (!rt.removed && rt.desiredByKey.has(key)) out.push(rt.assignment.app);
    }
    return out;
  }

  /** Keys every held app declares (apps being removed included). */
  declaredKeys(): Set<string> {
    const keys = new Set<string>();
    for (const rt of this.apps.values()) for (const k of rt.desiredByKey.keys()) keys.add(k);
    return keys;
  }

  claimOf(key: string): string | undefined {
    return this.claims.get(key);
  }

  claim(key: string, app: string): void {
    this.claims.set(key, app);
  }

  /**
   * May `app` write the object now? Its owner is the claim, else the label of `seen` (the watch
   * cache's copy, else the live object read).
   */
  mayWrite(app: string, key: string, ref: ObjectRef, seen: KubeObject | undefined): TakeDecision {
    return decideTake({
      app,
      ref,
      owner: currentOwner(this.claims.get(key), seen),
      declaredBy: this.declarers(key),
    });
  }

  /**
   * `app` declared `before` and now declares only `after`: drops its claims on the rest. Returns
   * every other app that declares one of those objects (it may take it over now).
   */
  releaseClaims(
    app: string,
    before: ReadonlyMap<string, KubeObject>,
    after: ReadonlyMap<string, KubeObject>,
  ): string[] {
    const released = new Set<string>();
    for (const key of before.keys()) if (!after.has(key)) released.add(key);
    for (const [key, owner] of this.claims) {
      if (owner === app && !after.has(key)) {
        this.claims.delete(key);
        released.add(key);
      }
    }
    if (released.size === 0) return [];
    const keys = [...released];
    return this.values()
      .filter((other) => !other.removed && other.assignment.app !== app)
      .filter((other) => keys.some((k) => other.desiredByKey.has(k)))
      .map((other) => other.assignment.app);
  }
}
