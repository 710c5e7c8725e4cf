/**
 * The pins in force and promotions, for the pin routes (./routes/pins.ts).
 *
 * Pins: every `spec.pins` and `spec.targetPins` entry of the fleet commit in force, where it is
 * written (../core/fleet/pin-locations.ts) and which commit gave it its value (the history walk
 * of ../git/fleet-history.ts), computed once per commit in force.
 *
 * Promotion: decidePromotion (../core/promotion) over the hub's own status of the application in
 * the source environment; when it holds, the pin of the next environment is written as a commit
 * to the fleet branch (../git/fleet-writer.ts) exactly as `gitfleet promote` writes it — the
 * same edit of the Environment's file and the same message — with the token's name as author,
 * and a resolver pass is started so the hub picks the commit up at once.
 */
import { ErrorCode, GitfleetError, toGitfleetError } from '@gitfleet/proto';
import { commitAuthorOf, environmentCommitMessage } from '../core/fleet/env-commit.ts';
import { editEnvironment, filesDeclaringEnvironment } from '../core/fleet/env-edit.ts';
import { matchesLabelSelector, type FleetSpec } from '../core/fleet/index.ts';
import { pinKey, pinsInFile, type PinLocation } from '../core/fleet/pin-locations.ts';
import { decidePromotion, shortRevision } from '../core/promotion/index.ts';
import { redactUrl } from '../git/repo-url.ts';
import type { Pin, PinList, Promotion } from './api/pins.ts';
import type { HttpServerDeps, PinRouteDeps } from './deps.ts';

export type { PinRouteDeps } from './deps.ts';
import { loadSnapshot } from './snapshot.ts';
import { requireEnvironment, statusRows, targetsOfEnvironment } from './views.ts';

const FLEET_FILE = /\.(ya?ml|json)$/i;

/** The pins of the last commit asked for, per set of deps. */
const lists = new WeakMap<PinRouteDeps, { commit: string; list: Promise<PinList> }>();

