/**
 * A stand-in ingress controller for a test cluster, as kwok stands in for the kubelet: it watches
 * every Ingress and writes an address into `status.loadBalancer.ingress` of each that has none,
 * as a real controller does once it has admitted the Ingress. Without it an Ingress would never
 * be "ready" to an engine that waits for the address (gitfleet, Argo CD); Flux's kstatus does not
 * look at it. The side-by-side benchmark runs one on every cluster so both engines see the same
 * cluster behaviour.
 */
import https from 'node:https';
import type { KubeCluster } from '../fleet/kube.ts';

const INGRESSES = '/apis/networking.k8s.io/v1/ingresses';

interface Ingress {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  status?: { loadBalancer?: { ingress?: unknown[] } };
}

export interface IngressAdmitter {
  /** Ingresses given an address so far. */
  admitted(): number;
  stop(): void;
}

export function startIngressAdmitter(cluster: KubeCluster, address = '10.0.1.1'): IngressAdmitter {
  let stopped = false;
  let count = 0;
  let req: ReturnType<typeof https.request> | undefined;
  const inFlight = new Set<string>();

  const admit = async (ing: Ingress): Promise<void> => {
    const ns = ing.metadata?.namespace;
    const name = ing.metadata?.name;
    if (ns === undefined || name === undefined) return;
    if ((ing.status?.loadBalancer?.ingress ?? []).length > 0) return;
    const key = `${ns}/${name}`;
    if (inFlight.has(key)) return;
    inFlight.add(key);
    try {
      const res = await cluster.request(
        'PATCH',
        `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${name}/status`,
        { status: { loadBalancer: { ingress: [{ ip: address }] } } },
        'application/merge-patch+json',
      );
      if (res.status === 200) count++;
    } catch {
      // the next event for it retries
    } finally {
      inFlight.delete(key);
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const list = await cluster.request<{
          metadata?: { resourceVersion?: string };
          items?: Ingress[];
        }>('GET', INGRESSES);
        for (const i of list.body.items ?? []) void admit(i);
        const rv = list.body.metadata?.resourceVersion ?? '0';
        await watch(rv);
      } catch {
        // list or watch failed (apiserver restarting): list again shortly
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 200));
    }
  };

  const watch = (rv: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const token = cluster.token;
      const url = new URL(
        `${INGRESSES}?watch=true&resourceVersion=${rv}&timeoutSeconds=600`,
        cluster.server,
      );
      req = https.request(
        url,
        {
          method: 'GET',
          ca: cluster.caData,
          agent: false,
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            accept: 'application/json',
          },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`watch ingresses: HTTP ${String(res.statusCode)}`));
            return;
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim() === '') continue;
              try {
                const ev = JSON.parse(line) as { type: string; object: Ingress };
                if (ev.type === 'ADDED' || ev.type === 'MODIFIED') void admit(ev.object);
              } catch {
                // not an event
              }
            }
          });
          res.on('end', () => resolve());
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });

  void loop();
  return {
    admitted: () => count,
    stop: () => {
      stopped = true;
      req?.destroy();
    },
  };
}
