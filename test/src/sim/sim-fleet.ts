/**
 * The parent's side of simulated fleets: the fleet repository and agent tokens for targets
 * `sim-0…sim-N-1`, the simulated agents as a supervised process (sim-agents.ts) whose progress is
 * read from its log, the hub as its own supervised process (hub/bin/gitfleet-hub), and the hub's
 * HTTP API as the benchmarks use it (signed webhook, fleet status, fleet status table read in
 * bulk, following `metadata.continue` when the server pages).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import type { TestPki } from '../fleet/certs.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import type { SimEvent, SimProgress } from './progress.ts';
import { NO_HUB_ENV } from '../fleet/hub-env.ts';

export type { SimEvent, SimProgress, SimRevisionProgress } from './progress.ts';

export const SIM_PREFIX = 'sim-';
export const HUB_BIN = path.join(REPO_ROOT, 'hub/bin/gitfleet-hub');
const WITH_NODE = path.join(REPO_ROOT, 'scripts/with-node');
const SIM_SCRIPT = path.join(import.meta.dirname, 'sim-agents.ts');

// ------------------------------------------------------------------------------ fleet repository

export interface SimFleetOptions {
  /** Targets `sim-0 … sim-(targets-1)`, labelled `fleet: sim`. */
  readonly targets: number;
  /** Applications `app-0 … app-(apps-1)`, each placed on every sim target. */
  readonly apps: number;
  /** Written into every app's ConfigMap: change it to make a commit that changes every app. */
  readonly message: string;
}

export function simTargetName(i: number): string {
  return `${SIM_PREFIX}${i}`;
}

/** The fleet repository's files (fleet objects and manifests) for a simulated fleet. */
export function simFleetFiles(o: SimFleetOptions): Record<string, string> {
  const targets: string[] = [];
  for (let i = 0; i < o.targets; i++) {
    targets.push(
      `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: ${simTargetName(i)}, labels: { fleet: sim } }\n`,
    );
  }
  const files: Record<string, string> = { 'targets/sim.yaml': targets.join('---\n') };
  for (let a = 0; a < o.apps; a++) {
    const app = `app-${a}`;
    files[`apps/${app}/application.yaml`] = [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      `metadata: { name: ${app} }`,
      'spec:',
      `  source: { path: apps/${app}/manifests }`,
      '  placement: { selector: { matchLabels: { fleet: sim } } }',
      '',
    ].join('\n');
    files[`apps/${app}/manifests/configmap.yaml`] = [
      'apiVersion: v1',
      'kind: ConfigMap',
      `metadata: { name: ${app}, namespace: sim }`,
      'data:',
      `  message: "${o.message}"`,
      '',
    ].join('\n');
  }
  return files;
}

/** Writes `<dir>/<target>.token` (a random token each) for every target; returns the tokens. */
export async function writeAgentTokens(
  dir: string,
  targets: readonly string[],
): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const out = new Map<string, string>();
  for (const t of targets) {
    const token = `${t}-${randomBytes(16).toString('hex')}`;
    out.set(t, token);
    await writeFile(path.join(dir, `${t}.token`), `${token}\n`, { mode: 0o600 });
  }
  return out;
}

// ------------------------------------------------------------------------------ /proc

/** The executable of `pid` (basename of /proc/<pid>/exe), or '' when it is gone. */
function exeOf(pid: number): string {
  try {
    return path.basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return '';
  }
}

/**
 * The node process of a supervised binary (the bin script and with-node exec into node), found
 * by its executable: node names its main thread "MainThread", so /proc/<pid>/comm does not say.
 */
export function nodePidOf(proc: ManagedProcess): number | undefined {
  return proc.descendants().find((p) => exeOf(p) === 'node');
}

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, …); 0 when the process is gone. */
export function procStatusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

// ------------------------------------------------------------------------------ simulated agents

