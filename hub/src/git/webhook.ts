/**
 * Push webhooks from GitHub, Gitea and GitLab: verify the request, then say which repositories
 * to fetch now. Pure: headers and the raw body in, a verdict out; the HTTP endpoint (which must
 * cap the body at MAX_WEBHOOK_BODY_BYTES while reading it) and the fetch are elsewhere.
 *
 * Order of checks (nothing is parsed before it is authenticated):
 * 1. body size ≤ 1 MiB (400);
 * 2. provider from its event header (Gitea first: it also sends GitHub's headers) (400);
 * 3. a secret is configured for that provider (401), and the request proves it (401):
 *    - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`;
 *    - Gitea: `X-Gitea-Signature: <hex HMAC-SHA256 of the raw body>`;
 *    - GitLab: `X-Gitlab-Token: <the secret>`;
 *    every comparison is constant-time over fixed-length digests;
 * 4. event: ping and non-push events are a 202 no-op;
 * 5. payload: JSON (or GitHub's form encoding `payload=<json>`) naming the repository (400).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export const WebhookProvider = { GitHub: 'github', GitLab: 'gitlab', Gitea: 'gitea' } as const;
export type WebhookProvider = (typeof WebhookProvider)[keyof typeof WebhookProvider];

export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookSecrets {
  readonly github?: string;
  readonly gitlab?: string;
  readonly gitea?: string;
}

export interface WebhookRequest {
  /** Request headers (any case). */
  readonly headers: WebhookHeaders;
  /** The raw body, exactly as received (signatures are over these bytes). */
  readonly body: Buffer;
  readonly secrets: WebhookSecrets;
}

export interface WebhookPush {
  readonly ok: true;
  readonly provider: WebhookProvider;
  /** The provider's event name ('push', 'Push Hook', 'Tag Push Hook'). */
  readonly event: string;
  /** Clone URLs of the pushed repository (http/https/ssh variants), deduplicated. */
  readonly repoUrls: string[];
  /** The pushed ref, e.g. refs/heads/main. */
  readonly ref?: string;
  /** The new commit of the ref (all zeros for a deleted ref). */
  readonly after?: string;
  /** The provider's delivery id, for logs. */
  readonly deliveryId?: string;
}

export interface WebhookRejection {
  readonly ok: false;
  /** 401: not authenticated; 400: malformed; 202: accepted and ignored (ping, other events). */
  readonly status: 401 | 400 | 202;
  readonly reason: string;
  readonly provider?: WebhookProvider;
}

export type WebhookVerdict = WebhookPush | WebhookRejection;

const PUSH_EVENTS: Readonly<Record<WebhookProvider, readonly string[]>> = {
  github: ['push'],
  gitea: ['push'],
  gitlab: ['Push Hook', 'Tag Push Hook'],
};

/** Where each provider puts the repository's clone URLs in a push payload. */
const URL_FIELDS: Readonly<Record<WebhookProvider, readonly (readonly string[])[]>> = {
  github: [
    ['repository', 'clone_url'],
    ['repository', 'ssh_url'],
    ['repository', 'html_url'],
  ],
  gitea: [
    ['repository', 'clone_url'],
    ['repository', 'ssh_url'],
    ['repository', 'html_url'],
  ],
  gitlab: [
    ['project', 'git_http_url'],
    ['project', 'git_ssh_url'],
    ['project', 'web_url'],
    ['repository', 'git_http_url'],
    ['repository', 'git_ssh_url'],
    ['repository', 'homepage'],
  ],
};

