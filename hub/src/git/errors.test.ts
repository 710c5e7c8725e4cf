import { inspect } from 'node:util';
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { toFetchError } from './errors.ts';

const URL = 'https://git.example.com/acme/fleet.git';
const TOKEN = 'ghp_exampletoken1234';
const ctx = { url: URL, hasToken: true, secrets: [TOKEN] };

function econnrefused(): Error {
  return Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:443 (token ${TOKEN})`), {
    code: 'ECONNREFUSED',
  });
}

describe('toFetchError', () => {
  it.each([
    [
      'HTTP 401 with a token',
      new git.Errors.HttpError(401, 'Unauthorized', `bad ${TOKEN}`),
      ctx,
      ErrorCode.GitAuthFailed,
      'rejected the credentials',
    ],
    [
      'HTTP 401 without a token',
      new git.Errors.HttpError(401, 'Unauthorized', ''),
      { ...ctx, hasToken: false },
      ErrorCode.GitAuthFailed,
      'configure a token',
    ],
    [
      'onAuthFailure cancel',
      new git.Errors.UserCanceledError(),
      ctx,
      ErrorCode.GitAuthFailed,
      'check the token',
    ],
    [
      'HTTP 403',
      new git.Errors.HttpError(403, 'Forbidden', ''),
      ctx,
      ErrorCode.GitAuthFailed,
      'HTTP 403',
    ],
    [
      'HTTP 404',
      new git.Errors.HttpError(404, 'Not Found', ''),
      ctx,
      ErrorCode.GitFetchFailed,
      'not found (HTTP 404)',
    ],
    [
      'HTTP 502',
      new git.Errors.HttpError(502, 'Bad Gateway', ''),
      ctx,
      ErrorCode.GitFetchFailed,
      'HTTP 502',
    ],
    ['connection refused', econnrefused(), ctx, ErrorCode.GitFetchFailed, 'ECONNREFUSED'],
    [
      'not a smart-HTTP server',
      new git.Errors.SmartHttpError('<html>', '<html>'),
      ctx,
      ErrorCode.GitFetchFailed,
      'Git clone URL',
    ],
    [
      'timeout',
      new Error('This operation was aborted'),
      { ...ctx, timedOutAfterMs: 500 },
      ErrorCode.GitFetchFailed,
      'timed out after 500 ms',
    ],
    [
      'anything else',
      new Error(`boom ${TOKEN}`),
      ctx,
      ErrorCode.GitFetchFailed,
      'fetch failed: boom [redacted]',
    ],
  ])('%s', (_name, err, context, code, text) => {
    const mapped = toFetchError(err, context);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toMatch(new RegExp(`^Git repository ${URL.replace(/[.]/g, '\\.')}: `));
    expect(mapped.message).toContain(text);
    expect(mapped.message).toContain('the last fetched commits stay in use');
    expect(mapped.details).toMatchObject({ repo: URL });
    expect(inspect(mapped, { depth: 8 })).not.toContain(TOKEN);
  });

  it('passes GitfleetErrors through', () => {
    const own = new GitfleetError(ErrorCode.ManifestInvalid, 'limit');
    expect(toFetchError(own, ctx)).toBe(own);
  });
});
