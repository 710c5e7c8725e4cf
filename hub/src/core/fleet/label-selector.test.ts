import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  isLabelKey,
  isLabelValue,
  matchesLabelSelector,
} from './label-selector.ts';
import type { LabelSelector, Labels } from './types.ts';

const prodEu: Labels = { env: 'prod', region: 'eu', 'topology.kubernetes.io/zone': 'eu-west-1a' };

describe('matchesLabelSelector (Kubernetes semantics)', () => {
  it.each<[string, LabelSelector, Labels, boolean]>([
    ['empty selector matches everything', {}, prodEu, true],
    ['empty selector matches a target without labels', {}, {}, true],
    ['empty matchLabels matches everything', { matchLabels: {} }, prodEu, true],
    ['matchLabels equal', { matchLabels: { env: 'prod' } }, prodEu, true],
    [
      'matchLabels: every pair must hold',
      { matchLabels: { env: 'prod', region: 'us' } },
      prodEu,
      false,
    ],
    ['matchLabels: missing key', { matchLabels: { tier: '1' } }, prodEu, false],
    [
      'matchLabels: prefixed key',
      { matchLabels: { 'topology.kubernetes.io/zone': 'eu-west-1a' } },
      prodEu,
      true,
    ],
    [
      'In: value listed',
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['staging', 'prod'] }] },
      prodEu,
      true,
    ],
    [
      'In: value not listed',
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] },
      prodEu,
      false,
    ],
    [
      'In: key absent',
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['1'] }] },
      prodEu,
      false,
    ],
    [
      'NotIn: value listed',
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      prodEu,
      false,
    ],
    [
      'NotIn: value not listed',
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
      prodEu,
      true,
    ],
    [
      'NotIn: key absent matches',
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['1'] }] },
      prodEu,
      true,
    ],
    ['Exists', { matchExpressions: [{ key: 'region', operator: 'Exists' }] }, prodEu, true],
    [
      'Exists: absent',
      { matchExpressions: [{ key: 'canary', operator: 'Exists' }] },
      prodEu,
      false,
    ],
    [
      'DoesNotExist',
      { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] },
      prodEu,
      true,
    ],
    [
      'DoesNotExist: present',
      { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] },
      prodEu,
      false,
    ],
    [
      'label with empty value exists',
      { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] },
      { gpu: '' },
      true,
    ],
    [
      'matchLabels AND matchExpressions',
      {
        matchLabels: { env: 'prod' },
        matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }],
      },
      prodEu,
      false,
    ],
    [
      'prototype keys are not labels',
      { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] },
      prodEu,
      false,
    ],
  ])('%s', (_name, selector, labels, expected) => {
    expect(matchesLabelSelector(labels, selector)).toBe(expected);
  });
});

describe('label syntax', () => {
  it.each<[string, boolean]>([
    ['env', true],
    ['app.kubernetes.io/name', true],
    ['topology.kubernetes.io/zone', true],
    ['Env_1.x', true],
    ['', false],
    ['-env', false],
    ['env-', false],
    ['a/b/c', false],
    ['Example.com/x', false],
    ['/x', false],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['has space', false],
  ])('isLabelKey(%j) is %s', (key, expected) => {
    expect(isLabelKey(key)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['', true],
    ['prod', true],
    ['eu-west-1a', true],
    ['1', true],
    ['v1.2_3', true],
    ['-prod', false],
    ['a/b', false],
    ['x'.repeat(64), false],
  ])('isLabelValue(%j) is %s', (value, expected) => {
    expect(isLabelValue(value)).toBe(expected);
  });
});

describe('formatLabelSelector', () => {
  it.each<[LabelSelector, string]>([
    [{}, '(everything)'],
    [{ matchLabels: { env: 'prod' } }, 'env=prod'],
    [
      {
        matchLabels: { env: 'prod' },
        matchExpressions: [
          { key: 'region', operator: 'In', values: ['eu', 'us'] },
          { key: 'tier', operator: 'NotIn', values: ['3'] },
          { key: 'gpu', operator: 'Exists' },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      },
      'env=prod,region in (eu,us),tier notin (3),gpu,!canary',
    ],
  ])('%j → %s', (selector, expected) => {
    expect(formatLabelSelector(selector)).toBe(expected);
  });
});
