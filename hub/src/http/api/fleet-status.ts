/**
 * `GET /api/v1/fleet`: the fleet definition's status — the branch's head and whether its fleet is
 * in force, the commit in force, every problem (fetch, read, limits, fleet errors) and render
 * failures.
 */
import Type from 'typebox';
import { ErrorCode } from '@gitfleet/proto/domain';
import { ProblemSeverity } from '../../core/fleet/types.ts';
import { ProblemStage } from '../../resolve/problems.ts';
import { ErrorDetails, bool, closed, int, str, type Wire } from './schema.ts';

/** One thing wrong with the fleet repository at the head commit. */
export const FleetProblem = closed(
  {
    file: str("Repository-relative path; '' for problems of the repository as a whole."),
    line: int("1-based; 0 when `file` is ''."),
    column: Type.Optional(int('1-based.')),
    field: str("Dotted path in the document; '' for the document."),
    message: str(),
    severity: Type.Enum(ProblemSeverity),
    code: Type.Optional(Type.Enum([ErrorCode.LimitExceeded])),
    limit: Type.Optional(
      str('The name of the limit crossed (maxDepth, maxAliases, …), with `code`.'),
    ),
  },
  { $id: 'FleetProblem' },
);

/** Why one (application, target) could not be resolved; its last good desired state stays. */
export const ResolveFailure = closed(
  {
    app: str(),
    target: str(),
    code: str(),
    message: str(),
    file: Type.Optional(str('The file at fault, when known.')),
    line: Type.Optional(int()),
    limit: Type.Optional(str('The limit crossed, when one was.')),
  },
  { $id: 'ResolveFailure' },
);

/**
 * A problem outside the fleet definition: fetch, branch, read, persistence, the pass, an
 * application source repository, a project's scope, hydration.
 */
export const HubProblem = closed(
  {
    stage: Type.Enum(ProblemStage, {
      description:
        'Where: fetch (the fleet repository), head (the branch), read (the fleet files), persist/restore (the last good fleet in Redis), pass, source (an application source repository), scope (an application outside its project), hydrate (rendered manifests to Git).',
    }),
    code: str('The error code (LIMIT_EXCEEDED, GIT_FETCH_FAILED, …).'),
    message: str('Subject first: what happened.'),
    action: str('What to do about it.'),
    repo: Type.Optional(str()),
    commit: Type.Optional(str()),
    file: Type.Optional(str('Repository path of the file at fault, when known.')),
    line: Type.Optional(int()),
    field: Type.Optional(str()),
    limit: Type.Optional(str('The name of the limit crossed, when one was.')),
    details: Type.Optional(ErrorDetails),
    atMs: int(),
  },
  { $id: 'HubProblem' },
);

/** The resolver's status as the API shows it. */
export const FleetStatus = Type.Object(
  {
    fleetCommit: Type.Optional(str('The head commit of the fleet branch as last seen.')),
    fleetAccepted: bool(
      'True when the fleet at the head commit is in force. False: it was rejected, could not be read, or the fetch failed; the last good fleet stays in force and `fleetProblems`/`problems` say why.',
    ),
    inForceCommit: Type.Optional(
      str('Commit of the fleet definition in force (the last good one).'),
    ),
    inForceFrom: Type.Optional(
      Type.Enum(['git', 'redis'], {
        description:
          'redis: the fleet in force was saved by a hub before this one started (Git not read yet, or its head is broken).',
      }),
    ),
    fleetProblems: Type.Array(FleetProblem),
    problems: Type.Array(HubProblem),
    failures: Type.Array(ResolveFailure),
    lastError: Type.Optional(str('The first of `problems`, as text.')),
    lastPassAtMs: Type.Optional(int()),
    lastPassMs: Type.Optional(Type.Number()),
    changedLastPass: int(),
  },
  {
    $id: 'FleetStatus',
    description: 'The resolver status (open: more fields may be added).',
    additionalProperties: true,
  },
);
export type FleetStatus = Wire<typeof FleetStatus>;
