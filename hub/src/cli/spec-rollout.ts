/**
 * The commands of `gitfleet rollout`: reading rollouts (list, status, plan), following one
 * (watch) and steering it with an API token of scope operate (approve, pause, resume, abort,
 * rollback) — each with its arguments, options, help and examples. Pure.
 */
import type { CommandSpec, PositionalSpec } from './options.ts';

const rolloutApp: PositionalSpec = { name: 'APP', complete: 'rollouts' };

/** `gitfleet rollout pause|resume|abort|rollback APP`. */
function rolloutCommand(
  command: 'pause' | 'resume' | 'abort' | 'rollback',
  summary: string,
  description: string,
): CommandSpec {
  return {
    name: `rollout ${command}`,
    summary,
    description: `${description} Needs an API token of scope operate; the hub records the token's name as the sender. The hub applies the command on its next rollout step; the CLI waits (up to --timeout) to say whether it was applied or ignored (exit 1).`,
    positionals: [rolloutApp],
    options: [],
    examples: [`gitfleet rollout ${command} web --api-token-file ~/.gitfleet/api.token`],
    hub: true,
    git: false,
  };
}

export const ROLLOUT_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'rollout list',
    summary: 'every rollout: phase, revisions, where it is',
    description:
      'One line per application with a rollout (spec.rollout): its phase, the revision it rolls out from and to, and a summary of where it is and why.',
    positionals: [],
    options: [],
    examples: ['gitfleet rollout list', 'gitfleet rollout list -o json'],
    hub: true,
    git: false,
  },
  {
    name: 'rollout status',
    summary: "one application's rollout: its waves and targets, and why",
    description:
      'The phase and revisions; per wave its members, maxUnavailable, soak, gate, status and progress (moved, healthy); per target its wave, state, the revision it should run and the reason; the last events; and what to type when the rollout waits for a person.',
    positionals: [rolloutApp],
    options: [],
    examples: ['gitfleet rollout status web', 'gitfleet rollout status web -o json'],
    hub: true,
    git: false,
  },
  {
    name: 'rollout plan',
    summary: 'which target is in which wave and why (a preview)',
    description:
      'What a rollout of the application would do now: its waves (members, maxUnavailable, soak, gate), which target is in which wave and why (the selector that matched), and what would hold it back (connection, sync window). Nothing is changed.',
    positionals: [rolloutApp],
    options: [],
    examples: ['gitfleet rollout plan web'],
    hub: true,
    git: false,
  },
  {
    name: 'rollout watch',
    summary: 'follow a rollout live until it completes (exit 0) or stops (exit 1)',
    description:
      'On a terminal, redraws in place every --interval: one progress bar per wave (moved and healthy targets), the summary, and the reasons of waiting, held, blocked or failed targets. Not on a terminal, prints one line per change (-o json: one JSON document per line). Exits 0 when the rollout is Completed, 1 when it is Halted, RolledBack or Aborted, or when --timeout passes first. With --revision, waits for the rollout of that commit to start (and exits 1 if a newer one supersedes it).',
    positionals: [rolloutApp],
    options: [
      {
        name: 'revision',
        type: 'string',
        value: 'SHA',
        help: 'follow the rollout of this commit (full or abbreviated): wait for it to start',
      },
      {
        name: 'interval',
        type: 'string',
        value: 'DURATION',
        help: 'how often to ask the hub (100ms to 1m)',
        default: '1s',
      },
      {
        name: 'timeout',
        type: 'string',
        value: 'DURATION',
        help: 'give up after this long (exit 1): 90s, 10m, 1h (a bare number is milliseconds); default: wait as long as it takes',
      },
    ],
    examples: [
      'gitfleet rollout watch web',
      'gitfleet rollout watch web --revision "$(git rev-parse HEAD)" --timeout 30m',
    ],
    hub: true,
    git: false,
  },
  {
    name: 'rollout approve',
    summary: 'approve a wave with a manual gate',
    description:
      "Lets the wave start (gate: manual). A wave may be approved before the rollout reaches it. Needs an API token of scope operate; the hub records the token's name as the approver. The hub applies the approval on its next rollout step; the CLI waits (up to --timeout) to say whether it was applied.",
    positionals: [rolloutApp],
    options: [
      {
        name: 'wave',
        type: 'string',
        value: 'WAVE',
        help: 'the wave to approve',
        required: true,
      },
    ],
    examples: ['gitfleet rollout approve web --wave prod --api-token-file ~/.gitfleet/api.token'],
    hub: true,
    git: false,
  },
  rolloutCommand(
    'pause',
    'pause a rollout: no target moves until it is resumed',
    'Stops the rollout where it is; targets keep what they run.',
  ),
  rolloutCommand(
    'resume',
    'resume a paused rollout, or retry a halted one',
    'A paused rollout continues where it was; a halted one forgets its failures and restarts their progress deadlines.',
  ),
  rolloutCommand(
    'abort',
    'stop a rollout for good, where it is',
    'Moved targets keep the new revision, the others keep what they run; the next revision starts a new rollout.',
  ),
  rolloutCommand(
    'rollback',
    'roll every moved target back to the last revision healthy everywhere',
    'Moves every target the rollout moved back to its from-revision.',
  ),
];
