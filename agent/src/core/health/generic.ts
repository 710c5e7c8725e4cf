/**
 * The rule for every kind without a built-in one (custom resources, and built-ins that carry no
 * health: ConfigMap, Secret, ServiceAccount, RBAC...). It reads the conventions most controllers
 * follow: `status.observedGeneration`, kstatus `Reconciling`/`Stalled` (sigs.k8s.io/cli-utils
 * kstatus, Flux), and a `Ready` or `Available` condition.
 */
import type { Health, KubeObject } from '@gitfleet/proto/domain';
import type { Condition } from '../kube-object.ts';
import { asNumber, asObject, conditionsOf, findCondition, generationOf } from '../kube-object.ts';
import { describeCondition, health } from './result.ts';

/** A False Ready/Available whose reason says the controller is still working is not a failure. */
const STILL_WORKING_REASON = /progress|reconcil/i;

function readiness(c: Condition, generation: number): Health {
  if (c.observedGeneration !== undefined && c.observedGeneration < generation) {
    return health(
      'Progressing',
      `Condition ${c.type} is for generation ${String(c.observedGeneration)}, waiting for ${String(generation)}`,
    );
  }
  const message = describeCondition(c);
  switch (c.status) {
    case 'True':
      return health('Healthy', message);
    case 'False':
      return health(STILL_WORKING_REASON.test(c.reason) ? 'Progressing' : 'Degraded', message);
    default:
      return health('Progressing', message);
  }
}

/**
 * In order: no `status` → Healthy (the kind has no health); `status.observedGeneration` below
 * `metadata.generation` → Progressing; `Stalled` True → Degraded; `Reconciling` True →
 * Progressing; `Ready` (else `Available`): True → Healthy, False → Degraded (Progressing when its
 * reason mentions progress/reconciling), Unknown → Progressing, and a condition observed for an
 * older generation → Progressing; no such condition → Healthy.
 */
export function genericHealth(obj: KubeObject): Health {
  const status = asObject(obj['status']);
  if (status === undefined) return health('Healthy');
  const generation = generationOf(obj);
  const observed = asNumber(status['observedGeneration']);
  if (observed !== undefined && observed < generation) {
    return health(
      'Progressing',
      `Waiting for the controller to observe generation ${String(generation)} (observed ${String(observed)})`,
    );
  }
  const conditions = conditionsOf(obj);
  const stalled = findCondition(conditions, 'Stalled');
  if (stalled?.status === 'True') return health('Degraded', describeCondition(stalled));
  const reconciling = findCondition(conditions, 'Reconciling');
  if (reconciling?.status === 'True') return health('Progressing', describeCondition(reconciling));
  const ready = findCondition(conditions, 'Ready') ?? findCondition(conditions, 'Available');
  return ready === undefined ? health('Healthy') : readiness(ready, generation);
}
