/**
 * The rendered objects of a typical app (what an assignment carries: no status, no server
 * fields), for apply-order and inventory tests.
 */
import type { KubeObject } from '@gitfleet/proto/domain';
import { asObject } from '../kube-object.ts';

function manifest(
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
  annotations?: Readonly<Record<string, string>>,
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(annotations === undefined ? {} : { annotations }),
    },
  };
}

export const namespace = manifest('v1', 'Namespace', 'shop');
export const crd = manifest(
  'apiextensions.k8s.io/v1',
  'CustomResourceDefinition',
  'widgets.acme.dev',
);
export const widget = manifest('acme.dev/v1', 'Widget', 'blue', 'shop');
export const knativeService = manifest('serving.knative.dev/v1', 'Service', 'hello', 'shop');
export const serviceAccount = manifest('v1', 'ServiceAccount', 'web', 'shop');
export const secret = manifest('v1', 'Secret', 'web-db', 'shop');
export const configMap = manifest('v1', 'ConfigMap', 'web-config', 'shop');
export const pvc = manifest('v1', 'PersistentVolumeClaim', 'uploads', 'shop');
export const clusterRole = manifest('rbac.authorization.k8s.io/v1', 'ClusterRole', 'widget-reader');
export const clusterRoleBinding = manifest(
  'rbac.authorization.k8s.io/v1',
  'ClusterRoleBinding',
  'widget-reader',
);
export const role = manifest('rbac.authorization.k8s.io/v1', 'Role', 'web', 'shop');
export const roleBinding = manifest('rbac.authorization.k8s.io/v1', 'RoleBinding', 'web', 'shop');
export const service = manifest('v1', 'Service', 'web', 'shop');
export const deployment = manifest('apps/v1', 'Deployment', 'web', 'shop');
export const statefulSet = manifest('apps/v1', 'StatefulSet', 'db', 'shop');
export const hpa = manifest('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', 'shop');
export const job = manifest('batch/v1', 'Job', 'db-migrate', 'shop');
export const cronJob = manifest('batch/v1', 'CronJob', 'nightly-report', 'shop');
export const ingress = manifest('networking.k8s.io/v1', 'Ingress', 'web', 'shop');
export const apiService = manifest('apiregistration.k8s.io/v1', 'APIService', 'v1.acme.dev');
export const validatingWebhook = manifest(
  'admissionregistration.k8s.io/v1',
  'ValidatingWebhookConfiguration',
  'widgets.acme.dev',
);
export const mutatingWebhook = manifest(
  'admissionregistration.k8s.io/v1',
  'MutatingWebhookConfiguration',
  'widgets.acme.dev',
);

/** Every object above, in a deliberately unhelpful order. */
export const allManifests: readonly KubeObject[] = [
  validatingWebhook,
  widget,
  deployment,
  ingress,
  knativeService,
  cronJob,
  job,
  hpa,
  statefulSet,
  service,
  roleBinding,
  role,
  clusterRoleBinding,
  clusterRole,
  pvc,
  configMap,
  secret,
  serviceAccount,
  apiService,
  mutatingWebhook,
  namespace,
  crd,
];

/** A copy of `obj` with the sync-wave annotation. */
export function inWave(obj: KubeObject, wave: string): KubeObject {
  const metadata = asObject(obj['metadata']) ?? {};
  return { ...obj, metadata: { ...metadata, annotations: { 'gitfleet.dev/sync-wave': wave } } };
}
