/**
 * Whether a Hello may open a session (proto/README.md, "Handshake and resync", step 1), before
 * anything is written: the target the stream's client certificate (or static token) names must be
 * the one the Hello names, the target must be declared in the fleet in force (none in force yet:
 * come back later), and the agent must speak this hub's protocol version. Takeovers are decided
 * afterwards (./stream-guard.ts).
 */
import { status } from '@grpc/grpc-js';
import { PROTOCOL_VERSION, type Hello } from '@gitfleet/proto';
import type { IdentitySource } from '../core/link/identity.ts';

/** A Hello refused: the stream ends with `code`. */
export interface HelloRefusal {
  readonly code: status;
  readonly message: string;
  /** Logged as a warning (with `fields`) when set: a refusal worth an operator's eye. */
  readonly warning?: { readonly message: string; readonly fields: Record<string, string> };
}

/**
 * Why the Hello on a stream authenticated as `target` is refused, or undefined when it may go on.
 *
 * @param declared - whether `target` is declared in the fleet in force; undefined while no fleet
 *   is in force yet
 * @param via - how the stream's target was read: from the client certificate or a static token
 */
export function helloRefusal(
  target: string,
  hello: Pick<Hello, 'target' | 'protocolVersion'>,
  declared: boolean | undefined,
  via: IdentitySource,
): HelloRefusal | undefined {
  if (hello.target !== target) {
    return via === 'token'
      ? {
          code: status.PERMISSION_DENIED,
          message: `this token is not ${hello.target}'s`,
          warning: {
            message: 'agent refused: Hello for another target',
            fields: { token: 'redacted', target, claimed: hello.target },
          },
        }
      : {
          code: status.PERMISSION_DENIED,
          message: `this client certificate is target ${target}'s, not ${hello.target}'s: each agent presents the certificate of its own target`,
          warning: {
            message: 'agent refused: Hello for another target than its certificate names',
            fields: { certificate: target, namedBy: via, claimed: hello.target },
          },
        };
  }
  if (declared === undefined) {
    // the first resolve pass has not read the fleet yet: not a refusal, come back soon
    return { code: status.UNAVAILABLE, message: 'the hub has not read the fleet yet; retry' };
  }
  if (!declared) {
    return {
      code: status.PERMISSION_DENIED,
      message: `target ${target} is not declared in the fleet`,
      warning: { message: 'agent refused: target not declared in the fleet', fields: { target } },
    };
  }
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    return {
      code: status.FAILED_PRECONDITION,
      message: `protocol version ${hello.protocolVersion} is not supported (hub speaks ${PROTOCOL_VERSION})`,
    };
  }
  return undefined;
}
