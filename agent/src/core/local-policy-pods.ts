/**
 * The privileged-pod rule of the agent's local policy: which fields of an object's pod spec give
 * its containers power over the node — the node's network, process or IPC namespaces, a path of
 * the node's file system, a privileged container, privilege escalation, capabilities beyond the
 * Pod Security "baseline" set, a Windows host process. Pods and every pod template (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) are
 * checked, each field named by its path.
 */
import { groupOf, type JsonValue, type KubeObject } from '@gitfleet/proto/domain';
import { asArray, asObject, asString, at } from './kube-object.ts';

/** Where the pod spec of each kind with one lives (`group/Kind`, core group `core`). */
const POD_SPEC_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['core/Pod', ['spec']],
  ['core/PodTemplate', ['template', 'spec']],
  ['core/ReplicationController', ['spec', 'template', 'spec']],
  ['apps/Deployment', ['spec', 'template', 'spec']],
  ['apps/StatefulSet', ['spec', 'template', 'spec']],
  ['apps/DaemonSet', ['spec', 'template', 'spec']],
  ['apps/ReplicaSet', ['spec', 'template', 'spec']],
  ['batch/Job', ['spec', 'template', 'spec']],
  ['batch/CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
]);

/**
 * Capabilities a container may add without being privileged: the Pod Security Standards'
 * "baseline" list. Any other (SYS_ADMIN, NET_ADMIN, ALL …) is refused.
 */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** One privileged field: its path in the object, what it does, and what to change. */
export interface PrivilegedField {
  readonly path: readonly (string | number)[];
  readonly what: string;
  readonly change: string;
}

/** `group/Kind` of an object as policy patterns spell it (the core group is `core`). */
export function groupKindOf(apiVersion: string, kind: string): string {
  const group = groupOf(apiVersion);
  return `${group === '' ? 'core' : group}/${kind}`;
}

/** The path of the pod spec of `obj`, if its kind has one. */
export function podSpecPath(obj: KubeObject): readonly string[] | undefined {
  const apiVersion = asString(obj['apiVersion']) ?? '';
  const kind = asString(obj['kind']) ?? '';
  return POD_SPEC_PATHS.get(groupKindOf(apiVersion, kind));
}

/** Every privileged field of the pod spec of `obj` (none for a kind without a pod spec). */
export function privilegedFields(obj: KubeObject): PrivilegedField[] {
  const base = podSpecPath(obj);
  if (base === undefined) return [];
  const spec = asObject(at(obj, ...base));
  if (spec === undefined) return [];
  const out: PrivilegedField[] = [];
  for (const [key, what] of [
    ['hostNetwork', "shares the node's network namespace"],
    ['hostPID', "shares the node's process namespace"],
    ['hostIPC', "shares the node's IPC namespace"],
  ] as const) {
    if (spec[key] === true) out.push({ path: [...base, key], what, change: 'remove it' });
  }
  if (at(spec, 'securityContext', 'windowsOptions', 'hostProcess') === true) {
    out.push({
      path: [...base, 'securityContext', 'windowsOptions', 'hostProcess'],
      what: 'runs as a Windows host process',
      change: 'remove it',
    });
  }
  asArray(spec['volumes']).forEach((v, i) => {
    if (asObject(at(v, 'hostPath')) !== undefined) {
      out.push({
        path: [...base, 'volumes', i, 'hostPath'],
        what: "mounts a path of the node's file system",
        change: 'use another volume type (emptyDir, configMap, secret, a PersistentVolumeClaim)',
      });
    }
  });
  for (const list of CONTAINER_LISTS) {
    asArray(spec[list]).forEach((c, i) => {
      out.push(...containerFields(c, [...base, list, i, 'securityContext']));
    });
  }
  return out;
}

function containerFields(
  container: JsonValue | undefined,
  sc: readonly (string | number)[],
): PrivilegedField[] {
  const ctx = asObject(at(container, 'securityContext'));
  if (ctx === undefined) return [];
  const out: PrivilegedField[] = [];
  if (ctx['privileged'] === true) {
    out.push({
      path: [...sc, 'privileged'],
      what: 'a privileged container (every device and capability of the node)',
      change: 'remove it or set it to false',
    });
  }
  if (ctx['allowPrivilegeEscalation'] === true) {
    out.push({
      path: [...sc, 'allowPrivilegeEscalation'],
      what: 'lets a process gain more privileges than its parent',
      change: 'set it to false',
    });
  }
  if (at(ctx, 'windowsOptions', 'hostProcess') === true) {
    out.push({
      path: [...sc, 'windowsOptions', 'hostProcess'],
      what: 'runs as a Windows host process',
      change: 'remove it',
    });
  }
  asArray(at(ctx, 'capabilities', 'add')).forEach((cap, j) => {
    const name = asString(cap);
    if (name === undefined) return;
    if (BASELINE_CAPABILITIES.has(name.toUpperCase().replace(/^CAP_/, ''))) return;
    out.push({
      path: [...sc, 'capabilities', 'add', j],
      what: `adds the capability ${name}`,
      change:
        'drop it (only the Pod Security baseline capabilities, e.g. NET_BIND_SERVICE, may be added)',
    });
  });
  return out;
}
