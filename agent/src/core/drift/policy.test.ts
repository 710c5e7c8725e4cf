import { describe, expect, it } from 'vitest';
import { DriftMode, objectRef } from '@gitfleet/proto/domain';
import type { DriftPolicy, KubeObject } from '@gitfleet/proto/domain';
import { serviceDesired, webDesired } from '../__fixtures__/drift-objects.ts';
import { edit, webRef } from '../__fixtures__/drift-edit.ts';
import { resolveDriftMode } from './policy.ts';

describe('resolveDriftMode', () => {
  const policy: DriftPolicy = {
    mode: DriftMode.Correct,
    overrides: [
      { selector: { kind: 'Deployment' }, mode: DriftMode.Warn },
      { selector: { kind: 'Deployment', name: 'web' }, mode: DriftMode.Ignore },
      { selector: { kind: 'Deployment', name: 'we*' }, mode: DriftMode.Correct },
      { selector: { group: '', kind: 'Secret' }, mode: DriftMode.Warn },
    ],
  };
  const annotated = (value: string): KubeObject =>
    edit(webDesired, ['/metadata/annotations/gitfleet.dev~1drift', value]);

  it.each<[string, KubeObject | undefined, string, DriftMode]>([
    ['the annotation wins', annotated('warn'), 'web', DriftMode.Warn],
    ['an invalid annotation is ignored', annotated('sometimes'), 'web', DriftMode.Ignore],
    ['the most specific override; the first among equals', webDesired, 'web', DriftMode.Ignore],
    ['a prefix override', undefined, 'webhook', DriftMode.Correct],
    ['a kind override', undefined, 'api', DriftMode.Warn],
  ])('%s', (_name, obj, name, expected) => {
    expect(resolveDriftMode({ ...webRef, name }, obj, policy)).toBe(expected);
  });

  it('falls back to the policy mode', () => {
    expect(resolveDriftMode(objectRef(serviceDesired), serviceDesired, policy)).toBe(
      DriftMode.Correct,
    );
  });
});
