/**
 * The fault fleet: the real test fleet (Redis, N real clusters, Git over HTTP) with the real
 * binaries (`gitfleet-hub`, one `gitfleet-agent` per cluster), and a fault point on every link:
 *
 *   hub ──HTTP── git-fault-proxy ── Git server
 *   agent ──gRPC── tcp-proxy ── hub            (one proxy per target: partitions)
 *   agent ──HTTPS── tcp-proxy ── kube-apiserver (one proxy per target: hung / slow apiserver)
 *
 * plus, on request, the hub's Git cache on its own small tmpfs (full / read-only) and the hub's
 * wall clock under libfaketime (a control file moves it). Every proxy starts in `pass` mode.
 * The clusters' own records (witness.ts) are kept from the start, and `mark` / `check` turn them
 * into the invariant report of one scenario (invariants.ts). `stop` ends everything it started,
 * also after a failed start.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { GitServer } from '../fleet/git-server.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { writeSigningKey, type SigningKeyFiles } from '../fleet/signing.ts';
import { waitFor } from '../fleet/wait.ts';
import {
  fetchStatus,
  logRecords,
  startHubProcess,
  type HubProcess,
  type LogRecord,
  type StatusRow,
} from '../sim/sim-fleet.ts';
import { appFiles, expectedObjects, targetFile, type FaultApp } from './fleet-model.ts';
import { startGitFaultProxy, type GitFaultProxy } from './git-fault-proxy.ts';
import { checkInvariants, type InvariantReport, type ObjectHistory } from './invariants.ts';
import { fill, mountTmpfs, remount, unfill, unmount } from './small-fs.ts';
import { PASS, startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { ConfigMapWatch, configMapApplies } from './witness.ts';
import {
  LIBFAKETIME,
  type CheckOptions,
  type FaultFleetOptions,
  type Mark,
} from './harness-types.ts';

export { LIBFAKETIME } from './harness-types.ts';
export type { CheckOptions, FaultFleetOptions, Mark } from './harness-types.ts';

const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
export class FaultFleet {
  readonly targets: readonly string[];
  readonly log: (msg: string) => void;
  readonly revisions: string[] = [];
  readonly injected = new Set<string>();
  hub!: HubProcess;
  api = '';
  dir = '';
  cacheDir = '';
  fleet: TestFleet | undefined;
  gitProxy: GitFaultProxy | undefined;
  readonly hubProxies = new Map<string, TcpProxy>();
  readonly apiProxies = new Map<string, TcpProxy>();
  readonly agents = new Map<string, ManagedProcess>();
  readonly witnesses = new Map<string, ConfigMapWatch>();
  private readonly opts: FaultFleetOptions;
  private readonly clusterOf = new Map<string, KubeCluster>();
  private readonly apps = new Map<string, FaultApp>();
  private readonly appCommit = new Map<string, string>();
  /** Applies counted by apiserver processes that have since been restarted. */
  private readonly appliesCarried = new Map<string, number>();
  private readonly procs: ManagedProcess[] = [];
  private hubStarts = 0;
  private agentStarts = 0;
  private ports = { grpc: 0, http: 0 };
  private repoUrl = '';
  private tmpfsMounted = false;
  private clockFile = '';
  /** The hub's API tokens; the operate one is named fault-suite (the rollout history says so). */
  private apiTokens: ApiTokens | undefined;
  private pki: TestPki | undefined;
  private signing: SigningKeyFiles | undefined;

  private constructor(opts: FaultFleetOptions) {
    this.opts = opts;
    this.targets = opts.targets;
    this.log = opts.log ?? ((m) => console.info(`[faults] ${m}`));
  }

  /** Starts everything, with an application `base` (one object) on every target, converged. */
  static async start(opts: FaultFleetOptions): Promise<FaultFleet> {
    const f = new FaultFleet(opts);
    try {
      await f.boot();
      return f;
    } catch (err) {
      await f.stop().catch(() => undefined);
      throw err;
    }
  }

  private async boot(): Promise<void> {
    const t0 = Date.now();
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-faults-'));
    this.fleet = await startFleet({ clusterNames: [...this.targets] });
    const { git, kube } = this.fleet;
    if (git === undefined || kube === undefined || this.fleet.redis === undefined)
      throw new Error('fleet incomplete');
    for (const [i, t] of this.targets.entries()) {
      const c = kube.clusters[i];
      if (c === undefined) throw new Error(`no cluster for ${t}`);
      this.clusterOf.set(t, c);
    }
    this.log(`${this.targets.length} cluster(s), Redis and Git up in ${Date.now() - t0} ms`);
    await git.createRepo('fleet');
    this.gitProxy = await startGitFaultProxy(git.port);
    this.repoUrl = this.gitProxy.repoUrl('fleet');
    await git.commit('fleet', {
      files: { 'fleet/targets.yaml': targetFile(this.targets) },
      message: 'targets',
    });

    this.cacheDir = path.join(this.dir, 'hub-cache');
    await mkdir(this.cacheDir);
    if (this.opts.cacheTmpfsBytes !== undefined) {
      await mountTmpfs(this.cacheDir, this.opts.cacheTmpfsBytes);
      this.tmpfsMounted = true;
    }
    if (this.opts.faketime === true) {
      if (!existsSync(LIBFAKETIME)) {
        throw new GitfleetError(
          ErrorCode.PrerequisiteMissing,
          `${LIBFAKETIME} not found: the clock-jump scenario needs libfaketime; apt-get install faketime`,
          { terminal: true },
        );
      }
      this.clockFile = path.join(this.dir, 'faketime.rc');
      await writeFile(this.clockFile, '+0\n');
    }
    this.pki = await createTestPki(this.targets, { dir: path.join(this.dir, 'pki') });
    // the hub signs desired state; every agent pins its key
    this.signing = await writeSigningKey(this.dir);
    this.apiTokens = await writeApiTokens(this.dir, { operate: 'fault-suite' });
    const [grpc = 0, http = 0] = await freePorts(2);
    this.ports = { grpc, http };
    await this.startHub();

    for (const t of this.targets) {
      const c = this.cluster(t);
      this.hubProxies.set(t, await startTcpProxy({ upstreamPort: grpc, name: `hub←${t}` }));
      const apiPort = Number(new URL(c.server).port);
      const apiProxy = await startTcpProxy({ upstreamPort: apiPort, name: `${t}→apiserver` });
      this.apiProxies.set(t, apiProxy);
      await writeFile(
        path.join(this.dir, `${t}.kubeconfig`),
        c.kubeconfig.replace(c.server, `https://127.0.0.1:${apiProxy.port}`),
        { mode: 0o600 },
      );
      await this.startAgent(t);
      const w = new ConfigMapWatch(c);
      await w.start();
      this.witnesses.set(t, w);
    }
    await this.commit([{ name: 'base', targets: this.targets, objects: 1, rev: 'base-1' }]);
    await this.waitApp('base', 120_000);
    this.log(`fleet converged in ${Date.now() - t0} ms`);
  }

  // ------------------------------------------------------------------ processes

  hubEnv(): Record<string, string> {
    if (this.opts.faketime !== true) return {};
    return {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: this.clockFile,
      // a real clock step moves the wall clock only; timers and uptime stay monotonic
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIME_NO_CACHE: '1',
    };
  }

  async startHub(): Promise<HubProcess> {
    const redis = this.fleet?.redis;
    if (redis === undefined) throw new Error('no Redis');
    const hub = await startHubProcess({
      name: `gitfleet-hub-${++this.hubStarts}`,
      logDir: this.dir,
      fleetRepo: this.repoUrl,
      redisUrl: redis.url,
      ...(this.pki === undefined ? {} : { pki: this.pki }),
      grpcPort: this.ports.grpc,
      httpPort: this.ports.http,
      cacheDir: this.cacheDir,
      pollIntervalMs: this.opts.pollIntervalMs ?? 1_000,
      heartbeatIntervalMs: this.opts.heartbeatIntervalMs ?? 1_000,
      rolloutIntervalMs: 200,
      ...(this.signing === undefined ? {} : { signingKeyFile: this.signing.keyFile }),
      env: this.hubEnv(),
      ...(this.apiTokens === undefined ? {} : { apiTokens: this.apiTokens }),
    });
    this.procs.push(hub.proc);
    this.hub = hub;
    this.api = hub.api;
    await hub.waitReady(60_000);
    return hub;
  }

  async startAgent(target: string): Promise<ManagedProcess> {
    const a = await spawnManaged(`gitfleet-agent-${target}-${++this.agentStarts}`, AGENT_BIN, {
      logDir: this.dir,
      env: {
        GITFLEET_TARGET: target,
        GITFLEET_HUB_ADDRESS: this.hubProxy(target).address,
        ...this.pki?.agentEnv(target),
        ...(this.signing === undefined
          ? {}
          : { GITFLEET_HUB_PUBLIC_KEY_FILE: this.signing.publicKeyFile }),
        KUBECONFIG: path.join(this.dir, `${target}.kubeconfig`),
        GITFLEET_CONFIG: undefined,
        GITFLEET_HTTP_ADDRESS: undefined,
        GITFLEET_STATE_NAMESPACE: undefined,
        GITFLEET_RESYNC_INTERVAL_MS: undefined,
        GITFLEET_LOG_LEVEL: undefined,
      },
    });
    this.procs.push(a);
    this.agents.set(target, a);
    return a;
  }

  /** SIGKILL to the agent's whole process group; resolves once it is gone. */
  async killAgent(target: string): Promise<void> {
    const a = this.agent(target);
    try {
      process.kill(-a.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await a.exited;
  }

  /** Why a process of the fleet died, or undefined while all run. */
  dead(): string | undefined {
    if (!this.hub.proc.running) return `the hub exited: ${this.hub.proc.tail()}`;
    for (const [t, a] of this.agents)
      if (!a.running) return `the agent of ${t} exited: ${a.tail()}`;
    return undefined;
  }

  hubLog(): LogRecord[] {
    return logRecords(this.hub.proc);
  }

  agentLog(target: string): LogRecord[] {
    return logRecords(this.agent(target));
  }

  // ------------------------------------------------------------------ the fleet repository

  /** Commits these applications (added or changed) and records their contents in order. */
  async commit(apps: readonly FaultApp[], message?: string): Promise<string> {
    const git = this.git();
    const files: Record<string, string> = {};
    for (const a of apps) {
      Object.assign(files, appFiles(a));
      this.apps.set(a.name, a);
      this.revisions.push(a.rev);
    }
    const sha = await git.commit('fleet', {
      files,
      message: message ?? apps.map((a) => `${a.name} ${a.rev}`).join(', '),
    });
    for (const a of apps) this.appCommit.set(a.name, sha);
    return sha;
  }

  /** Moves the branch to a new root commit holding every application as the model has it now, with `changed` applied (a rewritten history). */
  async forcePushRewrite(changed: FaultApp): Promise<string> {
    const git = this.git();
    this.apps.set(changed.name, changed);
    this.revisions.push(changed.rev);
    const files: Record<string, string> = { 'fleet/targets.yaml': targetFile(this.targets) };
    for (const a of this.apps.values()) Object.assign(files, appFiles(a));
    const sha = await git.commit('fleet', {
      files,
      message: `rewrite: ${changed.name} ${changed.rev}`,
      parentless: true,
    });
    // only the changed application gets a new desired state: the others render the same objects
    this.appCommit.set(changed.name, sha);
    return sha;
  }

  app(name: string): FaultApp {
    const a = this.apps.get(name);
    if (a === undefined) throw new Error(`no application ${name} in the model`);
    return a;
  }

  /** The commit that last changed `app`: its desired revision. */
  commitOf(app: string): string | undefined {
    return this.appCommit.get(app);
  }

  // ------------------------------------------------------------------ the hub's view

  status(query: Readonly<Record<string, string>> = {}): Promise<StatusRow[]> {
    return fetchStatus(this.hub, query);
  }

  /** Headers of a read of the hub's API. */
  readHeaders(): { authorization: string } {
    return bearer(this.hub.token);
  }

  async fleetView(): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.api}/api/v1/fleet`, { headers: this.readHeaders() });
    if (!res.ok) throw new Error(`GET /api/v1/fleet: HTTP ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Sends a rollout command (resume, abort, …) as an operator would. */
  async rolloutCommand(app: string, command: string): Promise<void> {
    const res = await fetch(`${this.api}/api/v1/rollout/command?app=${app}&command=${command}`, {
      method: 'POST',
      headers: bearer(this.hub.tokens.operate),
    });
    if (res.status !== 202)
      throw new Error(`rollout ${command} of ${app}: HTTP ${res.status} ${await res.text()}`);
  }

  /** Why the hub does not show `app` Synced and Healthy at its model commit everywhere (undefined: it does). */
  async hubProblem(app: string, commit = this.commitOf(app)): Promise<string | undefined> {
    const a = this.app(app);
    const rows = await this.status({ app });
    const problems: string[] = [];
    for (const t of a.targets) {
      const r = rows.find((x) => x.target === t);
      if (r === undefined) problems.push(`${t}/${app}: no status row`);
      else if (commit !== undefined && r.desiredRevision !== commit)
        problems.push(
          `${t}/${app}: desired ${r.desiredRevision.slice(0, 8)}, not ${commit.slice(0, 8)}`,
        );
      else if (
        r.revision !== r.desiredRevision ||
        r.reportedVersion !== r.desiredVersion ||
        r.sync !== 'Synced' ||
        r.health !== 'Healthy' ||
        r.connection !== 'Connected'
      )
        problems.push(
          `${t}/${app}: ${r.sync} ${r.health} ${r.connection}, reported v${String(r.reportedVersion)} of v${String(r.desiredVersion)}`,
        );
    }
    return problems.length === 0 ? undefined : problems.join('; ');
  }

  /** Why the clusters do not hold `app` as the model says (undefined: they do). */
  clusterProblem(app: string): string | undefined {
    const a = this.app(app);
    let wrong = 0;
    let first = '';
    for (const [key, rev] of expectedObjects(a)) {
      const [t = '', ...rest] = key.split('/');
      const have = this.witness(t).live.get(rest.join('/'));
      if (have !== rev) {
        wrong++;
        first ||= `${key}: ${have ?? 'absent'}`;
      }
    }
    return wrong === 0 ? undefined : `${wrong} object(s) not at ${a.rev}, e.g. ${first}`;
  }

  /** Waits until the hub and the clusters show `app` converged on its model content. */
  async waitApp(app: string, timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    let why = '';
    try {
      await waitFor(
        `${app} converged at ${this.app(app).rev}`,
        async () => {
          why = this.clusterProblem(app) ?? (await this.hubProblem(app)) ?? '';
          return why === '';
        },
        { timeoutMs, intervalMs: 100, abortIf: () => this.dead() },
      );
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)} (last: ${why})`, {
        cause: err,
      });
    }
    return Date.now() - t0;
  }

  // ------------------------------------------------------------------ the clusters' records

  async applies(target: string): Promise<number> {
    return (this.appliesCarried.get(target) ?? 0) + (await configMapApplies(this.cluster(target)));
  }

  async mark(): Promise<Mark> {
    const events = new Map<string, number>();
    const live = new Map<string, ReadonlyMap<string, string | undefined>>();
    const applies = new Map<string, number>();
    for (const t of this.targets) {
      const w = this.witness(t);
      if (w.failure !== undefined) throw new Error(w.failure);
      events.set(t, w.events.length);
      live.set(t, new Map(w.live));
      applies.set(t, await this.applies(t));
    }
    return { events, live, applies, atMs: Date.now() };
  }

  /** Stops and starts one cluster's apiserver, keeping the records whole across it. */
  async restartApiserver(target: string): Promise<void> {
    const c = this.cluster(target);
    const w = this.witness(target);
    this.appliesCarried.set(
      target,
      (this.appliesCarried.get(target) ?? 0) + (await configMapApplies(c)),
    );
    w.expectRestart();
    await c.restartApiserver();
    await w.resume();
  }

  /** The invariant report of everything since `mark`. */
  async check(mark: Mark, o: CheckOptions): Promise<InvariantReport> {
    const objects: ObjectHistory[] = [];
    const applies = [];
    for (const t of this.targets) {
      const w = this.witness(t);
      if (w.failure !== undefined) throw new Error(w.failure);
      const initial = mark.live.get(t) ?? new Map<string, string | undefined>();
      const events = w.events.slice(mark.events.get(t) ?? 0);
      const keys = new Set([...initial.keys(), ...events.map((e) => e.key)]);
      for (const k of keys) {
        objects.push({
          key: `${t}/${k}`,
          cluster: t,
          initial: initial.get(k),
          events: events.filter((e) => e.key === k).map((e) => ({ type: e.type, rev: e.rev })),
        });
      }
      applies.push({
        cluster: t,
        requests: (await this.applies(t)) - (mark.applies.get(t) ?? 0),
        allowance: o.allowance?.get(t) ?? 0,
      });
    }
    const expected = new Map<string, string | null>();
    for (const app of o.apps)
      for (const [k, v] of expectedObjects(this.app(app))) expected.set(k, v);
    for (const [k, v] of o.expected ?? []) expected.set(k, v);
    const hub: string[] = [];
    for (const app of o.apps) {
      const p = await this.hubProblem(app);
      if (p !== undefined) hub.push(p);
    }
    return checkInvariants({
      objects,
      expected,
      revisions: this.revisions,
      injected: new Set([...this.injected, ...(o.injected ?? [])]),
      applies,
      hubProblem: hub.length === 0 ? undefined : hub.join('; '),
    });
  }

  /** Changes one object of `app` on `target` behind gitfleet's back (a merge patch of data.rev). */
  async injectDrift(target: string, app: string, name: string, label: string): Promise<void> {
    this.injected.add(label);
    const r = await this.cluster(target).request(
      'PATCH',
      `/api/v1/namespaces/${app}/configmaps/${name}`,
      { data: { rev: label } },
      'application/merge-patch+json',
    );
    if (r.status !== 200) throw new Error(`drift on ${target} ${app}/${name}: HTTP ${r.status}`);
  }

  // ------------------------------------------------------------------ the hub's cache and clock

  /** Fills the cache's filesystem to the last byte; returns the bytes written. */
  fillCache(): Promise<number> {
    return fill(this.cacheDir);
  }

  freeCache(): Promise<void> {
    return unfill(this.cacheDir);
  }

  /** Remounts the cache read-only (or back read-write). */
  cacheReadOnly(ro: boolean): Promise<void> {
    return remount(this.cacheDir, ro);
  }

  /** Moves the hub's wall clock to real time + `seconds` (libfaketime control file). */
  async setClockOffset(seconds: number): Promise<void> {
    if (this.clockFile === '') throw new Error('the hub does not run under libfaketime');
    await writeFile(this.clockFile, `${seconds >= 0 ? '+' : ''}${String(seconds)}\n`);
  }

  // ------------------------------------------------------------------ accessors

  cluster(t: string): KubeCluster {
    const c = this.clusterOf.get(t);
    if (c === undefined) throw new Error(`no cluster ${t}`);
    return c;
  }

  witness(t: string): ConfigMapWatch {
    const w = this.witnesses.get(t);
    if (w === undefined) throw new Error(`no witness for ${t}`);
    return w;
  }

  agent(t: string): ManagedProcess {
    const a = this.agents.get(t);
    if (a === undefined) throw new Error(`no agent for ${t}`);
    return a;
  }

  hubProxy(t: string): TcpProxy {
    const p = this.hubProxies.get(t);
    if (p === undefined) throw new Error(`no hub proxy for ${t}`);
    return p;
  }

  apiProxy(t: string): TcpProxy {
    const p = this.apiProxies.get(t);
    if (p === undefined) throw new Error(`no apiserver proxy for ${t}`);
    return p;
  }

  git(): GitServer {
    const g = this.fleet?.git;
    if (g === undefined) throw new Error('no Git server');
    return g;
  }

  /** Every link back to pass, the cache writable and free, the clock true. */
  async heal(): Promise<void> {
    for (const p of [...this.hubProxies.values(), ...this.apiProxies.values()]) p.setMode(PASS);
    if (this.gitProxy !== undefined) this.gitProxy.mode = 'pass';
    if (this.tmpfsMounted) {
      await this.cacheReadOnly(false).catch(() => undefined);
      await this.freeCache();
    }
    if (this.clockFile !== '') await this.setClockOffset(0);
  }

  async stop(): Promise<void> {
    for (const w of this.witnesses.values()) w.close();
    await Promise.allSettled(this.procs.map((p) => p.stop()));
    await Promise.allSettled(
      [...this.hubProxies.values(), ...this.apiProxies.values()].map((p) => p.close()),
    );
    await this.gitProxy?.close();
    await this.fleet?.stop().catch((err: unknown) => this.log(`fleet stop: ${String(err)}`));
    if (this.tmpfsMounted) {
      await unmount(this.cacheDir);
      this.tmpfsMounted = false;
    }
    if (this.dir !== '' && process.env['GITFLEET_FAULTS_KEEP'] !== '1')
      await rm(this.dir, { recursive: true, force: true });
    else if (this.dir !== '') this.log(`kept ${this.dir}`);
  }
}
