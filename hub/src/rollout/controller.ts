/**
 * The rollout controller: the I/O around the pure rollout step (core/rollout). For every
 * application with a `rollout` strategy it keeps one RolloutState in Redis and, on a short
 * interval (and right after each resolver pass), feeds the step what the fleet says (placed
 * targets, labels, environments' sync windows), what the agents report (revision, sync, health,
 * connection) and what people commanded (pause, resume, abort, rollback, approve). It publishes
 * the states a step left in ./rollout-revisions.ts, where the resolver reads which revision each
 * target runs (the step's `revisionFor`) — so targets not yet moved keep the last revision that
 * was healthy everywhere it ran.
 *
 * Only targets that follow the application's own revision take part; a target or environment
 * pin is a person's explicit decision and applies at once. The first revision ever seen for an
 * application is its baseline (no rollout); every later change of it is rolled out.
 *
 * Several replicas: one holds a lease and steps; all read the states (their resolvers need them).
 */
import {
  ErrorCode,
  GitfleetError,
  toGitfleetError,
  type Logger,
  type StatusReport,
} from '@gitfleet/proto';
import {
  environmentOf,
  findApplication,
  placementOf,
  resolveRevisionRef,
  type ApplicationSpec,
  type FleetSpec,
  type RolloutStrategy,
} from '../core/fleet/index.ts';
import {
  isTerminal,
  planPreview,
  startRollout,
  step,
  windowsState,
  type ObservedStatus,
  type PlanPreview,
  type RolloutCommand,
  type RolloutState,
  type RolloutTarget,
  type StepResult,
} from '../core/rollout/index.ts';
import type { HubStore } from '../store/port.ts';
import type { RolloutRevisions } from './rollout-revisions.ts';
import type { RolloutStore } from './rollout-store.ts';

export interface RolloutControllerOptions {
  readonly replica: string;
  /** How often active rollouts are stepped. */
  readonly intervalMs: number;
  /** A target silent this long is Stale. */
  readonly staleAfterMs: number;
}

export interface RolloutControllerDeps {
  readonly store: RolloutStore;
  readonly hub: HubStore;
  /** Where the fleet definition in force is read (the resolver's). */
  readonly inForce: { readonly fleet: FleetSpec | undefined };
  /** Where this controller publishes the states and reads what Git asks for each app. */
  readonly revisions: RolloutRevisions;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** What the HTTP API shows of one application's rollout. */
export interface RolloutView {
  readonly app: string;
  readonly state: RolloutState;
  readonly explanation: StepResult['explanation'];
}

export class RolloutController {
  private readonly opts: RolloutControllerOptions;
  private readonly deps: RolloutControllerDeps;
  private readonly logger: Logger;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(opts: RolloutControllerOptions, deps: RolloutControllerDeps) {
    this.opts = opts;
    this.deps = deps;
    this.logger = deps.logger.child({ component: 'rollouts' });
    this.now = deps.now ?? Date.now;
    // a resolver pass ended: step now with what it saw
    deps.revisions.onPassed(() => void this.tick());
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    await this.deps.store.resign(this.opts.replica).catch(() => undefined);
  }

  // ------------------------------------------------------------------ people's commands

  async command(app: string, cmd: RolloutCommand): Promise<void> {
    const spec = this.deps.inForce.fleet;
    if (spec === undefined || findApplication(spec, app)?.rollout === undefined) {
      throw new GitfleetError(
        ErrorCode.NotFound,
        `application "${app}" has no rollout strategy in the fleet (spec.rollout)`,
        { details: { app } },
      );
    }
    if ((await this.deps.store.load(app)) === undefined) {
      throw new GitfleetError(ErrorCode.NotFound, `application "${app}" has no rollout yet`, {
        details: { app },
      });
    }
    await this.deps.store.command(app, cmd);
    void this.tick();
  }

  // ------------------------------------------------------------------ views (any replica)

  async view(app: string): Promise<RolloutView | undefined> {
    const spec = this.deps.inForce.fleet;
    const strategy = spec === undefined ? undefined : findApplication(spec, app)?.rollout;
    const state = await this.deps.store.load(app);
    if (spec === undefined || strategy === undefined || state === undefined) return undefined;
    // a dry step explains the state as it stands now (nothing is written)
    // the dry step's state, so that state and explanation always agree
    const r = step(await this.stepInput(spec, app, strategy, state, []));
    return { app, state: r.state, explanation: r.explanation };
  }

