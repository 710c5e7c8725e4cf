/**
 * The rollout routes' bodies: the list of rollouts, one rollout with its explanation, the plan
 * before a rollout, and an accepted command.
 */
import Type from 'typebox';
import { RolloutPhase } from '../../core/rollout/index.ts';
import { closed, int, str, type Wire } from './schema.ts';

export const RolloutSummary = closed(
  {
    app: str(),
    id: str('`<app>@<toRevision>@<startedAtMs>`.'),
    phase: Type.Enum(RolloutPhase),
    fromRevision: str('The last revision healthy everywhere it ran.'),
    toRevision: str(),
    wave: int('Index of the current wave.'),
    summary: str('One line: where the rollout is and why.'),
  },
  { $id: 'RolloutSummary' },
);
export type RolloutSummary = Wire<typeof RolloutSummary>;

export const RolloutList = closed({ items: Type.Array(RolloutSummary) }, { $id: 'RolloutList' });
export type RolloutList = Wire<typeof RolloutList>;

/** An open object: the rollout's own types (hub/src/core/rollout) define its fields. */
const open = (description: string) => Type.Object({}, { description, additionalProperties: true });

export const Rollout = closed(
  {
    app: str(),
    state: open(
      'The stored RolloutState (hub/src/core/rollout/state.ts): phase, revisions, moved and failed targets, approvals, history.',
    ),
    explanation: open(
      'summary, waves (members, maxUnavailable, soak, gate, status) and targets (wave, membership, state, revision, reason).',
    ),
  },
  { $id: 'Rollout' },
);
export type Rollout = Wire<typeof Rollout>;

export const RolloutPlan = Type.Object(
  {},
  {
    $id: 'RolloutPlan',
    description: 'summary, waves and targets as in Rollout.explanation, before a rollout.',
    additionalProperties: true,
  },
);

/** A command to a rollout as the hub queues it (`by`: the name of the token that sent it). */
export const RolloutCommand = Type.Union(
  [
    closed({
      kind: Type.Enum(['pause', 'resume', 'abort', 'rollback']),
      by: Type.Optional(str()),
    }),
    closed({ kind: Type.Literal('approve'), wave: str(), by: Type.Optional(str()) }),
  ],
  { $id: 'RolloutCommand' },
);

export const RolloutCommandAccepted = closed(
  { accepted: Type.Literal(true), app: str(), command: RolloutCommand },
  { $id: 'RolloutCommandAccepted' },
);
export type RolloutCommandAccepted = Wire<typeof RolloutCommandAccepted>;
