/**
 * The OpenAPI 3.1 document of the hub's HTTP API, served at `GET /api/v1/openapi.json`. A unit
 * test (server.test.ts) checks it against the server's route table both ways (every route and
 * query parameter documented, nothing documented that does not exist), and the integration test
 * checks every list response against its schema (./schema-check.ts), so it cannot drift.
 */
import { DriftAction, ErrorCode, HealthStatus, SyncState } from '@gitfleet/proto';
import { ProblemSeverity } from '../core/fleet/types.ts';
import { ProblemStage } from '../resolve/problems.ts';
import { ConnectionState } from '../store/port.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from './paginate.ts';

// ---------------------------------------------------------------------------------------------
// The subset of OpenAPI 3.1 / JSON Schema 2020-12 this document uses

export type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: SchemaType | readonly SchemaType[];
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly (string | number | boolean | null)[];
  readonly const?: string | number | boolean | null;
  readonly oneOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: string | number | boolean;
  readonly pattern?: string;
}

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'query';
  readonly required?: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
}

export interface OpenApiMediaType {
  readonly schema: JsonSchema;
}

export interface OpenApiResponse {
  readonly description: string;
  readonly content?: Readonly<Record<string, OpenApiMediaType>>;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: {
    readonly required: boolean;
    readonly content: Readonly<Record<string, OpenApiMediaType>>;
  };
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
}

export type HttpMethod = 'get' | 'post';

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Partial<Readonly<Record<HttpMethod, OpenApiOperation>>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, JsonSchema>> };
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string): JsonSchema =>
  description === undefined ? { type: 'string' } : { type: 'string', description };
const int = (description?: string): JsonSchema =>
  description === undefined ? { type: 'integer' } : { type: 'integer', description };
const bool = (description?: string): JsonSchema =>
  description === undefined ? { type: 'boolean' } : { type: 'boolean', description };
const strings: JsonSchema = { type: 'array', items: { type: 'string' } };
const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
/** A closed object: every property documented, required ones listed. */
const object = (
  properties: Readonly<Record<string, JsonSchema>>,
  required: readonly string[],
  description?: string,
): JsonSchema => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  properties,
  required,
  additionalProperties: false,
});
const json = (schema: JsonSchema): Readonly<Record<string, OpenApiMediaType>> => ({
  'application/json': { schema },
});
const text = (description: string): OpenApiResponse => ({
  description,
  content: { 'text/plain': { schema: { type: 'string' } } },
});
const error = (description: string): OpenApiResponse => ({
  description,
  content: json(ref('Error')),
});

