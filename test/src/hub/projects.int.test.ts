/**
 * Projects against a real hub (Git over HTTP, Redis) and no agent: a platform team's fleet
 * repository declares a `payments` Project (its own repositories, its namespaces, production
 * clusters only, no cluster-scoped kinds), the payments team's applications live in their own
 * repositories, and a platform application in the fleet repository names no project.
 *
 * - an application reaching outside its project is refused on the targets where it does — a
 *   cluster-scoped object (every target), a target outside the project (that target only), a
 *   repository outside the project (every target) — each a `scope` problem in
 *   `GET /api/v1/fleet` naming the application, the target, the rule, the Project file and line,
 *   and what to do, and a failure of that pair; nothing of it is stored for delivery;
 * - the fleet stays accepted: the other applications (and the refused ones elsewhere) are
 *   delivered, and the platform application without a project keeps today's behaviour;
 * - once the team drops the cluster-scoped object, the next pass delivers the application and
 *   its problems are gone.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import type { OpenApiDocument } from '../../../hub/src/http/api/openapi.ts';
import { DocumentValidator } from '../../../hub/src/http/api/validate.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { waitFor } from '../fleet/wait.ts';

let fleet: TestFleet;
let hub: RunningHub;
let dir = '';
let api = '';
let tokens: ApiTokens;
let validator: DocumentValidator;
let projectFile = '';

const FLEET = 'acme/platform-fleet';
const doc = (...lines: string[]): string =>
  ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
const target = (name: string, env: string, region: string): string =>
  doc('kind: Target', `metadata: { name: ${name}, labels: { env: ${env}, region: ${region} } }`);

/** The payments project as the platform team writes it (`gitBase`: the Git server). */
function paymentsProject(gitBase: string): string {
  return doc(
    'kind: Project',
    'metadata:',
    '  name: payments',
    '  annotations: { gitfleet.dev/owner: platform-team }',
    'spec:',
    '  sourceRepos:',
    `    - ${gitBase}/payments/*`,
    '  namespaces: [payments, payments-*]',
    '  kinds:',
    '    deny: [{ group: "", kind: ResourceQuota }]',
    '  targets:',
    '    selector: { matchLabels: { env: prod } }',
  );
}

function teamApp(name: string, repoURL: string, path: string, envs: string): string {
  return doc(
    'kind: Application',
    `metadata: { name: ${name}, labels: { team: payments } }`,
    'spec:',
    '  project: payments',
    `  source: { repoURL: ${repoURL}, path: ${path}, targetRevision: main }`,
    `  placement: { selector: { matchExpressions: [{ key: env, operator: In, values: [${envs}] }] } }`,
  );
}

const CHECKOUT = {
  'deploy/production/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: checkout, namespace: payments, labels: { app: checkout } }',
    'spec:',
    '  replicas: 2',
    '  selector: { matchLabels: { app: checkout } }',
    '  template:',
    '    metadata: { labels: { app: checkout } }',
    '    spec: { containers: [{ name: checkout, image: "ghcr.io/acme/checkout:1.14.2" }] }',
    '',
  ].join('\n'),
  'deploy/production/service.yaml':
    'apiVersion: v1\nkind: Service\nmetadata: { name: checkout, namespace: payments }\nspec: { selector: { app: checkout }, ports: [{ port: 80, targetPort: 8080 }] }\n',
  // reaches outside the project: cluster-wide admin for the team's service account
  'deploy/production/rbac.yaml': [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRoleBinding',
    'metadata: { name: checkout-cluster-admin }',
    'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }',
    'subjects: [{ kind: ServiceAccount, name: checkout, namespace: payments }]',
    '',
  ].join('\n'),
};

interface HubProblemBody {
  stage: string;
  code: string;
  message: string;
  action: string;
  file?: string;
  line?: number;
  field?: string;
  details?: Record<string, string | number | boolean>;
}
interface FleetBody {
  fleetAccepted: boolean;
  fleetProblems: { file: string; line: number; field: string; severity: string; message: string }[];
  problems: HubProblemBody[];
  failures: { app: string; target: string; code: string }[];
  lastPassAtMs?: number;
}

async function get<T>(route: string): Promise<T> {
  const res = await fetch(`${api}${route}`, { headers: bearer(tokens.read) });
  const body = (await res.json()) as T;
  expect(res.status, `GET ${route}`).toBe(200);
  expect(validator.response('get', route.split('?')[0] ?? route, 200, body)).toEqual([]);
  return body;
}

