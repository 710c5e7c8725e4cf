/**
 * Real Kubernetes clusters on loopback, no Docker: per cluster kube-apiserver + kube-controller-manager
 * + kube-scheduler + kwok (playing the kubelet for one untainted fake node), all clusters sharing one
 * etcd under distinct `--etcd-prefix`. Deployments really become Available, namespaces really finish
 * deleting, garbage collection really runs. Recipe: ../shared/research/real-k8s.md.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { kubeBinaries, type FleetBinaries, whichOrThrow } from './paths.ts';
import { freePorts } from './ports.ts';
import { spawnManaged, type ManagedProcess } from './processes.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface KubeCluster {
  readonly name: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** Bearer token of the admin user (system:masters); undefined where the runtime uses client certificates. */
  readonly token: string | undefined;
  /** PEM bundle that verifies the apiserver's serving certificate. */
  readonly caData: string;
  /** Path of an admin kubeconfig for this cluster (current-context = name). */
  readonly kubeconfigPath: string;
  /** The kubeconfig as YAML text. */
  readonly kubeconfig: string;
  readonly processes: readonly ManagedProcess[];
  /** Raw request against the apiserver as admin (JSON in/out). */
  request<T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeResponse<T>>;
  /** Runs the cached kubectl against this cluster. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** Stops and starts this cluster's apiserver (same port, same etcd data). */
  restartApiserver(): Promise<void>;
}

export interface KubeResponse<T> {
  readonly status: number;
  readonly body: T;
}

export interface KubeFleet {
  readonly clusters: readonly KubeCluster[];
  readonly etcdUrl: string;
  readonly binaries: FleetBinaries;
  /** Every process of the fleet, etcd included. */
  readonly processes: readonly ManagedProcess[];
  stop(): Promise<void>;
}

export interface KubeFleetOptions {
  /** Number of clusters (default 1). */
  readonly clusters?: number;
  /** Cluster names (default c1..cN). */
  readonly names?: readonly string[];
  /** Root dir (default a new temp dir, removed on stop). */
  readonly dir?: string;
  readonly timeoutMs?: number;
}

export interface ApiAuth {
  readonly token?: string;
  readonly cert?: string;
  readonly key?: string;
}

