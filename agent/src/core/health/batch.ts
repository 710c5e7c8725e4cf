/** Health of batch/v1 Job and CronJob. */
import type { Health, KubeObject } from '@gitfleet/proto/domain';
import { asNumber, at, conditionsOf, findCondition } from '../kube-object.ts';
import { describeCondition, health } from './result.ts';

/**
 * Job: condition Failed True (BackoffLimitExceeded, DeadlineExceeded...) → Degraded; Complete
 * True → Healthy; FailureTarget True (k8s ≥ 1.31: failed, pods still terminating) → Degraded;
 * `spec.suspend` → Suspended; else Progressing with the pod counts.
 */
export function jobHealth(obj: KubeObject): Health {
  const conditions = conditionsOf(obj);
  const isTrue = (type: string) => {
    const c = findCondition(conditions, type);
    return c?.status === 'True' ? c : undefined;
  };
  const failed = isTrue('Failed');
  if (failed !== undefined) return health('Degraded', describeCondition(failed));
  const complete = isTrue('Complete');
  if (complete !== undefined) return health('Healthy', complete.message);
  const failing = isTrue('FailureTarget');
  if (failing !== undefined) return health('Degraded', describeCondition(failing));
  if (at(obj, 'spec', 'suspend') === true) return health('Suspended', 'Job is suspended');
  const n = (field: string) => String(asNumber(at(obj, 'status', field)) ?? 0);
  return health(
    'Progressing',
    `Job running: ${n('active')} active, ${n('succeeded')} succeeded, ${n('failed')} failed`,
  );
}

/** CronJob: `spec.suspend` → Suspended; else Healthy (each run is a Job with its own health). */
export function cronJobHealth(obj: KubeObject): Health {
  return at(obj, 'spec', 'suspend') === true
    ? health('Suspended', 'CronJob is suspended')
    : health('Healthy');
}
