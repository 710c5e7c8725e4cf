/**
 * `GET /api/v1/diff`: what a revision of an application would change on a target. Renders the
 * application at that revision for that target exactly as the resolver does (pin → commit →
 * files → kustomize when the app has a kustomization → overlays and `${target.*}` substitution,
 * with the fleet in force), and compares the result with the target's current desired objects
 * (./diff.ts). Nothing is stored or sent.
 * Secret values show only as fingerprints (./secret-mask.ts).
 */
import {
  ErrorCode,
  GitfleetError,
  isGitfleetError,
  silentLogger,
  toGitfleetError,
  type KubeObject,
} from '@gitfleet/proto';
import {
  environmentOf,
  findApplication,
  findTarget,
  gitRefProblem,
  placementOf,
  type FleetSpec,
} from '../core/fleet/index.ts';
import type { GitRepo, GitSource } from '../git/port.ts';
import { renderForTarget } from '../resolve/render-target.ts';
import { renderSource } from '../resolve/source-step.ts';
import { SourceRenderer } from '../sources/renderer.ts';
import type { HubStore } from '../store/port.ts';
import type { DiffPreview } from './api/diff.ts';
import { diffObjects } from './diff.ts';
import { PROCESS_MASK_KEY, maskSecretObject } from './secret-mask.ts';

/** The body this module answers with, for the modules that show it. */
export type { DiffPreview } from './api/diff.ts';

/** What the preview needs besides the store and the fleet: Git and the fleet repository. */
export interface DiffPreviewDeps {
  readonly git: Pick<GitSource, 'fetch' | 'resolve' | 'readFiles'>;
  /** The fleet repository (with its credentials): the source of apps without `repoURL`. */
  readonly fleetRepo: GitRepo;
  /** Key of the Secret fingerprints (./secret-mask.ts); default: the process's. */
  readonly maskKey?: Uint8Array;
  /** Renders kustomize applications (the resolver's, sharing its cache); default: one of its own. */
  readonly sources?: SourceRenderer;
}

let fallbackRenderer: SourceRenderer | undefined;
function defaultRenderer(): SourceRenderer {
  fallbackRenderer ??= new SourceRenderer({}, { logger: silentLogger });
  return fallbackRenderer;
}

export interface DiffPreviewRequest {
  readonly app: string;
  readonly target: string;
  /** Branch, tag or (abbreviated) commit SHA. */
  readonly revision: string;
}

function notFound(message: string, details: Record<string, string>): GitfleetError {
  return new GitfleetError(ErrorCode.NotFound, message, { terminal: true, details });
}

/**
 * The diff of `revision` against what `target` is meant to run now.
 *
 * @throws GitfleetError NOT_FOUND (no fleet in force; app or target not declared; app not placed
 *   on the target; revision unknown even after a fetch), INVALID_REQUEST (not a revision),
 *   CONFIG_INVALID (an abbreviated SHA that names several objects),
 *   MANIFEST_INVALID (the app does not render at that revision; the message names the problems)
 */
export async function previewDiff(
  deps: DiffPreviewDeps & {
    readonly store: Pick<HubStore, 'getDesired'>;
    readonly fleet: FleetSpec | undefined;
  },
  req: DiffPreviewRequest,
): Promise<DiffPreview> {
  const { fleet, git } = deps;
  const { app, target, revision } = req;
  if (fleet === undefined)
    throw notFound('no fleet definition is in force yet: nothing to render', { app });
  const spec = findApplication(fleet, app);
  if (spec === undefined) {
    throw notFound(
      `application "${app}" is not declared in the fleet in force (declared: ${fleet.applications.map((a) => a.name).join(', ') || 'none'})`,
      { parameter: 'app', app },
    );
  }
  const t = findTarget(fleet, target);
  if (t === undefined) {
    throw notFound(
      `target "${target}" is not declared in the fleet in force (declared: ${fleet.targets.map((x) => x.name).join(', ') || 'none'})`,
      { parameter: 'target', target },
    );
  }
  const placed = placementOf(fleet, app);
  if (!placed.includes(target)) {
    throw notFound(
      `application "${app}" is not placed on target "${target}" (placed on: ${placed.join(', ') || 'none'})`,
      { parameter: 'target', app, target },
    );
  }
  const problem = gitRefProblem(revision);
  if (problem !== undefined) {
    throw new GitfleetError(
      ErrorCode.InvalidRequest,
      `query parameter revision: ${JSON.stringify(revision)} ${problem}; give a branch, tag or commit SHA`,
      { terminal: true, details: { parameter: 'revision' } },
    );
  }
  const repo: GitRepo =
    spec.source.repoURL === undefined || spec.source.repoURL === deps.fleetRepo.url
      ? deps.fleetRepo
      : { url: spec.source.repoURL };
  let commit: string;
  try {
    commit = await git.resolve(repo, revision);
  } catch (err) {
    if (!isGitfleetError(err) || err.code !== ErrorCode.NotFound) throw err;
    // pushed since the last poll? fetch once and look again
    let fetchFailed = '';
    await git.fetch(repo).catch((e: unknown) => {
      fetchFailed = ` (fetching it again failed: ${toGitfleetError(e).message})`;
    });
    try {
      commit = await git.resolve(repo, revision);
    } catch (again) {
      if (isGitfleetError(again) && again.code === ErrorCode.NotFound) {
        throw notFound(
          fetchFailed === ''
            ? `revision ${JSON.stringify(revision)} is not in ${repo.url} (no such branch, tag or commit after a fetch); push it first`
            : `revision ${JSON.stringify(revision)} is not in the hub's copy of ${repo.url}${fetchFailed}`,
          { parameter: 'revision', revision },
        );
      }
      throw again;
    }
  }
  const env = environmentOf(fleet, target);
  const read = await git.readFiles(repo, commit, spec.source.path);
  const input = {
    fleet,
    app: spec,
    target: t,
    files: read.files,
    subject: `${app} does not render for ${target} at ${commit.slice(0, 12)}`,
  };
  const baseObjects = await renderSource(deps.sources ?? defaultRenderer(), {
    ...input,
    repoUrl: repo.url,
    commit,
    read: async (path) => (await git.readFiles(repo, commit, path)).files,
  });
  const rendered = renderForTarget({
    ...input,
    ...(baseObjects === undefined ? {} : { baseObjects }),
  });
  const desired = await deps.store.getDesired(target, app);
  const current = desired?.assignment;
  // Secrets' values as fingerprints on both sides: a changed value still shows as a change
  const masked = (objects: readonly KubeObject[]): KubeObject[] =>
    objects.map((o) => maskSecretObject(o, deps.maskKey ?? PROCESS_MASK_KEY));
  const before = current === undefined ? undefined : masked(current.objects);
  const diff = diffObjects(before, masked(rendered.objects), {
    from: current === undefined ? 'current' : current.revision.slice(0, 7),
    to: commit.slice(0, 7),
  });
  return {
    app,
    target,
    ...(env === undefined ? {} : { environment: env.name }),
    revision,
    commit,
    ...(current === undefined
      ? {}
      : { current: { revision: current.revision, version: current.version } }),
    objects: diff.objects,
    summary: diff.summary,
  };
}