  async list(): Promise<RolloutView[]> {
    const out: RolloutView[] = [];
    for (const app of (await this.deps.store.loadAll()).keys()) {
      const v = await this.view(app);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** Which target would be in which wave and why, before (or during) a rollout. */
  async plan(app: string): Promise<PlanPreview | undefined> {
    const spec = this.deps.inForce.fleet;
    const strategy = spec === undefined ? undefined : findApplication(spec, app)?.rollout;
    if (spec === undefined || strategy === undefined) return undefined;
    const { targets, statuses } = await this.observe(spec, app);
    return planPreview(strategy, targets, statuses, { nowMs: this.now() });
  }

  // ------------------------------------------------------------------ stepping

  /** Steps every rollout now (coalesced: a call while one runs schedules exactly one more). */
  tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.ticking !== undefined) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      try {
        do {
          this.again = false;
          await this.tickOnce();
        } while (this.again && !this.closed);
      } catch (err) {
        this.logger.warn('rollout step failed', { error: toGitfleetError(err).message });
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    const spec = this.deps.inForce.fleet;
    if (spec === undefined) return;
    if (!(await this.deps.store.lead(this.opts.replica, Math.max(5_000, 5 * this.opts.intervalMs))))
      return;
    const stored = await this.deps.store.loadAll();
    const moved: { app: string; target: string }[] = [];
    for (const app of spec.applications) {
      if (app.rollout === undefined) {
        if (stored.has(app.name)) await this.deps.store.remove(app.name);
        continue;
      }
      const wanted = this.deps.revisions.wantedOf(app.name);
      if (wanted === undefined) continue;
      const prev = stored.get(app.name);
      if (prev === undefined) {
        // the first revision seen is the baseline: nothing to roll out from
        const baseline: RolloutState = {
          ...startRollout(app.name, wanted, wanted, this.now()),
          phase: 'Completed',
          wave: app.rollout.waves.length,
        };
        await this.deps.store.save(undefined, baseline);
        continue;
      }
      const commands = await this.deps.store.takeCommands(app.name);
      // a finished rollout of the revision still wanted has nothing to decide: no reads
      if (isTerminal(prev.phase) && wanted === prev.toRevision && commands.length === 0) continue;
      const r = step(
        await this.stepInput(
          spec,
          app.name,
          app.rollout,
          await this.caughtUp(spec, app, prev, wanted),
          commands,
          wanted,
        ),
      );
      if (JSON.stringify(r.state) !== JSON.stringify(prev)) {
        if (!(await this.deps.store.save(prev, r.state))) {
          this.logger.warn('rollout state changed under this step; it runs again', {
            app: app.name,
          });
          this.again = true;
          continue;
        }
        if (r.state.phase !== prev.phase || r.state.toRevision !== prev.toRevision) {
          this.logger.info('rollout', {
            app: app.name,
            phase: r.state.phase,
            from: r.state.fromRevision,
            to: r.state.toRevision,
            summary: r.explanation.summary,
          });
        }
      }
      for (const a of r.actions) {
        moved.push({ app: app.name, target: a.target });
        this.logger.info('rollout moves a target', {
          app: app.name,
          target: a.target,
          revision: a.revision,
          reason: a.reason,
        });
      }
    }
    if (moved.length > 0) this.deps.revisions.publish(await this.deps.store.loadAll(), moved);
  }

  /**
   * The state a new revision supersedes. A running rollout whose last wave turned healthy since
   * its last step is complete already (the API's view, a dry step, says so): stepped once here,
   * the new revision rolls out from it rather than from the revision before, and the history
   * says it completed instead of that it was superseded. A rollout still under way is taken as
   * it is: nothing of its next step (a move to its own revision) happens.
   */
  private async caughtUp(
    spec: FleetSpec,
    app: ApplicationSpec,
    prev: RolloutState,
    wanted: string,
  ): Promise<RolloutState> {
    if (isTerminal(prev.phase) || wanted === prev.toRevision || app.rollout === undefined) {
      return prev;
    }
    const dry = step(await this.stepInput(spec, app.name, app.rollout, prev, []));
    return dry.state.phase === 'Completed' ? dry.state : prev;
  }

  private async stepInput(
    spec: FleetSpec,
    app: string,
    strategy: RolloutStrategy,
    state: RolloutState,
    commands: readonly RolloutCommand[],
    desiredRevision?: string,
  ): Promise<Parameters<typeof step>[0]> {
    const { targets, statuses } = await this.observe(spec, app);
    return {
      strategy,
      targets,
      statuses,
      state,
      nowMs: this.now(),
      commands,
      ...(desiredRevision === undefined ? {} : { desiredRevision }),
    };
  }

  /** The app's targets that follow its own revision, with connection, windows and reports. */
  private async observe(
    spec: FleetSpec,
    app: string,
  ): Promise<{ targets: RolloutTarget[]; statuses: Record<string, ObservedStatus> }> {
    const now = this.now();
    const targets: RolloutTarget[] = [];
    const byName = new Map(spec.targets.map((t) => [t.name, t]));
    const names = placementOf(spec, app).filter(
      (name) => byName.has(name) && resolveRevisionRef(spec, app, name).source === 'application',
    );
    // all connections at once (one round trip's worth of commands, not one per target)
    const conns = await Promise.all(
      names.map((name) => this.deps.hub.connection(name, now, this.opts.staleAfterMs)),
    );
    const windows = new Map<string, ReturnType<typeof windowsState>>();
    names.forEach((name, i) => {
      const env = environmentOf(spec, name);
      const key = env?.name ?? '';
      let w = windows.get(key);
      if (w === undefined) windows.set(key, (w = windowsState(env?.syncWindows ?? [], now)));
      targets.push({
        name,
        labels: byName.get(name)?.labels ?? {},
        connection: conns[i]?.state ?? 'Disconnected',
        syncWindow: w,
      });
    });
    const statuses: Record<string, ObservedStatus> = {};
    const wantedTargets = new Set(targets.map((t) => t.name));
    for (const r of await this.deps.hub.listReports({ app })) {
      if (!wantedTargets.has(r.target)) continue;
      statuses[r.target] = observed(r);
    }
    return { targets, statuses };
  }
}

function observed(r: StatusReport): ObservedStatus {
  return {
    revision: r.revision,
    sync: r.syncState,
    health: r.health.status,
    sinceMs: r.observedAtUnixMs,
  };
}
