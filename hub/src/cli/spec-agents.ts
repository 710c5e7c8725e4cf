/**
 * The commands of `gitfleet` about agents' identities: a one-time registration token for a new
 * agent of a target, and the revocation of a target's certificates — each with an API token of
 * scope admin. Pure.
 */
import type { CommandSpec } from './options.ts';

export const AGENT_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'registration-token',
    summary: 'a one-time registration token for a new agent of a target (scope admin)',
    description:
      "Asks the hub for a registration token for TARGET (declared in the fleet in force) and prints it, only it, on stdout (-o json: { token, target, expiresAt }). Give it to the agent (--registration-token-file): it registers once with it, generating its own key, and gets a client certificate from the hub's agent CA. The token is shown only here; the hub keeps its SHA-256. Needs an API token of scope admin.",
    positionals: [{ name: 'TARGET', complete: 'targets' }],
    options: [
      {
        name: 'ttl',
        type: 'string',
        value: 'DURATION',
        help: 'how long the token may be used, 1m to 168h',
        default: '1h',
      },
    ],
    examples: [
      'gitfleet registration-token edge-1 > edge-1.token',
      'gitfleet registration-token edge-1 --ttl 15m -o json',
    ],
    hub: true,
    git: false,
  },
  {
    name: 'revoke',
    summary: 'refuse every certificate of a target issued until now (scope admin)',
    description:
      "Revokes TARGET's client certificates: every one issued until now is refused on Connect and Renew, and the target's open streams end on every hub replica within seconds. A certificate issued after the revocation (a new registration) is not affected: give the agent a new registration token. Needs an API token of scope admin.",
    positionals: [{ name: 'TARGET', complete: 'targets' }],
    options: [],
    examples: ['gitfleet revoke edge-1'],
    hub: true,
    git: false,
  },
];
