/**
 * Pod health, after gitops-engine pkg/health/health_pod.go. Pods that restart forever
 * (restartPolicy Always) are Degraded as soon as a container waits for an error reason
 * (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError...): they will not
 * recover without a change. Pods with restartPolicy OnFailure/Never are finite (Job pods, hooks),
 * so a waiting error is not final for them and they stay Progressing until they finish.
 */
import type { Health, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import {
  asArray,
  asNumber,
  asObject,
  asString,
  at,
  conditionsOf,
  findCondition,
} from '../kube-object.ts';
import { describeCondition, health } from './result.ts';

/**
 * True for a container waiting reason that means "this will not start by itself": reasons with
 * an `Err` prefix or an `Error`/`BackOff` suffix (the gitops-engine rule), and InvalidImageName.
 * ContainerCreating and PodInitializing are normal and do not match.
 */
export function isErrorWaitingReason(reason: string): boolean {
  return (
    reason.startsWith('Err') ||
    reason.endsWith('Error') ||
    reason.endsWith('BackOff') ||
    reason === 'InvalidImageName'
  );
}

interface ContainerStatus {
  readonly name: string;
  readonly raw: JsonValue;
}

function containerStatuses(obj: KubeObject, field: string): readonly ContainerStatus[] {
  return asArray(at(obj, 'status', field)).map((raw) => ({
    name: asString(at(raw, 'name')) ?? '',
    raw,
  }));
}

/** "container "web" exited with code 1" style description of a terminated state, or "". */
function terminatedMessage(name: string, terminated: JsonValue | undefined): string {
  const t = asObject(terminated);
  if (t === undefined) return '';
  const message = asString(t['message']) ?? '';
  if (message !== '') return message;
  const reason = asString(t['reason']) ?? '';
  if (reason === 'OOMKilled') return `container "${name}" was OOMKilled`;
  const exitCode = asNumber(t['exitCode']) ?? 0;
  if (exitCode !== 0) return `container "${name}" failed with exit code ${String(exitCode)}`;
  return '';
}

/**
 * Pod: restartPolicy Always with a container (or init container) waiting for an error reason →
 * Degraded; phase Pending → Progressing; Succeeded → Healthy; Failed → Degraded; Running with
 * restartPolicy Always → Healthy when Ready, Degraded when not ready after a container
 * terminated, else Progressing; Running with OnFailure/Never → Progressing (still running to
 * completion); anything else → Unknown.
 */
export function podHealth(obj: KubeObject): Health {
  const restartPolicy = asString(at(obj, 'spec', 'restartPolicy')) ?? 'Always';
  const statusMessage = asString(at(obj, 'status', 'message')) ?? '';
  const init = containerStatuses(obj, 'initContainerStatuses');
  const main = containerStatuses(obj, 'containerStatuses');

  if (restartPolicy === 'Always') {
    const problems: string[] = [];
    for (const c of [...init, ...main]) {
      const waiting = asObject(at(c.raw, 'state', 'waiting'));
      const reason = asString(waiting?.['reason']) ?? '';
      if (!isErrorWaitingReason(reason)) continue;
      const message = asString(waiting?.['message']) ?? '';
      problems.push(`container "${c.name}" ${reason}${message === '' ? '' : `: ${message}`}`);
    }
    if (problems.length > 0) return health('Degraded', problems.join('; '));
  }

  const phase = asString(at(obj, 'status', 'phase')) ?? '';
  switch (phase) {
    case 'Pending': {
      if (statusMessage !== '') return health('Progressing', statusMessage);
      const scheduled = findCondition(conditionsOf(obj), 'PodScheduled');
      return health(
        'Progressing',
        scheduled?.status === 'False' ? describeCondition(scheduled) : '',
      );
    }
    case 'Succeeded':
      return health('Healthy', statusMessage);
    case 'Failed': {
      if (statusMessage !== '') return health('Degraded', statusMessage);
      for (const c of [...init, ...main]) {
        const message = terminatedMessage(c.name, at(c.raw, 'state', 'terminated'));
        if (message !== '') return health('Degraded', message);
      }
      return health('Degraded');
    }
    case 'Running': {
      if (restartPolicy !== 'Always') return health('Progressing', statusMessage);
      if (findCondition(conditionsOf(obj), 'Ready')?.status === 'True') {
        return health('Healthy', statusMessage);
      }
      for (const c of main) {
        const last = at(c.raw, 'lastState', 'terminated');
        if (asObject(last) === undefined) continue;
        const message = terminatedMessage(c.name, last);
        return health(
          'Degraded',
          statusMessage !== ''
            ? statusMessage
            : message !== ''
              ? message
              : `container "${c.name}" restarted`,
        );
      }
      return health('Progressing', statusMessage);
    }
    default:
      return health('Unknown', statusMessage);
  }
}