function compare(a: Pin, b: Pin): number {
  const ka = [a.environment, a.app, a.target ?? ''];
  const kb = [b.environment, b.app, b.target ?? ''];
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] ?? '';
    const y = kb[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Every pin of the fleet commit in force, with who set it; cached per commit. */
export function listPins(deps: HttpServerDeps, pins: PinRouteDeps): Promise<PinList> {
  const commit = deps.resolver.status.inForceCommit;
  if (commit === undefined) return Promise.resolve({ items: [] });
  const known = lists.get(pins);
  if (known?.commit === commit) return known.list;
  const list = readPins(deps, pins, commit);
  lists.set(pins, { commit, list });
  // a failed read is not kept: the next call tries again
  list.catch(() => {
    if (lists.get(pins)?.list === list) lists.delete(pins);
  });
  return list;
}

async function readPins(
  deps: HttpServerDeps,
  pins: PinRouteDeps,
  commit: string,
): Promise<PinList> {
  const { fleetRepo } = pins;
  const read = await pins.git
    .readFiles(fleetRepo, commit, '', { include: (p) => FLEET_FILE.test(p) })
    .catch((err: unknown) => {
      // a fleet restored from Redis before its first fetch: its commit is not in the cache yet
      const e = toGitfleetError(err);
      throw new GitfleetError(
        ErrorCode.Unavailable,
        `the fleet commit in force ${commit.slice(0, 12)} cannot be read yet (${e.message}); try again after the next fetch of the fleet repository`,
        { details: { commit } },
      );
    });
  const items: Pin[] = [];
  for (const [file, text] of read.files) {
    const found = pinsInFile(file, text);
    if (found.length === 0) continue;
    const keys = found.map(pinKey);
    const history = await pins.history
      .pinsSetBy(fleetRepo.url, commit, file, keys)
      .catch((err: unknown) => {
        deps.logger.warn('pin history unreadable; pins listed without who set them', {
          repo: redactUrl(fleetRepo.url),
          commit,
          file,
          error: toGitfleetError(err).message,
        });
        return new Map<string, never>();
      });
    for (const p of found) items.push(pinItem(p, history.get(pinKey(p))));
  }
  return { items: items.sort(compare), commit };
}

function pinItem(p: PinLocation, by: Pin['setBy'] | 'truncated' | undefined): Pin {
  return {
    environment: p.environment,
    app: p.app,
    ...(p.target === undefined ? {} : { target: p.target }),
    value: p.value,
    file: p.file,
    line: p.line,
    ...(by === undefined ? {} : by === 'truncated' ? { truncated: true } : { setBy: by }),
  };
}

export interface PromoteRequest {
  readonly app: string;
  readonly from: string;
  readonly to: string;
  readonly reason?: string;
  /** The name of the request's token. */
  readonly by: string;
}

export type PromoteOutcome =
  | { readonly ok: true; readonly promotion: Promotion }
  | { readonly ok: false; readonly reasons: readonly string[] };

function notDeclared(kind: string, name: string, declared: readonly string[]): GitfleetError {
  return new GitfleetError(
    ErrorCode.NotFound,
    `${kind} "${name}" is not declared in the fleet in force (declared: ${declared.length === 0 ? 'none' : declared.join(', ')})`,
    { terminal: true, details: { [kind]: name } },
  );
}

/** The targets of environment `from` that `app` is placed on, in the fleet in force. */
function placedTargets(fleet: FleetSpec, app: string, from: string): string[] {
  const spec = fleet.applications.find((a) => a.name === app);
  if (spec === undefined) {
    throw notDeclared(
      'application',
      app,
      fleet.applications.map((a) => a.name),
    );
  }
  const inFrom = new Set(targetsOfEnvironment(fleet, requireEnvironment(fleet, from)));
  return fleet.targets
    .filter((t) => inFrom.has(t.name) && matchesLabelSelector(t.labels, spec.placement.selector))
    .map((t) => t.name)
    .sort();
}

/**
 * Decides the promotion of `req.app` from `req.from` to `req.to` and, when it holds, commits the
 * pin.
 *
 * @throws GitfleetError NOT_FOUND (app or environment not declared), UNAVAILABLE (no fleet in
 *   force), and the writer's errors (GIT_AUTH_FAILED, GIT_FETCH_FAILED, APPLY_CONFLICT,
 *   FLEET_INVALID …)
 */
export async function promote(
  deps: HttpServerDeps,
  pins: PinRouteDeps,
  req: PromoteRequest,
): Promise<PromoteOutcome> {
  const { app, from, to } = req;
  if (from === to) {
    throw new GitfleetError(
      ErrorCode.InvalidRequest,
      `query parameter to: "${to}" is the environment promoted from; name the next environment`,
      { terminal: true, details: { parameter: 'to' } },
    );
  }
  const fleet = deps.resolver.fleet;
  if (fleet === undefined) {
    throw new GitfleetError(
      ErrorCode.Unavailable,
      'no fleet definition is in force yet, so the hub cannot tell whether the application runs healthily; try again once GET /api/v1/fleet shows one',
    );
  }
  requireEnvironment(fleet, to);
  const targets = placedTargets(fleet, app, from);
  const snap = await loadSnapshot(deps, targets);
  const rows = statusRows(snap, { app, environment: from });
  const decision = decidePromotion({ app, from, targets, rows });
  if (!decision.ok) return { ok: false, reasons: decision.reasons };
  const { revision } = decision;
  const author = commitAuthorOf(req.by);
  const { fleetRepo } = pins;
  const result = await pins.writer.write({
    url: fleetRepo.url,
    branch: fleetRepo.branch,
    author,
    edit: (files, onBranch) => {
      if (!onBranch.environments.some((e) => e.name === to)) {
        throw notDeclared(
          'environment',
          to,
          onBranch.environments.map((e) => e.name),
        );
      }
      const [file, ...more] = filesDeclaringEnvironment(files, to);
      if (file === undefined) throw notDeclared('environment', to, []);
      if (more.length > 0) {
        throw new GitfleetError(
          ErrorCode.FleetInvalid,
          `Environment "${to}" is declared in ${String(more.length + 1)} files (${[file, ...more].join(', ')}); keep one declaration, then promote again`,
          { details: { environment: to } },
        );
      }
      const outcome = editEnvironment(files.get(file) ?? '', to, { kind: 'pin', app, revision });
      if (!outcome.changed) return undefined;
      const message = environmentCommitMessage({
        subject: `promote ${app} to ${shortRevision(revision)} in ${to} (healthy in ${from})`,
        ...(req.reason === undefined ? {} : { reason: req.reason }),
        pin: { previous: outcome.previous },
        environment: to,
        file,
        via: { key: 'Gitfleet-Api', value: `POST /api/v1/promote by ${author.name}` },
      });
      return { path: file, text: outcome.text, message };
    },
  });
  const commit = result.kind === 'committed' ? result.commit : result.head;
  if (result.kind === 'committed') {
    deps.logger.info('promotion committed', {
      app,
      from,
      to,
      revision,
      commit,
      by: author.name,
      attempts: result.attempts,
    });
    // the poller's fetch starts a pass when the branch moved; a pass now when it is not polled
    if (!deps.poller.trigger(fleetRepo.url)) {
      deps.resolver.trigger().catch((err: unknown) =>
        deps.logger.error('resolve pass after a promotion failed', {
          error: toGitfleetError(err).message,
        }),
      );
    }
  }
  return {
    ok: true,
    promotion: {
      commit,
      revision,
      environment: to,
      app,
      targets: [...decision.targets],
      changed: result.kind === 'committed',
    },
  };
}
