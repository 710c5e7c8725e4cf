import { describe, expect, it } from 'vitest';
import { PinIndex, pinSource, pinSourceText, type EnvPins, type PinSource } from './pin-source.ts';

const envs: EnvPins[] = [
  { name: 'dev', targets: ['dev-1'], pins: {}, targetPins: {} },
  {
    name: 'prod',
    targets: ['prod-1', 'prod-2'],
    pins: { web: 'v1.2.0' },
    targetPins: { 'prod-2': { web: 'abc1234', api: 'def5678' } },
  },
];

describe('pinSource', () => {
  it.each<[string, string, string | undefined, string | undefined, PinSource, string]>([
    [
      'web',
      'prod-2',
      undefined,
      'main',
      { kind: 'target', environment: 'prod', value: 'abc1234' },
      'pinned for target in environment prod (abc1234)',
    ],
    [
      'web',
      'prod-1',
      undefined,
      'main',
      { kind: 'environment', environment: 'prod', value: 'v1.2.0' },
      'pinned by environment prod (v1.2.0)',
    ],
    [
      'api',
      'prod-2',
      'prod',
      'main',
      { kind: 'target', environment: 'prod', value: 'def5678' },
      'pinned for target in environment prod (def5678)',
    ],
    [
      'api',
      'prod-1',
      undefined,
      'release',
      { kind: 'branch', ref: 'release' },
      'branch release of the application',
    ],
    [
      'web',
      'dev-1',
      undefined,
      'main',
      { kind: 'branch', ref: 'main' },
      'branch main of the application',
    ],
    [
      'web',
      'elsewhere',
      undefined,
      undefined,
      { kind: 'branch', ref: 'HEAD' },
      'branch HEAD of the application',
    ],
    // the row's environment wins over the selector lists
    [
      'web',
      'dev-1',
      'prod',
      'main',
      { kind: 'environment', environment: 'prod', value: 'v1.2.0' },
      'pinned by environment prod (v1.2.0)',
    ],
  ])('%s on %s (env %s)', (app, target, env, ref, want, text) => {
    const s = pinSource(
      app,
      target,
      envs,
      ref === undefined ? undefined : { targetRevision: ref },
      env,
    );
    expect(s).toEqual(want);
    expect(pinSourceText(s)).toBe(text);
  });
});

describe('PinIndex', () => {
  const idx = new PinIndex(envs);
  it.each<[string, string, string | undefined, boolean]>([
    ['web', 'prod-1', undefined, true],
    ['api', 'prod-1', undefined, false],
    ['api', 'prod-2', undefined, true],
    ['web', 'dev-1', undefined, false],
    ['web', 'dev-1', 'prod', true],
    ['web', 'nowhere', undefined, false],
  ])('%s on %s (env %s) → %s', (app, target, env, want) => {
    expect(idx.pinned(app, target, env)).toBe(want);
  });
});
