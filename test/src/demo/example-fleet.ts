/**
 * The example fleet repository the demo serves: targets, an environment per stage, one app rolled
 * out in waves (dev → staging → prod behind a manual gate).
 */
export const EXAMPLE_FLEET_FILES: Record<string, string> = {
  'README.md':
    '# Example gitfleet fleet\n\nTargets, environments and applications of the local demo.\n',
  'targets/dev.yaml': target('dev', 'dev'),
  'targets/staging.yaml': target('staging', 'staging'),
  'targets/prod.yaml': target('prod', 'prod'),
  'environments/dev.yaml': environment('dev'),
  'environments/staging.yaml': environment('staging'),
  'environments/prod.yaml': environment('prod'),
  'apps/podinfo/application.yaml': [
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Application',
    'metadata:',
    '  name: podinfo',
    'spec:',
    '  source:',
    '    path: apps/podinfo/manifests',
    '  placement:',
    '    selector:',
    '      matchLabels: {}',
    '  policies:',
    '    sync: automated',
    '    prune: true',
    '    drift: correct',
    '  # a new revision goes to dev first, soaks, then staging; prod waits for an approval',
    '  rollout:',
    '    waves:',
    '      - name: canary',
    '        selector: { matchLabels: { env: dev } }',
    '        soak: 15s',
    '      - name: staging',
    '        selector: { matchLabels: { env: staging } }',
    '      - name: prod',
    '        selector: { matchLabels: { env: prod } }',
    '        gate: manual',
    '    progressDeadline: 2m',
    '    onFailure: rollback',
    '',
  ].join('\n'),
  'apps/podinfo/manifests/namespace.yaml':
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n',
  'apps/podinfo/manifests/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: podinfo',
    '  namespace: podinfo',
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels: { app: podinfo }',
    '  template:',
    '    metadata:',
    '      labels: { app: podinfo }',
    '    spec:',
    '      containers:',
    '        - name: podinfo',
    '          image: ghcr.io/stefanprodan/podinfo:6.7.0',
    '',
  ].join('\n'),
};

function target(name: string, env: string): string {
  return [
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Target',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    `    env: ${env}`,
    '    region: local',
    '',
  ].join('\n');
}

function environment(name: string): string {
  return [
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Environment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  selector:',
    '    matchLabels:',
    `      env: ${name}`,
    '  pins: {}',
    '',
  ].join('\n');
}