export interface SimAgentsOptions {
  /** Process and log name. */
  readonly name: string;
  readonly logDir: string;
  /** The hub's gRPC address, host:port. */
  readonly hub: string;
  /** The agents' static tokens (set this, `tls`, or both). */
  readonly tokensDir?: string;
  /**
   * mTLS: the CA of the hub's certificate and the directory of `<target>.pem`/`.key` client
   * certificates; `awaitCerts`: each agent's first connect waits for its certificate to appear.
   */
  readonly tls?: {
    readonly caFile: string;
    readonly certsDir: string;
    readonly awaitCerts?: boolean;
  };
  /** First index (targets `sim-<from>` …). Default 0. */
  readonly from?: number;
  readonly count: number;
  /** First-connect pacing (handshakes at once). Default 200. */
  readonly connectConcurrency?: number;
  readonly progressMs?: number;
  /** Append a line per assignment taken and report acked to this file (see readSimEvents). */
  readonly eventsFile?: string;
}

export interface SimAgents {
  readonly proc: ManagedProcess;
  /** The newest progress line (undefined before the first). */
  progress(): SimProgress | undefined;
  /** Polls the progress until `pred` holds; fails at once if the process exits. */
  waitFor(
    what: string,
    pred: (p: SimProgress) => boolean,
    opts: { readonly timeoutMs: number; readonly abortIf?: () => string | undefined },
  ): Promise<SimProgress>;
  /** The sim's node process. */
  nodePid(): number | undefined;
  stop(): Promise<void>;
}

/** Starts sim-agents.ts as a supervised process. */
export async function startSimAgents(o: SimAgentsOptions): Promise<SimAgents> {
  const proc = await spawnManaged(o.name, WITH_NODE, {
    logDir: o.logDir,
    stopGraceMs: 5_000,
    args: [
      'node',
      SIM_SCRIPT,
      '--hub',
      o.hub,
      ...(o.tokensDir === undefined ? [] : ['--tokens-dir', o.tokensDir]),
      ...(o.tls === undefined ? [] : ['--ca-file', o.tls.caFile, '--certs-dir', o.tls.certsDir]),
      ...(o.tls?.awaitCerts === true ? ['--await-certs'] : []),
      '--from',
      String(o.from ?? 0),
      '--count',
      String(o.count),
      '--prefix',
      SIM_PREFIX,
      '--connect-concurrency',
      String(o.connectConcurrency ?? 200),
      '--progress-ms',
      String(o.progressMs ?? 100),
      ...(o.eventsFile === undefined ? [] : ['--events-file', o.eventsFile]),
    ],
  });
  const tail = new LineTail(proc.logFile);
  let latest: SimProgress | undefined;
  const progress = (): SimProgress | undefined => {
    for (const line of tail.read()) {
      if (!line.startsWith('{"sim":"progress"')) continue;
      try {
        latest = JSON.parse(line) as SimProgress;
      } catch {
        // not a whole line
      }
    }
    return latest;
  };
  const gone = (): string | undefined =>
    proc.running ? undefined : `the simulated agents exited: ${proc.tail()}`;
  return {
    proc,
    progress,
    waitFor: (what, pred, opts) =>
      waitFor(
        what,
        () => {
          const p = progress();
          return p !== undefined && pred(p) ? p : undefined;
        },
        {
          timeoutMs: opts.timeoutMs,
          intervalMs: 10,
          abortIf: () => gone() ?? opts.abortIf?.(),
        },
      ),
    nodePid: () => nodePidOf(proc),
    stop: async () => {
      await proc.stop();
      tail.close();
    },
  };
}

/** Every whole line of a sim-agents `--events-file` so far (none when it does not exist yet). */
export function readSimEvents(file: string): SimEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: SimEvent[] = [];
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or a line being written
  for (const line of lines) {
    try {
      out.push(JSON.parse(line) as SimEvent);
    } catch {
      // not a whole line
    }
  }
  return out;
}

/** Reads whole lines appended to a file since the last call. */
class LineTail {
  private readonly file: string;
  private fd: number | undefined;
  private offset = 0;
  private rest = '';

  constructor(file: string) {
    this.file = file;
  }

