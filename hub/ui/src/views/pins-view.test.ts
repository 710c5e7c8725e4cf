import { describe, expect, it } from 'vitest';
import {
  environmentRevisions,
  firstLine,
  pinKey,
  pinLocation,
  pinsUnavailableText,
  promoteChoices,
  promoteDefaults,
  promoteProblem,
  promoteQuery,
  promotionText,
  refusalReasons,
} from './pins-view.ts';

const short = (s: string): string => s.slice(0, 7);

const envs = [
  {
    name: 'prod',
    frozen: true,
    apps: [
      { app: 'web', pin: 'v1', revisions: ['aaaaaaa1'] },
      { app: 'api', revisions: ['bbbbbbb1', 'bbbbbbb2'] },
    ],
  },
  { name: 'dev', frozen: false, apps: [{ app: 'web', revisions: ['ccccccc1'] }] },
  { name: 'staging', frozen: false, apps: [] },
];

describe('pins', () => {
  it.each([
    [{ environment: 'prod', app: 'web' }, 'prod/web'],
    [{ environment: 'prod', app: 'web', target: '' }, 'prod/web'],
    [{ environment: 'prod', app: 'web', target: 'prod-1' }, 'prod/web/prod-1'],
  ])('pinKey(%j) = %s', (pin, want) => {
    expect(pinKey(pin)).toBe(want);
  });
  it.each([
    ['promote web to prod\n\nbody', 'promote web to prod'],
    ['  one line  ', 'one line'],
    ['crlf\r\nsecond', 'crlf'],
    ['', ''],
  ])('firstLine(%j)', (m, want) => {
    expect(firstLine(m)).toBe(want);
  });
  it.each([
    [{ file: 'envs/prod.yaml', line: 12 }, 'envs/prod.yaml:12'],
    [{ file: 'envs/prod.yaml', line: 0 }, 'envs/prod.yaml'],
  ])('pinLocation(%j)', (p, want) => {
    expect(pinLocation(p)).toBe(want);
  });
  it.each([
    [404, 'This hub serves no pins (GET /api/v1/pins answered 404).'],
    [500, undefined],
  ])('unavailable %i', (status, want) => {
    expect(pinsUnavailableText(status)).toBe(want);
  });
});

describe('environments', () => {
  it('lists every (environment, app), sorted', () => {
    expect(environmentRevisions(envs)).toEqual([
      { environment: 'dev', app: 'web', revisions: ['ccccccc1'], frozen: false },
      { environment: 'prod', app: 'api', revisions: ['bbbbbbb1', 'bbbbbbb2'], frozen: true },
      { environment: 'prod', app: 'web', pin: 'v1', revisions: ['aaaaaaa1'], frozen: true },
    ]);
  });
  it('offers the apps and environments', () => {
    expect(promoteChoices(envs)).toEqual({
      apps: ['api', 'web'],
      environments: ['dev', 'prod', 'staging'],
    });
  });
});

describe('promotion form', () => {
  const choices = { apps: ['api', 'web'], environments: ['dev', 'prod', 'staging'] };
  it.each([
    [{}, { app: 'api', from: 'dev', to: 'prod' }],
    [
      { app: 'web', from: 'prod' },
      { app: 'web', from: 'prod', to: 'staging' },
    ],
    [{ from: 'staging' }, { app: 'api', from: 'staging', to: 'dev' }],
    [
      { app: 'gone', from: 'gone', to: 'staging' },
      { app: 'api', from: 'dev', to: 'staging' },
    ],
  ])('defaults of %j', (form, want) => {
    expect(promoteDefaults(choices, form)).toEqual(want);
  });
  it('no choices: empty', () => {
    expect(promoteDefaults({ apps: [], environments: [] }, {})).toEqual({
      app: '',
      from: '',
      to: '',
    });
  });
  it.each([
    [{ app: 'web', from: 'dev', to: 'prod' }, undefined],
    [{ app: '', from: 'dev', to: 'prod' }, 'choose an application'],
    [{ app: 'web', from: '', to: 'prod' }, 'choose the environments to promote from and to'],
    [{ app: 'web', from: 'dev', to: 'dev' }, 'From and To must be different environments'],
  ])('problem of %j', (form, want) => {
    expect(promoteProblem(form)).toBe(want);
  });
  it.each([
    [undefined, { app: 'web', from: 'dev', to: 'prod' }],
    ['  ', { app: 'web', from: 'dev', to: 'prod' }],
    [' soak passed ', { app: 'web', from: 'dev', to: 'prod', reason: 'soak passed' }],
  ])('query with reason %j', (reason, want) => {
    expect(promoteQuery({ app: 'web', from: 'dev', to: 'prod' }, reason)).toEqual(want);
  });
});

describe('promotion outcome', () => {
  const sha = (c: string) => c.repeat(40);
  it.each([
    [
      {
        app: 'web',
        environment: 'prod',
        revision: sha('a'),
        commit: sha('b'),
        changed: true,
        targets: ['dev-1', 'dev-2'],
      },
      'promoted web to prod: pinned aaaaaaa (what 2 targets run), commit bbbbbbb',
    ],
    [
      {
        app: 'web',
        environment: 'prod',
        revision: sha('a'),
        commit: sha('b'),
        changed: true,
        targets: ['dev-1'],
      },
      'promoted web to prod: pinned aaaaaaa (what 1 target run), commit bbbbbbb',
    ],
    [
      {
        app: 'web',
        environment: 'prod',
        revision: sha('a'),
        commit: sha('c'),
        changed: false,
        targets: [],
      },
      'prod already pins web to aaaaaaa: nothing to commit (fleet branch at ccccccc)',
    ],
  ])('%j', (p, want) => {
    expect(promotionText(p, short)).toBe(want);
  });
  it.each<[unknown, string[]]>([
    [
      { reasons: ['dev-1: Degraded', 'dev-2: OutOfSync'], app: 'web' },
      ['dev-1: Degraded', 'dev-2: OutOfSync'],
    ],
    [{ reasons: ['a', 3] }, ['a']],
    [{ reasons: 'x' }, []],
    [undefined, []],
    [null, []],
  ])('refusalReasons(%j)', (details, want) => {
    expect(refusalReasons(details)).toEqual(want);
  });
});
