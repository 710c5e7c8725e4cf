/**
 * Mapping of API server answers to GitfleetError. The Status bodies are the ones kube-apiserver
 * v1.36.3 returned in the integration tests (client-node-kube.int.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import { applyError, describeObject, parseStatus, transientError } from './kube-errors.ts';

const status = (code: number, message: string, extra: Record<string, unknown> = {}) => ({
  status: code,
  body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code, ...extra },
});

describe('describeObject', () => {
  it('names namespaced and cluster-scoped objects', () => {
    expect(describeObject('Deployment', 'apps', 'web')).toBe('Deployment/apps/web');
    expect(describeObject('Namespace', '', 'apps')).toBe('Namespace/apps');
  });
});

describe('applyError', () => {
  const subject = 'Deployment/p/d';

  it('409 with field-manager causes: terminal APPLY_CONFLICT naming managers and fields', () => {
    const err = applyError(
      subject,
      status(409, 'Apply failed with 1 conflict: ...', {
        reason: 'Conflict',
        details: {
          causes: [
            {
              reason: 'FieldManagerConflict',
              message: 'conflict with "kubectl" with subresource "scale" using apps/v1',
              field: '.spec.replicas',
            },
          ],
        },
      }),
      false,
    );
    expect(err.code).toBe(ErrorCode.ApplyConflict);
    expect(err.terminal).toBe(true);
    expect(err.message).toMatch(
      /^Deployment\/p\/d: apply conflicts with field manager\(s\) "kubectl"/,
    );
    expect(err.details).toMatchObject({ managers: 'kubectl', fields: '.spec.replicas' });
  });

  it.each([
    [
      'SSA type error (HTTP 500 typed patch)',
      status(
        500,
        'failed to create typed patch object (p/d; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string',
      ),
    ],
    [
      '422 Invalid',
      status(422, 'Deployment.apps "d" is invalid: spec.selector: Invalid value', {
        reason: 'Invalid',
      }),
    ],
    [
      '400 BadRequest',
      status(400, 'the namespace of the provided object does not match', { reason: 'BadRequest' }),
    ],
  ])('%s: terminal APPLY_FAILED with the server message', (_name, res) => {
    const err = applyError(subject, res, false);
    expect(err.code).toBe(ErrorCode.ApplyFailed);
    expect(err.terminal).toBe(true);
    expect(err.message).toContain(`${subject}: apply rejected as invalid: ${res.body.message}`);
  });

  it.each([
    [
      '404 (namespace missing)',
      status(404, 'namespaces "nope" not found', { reason: 'NotFound' }),
      ErrorCode.NotFound,
    ],
    ['403 (RBAC)', status(403, 'forbidden', { reason: 'Forbidden' }), ErrorCode.ApplyFailed],
    [
      '409 without causes',
      status(409, 'object is being deleted', { reason: 'Conflict' }),
      ErrorCode.Internal,
    ],
    ['500 other', status(500, 'etcdserver: request timed out'), ErrorCode.Internal],
    [
      '504',
      status(504, 'Timeout: request did not complete', { reason: 'Timeout' }),
      ErrorCode.Timeout,
    ],
    ['429', status(429, 'too many requests', { reason: 'TooManyRequests' }), ErrorCode.Internal],
  ])('%s: not terminal', (_name, res, code) => {
    const err = applyError(subject, res, false);
    expect(err.code).toBe(code);
    expect(err.terminal).toBe(false);
  });

  it('says "dry-run apply" for dry runs', () => {
    const err = applyError(subject, status(422, 'invalid'), true);
    expect(err.message).toContain('dry-run apply rejected as invalid');
    expect(err.details['dryRun']).toBe(true);
  });
});

describe('parseStatus / transientError', () => {
  it('reads text bodies and empty bodies', () => {
    expect(parseStatus({ status: 502, body: 'Bad Gateway\n' }).message).toBe('Bad Gateway');
    expect(parseStatus({ status: 503, body: '' }).message).toBe('HTTP 503');
    expect(transientError('list /api/v1/configmaps', { status: 503, body: '' }).message).toBe(
      'list /api/v1/configmaps: HTTP 503',
    );
  });
});
