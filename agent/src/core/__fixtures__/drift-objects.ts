/**
 * Desired/live pairs for drift tests. Desired objects are what Git renders; live objects are what
 * the API server returns after `gitfleet-agent` applied them with server-side apply: defaulted
 * fields, canonical quantities, status, and managedFields as a v1.30+ API server writes them
 * (FieldsV1; `k:` keys for list-map elements, `v:` for set members, atomic structs as `{}`).
 */
import type { JsonValue, KubeObject } from '@gitfleet/proto/domain';

export const AGENT = 'gitfleet-agent';

// ---------------------------------------------------------------------------------------------
// apps/v1 Deployment shop/web: two containers, probes, resources, a ConfigMap volume

export const webDesired: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    labels: {
      'app.kubernetes.io/name': 'web',
      'app.kubernetes.io/managed-by': 'gitfleet',
      'gitfleet.dev/app': 'shop',
    },
    annotations: { 'prometheus.io/scrape': 'true' },
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'ghcr.io/acme/web:1.4.2',
            args: ['--listen=:8080'],
            ports: [{ name: 'http', containerPort: 8080 }],
            env: [
              { name: 'LOG_LEVEL', value: 'info' },
              {
                name: 'DB_PASSWORD',
                valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } },
              },
            ],
            resources: {
              requests: { cpu: 0.25, memory: '256Mi' },
              limits: { cpu: 1, memory: '0.5Gi' },
            },
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
            volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }],
          },
          {
            name: 'log-shipper',
            image: 'fluent/fluent-bit:3.1.9',
            resources: { requests: { cpu: '50m', memory: '64Mi' } },
          },
        ],
        volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
      },
    },
  },
};

/** fieldsV1 of gitfleet-agent's Apply of webDesired. */
export const webAgentFields: JsonValue = {
  'f:metadata': {
    'f:annotations': { 'f:prometheus.io/scrape': {} },
    'f:labels': {
      'f:app.kubernetes.io/managed-by': {},
      'f:app.kubernetes.io/name': {},
      'f:gitfleet.dev/app': {},
    },
  },
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:strategy': {
      'f:rollingUpdate': { 'f:maxSurge': {}, 'f:maxUnavailable': {} },
      'f:type': {},
    },
    'f:template': {
      'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/name': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': {
            '.': {},
            'f:args': {},
            'f:env': {
              'k:{"name":"DB_PASSWORD"}': {
                '.': {},
                'f:name': {},
                'f:valueFrom': { 'f:secretKeyRef': {} },
              },
              'k:{"name":"LOG_LEVEL"}': { '.': {}, 'f:name': {}, 'f:value': {} },
            },
            'f:image': {},
            'f:name': {},
            'f:ports': {
              'k:{"containerPort":8080,"protocol":"TCP"}': {
                '.': {},
                'f:containerPort': {},
                'f:name': {},
              },
            },
            'f:readinessProbe': {
              'f:httpGet': { 'f:path': {}, 'f:port': {} },
              'f:periodSeconds': {},
            },
            'f:resources': {
              'f:limits': { 'f:cpu': {}, 'f:memory': {} },
              'f:requests': { 'f:cpu': {}, 'f:memory': {} },
            },
            'f:volumeMounts': {
              'k:{"mountPath":"/etc/web"}': {
                '.': {},
                'f:mountPath': {},
                'f:name': {},
                'f:readOnly': {},
              },
            },
          },
          'k:{"name":"log-shipper"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:resources': { 'f:requests': { 'f:cpu': {}, 'f:memory': {} } },
          },
        },
        'f:volumes': {
          'k:{"name":"config"}': { '.': {}, 'f:configMap': { 'f:name': {} }, 'f:name': {} },
        },
      },
    },
  },
};

export const webLive: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: '5b0c1f7e-3c55-4a61-9a0e-2f1f7e0c9d42',
    resourceVersion: '918273',
    generation: 4,
    creationTimestamp: '2026-11-20T09:12:30Z',
    labels: {
      'app.kubernetes.io/name': 'web',
      'app.kubernetes.io/managed-by': 'gitfleet',
      'gitfleet.dev/app': 'shop',
    },
    annotations: {
      'deployment.kubernetes.io/revision': '4',
      'prometheus.io/scrape': 'true',
    },
    managedFields: [
      {
        manager: AGENT,
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2026-11-25T14:03:08Z',
        fieldsType: 'FieldsV1',
        fieldsV1: webAgentFields,
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-11-25T14:03:08Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': {
            'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} },
          },
        },
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-11-25T14:03:21Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:status': {
            'f:availableReplicas': {},
            'f:conditions': {
              '.': {},
              'k:{"type":"Available"}': {
                '.': {},
                'f:lastTransitionTime': {},
                'f:lastUpdateTime': {},
                'f:message': {},
                'f:reason': {},
                'f:status': {},
                'f:type': {},
              },
              'k:{"type":"Progressing"}': {
                '.': {},
                'f:lastTransitionTime': {},
                'f:lastUpdateTime': {},
                'f:message': {},
                'f:reason': {},
                'f:status': {},
                'f:type': {},
              },
            },
            'f:observedGeneration': {},
            'f:readyReplicas': {},
            'f:replicas': {},
            'f:updatedReplicas': {},
          },
        },
        subresource: 'status',
      },
    ],
  },
  spec: {
    progressDeadlineSeconds: 600,
    replicas: 3,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: {
      metadata: { creationTimestamp: null, labels: { 'app.kubernetes.io/name': 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'ghcr.io/acme/web:1.4.2',
            imagePullPolicy: 'IfNotPresent',
            args: ['--listen=:8080'],
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [
              { name: 'LOG_LEVEL', value: 'info' },
              {
                name: 'DB_PASSWORD',
                valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } },
              },
            ],
            resources: {
              limits: { cpu: '1', memory: '512Mi' },
              requests: { cpu: '250m', memory: '256Mi' },
            },
            readinessProbe: {
              httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
              periodSeconds: 5,
              timeoutSeconds: 1,
              successThreshold: 1,
              failureThreshold: 3,
            },
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }],
          },
          {
            name: 'log-shipper',
            image: 'fluent/fluent-bit:3.1.9',
            imagePullPolicy: 'IfNotPresent',
            resources: { requests: { cpu: '50m', memory: '64Mi' } },
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
        volumes: [{ name: 'config', configMap: { name: 'web-config', defaultMode: 420 } }],
      },
    },
  },
  status: {
    observedGeneration: 4,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastUpdateTime: '2026-11-20T09:12:44Z',
        lastTransitionTime: '2026-11-20T09:12:44Z',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      },
      {
        type: 'Progressing',
        status: 'True',
        lastUpdateTime: '2026-11-25T14:03:21Z',
        lastTransitionTime: '2026-11-20T09:12:30Z',
        reason: 'NewReplicaSetAvailable',
        message: 'ReplicaSet "web-7c9d8f6b5d" has successfully progressed.',
      },
    ],
  },
};

