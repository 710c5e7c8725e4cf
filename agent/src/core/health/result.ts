/** Small constructors shared by the per-kind health rules. */
import type { Health, HealthStatus } from '@gitfleet/proto/domain';
import type { Condition } from '../kube-object.ts';

/** A Health value (message "" when there is nothing to say). */
export function health(status: HealthStatus, message = ''): Health {
  return { status, message };
}

/** `reason: message` of a condition, or whichever of the two is set. */
export function describeCondition(c: Condition): string {
  if (c.reason !== '' && c.message !== '') return `${c.reason}: ${c.message}`;
  return c.reason !== '' ? c.reason : c.message;
}
