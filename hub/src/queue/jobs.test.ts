import { describe, expect, it } from 'vitest';
import { isGitfleetError } from '@gitfleet/proto';
import { decodeDeliverJobData, deliverDedupId, deliverJobId } from './jobs.ts';

describe('deliver job ids', () => {
  it('are deterministic, dotted and free of ":"', () => {
    expect(deliverDedupId('edge-1', 'web')).toBe('deliver.edge-1.web');
    expect(deliverJobId('edge-1', 'web', 12)).toBe('deliver.edge-1.web.v12');
  });

  it.each([
    ['a target that is not a DNS label', () => deliverJobId('edge:1', 'web', 1)],
    ['an app that is not a DNS label', () => deliverDedupId('edge-1', 'Web')],
    ['version 0', () => deliverJobId('edge-1', 'web', 0)],
    ['a fractional version', () => deliverJobId('edge-1', 'web', 1.5)],
  ])('reject %s', (_name, build) => {
    expect(build).toThrow(/deliver job/);
  });
});

describe('decodeDeliverJobData', () => {
  it('accepts the catalog shape and drops anything else', () => {
    expect(
      decodeDeliverJobData({
        target: 'edge-1',
        app: 'web',
        version: 3,
        trace: { traceparent: '00-x-y-01' },
        objects: ['not carried'],
      }),
    ).toEqual({ target: 'edge-1', app: 'web', version: 3, trace: { traceparent: '00-x-y-01' } });
    expect(decodeDeliverJobData({ target: 'edge-1', app: 'web', version: 3 }).trace).toEqual({});
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a bad target', { target: 'Edge', app: 'web', version: 1 }],
    ['a missing app', { target: 'edge-1', version: 1 }],
    ['a string version', { target: 'edge-1', app: 'web', version: '1' }],
    ['a non-string trace value', { target: 'edge-1', app: 'web', version: 1, trace: { a: 1 } }],
  ])('rejects %s as a terminal protocol violation', (_name, data) => {
    let caught: unknown;
    try {
      decodeDeliverJobData(data);
    } catch (err) {
      caught = err;
    }
    expect(isGitfleetError(caught, 'PROTOCOL_VIOLATION')).toBe(true);
    expect(isGitfleetError(caught) && caught.terminal).toBe(true);
  });
});