// managedFields entries that kubectl writes (manager names as kubectl sets them)

/** `kubectl scale deployment web --replicas=5` (the scale subresource). */
export const kubectlScaleEntry: JsonValue = {
  manager: 'kubectl',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-11-25T15:40:02Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:spec': { 'f:replicas': {} } },
  subresource: 'scale',
};

/** `kubectl edit deployment web` changing the web container's image. */
export const kubectlEditImageEntry: JsonValue = {
  manager: 'kubectl-edit',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-11-25T15:41:17Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:spec': {
      'f:template': {
        'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } },
      },
    },
  },
};

/** `kubectl label deployment web app.kubernetes.io/managed-by=helm --overwrite team=payments`. */
export const kubectlLabelEntry: JsonValue = {
  manager: 'kubectl-label',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-11-25T15:42:30Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {}, 'f:team': {} } },
  },
};

/** `kubectl apply` (client-side) of an old manifest with LOG_LEVEL=debug. */
export const kubectlClientSideApplyEntry: JsonValue = {
  manager: 'kubectl-client-side-apply',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-11-25T15:43:55Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': {
      'f:annotations': {
        '.': {},
        'f:kubectl.kubernetes.io/last-applied-configuration': {},
      },
    },
    'f:spec': {
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': { 'f:env': { 'k:{"name":"LOG_LEVEL"}': { 'f:value': {} } } },
          },
        },
      },
    },
  },
};

/** `kubectl apply --server-side --force-conflicts` of a manifest with another memory limit. */
export const kubectlServerSideApplyEntry: JsonValue = {
  manager: 'kubectl',
  operation: 'Apply',
  apiVersion: 'apps/v1',
  time: '2026-11-25T15:45:12Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:spec': {
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:name': {},
              'f:resources': { 'f:limits': { 'f:memory': {} } },
            },
          },
        },
      },
    },
  },
};

/** Fields an object had before its first server-side apply (it was created with kubectl create). */
export const beforeFirstApplyEntry: JsonValue = {
  manager: 'before-first-apply',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2026-11-20T09:12:30Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': {
      'f:finalizers': { '.': {}, 'v:"example.com/drain-before-delete"': {} },
      'f:labels': { 'f:team': {} },
    },
  },
};

// ---------------------------------------------------------------------------------------------
// v1 Secret shop/web-db: stringData in Git, base64 data in the cluster

export const secretDesired: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'web-db', namespace: 'shop', labels: { 'gitfleet.dev/app': 'shop' } },
  type: 'Opaque',
  stringData: { password: 'hunter2', username: 'web' },
  data: { 'ca.crt': 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t' },
};

export const secretLive: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'web-db',
    namespace: 'shop',
    uid: '0f7f5ad4-2c1e-4bb9-8f55-97e3f3f7a1c0',
    resourceVersion: '918101',
    creationTimestamp: '2026-11-20T09:12:29Z',
    labels: { 'gitfleet.dev/app': 'shop' },
    managedFields: [
      {
        manager: AGENT,
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2026-11-20T09:12:29Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { 'f:ca.crt': {}, 'f:password': {}, 'f:username': {} },
          'f:metadata': { 'f:labels': { 'f:gitfleet.dev/app': {} } },
          'f:type': {},
        },
      },
    ],
  },
  type: 'Opaque',
  data: {
    'ca.crt': 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
    password: 'aHVudGVyMg==',
    username: 'd2Vi',
  },
};

// ---------------------------------------------------------------------------------------------
// v1 Service shop/web: unnamed port, int-or-string targetPort

export const serviceDesired: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    selector: { 'app.kubernetes.io/name': 'web' },
    ports: [{ port: 80, targetPort: '8080' }],
  },
};

export const serviceLive: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: '8d2b8c0e-6f59-4a53-a8a5-0d3c1b9e77aa',
    resourceVersion: '918150',
    creationTimestamp: '2026-11-20T09:12:30Z',
  },
  spec: {
    clusterIP: '10.96.112.17',
    clusterIPs: ['10.96.112.17'],
    internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [
      { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 },
      { port: 80, protocol: 'TCP', targetPort: 8080 },
    ],
    selector: { 'app.kubernetes.io/name': 'web' },
    sessionAffinity: 'None',
    type: 'ClusterIP',
  },
  status: { loadBalancer: {} },
};
