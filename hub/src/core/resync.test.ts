import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto/domain';
import type { DeletionMode, HeldApp } from '@gitfleet/proto/domain';
import { planResync } from './resync.ts';
import type { DesiredApp, ResyncDecision } from './resync.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const H1 = `sha256:${'a'.repeat(64)}`;
const H2 = `sha256:${'b'.repeat(64)}`;
const REV = 'f'.repeat(40);

function held(
  app: string,
  version: number,
  digest = D1,
  /** null: the agent has no acked report yet. */
  statusHash: string | null = H1,
): HeldApp {
  return {
    app,
    assignmentVersion: version,
    revision: REV,
    contentDigest: digest,
    ...(statusHash === null ? {} : { statusHash }),
  };
}

function desired(version: number, digest = D1, deletion: DeletionMode = 'delete'): DesiredApp {
  return { version, digest, deletion };
}

interface HubFixture {
  readonly desired?: Readonly<Record<string, DesiredApp>>;
  /** Counters; default: the desired version, 0 for apps not desired. */
  readonly counters?: Readonly<Record<string, number>>;
  readonly statusHashes?: Readonly<Record<string, string>>;
  readonly removals?: Readonly<Record<string, DeletionMode>>;
}

function plan(heldApps: readonly HeldApp[], hub: HubFixture): ResyncDecision {
  const wanted = new Map(Object.entries(hub.desired ?? {}));
  return planResync(
    { held: heldApps },
    {
      desired: wanted,
      versionOf: (app) => hub.counters?.[app] ?? wanted.get(app)?.version ?? 0,
      lastStatusHash: (app) => hub.statusHashes?.[app],
      knownRemovals: new Map(Object.entries(hub.removals ?? {})),
    },
  );
}

/** The decision in one line per list, for compact tables. */
interface Expected {
  readonly assignments?: string[];
  readonly removals?: string[];
  readonly upToDate?: string[];
  readonly reportRequests?: string[];
  readonly bump?: Record<string, number>;
  readonly adopt?: string[];
}

function summary(d: ResyncDecision): Required<Expected> {
  return {
    assignments: d.assign.map((a) => `${a.app}@${String(a.version)}`),
    removals: d.remove.map((r) => `${r.app}@${String(r.version)}:${r.deletion}`),
    upToDate: [...d.plan.upToDate],
    reportRequests: [...d.plan.reportRequests],
    bump: Object.fromEntries(d.bumpVersions),
    adopt: d.adopt.map((a) => `${a.app}@${String(a.version)}`),
  };
}

function full(e: Expected): Required<Expected> {
  return {
    assignments: [],
    removals: [],
    upToDate: [],
    reportRequests: [],
    bump: {},
    adopt: [],
    ...e,
  };
}

