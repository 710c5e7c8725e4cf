/**
 * The query parameters each route accepts, as closed object schemas: the order of the properties
 * is the order the API names them in, `required` lists the ones a route cannot do without. The
 * edge validates every request's query against its route's schema (../query.ts) and the OpenAPI
 * document lists them as the route's parameters (./openapi.ts).
 */
import Type, { type TObject, type TProperties, type TSchema } from 'typebox';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../paginate.ts';
import { DNS_LABEL_PATTERN, closed } from './schema.ts';

const name = (description: string) => Type.String({ description, pattern: DNS_LABEL_PATTERN });
const text = (description: string) => Type.String({ description });

/** Query parameters holding a target or app name: DNS labels. */
export const NAME_PARAMETERS: ReadonlySet<string> = new Set(['target', 'app']);

export const ROLLOUT_COMMANDS = ['pause', 'resume', 'abort', 'rollback', 'approve'] as const;
export type RolloutCommandName = (typeof ROLLOUT_COMMANDS)[number];

/** Every query parameter of the API, described once. */
const P = {
  target: name('Only this target (a DNS label).'),
  app: name('Only this application (a DNS label).'),
  environment: text(
    "Only targets matched by this Environment's selector in the fleet in force (404 when it is not declared).",
  ),
  kind: text('Only objects of this Kubernetes kind (`Deployment`).'),
  manager: text('Only drift made by this field manager (`kubectl-edit`).'),
  limit: Type.Integer({
    description: `Items per page, 1 to ${String(MAX_LIMIT)} (default ${String(DEFAULT_LIMIT)}).`,
    minimum: 1,
    maximum: MAX_LIMIT,
    default: DEFAULT_LIMIT,
  }),
  continue: text(
    'The `metadata.continue` of the previous page, unchanged: the next page starts after its last item.',
  ),
  command: Type.Enum(ROLLOUT_COMMANDS, {
    description: 'pause | resume | abort | rollback | approve',
  }),
  wave: text('The wave to approve (approve only).'),
  revision: text('Branch, tag or commit SHA of the application source.'),
} as const satisfies Readonly<Record<string, TSchema>>;

const optional = <S extends TSchema>(s: S) => Type.Optional(s);

const PAGE = { limit: optional(P.limit), continue: optional(P.continue) };

/** The query of a route that takes none. */
export const NoQuery: TObject<TProperties> = closed({});

export const StatusQuery = closed({
  target: optional(P.target),
  app: optional(P.app),
  environment: optional(P.environment),
  ...PAGE,
});
export const TargetsQuery = closed({ environment: optional(P.environment), ...PAGE });
export const PageQuery = closed(PAGE);
export const DriftQuery = closed({
  target: optional(P.target),
  app: optional(P.app),
  environment: optional(P.environment),
  kind: optional(P.kind),
  manager: optional(P.manager),
  ...PAGE,
});
export const HistoryQuery = closed({ target: P.target, app: P.app, ...PAGE });
export const AppQuery = closed({ app: P.app });
export const PairQuery = closed({ target: P.target, app: P.app });
export const RolloutCommandQuery = closed({
  app: P.app,
  command: P.command,
  wave: optional(P.wave),
});
export const DiffQuery = closed({ app: P.app, target: P.target, revision: P.revision });

/** The parameter names of a query schema, in order. */
export function parameterNames(query: TObject): string[] {
  return Object.keys(query.properties);
}

/** The names of the parameters a query schema requires. */
export function requiredNames(query: TObject): string[] {
  return [...(query.required ?? [])];
}
