/**
 * Maps API server answers (HTTP status + `Status` body) to GitfleetError, once, at this edge.
 *
 * Terminal (the input or a policy must change first): APPLY_CONFLICT (409 on apply with force
 * off) and APPLY_FAILED for invalid objects. Server-side apply reports type errors and unknown
 * fields of built-in kinds as HTTP **500** "failed to create typed patch object (...)" (seen on
 * kube-apiserver v1.36.3), so that answer is treated as invalid input, not as a server fault.
 * Everything else (429, 5xx, timeouts, RBAC) is transient.
 */
import {
  ErrorCode,
  GitfleetError,
  describeObject as describeIdentity,
  type JsonObject,
} from '@gitfleet/proto';
import type { KubeHttpResponse } from './kube-transport.ts';

/** `Kind/namespace/name` (cluster-scoped: `Kind/name`): how messages name an object. */
export function describeObject(kind: string, namespace: string, name: string): string {
  return describeIdentity({ kind, namespace, name });
}

interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

interface ParsedStatus {
  readonly message: string;
  readonly reason: string;
  readonly causes: readonly StatusCause[];
}

/** Reads a `Status` body leniently (any field may be missing; a text body becomes the message). */
export function parseStatus(res: KubeHttpResponse): ParsedStatus {
  const body = res.body;
  if (!isJsonObject(body)) {
    const text = typeof body === 'string' ? body.trim() : '';
    return { message: text === '' ? `HTTP ${res.status}` : text, reason: '', causes: [] };
  }
  const details = body['details'];
  const rawCauses = isJsonObject(details) ? details['causes'] : undefined;
  const causes = Array.isArray(rawCauses)
    ? rawCauses.filter(isJsonObject).map((c) => ({
        reason: stringField(c, 'reason'),
        message: stringField(c, 'message'),
        field: stringField(c, 'field'),
      }))
    : [];
  return {
    message: stringField(body, 'message') || `HTTP ${res.status}`,
    reason: stringField(body, 'reason'),
    causes,
  };
}

/** The error of a failed server-side apply (or its dry run) of `subject` (`Kind/ns/name`). */
export function applyError(subject: string, res: KubeHttpResponse, dryRun: boolean): GitfleetError {
  const status = parseStatus(res);
  const what = dryRun ? 'dry-run apply' : 'apply';
  const details = { object: subject, httpStatus: res.status, reason: status.reason, dryRun };
  if (res.status === 409) {
    const conflicts = status.causes.filter((c) => c.reason === 'FieldManagerConflict');
    if (conflicts.length > 0) {
      const managers = [
        ...new Set(conflicts.map((c) => /conflict with "([^"]+)"/.exec(c.message)?.[1] ?? '?')),
      ];
      const fields = conflicts.map((c) => c.field);
      const list = conflicts.map((c) => `${c.field} (${c.message})`).join('; ');
      return new GitfleetError(
        ErrorCode.ApplyConflict,
        `${subject}: ${what} conflicts with field manager(s) ${managers.map((m) => `"${m}"`).join(', ')}: ${list}; apply with force to take these fields over`,
        {
          terminal: true,
          details: { ...details, managers: managers.join(','), fields: fields.join(',') },
        },
      );
    }
    // A 409 without field-manager causes (e.g. the object is being deleted): try again later.
    return new GitfleetError(ErrorCode.Internal, `${subject}: ${what}: ${status.message}`, {
      details,
    });
  }
  const invalid =
    res.status === 400 ||
    res.status === 422 ||
    (res.status === 500 && status.message.startsWith('failed to create typed patch object'));
  if (invalid) {
    return new GitfleetError(
      ErrorCode.ApplyFailed,
      `${subject}: ${what} rejected as invalid: ${status.message}`,
      { terminal: true, details },
    );
  }
  if (res.status === 404) {
    // Usually the namespace does not exist (yet); creating it first fixes this.
    return new GitfleetError(ErrorCode.NotFound, `${subject}: ${what}: ${status.message}`, {
      details,
    });
  }
  if (res.status === 401 || res.status === 403) {
    // Not terminal: RBAC can be fixed without changing the object.
    return new GitfleetError(ErrorCode.ApplyFailed, `${subject}: ${what}: ${status.message}`, {
      details,
    });
  }
  return transientError(`${subject}: ${what}`, res);
}

/** Any other failed answer: not terminal (retry with backoff). */
export function transientError(subject: string, res: KubeHttpResponse): GitfleetError {
  const status = parseStatus(res);
  const code =
    res.status === 504 || status.reason === 'Timeout' ? ErrorCode.Timeout : ErrorCode.Internal;
  const detail = status.message === `HTTP ${res.status}` ? '' : `: ${status.message}`;
  return new GitfleetError(code, `${subject}: HTTP ${res.status}${detail}`, {
    details: { httpStatus: res.status, reason: status.reason },
  });
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function stringField(obj: JsonObject, key: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}
