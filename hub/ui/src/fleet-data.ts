/**
 * The fleet's lists the pages share besides the live rows — targets (labels, environment),
 * environments (pins) and applications (targetRevision) — loaded once and reused for
 * `MAX_AGE_MS`, then reloaded in the background when a page asks again, and at once when the
 * fleet commit in force changes (labels, pins and sources come from it).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApplicationView, EnvironmentView, TargetView } from '../../src/http/api/fleet.ts';
import { apiGetAll } from './api.ts';
import { onSessionChange } from './session.ts';

export interface FleetLists {
  readonly targets?: readonly TargetView[];
  readonly environments?: readonly EnvironmentView[];
  readonly applications?: readonly ApplicationView[];
  /** Every list has been answered (or failed). */
  readonly settled: boolean;
  readonly error?: unknown;
}

const MAX_AGE_MS = 15_000;

let lists: FleetLists = { settled: false };
let loadedAt = 0;
/** The fleet commit in force the lists were last loaded for. */
let loadedFor: string | undefined;
/** The fleet commit in force the pages saw last. */
let wanted: string | undefined;
let loading: Promise<void> | undefined;
const listeners = new Set<() => void>();

function publish(next: FleetLists): void {
  lists = next;
  for (const l of [...listeners]) l();
}

onSessionChange(() => {
  loadedAt = 0;
  loadedFor = undefined;
  wanted = undefined;
  publish({ settled: false });
});

function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function load(): Promise<void> {
  const [t, e, a] = await Promise.all([
    settle(apiGetAll<TargetView>('/api/v1/targets')),
    settle(apiGetAll<EnvironmentView>('/api/v1/environments')),
    settle(apiGetAll<ApplicationView>('/api/v1/applications')),
  ]);
  loadedAt = Date.now();
  const error = t.error ?? e.error ?? a.error;
  publish({
    targets: t.value ?? lists.targets,
    environments: e.value ?? lists.environments,
    applications: a.value ?? lists.applications,
    settled: true,
    ...(error === undefined ? {} : { error }),
  });
}

function refresh(inForce: string | undefined): void {
  if (inForce !== undefined) {
    wanted = inForce;
    // the first commit seen: the lists loaded by now are of it
    loadedFor ??= inForce;
  }
  const moved = wanted !== loadedFor;
  if (loading !== undefined || (!moved && Date.now() - loadedAt < MAX_AGE_MS)) return;
  const target = wanted;
  loadedFor = target;
  loading = load().finally(() => {
    loading = undefined;
    // the commit moved again while loading
    if (wanted !== target) refresh(undefined);
  });
}

/**
 * Targets, environments and applications: loaded on first use, refreshed when old or when
 * `inForce` (the fleet commit in force, from the live stream) changes. `enabled` false defers
 * the loading (the grid first shows the live snapshot: the hub answers one request at a time
 * sooner than four).
 */
export function useFleetLists(inForce?: string, enabled = true): FleetLists {
  const [v, setV] = useState(lists);
  useEffect(() => {
    const l = (): void => setV(lists);
    listeners.add(l);
    l();
    return () => {
      listeners.delete(l);
    };
  }, []);
  useEffect(() => {
    if (enabled) refresh(inForce);
  }, [inForce, enabled]);
  return v;
}
