/**
 * A realistic fleet repository shared by the fleet tests: three targets (one file per cluster
 * group, one of them multi-document), two environments (prod with pins, a target pin and sync
 * windows), two applications with overlays (shop with a rollout strategy), and application
 * manifests living in the same repository.
 */

export const TARGET_DEV = `apiVersion: gitfleet.dev/v1alpha1
kind: Target
metadata:
  name: dev-local
  labels:
    env: dev
    region: local
`;

export const TARGETS_PROD = `# Production clusters, one document each.
apiVersion: gitfleet.dev/v1alpha1
kind: Target
metadata:
  name: prod-eu-1
  labels:
    env: prod
    region: eu
    topology.kubernetes.io/zone: eu-west-1a
---
apiVersion: gitfleet.dev/v1alpha1
kind: Target
metadata:
  name: prod-us-1
  labels:
    env: prod
    region: us
`;

export const ENV_DEV = `apiVersion: gitfleet.dev/v1alpha1
kind: Environment
metadata:
  name: dev
spec:
  selector:
    matchLabels:
      env: dev
  pins: {}
`;

export const ENV_PROD = `apiVersion: gitfleet.dev/v1alpha1
kind: Environment
metadata:
  name: prod
  annotations:
    gitfleet.dev/owner: platform-team
spec:
  selector:
    matchExpressions:
      - key: env
        operator: In
        values: [prod]
  pins:
    podinfo: v6.7.0
    shop: 3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49
  targetPins:
    prod-us-1:
      podinfo: v6.6.3
  frozen: false
  syncWindows:
    - kind: deny
      schedule: "0 22 * * *"
      duration: 8h
      timeZone: Europe/Paris
    - kind: allow
      schedule: 0 8 * * mon-fri
      duration: 10h
`;

export const APP_PODINFO = `apiVersion: gitfleet.dev/v1alpha1
kind: Application
metadata:
  name: podinfo
spec:
  source:
    path: ./apps/podinfo/manifests/
  placement:
    selector:
      matchLabels: {}
  overlays:
    - environment: prod
      patches:
        - target: { group: apps, kind: Deployment, name: podinfo }
          merge:
            spec:
              replicas: 3
    - selector:
        matchLabels: { region: eu }
      patches:
        - target: { kind: ConfigMap, name: podinfo-config }
          jsonPatch:
            - op: add
              path: /data/REGION
              value: \${target.labels.region}
            - op: remove
              path: /data/DEBUG
`;

export const APP_SHOP = `apiVersion: gitfleet.dev/v1alpha1
kind: Application
metadata:
  name: shop
  labels:
    team: payments
spec:
  source:
    repoURL: https://git.example.com/payments/shop.git
    path: deploy/base
    targetRevision: release/2.x
  placement:
    selector:
      matchExpressions:
        - key: env
          operator: In
          values: [prod, dev]
        - key: canary
          operator: DoesNotExist
  policies:
    sync: manual
    prune: { enabled: true, allowEmpty: false }
    drift:
      mode: warn
      overrides:
        - selector: { group: apps, kind: Deployment }
          mode: correct
    ignore:
      - selector: { group: autoscaling, kind: HorizontalPodAutoscaler }
        jsonPointers: [/spec/minReplicas]
    unmanaged:
      mode: warn
      allow: [{ kind: ConfigMap, name: kube-root-ca.crt }]
    conflict: report
    deletion: orphan
  overlays:
    - target: prod-eu-1
      namespace: shop-\${target.labels.region}
  rollout:
    waves:
      - name: canary
        selector: { matchLabels: { env: dev } }
        maxUnavailable: 1
        soak: 30s
      - name: prod
        selector: {}
        maxUnavailable: 50%
        gate: manual
    progressDeadline: 10m
    failureBudget: 0
    onFailure: rollback
    staleTargets: block
`;

/** An application manifest next to the fleet files: mentions gitfleet.dev/ but is not ours. */
export const PODINFO_CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-config
  annotations:
    gitfleet.dev/sync-wave: "1"
data:
  DEBUG: "true"
`;

/** A Helm template in the same repository: not valid YAML, and never read. */
export const HELM_TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  annotations:
    gitfleet.dev/sync-wave: "2"
  {{- if .Values.labels }}
  labels: {{ toYaml .Values.labels | nindent 4 }}
  {{- end }}
`;

export const VALID_FLEET: Readonly<Record<string, string>> = {
  'README.md': '# Fleet\n\napiVersion: gitfleet.dev/v1alpha1 objects live here.\n',
  'targets/dev.yaml': TARGET_DEV,
  'targets/prod.yml': TARGETS_PROD,
  'environments/dev.yaml': ENV_DEV,
  'environments/prod.yaml': ENV_PROD,
  'apps/podinfo/application.yaml': APP_PODINFO,
  'apps/podinfo/manifests/configmap.yaml': PODINFO_CONFIGMAP,
  'apps/shop/application.yaml': APP_SHOP,
  'charts/shop/templates/deployment.yaml': HELM_TEMPLATE,
};

/**
 * The valid fleet with some files replaced, added (a string) or removed (null).
 *
 * @example fleetWith({ 'environments/dev.yaml': null })
 */
export function fleetWith(
  changes: Readonly<Record<string, string | null>> = {},
): Map<string, string> {
  const files = new Map(Object.entries(VALID_FLEET));
  for (const [path, text] of Object.entries(changes)) {
    if (text === null) files.delete(path);
    else files.set(path, text);
  }
  return files;
}

/** 1-based line of the only line of `text` containing `needle` (throws if not exactly one). */
export function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const found = lines.flatMap((line, i) => (line.includes(needle) ? [i + 1] : []));
  if (found.length !== 1 || found[0] === undefined) {
    throw new Error(`"${needle}" is on ${String(found.length)} lines, expected exactly one`);
  }
  return found[0];
}
