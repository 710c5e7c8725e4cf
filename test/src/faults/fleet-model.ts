/**
 * The fleet repository of the fault suite, as a model: targets, and per scenario one application
 * of ConfigMaps in its own namespace whose content is a label (`data.rev`). The model renders to
 * the repository's files and says which objects each target must hold — what the invariant
 * checker compares the clusters with.
 */

export interface FaultApp {
  readonly name: string;
  /** Targets it is placed on (by the `target` label). */
  readonly targets: readonly string[];
  /** ConfigMaps it renders (`cm-0001` …), in namespace `name`. */
  readonly objects: number;
  /** Content label every object carries (`data.rev`). */
  readonly rev: string;
  /** A `rollout:` block (YAML lines, indented under spec), or none. */
  readonly rollout?: readonly string[];
}

/** `cm-0001` … (zero-padded so names sort in creation order). */
export function objectName(i: number): string {
  return `cm-${String(i).padStart(4, '0')}`;
}

export function targetFile(targets: readonly string[]): string {
  return targets
    .map((t) =>
      [
        'apiVersion: gitfleet.dev/v1alpha1',
        'kind: Target',
        `metadata: { name: ${t}, labels: { target: ${t} } }`,
        '',
      ].join('\n'),
    )
    .join('---\n');
}

/** The files of one application (application.yaml and its manifests). */
export function appFiles(app: FaultApp): Record<string, string> {
  const application = [
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Application',
    `metadata: { name: ${app.name} }`,
    'spec:',
    `  source: { path: apps/${app.name}/manifests }`,
    `  placement: { selector: { matchExpressions: [{ key: target, operator: In, values: [${app.targets.join(', ')}] }] } }`,
    ...(app.rollout ?? []).map((l) => `  ${l}`),
    '',
  ].join('\n');
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${app.name} }\n`];
  for (let i = 1; i <= app.objects; i++) {
    docs.push(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        `metadata: { name: ${objectName(i)}, namespace: ${app.name} }`,
        'data:',
        `  rev: "${app.rev}"`,
        `  greeting: "object ${String(i)} of ${app.name} at ${app.rev}"`,
        '',
      ].join('\n'),
    );
  }
  return {
    [`apps/${app.name}/application.yaml`]: application,
    [`apps/${app.name}/manifests/objects.yaml`]: docs.join('---\n'),
  };
}

/** `target/namespace/name` → expected `data.rev`, for every object of `app`. */
export function expectedObjects(app: FaultApp): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of app.targets) {
    for (let i = 1; i <= app.objects; i++) out.set(`${t}/${app.name}/${objectName(i)}`, app.rev);
  }
  return out;
}