/** `app@target` of every desired state the hub holds, sorted. */
async function delivered(): Promise<string[]> {
  const body = await get<{ items: { target: string; app: string }[] }>('/api/v1/status?limit=500');
  return body.items.map((r) => `${r.app}@${r.target}`).sort();
}

/** `app@target rule` of every scope problem, sorted. */
function scopeProblems(body: FleetBody): string[] {
  return body.problems
    .filter((p) => p.stage === 'scope')
    .map(
      (p) =>
        `${String(p.details?.['app'])}@${String(p.details?.['target'])} ${String(p.details?.['rule'])}`,
    )
    .sort();
}

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0 });
  const git = fleet.git;
  const redis = fleet.redis;
  if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
  const fleetUrl = await git.createRepo(FLEET);
  const checkoutUrl = await git.createRepo('payments/checkout');
  const ledgerUrl = await git.createRepo('payments/ledger');
  const reportsUrl = await git.createRepo('analytics/reports');
  await git.commit('payments/checkout', { files: CHECKOUT, message: 'checkout 1.14.2' });
  await git.commit('payments/ledger', {
    files: {
      'k8s/configmap.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ledger, namespace: payments-ledger }\ndata: { RETENTION_DAYS: "3650" }\n',
    },
    message: 'ledger',
  });
  await git.commit('analytics/reports', {
    files: {
      'deploy/cronjob.yaml':
        'apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: payments-report, namespace: payments }\nspec: { schedule: "0 6 * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: Never, containers: [{ name: r, image: "ghcr.io/acme/reports:2.0.0" }] } } } } }\n',
    },
    message: 'reports',
  });
  projectFile = paymentsProject(git.url);
  await git.commit(FLEET, {
    files: {
      'README.md':
        '# ACME platform fleet\n\nClusters, projects and applications (gitfleet.dev/v1alpha1).\n',
      'clusters/prod-eu-1.yaml': target('prod-eu-1', 'prod', 'eu'),
      'clusters/prod-us-1.yaml': target('prod-us-1', 'prod', 'us'),
      'clusters/staging-eu-1.yaml': target('staging-eu-1', 'staging', 'eu'),
      'projects/payments.yaml': projectFile,
      'teams/payments/checkout.yaml': teamApp('checkout', checkoutUrl, 'deploy/production', 'prod'),
      'teams/payments/ledger.yaml': teamApp('ledger', ledgerUrl, 'k8s', 'prod, staging'),
      'teams/payments/reports.yaml': teamApp('reports', reportsUrl, 'deploy', 'prod'),
      'platform/ingress-nginx/application.yaml': doc(
        'kind: Application',
        'metadata: { name: ingress-nginx }',
        'spec:',
        '  source: { path: platform/ingress-nginx/manifests }',
        '  placement: { selector: {} }',
      ),
      'platform/ingress-nginx/manifests/namespace.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: ingress-nginx }\n',
      'platform/ingress-nginx/manifests/clusterrole.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: ingress-nginx }\nrules: [{ apiGroups: [""], resources: [services], verbs: [get, list, watch] }]\n',
    },
    message: 'payments project and applications',
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-projects-'));
  await mkdir(path.join(dir, 'tokens'));
  for (const t of ['prod-eu-1', 'prod-us-1', 'staging-eu-1']) {
    await writeFile(path.join(dir, 'tokens', `${t}.token`), randomBytes(16).toString('hex'));
  }
  tokens = await writeApiTokens(dir);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', fleetUrl, '--redis-url', redis.url],
        ...['--redis-prefix', `gf-${randomBytes(4).toString('hex')}:`],
        // no agent in this file: the AgentLink port on loopback, plaintext, static tokens
        ...['--insecure-plaintext', '--allow-static-tokens'],
        ...['--agent-tokens-dir', path.join(dir, 'tokens')],
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '1000', '--api-tokens-file', tokens.file],
      ],
      env: {},
    }),
    silentLogger,
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  const served = (await (
    await fetch(`${api}/api/v1/openapi.json`, { headers: bearer(tokens.read) })
  ).json()) as OpenApiDocument;
  validator = new DocumentValidator(served);
  await waitFor(
    'a resolve pass over the fleet',
    async () => (await get<FleetBody>('/api/v1/fleet')).lastPassAtMs !== undefined,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const line = (text: string, needle: string): number =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('an application outside its project', () => {
  it('is refused where it reaches out, as located problems of GET /api/v1/fleet; the fleet stays accepted', async () => {
    const body = await get<FleetBody>('/api/v1/fleet');
    expect(body.fleetAccepted).toBe(true);
    expect(scopeProblems(body)).toEqual([
      'checkout@prod-eu-1 kinds.allowClusterScoped',
      'checkout@prod-us-1 kinds.allowClusterScoped',
      'ledger@staging-eu-1 targets',
      'reports@prod-eu-1 sourceRepos',
      'reports@prod-us-1 sourceRepos',
    ]);
    const checkout = body.problems.find(
      (p) => p.details?.['app'] === 'checkout' && p.details['target'] === 'prod-eu-1',
    );
    expect(checkout).toMatchObject({
      stage: 'scope',
      code: 'SCOPE_VIOLATION',
      file: 'projects/payments.yaml',
      // no kinds.allowClusterScoped written: the problem points at `kinds`, where it would go
      line: line(projectFile, 'kinds:'),
      field: 'spec.kinds.allowClusterScoped',
      details: {
        project: 'payments',
        object: 'ClusterRoleBinding/checkout-cluster-admin',
      },
    });
    expect(checkout?.message).toMatch(
      /^application "checkout" on target "prod-eu-1": ClusterRoleBinding\/checkout-cluster-admin \(rbac.authorization.k8s.io\/ClusterRoleBinding\): cluster-scoped kind .* is not allowed by project "payments"/,
    );
    expect(checkout?.action).toMatch(
      /^remove the object from the application, or allow its kind in projects\/payments.yaml:\d+ spec.kinds.allowClusterScoped; what the target last received of the application stays/,
    );
    const ledger = body.problems.find((p) => p.details?.['app'] === 'ledger');
    expect(ledger).toMatchObject({
      file: 'projects/payments.yaml',
      line: line(projectFile, 'targets:'),
      field: 'spec.targets',
    });
    expect(ledger?.message).toMatch(/target "staging-eu-1" is outside project "payments"/);
    const reports = body.problems.find((p) => p.details?.['app'] === 'reports');
    expect(reports).toMatchObject({
      line: line(projectFile, 'sourceRepos:'),
      field: 'spec.sourceRepos',
    });
    expect(reports?.message).toMatch(
      /source http:\/\/127.0.0.1:\d+\/analytics\/reports.git is not allowed/,
    );
    // every refused pair is a failure too, and the fleet names where each app reaches out
    expect(body.failures.map((f) => `${f.app}@${f.target} ${f.code}`).sort()).toEqual([
      'checkout@prod-eu-1 SCOPE_VIOLATION',
      'checkout@prod-us-1 SCOPE_VIOLATION',
      'ledger@staging-eu-1 SCOPE_VIOLATION',
      'reports@prod-eu-1 SCOPE_VIOLATION',
      'reports@prod-us-1 SCOPE_VIOLATION',
    ]);
    expect(body.fleetProblems.map((p) => [p.file, p.field, p.severity])).toEqual([
      ['teams/payments/ledger.yaml', 'spec.placement.selector', 'warning'],
      ['teams/payments/reports.yaml', 'spec.source.repoURL', 'warning'],
    ]);
  });

  it('delivers nothing of the refused pairs, and everything else', async () => {
    expect(await delivered()).toEqual([
      'ingress-nginx@prod-eu-1',
      'ingress-nginx@prod-us-1',
      'ingress-nginx@staging-eu-1',
      'ledger@prod-eu-1',
      'ledger@prod-us-1',
    ]);
  });

  it('is delivered once it stays inside: the next pass clears its problems', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    await git.commit('payments/checkout', {
      files: { 'deploy/production/rbac.yaml': null },
      message: 'drop the cluster-wide binding',
    });
    // the hub polls the fleet repository; a change there makes the next pass read the sources
    await git.commit(FLEET, {
      files: { 'README.md': '# ACME platform fleet\n\nCheckout 1.14.2 rolled out.\n' },
      message: 'note the checkout release',
    });
    // the pass stores each pair as it goes and its status at the end: wait for the status
    const body = await waitFor(
      'a pass without the problems of checkout',
      async () => {
        const b = await get<FleetBody>('/api/v1/fleet');
        return scopeProblems(b).some((p) => p.startsWith('checkout@')) ? undefined : b;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(scopeProblems(body)).toEqual([
      'ledger@staging-eu-1 targets',
      'reports@prod-eu-1 sourceRepos',
      'reports@prod-us-1 sourceRepos',
    ]);
    expect(body.fleetAccepted).toBe(true);
    expect((await delivered()).filter((d) => d.startsWith('checkout@'))).toEqual([
      'checkout@prod-eu-1',
      'checkout@prod-us-1',
    ]);
    expect(await delivered()).not.toContain('checkout@staging-eu-1');
  });
});
