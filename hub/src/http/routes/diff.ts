/**
 * `GET /api/v1/diff`: what a revision would change on a target (../preview.ts), Secret values as
 * fingerprints. A revision that does not render is the content's fault, not the request's: 422.
 */
import { ErrorCode, GitfleetError, toGitfleetError } from '@gitfleet/proto';
import { ApiScope } from '../../core/api-access/index.ts';
import { DiffPreview } from '../api/diff.ts';
import { DiffQuery } from '../api/queries.ts';
import { previewDiff } from '../preview.ts';
import {
  errorReply,
  errorResponse,
  type Reply,
  type RequestContext,
  type Route,
} from '../route.ts';

/** Codes of a revision that does not render. */
const UNRENDERABLE: readonly string[] = [
  ErrorCode.ManifestInvalid,
  ErrorCode.LimitExceeded,
  ErrorCode.SourceRefused,
];

async function diff(ctx: RequestContext): Promise<Reply> {
  const { deps, query } = ctx;
  if (deps.preview === undefined) {
    return errorReply(
      new GitfleetError(ErrorCode.NotFound, 'this hub was started without diff previews'),
      404,
    );
  }
  try {
    const body: DiffPreview = await previewDiff(
      { ...deps.preview, store: deps.store, fleet: deps.resolver.fleet },
      {
        app: query.get('app') ?? '',
        target: query.get('target') ?? '',
        revision: query.get('revision') ?? '',
      },
    );
    return { status: 200, json: body };
  } catch (err) {
    const e = toGitfleetError(err);
    if (UNRENDERABLE.includes(e.code)) return errorReply(e, 422);
    // an ambiguous abbreviated SHA or a ref naming both a branch and a tag: say which
    if (e.code === ErrorCode.ConfigInvalid) return errorReply(e, 400);
    throw e;
  }
}

export const DIFF_ROUTE: Route = {
  method: 'GET',
  path: '/api/v1/diff',
  access: ApiScope.Read,
  query: DiffQuery,
  doc: {
    operationId: 'diffRevision',
    summary: 'What a revision of an application would change on a target.',
    description:
      "Renders the application at `revision` for `target` as the resolver would (the fleet in force: overlays, substitution) and compares it with the target's current desired objects. Nothing is stored or sent.",
    tags: ['fleet'],
    responses: {
      '200': { description: 'The diff.', json: DiffPreview },
      '400': errorResponse(
        'A bad query parameter: missing, unknown, given twice, a name that is not a DNS label, not a revision, or an ambiguous one (an abbreviated SHA of several objects).',
      ),
      '404': errorResponse(
        'The app or target is not declared, the app is not placed on the target, the revision is not in the repository, or this hub serves no diff previews.',
      ),
      '422': errorResponse(
        'The application does not render at that revision (MANIFEST_INVALID, LIMIT_EXCEEDED, SOURCE_REFUSED).',
      ),
    },
  },
  handle: diff,
};
