/**
 * A fleet repository as the Git adapter hands it to the renderer: repository path → file text.
 * Two apps: `apps/web` (Deployment + Service + ConfigMap, a JSON List, a fleet object to skip)
 * and `apps/widgets` (CRDs, a cluster-scoped and a namespaced custom resource, RBAC).
 */
import type { Overlay } from '../overlays.ts';

export const webDeployment = `# The web frontend.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: ghcr.io/acme/web:1.4.0
          ports:
            - containerPort: 8080
              name: http
          env:
            - name: REGION
              value: \${target.labels.region}
            - name: LOG_LEVEL
              value: info
          volumeMounts:
            - name: config
              mountPath: /etc/web
        - name: metrics
          image: ghcr.io/acme/metrics-sidecar:0.9.2
      volumes:
        - name: config
          configMap:
            name: web-config
`;

export const webServiceAndConfig = `---
# only a comment: an empty document
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app.kubernetes.io/name: web
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  cluster: \${target.name}
  environment: \${environment}
  literal: $\${target.name}
  start.sh: |
    #!/bin/sh
    exec web --home "\${HOME}" --listen :8080
---
`;

/** kubectl-style JSON List: a ServiceAccount and a Role. */
export const webRbacJson = JSON.stringify(
  {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'web' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'] }],
      },
    ],
  },
  null,
  4,
);

/** gitfleet's own object, next to the manifests: not a manifest. */
export const webApplication = `apiVersion: gitfleet.dev/v1alpha1
kind: Application
metadata:
  name: web
spec:
  path: apps/web
`;

export const widgetCrds = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusterwidgets.acme.dev
spec:
  group: acme.dev
  scope: Cluster
  names:
    kind: ClusterWidget
    plural: clusterwidgets
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.acme.dev
spec:
  group: acme.dev
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;

export const widgetObjects = `apiVersion: acme.dev/v1
kind: ClusterWidget
metadata:
  name: global
spec:
  region: \${target.labels.region}
---
apiVersion: acme.dev/v1
kind: Widget
metadata:
  name: blue
spec:
  size: 3
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:widget-reader
rules:
  - apiGroups: [acme.dev]
    resources: [widgets, clusterwidgets]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: widget-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:widget-reader
subjects:
  - kind: ServiceAccount
    name: widget-operator
  - kind: ServiceAccount
    name: auditor
    namespace: audit
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: widget-admins
`;

export const files: ReadonlyMap<string, string> = new Map([
  ['README.md', '# fleet repository\n'],
  ['apps/web/service.yaml', webServiceAndConfig],
  ['apps/web/deployment.yaml', webDeployment],
  ['apps/web/rbac.json', webRbacJson],
  ['apps/web/app.yaml', webApplication],
  ['apps/web/NOTES.txt', 'not a manifest\n'],
  ['apps/widgets/crds.yaml', widgetCrds],
  ['apps/widgets/objects/widgets.yml', widgetObjects],
]);

/** A copy of `files` with some entries replaced (or added). */
export function withFiles(changes: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  return new Map([...files, ...Object.entries(changes)]);
}

/** The prod environment's overlay for apps/web: namespace, 3 replicas, a newer image. */
export const prodOverlay: Overlay = {
  name: 'environment prod',
  namespace: 'shop-${environment}',
  patches: [
    {
      target: { group: 'apps', kind: 'Deployment', name: 'web' },
      merge: {
        spec: {
          replicas: 3,
          template: {
            spec: {
              containers: [{ name: 'web', resources: { limits: { memory: '512Mi' } } }],
            },
          },
        },
      },
    },
    {
      target: { kind: 'Deployment', name: 'web' },
      jsonPatch: [
        { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'web' },
        {
          op: 'replace',
          path: '/spec/template/spec/containers/0/image',
          value: 'ghcr.io/acme/web:1.5.0',
        },
      ],
    },
  ],
};

/** Target edge-eu-1, with its region label. */
export const edgeEu = {
  target: 'edge-eu-1',
  labels: { region: 'eu-west-1', tier: 'edge' },
  environment: 'prod',
} as const;