const SHA_OR_ZERO = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const CLONE_URL = /^(?:(?:https?|ssh):\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$/;
const MAX_URL_LENGTH = 2048;
const MAX_REF_LENGTH = 1024;

export function verifyWebhook(req: WebhookRequest): WebhookVerdict {
  if (req.body.length > MAX_WEBHOOK_BODY_BYTES) {
    return reject(400, `body is larger than ${String(MAX_WEBHOOK_BODY_BYTES)} bytes`);
  }
  const header = headerReader(req.headers);
  const detected = detectProvider(header);
  if ('reason' in detected) return reject(400, detected.reason);
  const { provider, event } = detected;

  const secret = req.secrets[provider];
  if (secret === undefined || secret === '') {
    return reject(401, `no webhook secret is configured for ${provider}`, provider);
  }
  const auth = authenticate(provider, header, req.body, secret);
  if (auth !== undefined) return reject(401, auth, provider);

  if (provider === 'github' && event === 'ping') return reject(202, 'ping', provider);
  if (!PUSH_EVENTS[provider].includes(event)) {
    return reject(
      202,
      `event ${JSON.stringify(event)} ignored (only pushes trigger a fetch)`,
      provider,
    );
  }

  const payload = parsePayload(req.body, header('content-type'));
  if (payload === undefined) return reject(400, 'payload is not a JSON object', provider);
  const repoUrls = [
    ...new Set(
      URL_FIELDS[provider]
        .map((fields) => stringAt(payload, fields))
        .filter(
          (u): u is string => u !== undefined && u.length <= MAX_URL_LENGTH && CLONE_URL.test(u),
        ),
    ),
  ];
  if (repoUrls.length === 0) {
    return reject(400, 'payload names no repository clone URL', provider);
  }
  const ref = stringAt(payload, ['ref']);
  const after = stringAt(payload, ['after']);
  const deliveryId = header(DELIVERY_HEADER[provider]);
  return {
    ok: true,
    provider,
    event,
    repoUrls,
    ...(ref !== undefined && ref.length <= MAX_REF_LENGTH ? { ref } : {}),
    ...(after !== undefined && SHA_OR_ZERO.test(after) ? { after } : {}),
    ...(typeof deliveryId === 'string' && deliveryId !== '' ? { deliveryId } : {}),
  };
}

const DELIVERY_HEADER: Readonly<Record<WebhookProvider, string>> = {
  github: 'x-github-delivery',
  gitea: 'x-gitea-delivery',
  gitlab: 'x-gitlab-event-uuid',
};

/** A header by lowercase name; undefined when absent, `null` when sent more than once. */
type HeaderReader = (name: string) => string | undefined | null;

function headerReader(headers: WebhookHeaders): HeaderReader {
  const lower = new Map<string, string | readonly string[]>();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const key = k.toLowerCase();
    lower.set(key, lower.has(key) ? [] : v); // a name sent twice in different cases: ambiguous
  }
  return (name) => {
    const v = lower.get(name);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    return v.length === 1 ? (v[0] ?? null) : null;
  };
}

function detectProvider(
  header: HeaderReader,
): { provider: WebhookProvider; event: string } | { reason: string } {
  const candidates: [WebhookProvider, string][] = [
    ['gitea', 'x-gitea-event'],
    ['gitlab', 'x-gitlab-event'],
    ['github', 'x-github-event'],
  ];
  for (const [provider, name] of candidates) {
    const event = header(name);
    if (event === undefined) continue;
    if (event === null || event === '' || event.length > 100) {
      return { reason: `header ${name} is malformed` };
    }
    return { provider, event };
  }
  return {
    reason: 'no X-GitHub-Event, X-Gitea-Event or X-Gitlab-Event header: not a push webhook',
  };
}

/** Undefined when the request proves the secret, else why not. */
function authenticate(
  provider: WebhookProvider,
  header: HeaderReader,
  body: Buffer,
  secret: string,
): string | undefined {
  if (provider === 'gitlab') {
    const token = header('x-gitlab-token');
    if (token === undefined) return 'header X-Gitlab-Token is missing';
    if (token === null) return 'header X-Gitlab-Token is sent more than once';
    return equalSecrets(token, secret) ? undefined : 'X-Gitlab-Token does not match';
  }
  const name = provider === 'github' ? 'x-hub-signature-256' : 'x-gitea-signature';
  const display = provider === 'github' ? 'X-Hub-Signature-256' : 'X-Gitea-Signature';
  const value = header(name);
  if (value === undefined) return `header ${display} is missing`;
  if (value === null) return `header ${display} is sent more than once`;
  const hex = provider === 'github' ? /^sha256=([0-9a-fA-F]{64})$/.exec(value)?.[1] : value;
  if (hex === undefined || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    return `header ${display} is malformed (expected ${provider === 'github' ? 'sha256=' : ''}<64 hex digits>)`;
  }
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'))
    ? undefined
    : `${display} does not match the body (wrong secret or modified body)`;
}

/** Constant-time string equality (over SHA-256 digests, so lengths do not leak either). */
export function equalSecrets(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function parsePayload(body: Buffer, contentType: string | undefined | null): object | undefined {
  let text = body.toString('utf8');
  if (
    typeof contentType === 'string' &&
    /^application\/x-www-form-urlencoded\b/i.test(contentType)
  ) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) return undefined;
    text = payload;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A string at a path of own properties, or undefined. */
function stringAt(value: object, keys: readonly string[]): string | undefined {
  let at: unknown = value;
  for (const key of keys) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'string' ? at : undefined;
}

function reject(
  status: 401 | 400 | 202,
  reason: string,
  provider?: WebhookProvider,
): WebhookRejection {
  return provider === undefined
    ? { ok: false, status, reason }
    : { ok: false, status, reason, provider };
}
