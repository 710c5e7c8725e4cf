import { describe, expect, it } from 'vitest';
import { durationProblem, formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['0s', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['8h', 28_800_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['1m30s500ms', 90_500],
  ])('parseDuration(%j) = %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ms });
  });

  it.each<[string, string]>([
    ['', 'is not a duration'],
    ['30', 'has no unit: write 30s, 30m or 30h'],
    ['5 m', 'is not a duration'],
    ['5x', 'is not a duration'],
    ['-1s', 'must not be negative'],
    ['3d', 'uses days'],
    ['10000h', 'is longer than 366 days'],
  ])('durationProblem(%j) mentions %j', (text, message) => {
    expect(durationProblem(text)).toContain(message);
  });

  it.each<[number, string]>([
    [0, '0s'],
    [250, '250ms'],
    [90_000, '1m30s'],
    [28_800_000, '8h'],
    [5_400_000, '1h30m'],
    [1500, '1s500ms'],
  ])('formatDuration(%d) = %j, which reads back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toEqual({ ms });
  });
});