export function apiRequest<T>(
  server: string,
  auth: ApiAuth,
  ca: string,
  method: string,
  apiPath: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<KubeResponse<T>> {
  const url = new URL(apiPath, server);
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca,
        ...(auth.cert !== undefined ? { cert: auth.cert, key: auth.key } : {}),
        headers: {
          ...(auth.token !== undefined ? { authorization: `Bearer ${auth.token}` } : {}),
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': contentType }),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain text (e.g. /readyz)
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function kubeconfigYaml(name: string, server: string, ca: string, token: string): string {
  const caB64 = Buffer.from(ca).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caB64}`,
    'users:',
    `- name: ${name}-admin`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}-admin`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

async function startEtcd(bin: string, dir: string): Promise<{ url: string; proc: ManagedProcess }> {
  const [client, peer] = await freePorts(2);
  const url = `http://127.0.0.1:${client}`;
  const proc = await spawnManaged('etcd', bin, {
    logDir: dir,
    env: { GOGC: SERVER_GOGC },
    args: [
      '--data-dir',
      path.join(dir, 'etcd-data'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peer}`,
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
      '--quota-backend-bytes',
      String(4 * 1024 ** 3),
    ],
  });
  await waitFor(
    'etcd to be healthy',
    async () => {
      const res = await fetch(`${url}/health`);
      const j = (await res.json()) as { health?: string };
      return j.health === 'true';
    },
    {
      timeoutMs: 15_000,
      intervalMs: 50,
      abortIf: () => (proc.running ? undefined : `etcd exited: ${proc.tail()}`),
    },
  );
  return { url, proc };
}

const NODE_NAME = 'kwok-node-0';

/**
 * GOGC for kube-apiserver and etcd. 50 instead of Go's 100 cuts a cluster's RSS from ~495 to ~455 MB
 * (measured, 3 clusters) for a little more GC CPU; override with GITFLEET_K8S_GOGC.
 */
const SERVER_GOGC = process.env['GITFLEET_K8S_GOGC'] ?? '50';

function fakeNode(): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '64', memory: '256Gi', pods: '1000' },
      capacity: { cpu: '64', memory: '256Gi', pods: '1000' },
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake' },
      phase: 'Running',
    },
  };
}

interface ClusterPlan {
  readonly name: string;
  readonly index: number;
  readonly dir: string;
  readonly securePort: number;
  readonly kcmPort: number;
  readonly schedPort: number;
  readonly kwokPort: number;
}

async function startCluster(
  bins: FleetBinaries,
  plan: ClusterPlan,
  etcdUrl: string,
  saKey: string,
  saPub: string,
  timeoutMs: number,
  sink: ManagedProcess[],
): Promise<KubeCluster> {
  const { name, dir } = plan;
  await mkdir(path.join(dir, 'certs'), { recursive: true });
  const token = randomBytes(24).toString('hex');
  await writeFile(path.join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, {
    mode: 0o600,
  });
  const server = `https://127.0.0.1:${plan.securePort}`;
  const procs: ManagedProcess[] = [];
  const apiserverArgs = [
    `--etcd-servers=${etcdUrl}`,
    `--etcd-prefix=/gitfleet/${name}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${plan.securePort}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${saPub}`,
    `--service-account-signing-key-file=${saKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--v=0',
    // count writes for no-op benchmarks (apiserver_request_total by verb) — metrics are on by default
  ];
  let apiserver = await spawnManaged(`${name}-kube-apiserver`, bins.kubeApiserver, {
    logDir: dir,
    args: apiserverArgs,
    env: { GOGC: SERVER_GOGC },
  });
  procs.push(apiserver);
  sink.push(apiserver);
  let caData = '';
  const waitReady = async (p: ManagedProcess): Promise<void> => {
    await waitFor(
      `${name}: kube-apiserver /readyz`,
      async () => {
        if (caData === '')
          caData = await readFile(path.join(dir, 'certs', 'apiserver.crt'), 'utf8');
        const r = await apiRequest<string>(server, { token }, caData, 'GET', '/readyz');
        return r.status === 200;
      },
      {
        timeoutMs,
        intervalMs: 100,
        abortIf: () => {
          if (p.running) return undefined;
          const log = p.tail(8);
          return /address already in use/i.test(log)
            ? `port ${plan.securePort} is taken: ${log}`
            : `kube-apiserver exited: ${log}`;
        },
      },
    );
  };
  await waitReady(apiserver);
  const kubeconfig = kubeconfigYaml(name, server, caData, token);
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });

  procs.push(
    await spawnManaged(`${name}-kube-controller-manager`, bins.kubeControllerManager, {
      logDir: dir,
      args: [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${plan.kcmPort}`,
        '--leader-elect=false',
        `--service-account-private-key-file=${saKey}`,
        `--root-ca-file=${path.join(dir, 'certs', 'apiserver.crt')}`,
        '--use-service-account-credentials=false',
        '--controllers=*,-nodeipam',
        // kwok's node is fake: a heartbeat it sends late on a busy machine must not mark its pods
        // NotReady for good (kwok never readies a pod twice) — seen ~50 s into the demo
        '--node-monitor-grace-period=10m',
        '--concurrent-deployment-syncs=10',
        '--v=0',
      ],
    }),
    await spawnManaged(`${name}-kube-scheduler`, bins.kubeScheduler, {
      logDir: dir,
      args: [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${plan.schedPort}`,
        '--leader-elect=false',
        '--v=0',
      ],
    }),
    await spawnManaged(`${name}-kwok`, bins.kwok, {
      logDir: dir,
      args: [
        `--kubeconfig=${kubeconfigPath}`,
        '--manage-all-nodes=true',
        '--cidr=10.244.0.0/16',
        '--node-ip=10.0.1.1',
        `--server-address=127.0.0.1:${plan.kwokPort}`,
      ],
    }),
  );
  sink.push(...procs.slice(1));

  const req = <T>(
    method: string,
    p: string,
    body?: unknown,
    ct?: string,
  ): Promise<KubeResponse<T>> => apiRequest<T>(server, { token }, caData, method, p, body, ct);
  const created = await req('POST', '/api/v1/nodes', fakeNode());
  if (created.status !== 201 && created.status !== 409) {
    throw new GitfleetError(
      ErrorCode.ProcessFailed,
      `${name}: creating the kwok node failed: HTTP ${created.status} ${JSON.stringify(created.body)}`,
    );
  }
  const dead = (): string | undefined => {
    const d = procs.find((p) => !p.running);
    return d === undefined ? undefined : `${d.name} exited: ${d.tail()}`;
  };
  // Ready = node Ready (kwok), and the default ServiceAccount exists (kcm), so pods can be admitted.
  await waitFor(
    `${name}: node ${NODE_NAME} Ready and default ServiceAccount present`,
    async () => {
      const n = await req<{ status?: { conditions?: { type: string; status: string }[] } }>(
        'GET',
        `/api/v1/nodes/${NODE_NAME}`,
      );
      const ready =
        n.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (!ready) return false;
      const sa = await req('GET', '/api/v1/namespaces/default/serviceaccounts/default');
      return sa.status === 200;
    },
    { timeoutMs, intervalMs: 100, abortIf: dead },
  );

  const bins2 = bins;
  return {
    name,
    server,
    token,
    get caData() {
      return caData;
    },
    kubeconfigPath,
    kubeconfig,
    get processes() {
      return procs;
    },
    request: req,
    async kubectl(args, input) {
      const child = run(bins2.kubectl, ['--kubeconfig', kubeconfigPath, ...args], {
        maxBuffer: 64 * 1024 * 1024,
      });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      }
      const { stdout } = await child;
      return stdout;
    },
    async restartApiserver() {
      await apiserver.stop();
      const i = procs.indexOf(apiserver);
      apiserver = await spawnManaged(`${name}-kube-apiserver`, bins.kubeApiserver, {
        logDir: dir,
        args: apiserverArgs,
        env: { GOGC: SERVER_GOGC },
      });
      procs[i] = apiserver;
      sink.push(apiserver);
      await waitReady(apiserver);
    },
  } satisfies KubeCluster;
}

/**
 * Starts N real clusters sharing one etcd. Every process is supervised and stopped by `stop()`
 * (and killed if this process dies). Throws PREREQUISITE_MISSING when binaries are not built.
 */
export async function startKubeFleet(opts: KubeFleetOptions = {}): Promise<KubeFleet> {
  const bins = kubeBinaries();
  const openssl = whichOrThrow('openssl', 'apt-get install openssl');
  const n = opts.names?.length ?? opts.clusters ?? 1;
  const names = opts.names ?? Array.from({ length: n }, (_, i) => `c${i + 1}`);
  const root = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'gitfleet-kube-')));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  /** Every process started for this fleet, including half-started clusters' (for stop()). */
  const started: ManagedProcess[] = [];
  const clusters: KubeCluster[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const all = started;
      // controllers first, then apiservers, then etcd
      const order = (p: ManagedProcess): number =>
        p.name === 'etcd' ? 2 : p.name.endsWith('kube-apiserver') ? 1 : 0;
      for (const stage of [0, 1, 2]) {
        await Promise.all(all.filter((p) => order(p) === stage).map((p) => p.stop()));
      }
      if (opts.dir === undefined) await rm(root, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    const saKey = path.join(root, 'sa.key');
    const saPub = path.join(root, 'sa.pub');
    await run(openssl, ['genrsa', '-out', saKey, '2048']);
    await run(openssl, ['rsa', '-in', saKey, '-pubout', '-out', saPub]);
    const etcd = await startEtcd(bins.etcd, path.join(root, 'etcd'));
    started.push(etcd.proc);
    const ports = await freePorts(names.length * 4);
    const plans: ClusterPlan[] = names.map((name, i) => ({
      name,
      index: i,
      dir: path.join(root, name),
      securePort: ports[i * 4] ?? 0,
      kcmPort: ports[i * 4 + 1] ?? 0,
      schedPort: ports[i * 4 + 2] ?? 0,
      kwokPort: ports[i * 4 + 3] ?? 0,
    }));
    const results = await Promise.allSettled(
      plans.map((p) => startCluster(bins, p, etcd.url, saKey, saPub, timeoutMs, started)),
    );
    for (const r of results) if (r.status === 'fulfilled') clusters.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return { clusters, etcdUrl: etcd.url, binaries: bins, processes: started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