  read(): string[] {
    try {
      this.fd ??= openSync(this.file, 'r');
    } catch {
      return [];
    }
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    if (chunks.length === 0) return [];
    const text = this.rest + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

// ------------------------------------------------------------------------------ the hub binary

export interface HubProcessOptions {
  /** Process and log name (distinct per start, so a restart gets its own log). */
  readonly name: string;
  readonly logDir: string;
  readonly fleetRepo: string;
  readonly redisUrl: string;
  /**
   * The agents' static tokens: the hub serves plaintext on loopback and accepts them (simulated
   * agents). Set this or `pki`.
   */
  readonly tokensDir?: string;
  /** The test PKI: the hub serves TLS and knows agents by their client certificates. */
  readonly pki?: TestPki;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly cacheDir: string;
  readonly webhookSecretFile?: string;
  /** Default 60 s: only webhooks bring commits in quickly. */
  readonly pollIntervalMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly logLevel?: 'debug' | 'info' | 'warn';
  readonly replica?: string;
  /** `--rollout-interval-ms`; absent: the hub's default (1 s). */
  readonly rolloutIntervalMs?: number;
  /** Extra environment (experiments: NODE_OPTIONS, …). */
  readonly env?: Readonly<Record<string, string>>;
  /** `--signing-key-file`: the hub signs desired state (absent: unsigned). */
  readonly signingKeyFile?: string;
  /** The API tokens (`--api-tokens-file`); absent: fresh ones in `<logDir>/<name>.api-tokens`. */
  readonly apiTokens?: ApiTokens;
  /** More flags, after all the others (an agent CA, a Redis key prefix, …). */
  readonly extraArgs?: readonly string[];
}

/** Where the hub's API is, and a token to read it with (scope read or stronger). */
export interface HubApi {
  /** http://127.0.0.1:PORT */
  readonly api: string;
  readonly token: string;
}

export interface HubProcess extends HubApi {
  readonly proc: ManagedProcess;
  /** A token of each scope; `token` is the read one. */
  readonly tokens: ApiTokens;
  /** 127.0.0.1:PORT */
  readonly grpcAddress: string;
  nodePid(): number | undefined;
  /** Undefined while it runs, else why it is gone. */
  readonly gone: () => string | undefined;
  /** Waits for /readyz 200 (a fleet definition in force). */
  waitReady(timeoutMs: number): Promise<void>;
  /** SIGKILL to the whole process group (the hub gets no chance to clean up). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** The hub's AgentLink flags: mTLS with the test PKI, or plaintext with static tokens. */
function agentLinkArgs(o: HubProcessOptions): string[] {
  if (o.pki !== undefined) return o.pki.hubArgs();
  if (o.tokensDir === undefined) {
    throw new GitfleetError(ErrorCode.Internal, `${o.name}: give the hub a pki or a tokensDir`);
  }
  // simulated agents (sim-agents.ts, a thousand on one machine) speak plaintext on loopback with
  // static tokens: both asked for explicitly
  return ['--insecure-plaintext', '--allow-static-tokens', '--agent-tokens-dir', o.tokensDir];
}

export async function startHubProcess(o: HubProcessOptions): Promise<HubProcess> {
  const tokens = o.apiTokens ?? (await writeApiTokens(o.logDir, {}, `${o.name}.api-tokens`));
  const proc = await spawnManaged(o.name, HUB_BIN, {
    logDir: o.logDir,
    env: { ...NO_HUB_ENV, ...o.env },
    args: [
      '--fleet-repo',
      o.fleetRepo,
      '--redis-url',
      o.redisUrl,
      ...agentLinkArgs(o),
      '--grpc-address',
      `127.0.0.1:${o.grpcPort}`,
      '--http-address',
      `127.0.0.1:${o.httpPort}`,
      '--cache-dir',
      o.cacheDir,
      '--poll-interval-ms',
      String(o.pollIntervalMs ?? 60_000),
      '--heartbeat-interval-ms',
      String(o.heartbeatIntervalMs ?? 10_000),
      '--log-level',
      o.logLevel ?? 'info',
      ...(o.replica === undefined ? [] : ['--replica', o.replica]),
      ...(o.rolloutIntervalMs === undefined
        ? []
        : ['--rollout-interval-ms', String(o.rolloutIntervalMs)]),
      ...(o.webhookSecretFile === undefined ? [] : ['--webhook-secret-file', o.webhookSecretFile]),
      ...(o.signingKeyFile === undefined ? [] : ['--signing-key-file', o.signingKeyFile]),
      ...['--api-tokens-file', tokens.file],
      ...(o.extraArgs ?? []),
    ],
  });
  const api = `http://127.0.0.1:${o.httpPort}`;
  const gone = (): string | undefined =>
    proc.running ? undefined : `the hub exited: ${proc.tail()}`;
  return {
    proc,
    api,
    token: tokens.read,
    tokens,
    grpcAddress: `127.0.0.1:${o.grpcPort}`,
    nodePid: () => nodePidOf(proc),
    gone,
    waitReady: async (timeoutMs) => {
      await waitFor('hub /readyz 200', async () => (await fetch(`${api}/readyz`)).ok, {
        timeoutMs,
        intervalMs: 20,
        abortIf: gone,
      });
    },
    kill: async () => {
      if (!proc.running) return;
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await proc.exited;
    },
    stop: () => proc.stop(),
  };
}

// ------------------------------------------------------------------------------ the hub's API

/** One row of GET /api/v1/status (hub/src/run.ts FleetStatusRow). */
export interface StatusRow {
  readonly target: string;
  readonly app: string;
  readonly desiredVersion: number;
  readonly desiredRevision: string;
  readonly delivered: boolean;
  readonly reportedVersion?: number;
  readonly revision?: string;
  readonly sync: string;
  readonly health: string;
  readonly drift: number;
  readonly connection: string;
  readonly lastSeenMs?: number;
  /** `observedAtUnixMs` of the last report (absent: none yet). */
  readonly reportedAtMs?: number;
}

interface StatusPage {
  readonly items: StatusRow[];
  readonly metadata?: { readonly continue?: string; readonly total?: number };
}

/**
 * The whole fleet status table, read in bulk: one request, or — when the hub pages
 * (`?limit=&continue=`, `{items, metadata: {continue, total}}`) — every page in turn.
 */
export async function fetchStatus(
  hub: HubApi,
  query: Readonly<Record<string, string>> = {},
  pageLimit = 5_000,
): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  let cont: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const q = new URLSearchParams({ ...query, limit: String(pageLimit) });
    if (cont !== undefined) q.set('continue', cont);
    const res = await fetch(`${hub.api}/api/v1/status?${q.toString()}`, {
      headers: bearer(hub.token),
    });
    if (!res.ok) throw new Error(`GET /api/v1/status: HTTP ${res.status} ${await res.text()}`);
    const page = (await res.json()) as StatusPage;
    rows.push(...page.items);
    cont = page.metadata?.continue;
    if (cont === undefined || cont === '') return rows;
    if (seen.has(cont)) throw new Error(`GET /api/v1/status: continue token ${cont} repeated`);
    seen.add(cont);
  }
}

/** GET /api/v1/fleet (hub/src/resolve/resolver.ts ResolverStatus). */
export interface FleetStatus {
  readonly fleetCommit?: string;
  readonly fleetAccepted: boolean;
  readonly failures: readonly unknown[];
  readonly lastPassAtMs?: number;
  readonly lastPassMs?: number;
  readonly changedLastPass: number;
}

export async function fetchFleetStatus(hub: HubApi): Promise<FleetStatus> {
  const res = await fetch(`${hub.api}/api/v1/fleet`, { headers: bearer(hub.token) });
  if (!res.ok) throw new Error(`GET /api/v1/fleet: HTTP ${res.status}`);
  return (await res.json()) as FleetStatus;
}

/**
 * POSTs a signed GitHub push webhook for `after` on main; resolves once the hub answered (it
 * must accept: 202).
 */
export async function postPushWebhook(
  api: string,
  secret: string,
  repoUrl: string,
  after: string,
): Promise<void> {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    after,
    repository: { clone_url: repoUrl },
  });
  const res = await fetch(`${api}/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomBytes(8).toString('hex'),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  if (res.status !== 202) throw new Error(`webhook: HTTP ${res.status} ${await res.text()}`);
}

/** One line of a JSON log (hub, agent). */
export interface LogRecord {
  readonly time?: string;
  readonly level?: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

/** Every JSON record of a process's log so far (other lines skipped). */
export function logRecords(proc: ManagedProcess): LogRecord[] {
  let text: string;
  try {
    text = readFileSync(proc.logFile, 'utf8');
  } catch {
    return [];
  }
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      // a line being written
    }
  }
  return out;
}

/** Established TCP connections accepted on 127.0.0.1:`port` (from /proc/net/tcp). */
export function establishedOn(port: number): number {
  let text: string;
  try {
    text = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return 0;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '01') n++;
  }
  return n;
}
