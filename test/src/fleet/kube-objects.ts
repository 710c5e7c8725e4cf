/** Small helpers to talk to a test cluster as admin: server-side apply and status reads. */
import type { KubeCluster } from './kube.ts';
import { waitFor } from './wait.ts';

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
}

/** Server-side apply of one object through the raw REST API (field manager `manager`). */
export async function serverSideApply(
  cluster: KubeCluster,
  obj: { apiVersion: string; kind: string; metadata: ObjectMeta },
  manager = 'gitfleet-test',
): Promise<unknown> {
  const plural = `${obj.kind.toLowerCase()}s`;
  const [group, version] = obj.apiVersion.includes('/')
    ? obj.apiVersion.split('/')
    : ['', obj.apiVersion];
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const ns = obj.metadata.namespace === undefined ? '' : `/namespaces/${obj.metadata.namespace}`;
  const p = `${base}${ns}/${plural}/${obj.metadata.name}?fieldManager=${manager}&force=true`;
  const res = await cluster.request('PATCH', p, obj, 'application/apply-patch+yaml');
  if (res.status >= 300) {
    throw new Error(
      `apply ${obj.kind}/${obj.metadata.name} on ${cluster.name}: HTTP ${res.status} ${JSON.stringify(res.body)}`,
    );
  }
  return res.body;
}

export function deployment(
  namespace: string,
  name: string,
  replicas = 2,
): {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: unknown;
} {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  };
}

interface DeploymentStatus {
  status?: { conditions?: { type: string; status: string }[]; availableReplicas?: number };
}

/** Waits until the Deployment's Available condition is True; returns the time it took. */
export async function waitDeploymentAvailable(
  cluster: KubeCluster,
  namespace: string,
  name: string,
  timeoutMs = 30_000,
): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    `${cluster.name}: Deployment ${namespace}/${name} Available`,
    async () => {
      const r = await cluster.request<DeploymentStatus>(
        'GET',
        `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
      );
      return (
        r.body.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ===
        true
      );
    },
    { timeoutMs, intervalMs: 50 },
  );
  return Date.now() - t0;
}
