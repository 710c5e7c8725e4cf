/**
 * The operational routes: liveness, readiness, the Git push webhook, the OpenAPI document, and
 * the documentation of `/metrics` (its handler renders the hub's registry, ../server.ts).
 *
 * The webhook keeps its own `{ error: "<reason>" }` (what Git hosts show in their delivery logs).
 */
import type http from 'node:http';
import Type from 'typebox';
import { toGitfleetError } from '@gitfleet/proto';
import { ApiScope } from '../../core/api-access/index.ts';
import { MAX_WEBHOOK_BODY_BYTES, verifyWebhook } from '../../git/webhook.ts';
import type { OpenApiDocument } from '../api/openapi.ts';
import {
  WebhookAccepted,
  WebhookError,
  WebhookEvent,
  type WebhookAccepted as Accepted,
  type WebhookError as Refused,
} from '../api/operations.ts';
import { NoQuery } from '../api/queries.ts';
import { ErrorBody } from '../api/schema.ts';
import type { OperationDoc, Reply, RequestContext, Route } from '../route.ts';

async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const chunk = c as Buffer;
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const refused = (status: number, error: string): Reply => {
  const body: Refused = { error };
  return { status, json: body };
};

async function webhook(ctx: RequestContext): Promise<Reply> {
  const { deps, req } = ctx;
  const body = await readBody(req, MAX_WEBHOOK_BODY_BYTES);
  if (body === undefined) return refused(413, 'body too large');
  const secret = deps.config.webhookSecret;
  if (secret === undefined)
    return refused(404, 'webhooks are not configured (--webhook-secret-file)');
  const verdict = verifyWebhook({
    headers: req.headers,
    body,
    secrets: { github: secret, gitlab: secret, gitea: secret },
  });
  if (!verdict.ok) return refused(verdict.status, verdict.reason);
  // a polled repository: its fetch starts a pass when the refs moved (one pass, not two);
  // any other (an application source): a pass now
  const polled = verdict.repoUrls.map((u) => deps.poller.trigger(u)).some(Boolean);
  if (!polled) {
    // a pass records its own problems and never rejects; this catch is for the impossible
    deps.resolver.trigger().catch((err: unknown) =>
      deps.logger.error('resolve pass after a webhook failed', {
        error: toGitfleetError(err).message,
      }),
    );
  }
  const accepted: Accepted = { accepted: true, ref: verdict.ref };
  return { status: 202, json: accepted };
}

const ok = (): Promise<Reply> => Promise.resolve({ status: 200, text: 'ok' });

/** What the document says of `GET /metrics`. */
export const METRICS_DOC: OperationDoc = {
  operationId: 'metrics',
  summary: 'Prometheus metrics: streams, queue depth, per (target, app) synced / healthy / drift.',
  description:
    'Open, unless the hub runs with --metrics-auth read: then a bearer token of scope read.',
  tags: ['operations'],
  responses: { '200': { description: 'Prometheus text exposition format 0.0.4.', text: true } },
};

export const HEALTH_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/healthz',
    access: 'open',
    query: NoQuery,
    doc: {
      operationId: 'healthz',
      summary: 'Liveness.',
      tags: ['operations'],
      responses: { '200': { description: '`ok`', text: true } },
    },
    handle: ok,
  },
  {
    method: 'GET',
    path: '/readyz',
    access: 'open',
    query: NoQuery,
    doc: {
      operationId: 'readyz',
      summary: 'Readiness: a fleet definition is in force.',
      tags: ['operations'],
      responses: {
        '200': { description: '`ok`', text: true },
        '503': { description: 'No fleet definition accepted yet.', text: true },
      },
    },
    handle: (ctx) =>
      Promise.resolve(
        // ready once a whole pass over an accepted fleet finished (HTTP is up before the first)
        ctx.deps.resolver.fleet !== undefined && ctx.deps.resolver.status.lastPassAtMs !== undefined
          ? { status: 200, text: 'ok' }
          : { status: 503, text: 'no fleet definition accepted yet' },
      ),
  },
];

export const WEBHOOK_ROUTE: Route = {
  method: 'POST',
  path: '/webhook',
  // the Git host signs each delivery (HMAC) or sends the shared token: no bearer token
  access: 'open',
  query: NoQuery,
  doc: {
    operationId: 'webhook',
    summary: 'Git push webhook (GitHub and Gitea HMAC-SHA256, GitLab token).',
    tags: ['operations'],
    requestBody: WebhookEvent,
    responses: {
      '202': {
        description:
          'A push of the fleet (or a source) repository: fetched at once. Pings and other events are accepted and ignored (`error` says why).',
        json: Type.Union([WebhookAccepted, WebhookError]),
      },
      '400': {
        description: 'Malformed (`{ error }`), or an unknown query parameter (Error).',
        json: Type.Union([WebhookError, ErrorBody]),
      },
      '401': { description: 'Signature or token missing or wrong.', json: WebhookError },
      '404': {
        description: 'Webhooks are not configured (`--webhook-secret-file`).',
        json: WebhookError,
      },
      '413': { description: 'Body too large.', json: WebhookError },
    },
  },
  handle: webhook,
};

/** `GET /api/v1/openapi.json`: the document of every route (given lazily: it documents itself). */
export function openApiRoute(document: () => OpenApiDocument): Route {
  return {
    method: 'GET',
    path: '/api/v1/openapi.json',
    access: ApiScope.Read,
    query: NoQuery,
    doc: {
      operationId: 'openapi',
      summary: 'This document.',
      tags: ['meta'],
      responses: {
        '200': {
          description: 'OpenAPI 3.1.',
          json: Type.Object({}, { additionalProperties: true }),
        },
      },
    },
    handle: () => Promise.resolve({ status: 200, json: document() }),
  };
}