describe('planResync (proto/README.md, Handshake and resync, step 2)', () => {
  it.each<[string, HeldApp[], HubFixture, Expected]>([
    ['fresh agent, nothing desired', [], {}, {}],
    [
      'fresh agent: every desired app is assigned at its version',
      [],
      { desired: { web: desired(3), db: desired(1) } },
      { assignments: ['db@1', 'web@3'] },
    ],
    [
      'held at a lower version → assign at the desired version',
      [held('web', 2)],
      { desired: { web: desired(3, D2) } },
      { assignments: ['web@3'] },
    ],
    [
      'held lower with the same digest is still assigned (versions decide)',
      [held('web', 2)],
      { desired: { web: desired(3) } },
      { assignments: ['web@3'] },
    ],
    [
      'same version, same status hash → up to date, no report',
      [held('web', 3, D1, H1)],
      { desired: { web: desired(3) }, statusHashes: { web: H1 } },
      { upToDate: ['web'] },
    ],
    [
      'same version, status hash differs → up to date + report request',
      [held('web', 3, D1, H1)],
      { desired: { web: desired(3) }, statusHashes: { web: H2 } },
      { upToDate: ['web'], reportRequests: ['web'] },
    ],
    [
      'same version, hub has no status hash → report request',
      [held('web', 3, D1, H1)],
      { desired: { web: desired(3) } },
      { upToDate: ['web'], reportRequests: ['web'] },
    ],
    [
      'same version, agent has no status hash yet → report request',
      [held('web', 3, D1, null)],
      { desired: { web: desired(3) }, statusHashes: { web: H1 } },
      { upToDate: ['web'], reportRequests: ['web'] },
    ],
    [
      'same version, other digest (hub bug) → bump and assign at counter + 1',
      [held('web', 3, D2)],
      { desired: { web: desired(3) } },
      { assignments: ['web@4'], bump: { web: 4 } },
    ],
    [
      "held higher, same digest (hub lost state) → up to date at the agent's version, counter moves there",
      [held('web', 7, D1, H1)],
      { desired: { web: desired(2) }, statusHashes: { web: H1 } },
      { upToDate: ['web'], adopt: ['web@7'], bump: { web: 7 } },
    ],
    [
      'held higher, same digest, no hash → also a report request',
      [held('web', 7)],
      { desired: { web: desired(2) } },
      { upToDate: ['web'], reportRequests: ['web'], adopt: ['web@7'], bump: { web: 7 } },
    ],
    [
      'held higher, other digest → assign at held + 1, counter moves past',
      [held('web', 7, D2)],
      { desired: { web: desired(2) } },
      { assignments: ['web@8'], bump: { web: 8 } },
    ],
    [
      'held higher, other digest, counter even higher → counter + 1',
      [held('web', 7, D2)],
      { desired: { web: desired(2) }, counters: { web: 9 } },
      { assignments: ['web@10'], bump: { web: 10 } },
    ],
    [
      'held higher, same digest, counter already past → no bump needed',
      [held('web', 7)],
      { desired: { web: desired(2) }, counters: { web: 9 }, statusHashes: { web: H1 } },
      { upToDate: ['web'], adopt: ['web@7'] },
    ],
    [
      'held, not desired, hub knows the last assignment → removal at held + 1 with its deletion mode',
      [held('old', 4)],
      { removals: { old: 'delete' } },
      { removals: ['old@5:delete'], bump: { old: 5 } },
    ],
    [
      'held, not desired, hub has no record → orphan (never delete what the hub cannot account for)',
      [held('stray', 4)],
      {},
      { removals: ['stray@5:orphan'], bump: { stray: 5 } },
    ],
    [
      'held, not desired, hub counter higher → counter + 1',
      [held('old', 4)],
      { removals: { old: 'orphan' }, counters: { old: 6 } },
      { removals: ['old@7:orphan'], bump: { old: 7 } },
    ],
    [
      'a whole fleet at once: every held app in exactly one list, all sorted',
      [
        held('web', 3, D1, H1),
        held('api', 1),
        held('old', 2),
        held('cache', 5, D1, H2),
        held('batch', 9, D2),
      ],
      {
        desired: {
          web: desired(3),
          api: desired(2, D2),
          cache: desired(5),
          batch: desired(4),
          jobs: desired(1),
        },
        statusHashes: { web: H1, cache: H1 },
        removals: { old: 'delete' },
      },
      {
        assignments: ['api@2', 'batch@10', 'jobs@1'],
        removals: ['old@3:delete'],
        upToDate: ['cache', 'web'],
        reportRequests: ['cache'],
        bump: { batch: 10, old: 3 },
      },
    ],
  ])('%s', (_name, heldApps, hub, expected) => {
    const decision = plan(heldApps, hub);
    expect(summary(decision)).toEqual(full(expected));
    // the Welcome plan mirrors the lists to send
    expect(decision.plan.assignments).toEqual(decision.assign);
    expect(decision.plan.removals).toEqual(
      decision.remove.map(({ app, version }) => ({ app, version })),
    );
    // every held app in exactly one of assignments / removals / up to date
    const listed = [
      ...decision.plan.assignments.map((a) => a.app),
      ...decision.plan.removals.map((r) => r.app),
      ...decision.plan.upToDate,
    ];
    for (const h of heldApps) expect(listed.filter((app) => app === h.app)).toHaveLength(1);
    // report requests only for up-to-date apps
    for (const app of decision.plan.reportRequests) expect(decision.plan.upToDate).toContain(app);
  });

  it('rejects a Hello that lists an app twice', () => {
    expect(() => plan([held('web', 1), held('web', 2)], {})).toThrow(
      expect.objectContaining({ code: ErrorCode.ProtocolViolation }) as Error,
    );
  });

  it.each([0, -1, 1.5])('rejects desired version %s', (version) => {
    expect(() => plan([], { desired: { web: desired(version) } })).toThrow(
      expect.objectContaining({ code: ErrorCode.Internal }) as Error,
    );
  });
});
