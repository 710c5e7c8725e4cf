/**
 * The registration families of the hub's `/metrics`: registrations and renewals by outcome, and
 * AgentLink streams or Hellos refused for their certificate (revoked, expired). A registry of the
 * hub's own, merged into its exposition (../metrics.ts).
 */
import { Counter, Registry } from 'prom-client';

export type RegistrationCall = 'register' | 'renew';
export type RegistrationOutcome = 'issued' | 'refused' | 'failed';

export class RegistrationMetrics {
  readonly registry = new Registry();
  private readonly calls = new Counter({
    name: 'gitfleet_hub_registrations_total',
    help: 'Registration calls by call (register, renew) and outcome (issued, refused, failed).',
    labelNames: ['call', 'outcome'],
    registers: [this.registry],
  });
  private readonly certificateEnds = new Counter({
    name: 'gitfleet_hub_link_certificate_refused_total',
    help: 'AgentLink Hellos refused or streams ended for their client certificate, by reason (revoked, expired).',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor() {
    // every series from the start: a rate over a series that appears late misses its first step
    for (const call of ['register', 'renew'] as const) {
      for (const outcome of ['issued', 'refused', 'failed'] as const) {
        this.calls.inc({ call, outcome }, 0);
      }
    }
    for (const reason of ['revoked', 'expired'] as const) this.certificateEnds.inc({ reason }, 0);
  }

  call(call: RegistrationCall, outcome: RegistrationOutcome): void {
    this.calls.inc({ call, outcome });
  }

  certificateRefused(reason: 'revoked' | 'expired'): void {
    this.certificateEnds.inc({ reason });
  }
}
