/** Health of Service and Ingress: both wait for an address only where one is expected. */
import type { Health, KubeObject } from '@gitfleet/proto/domain';
import { asArray, asString, at } from '../kube-object.ts';
import { health } from './result.ts';

function hasLoadBalancerIngress(obj: KubeObject): boolean {
  return asArray(at(obj, 'status', 'loadBalancer', 'ingress')).length > 0;
}

/**
 * Service: type LoadBalancer without `status.loadBalancer.ingress` → Progressing (the cloud or
 * in-cluster load balancer has not assigned an address yet); every other type → Healthy.
 */
export function serviceHealth(obj: KubeObject): Health {
  if (asString(at(obj, 'spec', 'type')) !== 'LoadBalancer') return health('Healthy');
  return hasLoadBalancerIngress(obj)
    ? health('Healthy')
    : health('Progressing', 'Waiting for the load balancer to assign an address');
}

/**
 * Ingress: an address in `status.loadBalancer.ingress` → Healthy, else Progressing (as Argo CD:
 * the ingress controller has not admitted it yet).
 */
export function ingressHealth(obj: KubeObject): Health {
  return hasLoadBalancerIngress(obj)
    ? health('Healthy')
    : health('Progressing', 'Waiting for the ingress controller to assign an address');
}