const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const query = (
  name: string,
  description: string,
  schema: JsonSchema = str(),
): OpenApiParameter => ({
  name,
  in: 'query',
  description,
  schema,
});
const P = {
  target: query('target', 'Only this target (a DNS label).', {
    type: 'string',
    pattern: NAME_PATTERN,
  }),
  app: query('app', 'Only this application (a DNS label).', {
    type: 'string',
    pattern: NAME_PATTERN,
  }),
  environment: query(
    'environment',
    "Only targets matched by this Environment's selector in the fleet in force (404 when it is not declared).",
  ),
  kind: query('kind', 'Only objects of this Kubernetes kind (`Deployment`).'),
  manager: query('manager', 'Only drift made by this field manager (`kubectl-edit`).'),
  limit: query(
    'limit',
    `Items per page, 1 to ${String(MAX_LIMIT)} (default ${String(DEFAULT_LIMIT)}).`,
    { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
  ),
  continue: query(
    'continue',
    'The `metadata.continue` of the previous page, unchanged: the next page starts after its last item.',
  ),
} as const;
const required = (p: OpenApiParameter): OpenApiParameter => ({ ...p, required: true });
const PAGE = [P.limit, P.continue] as const;

const listOf = (item: string, description: string): JsonSchema =>
  object(
    { items: { type: 'array', items: ref(item) }, metadata: ref('ListMetadata') },
    ['items', 'metadata'],
    description,
  );

const listOperation = (
  operationId: string,
  summary: string,
  description: string,
  parameters: readonly OpenApiParameter[],
  listSchema: string,
  extra: Readonly<Record<string, OpenApiResponse>> = {},
): { readonly get: OpenApiOperation } => ({
  get: {
    operationId,
    summary,
    description,
    tags: ['fleet'],
    parameters: [...parameters, ...PAGE],
    responses: {
      '200': { description: 'One page of the list.', content: json(ref(listSchema)) },
      '400': error(
        'A bad query parameter: unknown, given twice, a bad `limit` or `continue`, or a name that is not a DNS label.',
      ),
      ...extra,
    },
  },
});

const notFoundEnvironment = {
  '404': error('The `environment` is not declared in the fleet in force.'),
};

// ---------------------------------------------------------------------------------------------
// The document

export const OPENAPI: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'gitfleet hub',
    version: 'v1',
    description:
      'Fleet status, drift, connection state and sync history aggregated by the gitfleet hub. ' +
      `Lists are paginated like the Kubernetes API: \`limit\` (default ${String(DEFAULT_LIMIT)}, at most ${String(MAX_LIMIT)}) ` +
      'and the opaque `continue` token of `metadata.continue`; items come in a stable order ' +
      '(target, then application, then object; history newest first). Unknown query parameters are ' +
      'refused (400) so that typos do not silently widen a filter. An empty value counts as absent.',
  },
  paths: {
    '/healthz': {
      get: {
        operationId: 'healthz',
        summary: 'Liveness.',
        tags: ['operations'],
        responses: { '200': text('`ok`') },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Readiness: a fleet definition is in force.',
        tags: ['operations'],
        responses: {
          '200': text('`ok`'),
          '503': text('No fleet definition accepted yet.'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary:
          'Prometheus metrics: streams, queue depth, per (target, app) synced / healthy / drift.',
        tags: ['operations'],
        responses: { '200': text('Prometheus text exposition format 0.0.4.') },
      },
    },
    '/webhook': {
      post: {
        operationId: 'webhook',
        summary: 'Git push webhook (GitHub and Gitea HMAC-SHA256, GitLab token).',
        tags: ['operations'],
        requestBody: {
          required: true,
          content: json({ type: 'object', description: "The Git host's push event." }),
        },
        responses: {
          '202': {
            description:
              'A push of the fleet (or a source) repository: fetched at once. Pings and other events are accepted and ignored (`error` says why).',
            content: json({ oneOf: [ref('WebhookAccepted'), ref('WebhookError')] }),
          },
          '400': { description: 'Malformed.', content: json(ref('WebhookError')) },
          '401': {
            description: 'Signature or token missing or wrong.',
            content: json(ref('WebhookError')),
          },
          '404': {
            description: 'Webhooks are not configured (`--webhook-secret-file`).',
            content: json(ref('WebhookError')),
          },
          '413': { description: 'Body too large.', content: json(ref('WebhookError')) },
        },
      },
    },
    '/api/v1/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        tags: ['meta'],
        responses: { '200': { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) } },
      },
    },
    '/api/v1/fleet': {
      get: {
        operationId: 'fleet',
        summary:
          "The fleet definition: the branch's head and whether its fleet is in force, the commit in force, every problem (fetch, read, limits, fleet errors) and render failures.",
        tags: ['fleet'],
        responses: {
          '200': { description: 'The resolver status.', content: json(ref('FleetStatus')) },
        },
      },
    },
    '/api/v1/status': listOperation(
      'listStatus',
      'Status per (target, application).',
      'Desired version and revision, delivery, the last report (revision, sync, health, drift count, error) and the connection of the target. An app on a target that is not Connected is never Healthy.',
      [P.target, P.app, P.environment],
      'StatusList',
      notFoundEnvironment,
    ),
    '/api/v1/targets': listOperation(
      'listTargets',
      'Targets: labels, environment, connection state, last seen, app counts.',
      'Every target the fleet declares or the hub holds state for. Connection: Connected, Stale (silent for 3 heartbeat intervals) or Disconnected.',
      [P.environment],
      'TargetList',
      notFoundEnvironment,
    ),
    '/api/v1/applications': listOperation(
      'listApplications',
      'Applications across targets: placement and counts.',
      'Every application the fleet declares or the hub holds desired state of.',
      [],
      'ApplicationList',
    ),
    '/api/v1/environments': listOperation(
      'listEnvironments',
      'Environments: targets, pins, desired commits per app, counts.',
      'Every environment of the fleet in force (none before a fleet is accepted).',
      [],
      'EnvironmentList',
    ),
    '/api/v1/drift': listOperation(
      'listDrift',
      'Fleet-wide drift report.',
      'Drift records of the last reports: the object, the fields with desired and live values, the field manager that changed them, first and last seen, and what the agent did.',
      [P.target, P.app, P.environment, P.kind, P.manager],
      'DriftList',
      notFoundEnvironment,
    ),
    '/api/v1/history': listOperation(
      'listHistory',
      'Sync history of one (target, application), newest first.',
      'Transitions of sync state or revision (the last 50).',
      [required(P.target), required(P.app)],
      'HistoryList',
    ),
    '/api/v1/rollouts': {
      get: {
        operationId: 'listRollouts',
        summary: 'Every rollout: phase, revisions, current wave and a one-line summary.',
        tags: ['rollouts'],
        parameters: [],
        responses: {
          '200': { description: 'The rollouts.', content: json(ref('RolloutList')) },
        },
      },
    },
    '/api/v1/rollout': {
      get: {
        operationId: 'getRollout',
        summary: "One application's rollout, with every target's wave, state and reason.",
        tags: ['rollouts'],
        parameters: [required(P.app)],
        responses: {
          '200': { description: 'The rollout.', content: json(ref('Rollout')) },
          '400': error('A bad query parameter.'),
          '404': error(
            'The application has no rollout (no spec.rollout, or no revision seen yet).',
          ),
        },
      },
    },
    '/api/v1/rollout/plan': {
      get: {
        operationId: 'planRollout',
        summary: 'Which target is in which wave and why, and what would hold it back.',
        tags: ['rollouts'],
        parameters: [required(P.app)],
        responses: {
          '200': { description: 'The plan.', content: json(ref('RolloutPlan')) },
          '400': error('A bad query parameter.'),
          '404': error('The application has no spec.rollout.'),
        },
      },
    },
    '/api/v1/rollout/command': {
      post: {
        operationId: 'commandRollout',
        summary: 'Pause, resume, abort or roll back a rollout, or approve a gated wave.',
        description:
          "Needs `Authorization: Bearer <token>` (the hub's --api-token-file). The command is queued and applied by the next step (within the rollout interval).",
        tags: ['rollouts'],
        parameters: [
          required(P.app),
          required(
            query('command', 'pause | resume | abort | rollback | approve', {
              type: 'string',
              enum: ['pause', 'resume', 'abort', 'rollback', 'approve'],
            }),
          ),
          query('wave', 'The wave to approve (approve only).'),
          query('by', 'Who sends it (kept in the rollout history).'),
        ],
        responses: {
          '202': { description: 'Queued.', content: json(ref('RolloutCommandAccepted')) },
          '400': error('A bad query parameter (unknown command, approve without a wave …).'),
          '401': error('No or a wrong API token, or the hub has none configured.'),
          '404': error('The application has no rollout.'),
        },
      },
    },
    '/api/v1/diff': {
      get: {
        operationId: 'diffRevision',
        summary: 'What a revision of an application would change on a target.',
        description:
          "Renders the application at `revision` for `target` as the resolver would (the fleet in force: overlays, substitution) and compares it with the target's current desired objects. Nothing is stored or sent.",
        tags: ['fleet'],
        parameters: [
          required(P.app),
          required(P.target),
          required(query('revision', 'Branch, tag or commit SHA of the application source.')),
        ],
        responses: {
          '200': { description: 'The diff.', content: json(ref('DiffPreview')) },
          '400': error(
            'A bad query parameter: missing, unknown, given twice, a name that is not a DNS label, not a revision, or an ambiguous one (an abbreviated SHA of several objects).',
          ),
          '404': error(
            'The app or target is not declared, the app is not placed on the target, or the revision is not in the repository.',
          ),
          '422': error('The application does not render at that revision (MANIFEST_INVALID).'),
        },
      },
    },
  },
  components: {
    schemas: {
      Error: object(
        {
          error: object(
            {
              code: { type: 'string', enum: Object.values(ErrorCode) },
              message: str('Names the subject (parameter, name) first and says what is allowed.'),
              details: {
                type: 'object',
                description: 'Structured details (`parameter`: the offending query parameter).',
                additionalProperties: { type: ['string', 'number', 'boolean'] },
              },
            },
            ['code', 'message'],
          ),
        },
        ['error'],
      ),
      WebhookAccepted: object({ accepted: { const: true }, ref: str('The pushed ref.') }, [
        'accepted',
        'ref',
      ]),
      WebhookError: object({ error: str() }, ['error']),
      RolloutSummary: object(
        {
          app: str(),
          id: str(),
          phase: str(
            'Progressing, Paused, WaitingApproval, Soaking, Halted, RollingBack, RolledBack, Completed or Aborted.',
          ),
          fromRevision: str('The last revision healthy everywhere it ran.'),
          toRevision: str(),
          wave: int('Index of the current wave.'),
          summary: str(),
        },
        ['app', 'id', 'phase', 'fromRevision', 'toRevision', 'wave', 'summary'],
      ),
      RolloutList: object({ items: { type: 'array', items: ref('RolloutSummary') } }, ['items']),
      Rollout: object(
        {
          app: str(),
          state: {
            type: 'object',
            description:
              'The stored RolloutState (hub/src/core/rollout/state.ts): phase, revisions, moved and failed targets, approvals, history.',
          },
          explanation: {
            type: 'object',
            description:
              'summary, waves (members, maxUnavailable, soak, gate, status) and targets (wave, membership, state, revision, reason).',
          },
        },
        ['app', 'state', 'explanation'],
      ),
      RolloutPlan: {
        type: 'object',
        description: 'summary, waves and targets as in Rollout.explanation, before a rollout.',
      },
      RolloutCommandAccepted: object(
        { accepted: { const: true }, app: str(), command: { type: 'object' } },
        ['accepted', 'app', 'command'],
      ),
      ListMetadata: object(
        {
          continue: str('Present when more items remain: pass it as `continue` for the next page.'),
          total: int('Items in the whole list, filters applied.'),
        },
        ['total'],
      ),
      StatusCounts: object(
        {
          apps: int('(target, app) pairs with desired state.'),
          synced: int(),
          healthy: int('Healthy on a Connected target.'),
          drifted: int('With at least one drift record.'),
        },
        ['apps', 'synced', 'healthy', 'drifted'],
      ),
      ErrorDetail: object(
        { code: { type: 'string', enum: Object.values(ErrorCode) }, message: str() },
        ['code', 'message'],
      ),
      StatusRow: object(
        {
          target: str(),
          app: str(),
          environment: str("The target's environment (absent: none)."),
          desiredVersion: int(),
          desiredRevision: str('Commit SHA of the desired state.'),
          delivered: bool('The agent acked the desired version.'),
          reportedVersion: int('Assignment version of the last report.'),
          revision: str('Commit SHA of the last report.'),
          sync: { type: 'string', enum: ['Unknown', ...Object.values(SyncState)] },
          health: { type: 'string', enum: Object.values(HealthStatus) },
          drift: int('Drift records in the last report.'),
          connection: { type: 'string', enum: Object.values(ConnectionState) },
          lastSeenMs: int('Last message from the agent (Unix ms).'),
          reportedAtMs: int('When the last report was observed (Unix ms).'),
          error: ref('ErrorDetail'),
        },
        [
          'target',
          'app',
          'desiredVersion',
          'desiredRevision',
          'delivered',
          'sync',
          'health',
          'drift',
          'connection',
        ],
      ),
      StatusList: listOf('StatusRow', 'Status rows sorted by target, then app.'),
      ObjectRef: object(
        { group: str(), version: str(), kind: str(), namespace: str(), name: str() },
        ['group', 'version', 'kind', 'namespace', 'name'],
      ),
      FieldChange: object(
        {
          path: str('RFC 6901 JSON pointer.'),
          desired: { description: 'Value in Git (absent: the field is not in Git).' },
          live: { description: 'Value on the cluster (absent: removed on the cluster).' },
        },
        ['path'],
      ),
      DriftItem: object(
        {
          target: str(),
          app: str(),
          environment: str(),
          ref: ref('ObjectRef'),
          changes: {
            type: 'array',
            items: ref('FieldChange'),
            description: 'The fields that drifted.',
          },
          fieldManager: str('Manager that made the change; "" when unknown.'),
          firstSeenUnixMs: int('Drifted since.'),
          lastSeenUnixMs: int(),
          action: { type: 'string', enum: Object.values(DriftAction) },
          correctionCount: int(),
        },
        [
          'target',
          'app',
          'ref',
          'changes',
          'fieldManager',
          'firstSeenUnixMs',
          'lastSeenUnixMs',
          'action',
          'correctionCount',
        ],
      ),
      DriftList: listOf('DriftItem', 'Drift records sorted by target, app, then object.'),
      Target: object(
        {
          name: str(),
          declared: bool(
            'False: the store still knows it, the fleet in force no longer declares it.',
          ),
          labels: stringMap,
          environment: str(),
          connection: { type: 'string', enum: Object.values(ConnectionState) },
          lastSeenMs: int(),
          connectedAtMs: int(),
          replica: str('Hub replica holding (or last holding) the stream.'),
          counts: ref('StatusCounts'),
        },
        ['name', 'declared', 'labels', 'connection', 'counts'],
      ),
      TargetList: listOf('Target', 'Targets sorted by name.'),
      Application: object(
        {
          name: str(),
          declared: bool(),
          targetRevision: str('`source.targetRevision`.'),
          targets: { ...strings, description: 'Targets the app is placed on.' },
          counts: ref('StatusCounts'),
        },
        ['name', 'declared', 'targets', 'counts'],
      ),
      ApplicationList: listOf('Application', 'Applications sorted by name.'),
      EnvironmentApp: object(
        {
          app: str(),
          pin: str("The environment's pin, as written."),
          revisions: { ...strings, description: 'Desired commits across the environment.' },
        },
        ['app', 'revisions'],
      ),
      Environment: object(
        {
          name: str(),
          frozen: bool(),
          targets: strings,
          pins: stringMap,
          targetPins: { type: 'object', additionalProperties: stringMap },
          apps: { type: 'array', items: ref('EnvironmentApp') },
          counts: ref('StatusCounts'),
        },
        ['name', 'frozen', 'targets', 'pins', 'targetPins', 'apps', 'counts'],
      ),
      EnvironmentList: listOf('Environment', 'Environments sorted by name.'),
      HistoryItem: object(
        {
          target: str(),
          app: str(),
          atMs: int('When the report that showed the transition was observed (Unix ms).'),
          syncState: { type: 'string', enum: Object.values(SyncState) },
          revision: str(),
          assignmentVersion: int(),
          health: { type: 'string', enum: Object.values(HealthStatus) },
        },
        ['target', 'app', 'atMs', 'syncState', 'revision', 'assignmentVersion', 'health'],
      ),
      HistoryList: listOf('HistoryItem', 'Transitions, newest first.'),
      ObjectDiff: object(
        {
          ref: ref('ObjectRef'),
          change: { type: 'string', enum: ['added', 'removed', 'changed'] },
          diff: str('Unified diff of the object as YAML (3 lines of context).'),
        },
        ['ref', 'change', 'diff'],
      ),
      DiffPreview: object(
        {
          app: str(),
          target: str(),
          environment: str("The target's environment (absent: none)."),
          revision: str('As requested.'),
          commit: str('The commit SHA the revision names.'),
          current: object(
            { revision: str('Commit SHA of the current desired state.'), version: int() },
            ['revision', 'version'],
            'The current desired state (absent: nothing desired on the target yet).',
          ),
          objects: {
            type: 'array',
            items: ref('ObjectDiff'),
            description: 'Objects added, removed or changed, in canonical order.',
          },
          summary: object({ added: int(), removed: int(), changed: int(), unchanged: int() }, [
            'added',
            'removed',
            'changed',
            'unchanged',
          ]),
        },
        ['app', 'target', 'revision', 'commit', 'objects', 'summary'],
      ),
      FleetProblem: object(
        {
          file: str(),
          line: int(),
          column: int(),
          field: str(),
          message: str(),
          severity: { type: 'string', enum: Object.values(ProblemSeverity) },
          code: { type: 'string', enum: [ErrorCode.LimitExceeded] },
          limit: str('The name of the limit crossed (maxDepth, maxAliases, …), with code.'),
        },
        ['file', 'line', 'field', 'message', 'severity'],
      ),
      ResolveFailure: object(
        {
          app: str(),
          target: str(),
          code: str(),
          message: str(),
          file: str('The file at fault, when known.'),
          line: int(),
          limit: str('The limit crossed, when one was.'),
        },
        ['app', 'target', 'code', 'message'],
      ),
      HubProblem: object(
        {
          stage: {
            type: 'string',
            enum: Object.values(ProblemStage),
            description:
              'Where: fetch (the repository), head (the branch), read (the fleet files), persist/restore (the last good fleet in Redis), pass.',
          },
          code: str('The error code (LIMIT_EXCEEDED, GIT_FETCH_FAILED, …).'),
          message: str('Subject first: what happened.'),
          action: str('What to do about it.'),
          repo: str(),
          commit: str(),
          file: str('Repository path of the file at fault, when known.'),
          line: int(),
          field: str(),
          limit: str('The name of the limit crossed, when one was.'),
          details: {
            type: 'object',
            additionalProperties: { type: ['string', 'number', 'boolean'] },
          },
          atMs: int(),
        },
        ['stage', 'code', 'message', 'action', 'atMs'],
      ),
      FleetStatus: {
        type: 'object',
        description: 'The resolver status (open: more fields may be added).',
        properties: {
          fleetCommit: str('The head commit of the fleet branch as last seen.'),
          fleetAccepted: bool(
            'True when the fleet at the head commit is in force. False: it was rejected, could not be read, or the fetch failed; the last good fleet stays in force and `fleetProblems`/`problems` say why.',
          ),
          inForceCommit: str('Commit of the fleet definition in force (the last good one).'),
          inForceFrom: {
            type: 'string',
            enum: ['git', 'redis'],
            description:
              'redis: the fleet in force was saved by a hub before this one started (Git not read yet, or its head is broken).',
          },
          fleetProblems: { type: 'array', items: ref('FleetProblem') },
          problems: { type: 'array', items: ref('HubProblem') },
          failures: { type: 'array', items: ref('ResolveFailure') },
          lastError: str(),
          lastPassAtMs: int(),
          lastPassMs: { type: 'number' },
          changedLastPass: int(),
        },
        required: ['fleetAccepted', 'fleetProblems', 'problems', 'failures', 'changedLastPass'],
        additionalProperties: true,
      },
    },
  },
};
