/** Services and Ingresses with and without an assigned address. */
import type { KubeObject } from '@gitfleet/proto/domain';

const clusterIpSpec = {
  type: 'ClusterIP',
  clusterIP: '10.43.12.7',
  clusterIPs: ['10.43.12.7'],
  ipFamilies: ['IPv4'],
  ipFamilyPolicy: 'SingleStack',
  selector: { app: 'web' },
  ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
  sessionAffinity: 'None',
};

export const serviceClusterIp: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec: clusterIpSpec,
  status: { loadBalancer: {} },
};

/** No load balancer controller has answered yet (EXTERNAL-IP <pending>). */
export const serviceLoadBalancerPending: KubeObject = {
  ...serviceClusterIp,
  metadata: { name: 'web-public', namespace: 'shop' },
  spec: {
    ...clusterIpSpec,
    type: 'LoadBalancer',
    allocateLoadBalancerNodePorts: true,
    externalTrafficPolicy: 'Cluster',
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31380 }],
  },
  status: { loadBalancer: {} },
};

export const serviceLoadBalancerReady: KubeObject = {
  ...serviceLoadBalancerPending,
  status: { loadBalancer: { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }] } },
};

export const ingressPending: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop', generation: 1 },
  spec: {
    ingressClassName: 'traefik',
    rules: [
      {
        host: 'shop.example.com',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 'web', port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
  status: { loadBalancer: {} },
};

export const ingressReady: KubeObject = {
  ...ingressPending,
  status: { loadBalancer: { ingress: [{ ip: '10.0.0.11' }, { ip: '10.0.0.12' }] } },
};
