/**
 * The web UI's sign-in with the hub's OpenID provider, end to end with real components: an
 * OpenID provider on loopback (`oidc-provider`, ./oidc-idp.ts) with a public client (PKCE
 * required, no secret) and its login and consent forms, a real hub on a real fleet (Git over
 * HTTP, Redis) serving the UI bundle, and Chromium:
 *
 * - `GET /api/v1/auth/config` is open and names the issuer, client id and scopes (`{}` on a hub
 *   without --oidc-client-id);
 * - the UI's content security policy lets its pages connect to the issuer's origin (discovery,
 *   token endpoint) only on a hub with a browser client;
 * - the sign-in page's "Sign in with <issuer host>" → the provider's login form → consent →
 *   back on the UI signed in as `oidc:<email>` with the scope its group maps to; the
 *   authorization request carries PKCE (S256), state and nonce, the token request the verifier
 *   and no secret;
 *   the UI's API calls carry the ID token and succeed; afterwards no code in the address bar,
 *   nothing pending in sessionStorage, nothing of the token in localStorage or the hub's logs;
 * - a callback that no sign-in of the tab started says so and signs nobody in;
 * - a hub without --oidc-client-id shows no OIDC button.
 *
 * The browser may reach loopback only (every other request, such as the provider page's web
 * fonts, is aborted).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '@gitfleet/proto';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { waitFor } from '../fleet/wait.ts';
import { buildUiInto, launchBrowser, newPage as newBrowserPage } from './browser.ts';
import { startTestIdp, type TestIdp } from './oidc-idp.ts';

const CLIENT_ID = 'gitfleet-ui';
const ALICE = {
  email: 'alice@example.com',
  name: 'Alice',
  groups: ['marketing', 'platform-admins'],
};

let fleet: TestFleet | undefined;
let idp: TestIdp | undefined;
let hub: RunningHub | undefined;
let plainHub: RunningHub | undefined;
let browser: Browser | undefined;
let dir = '';
let uiDir = '';
let repoUrl = '';
let tokens: ApiTokens;
let origin = '';
let plainOrigin = '';
const logs: string[] = [];

async function startHub(name: string, extra: readonly string[]): Promise<RunningHub> {
  const redis = fleet?.redis;
  if (redis === undefined) throw new Error('no redis');
  return runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
        ...['--redis-prefix', `gf-${name}-${randomBytes(4).toString('hex')}:`],
        ...['--insecure-plaintext', '--allow-static-tokens'],
        ...['--agent-tokens-dir', path.join(dir, 'tokens')],
        ...['--cache-dir', path.join(dir, `git-${name}`)],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000'],
        ...['--api-tokens-file', tokens.file, '--ui-dir', uiDir],
        ...['--oidc-issuer', idp?.issuer ?? '', '--oidc-audience', CLIENT_ID],
        ...['--oidc-username-claim', 'email'],
        ...['--oidc-scope-map-file', path.join(dir, 'scopes.yaml')],
        ...extra,
      ],
      env: {},
    }),
    jsonLogger((l) => logs.push(l), { level: 'debug' }),
  );
}

/** Loopback only: anything else the pages ask (web fonts of the provider's page) is aborted. */
async function loopbackOnly(context: BrowserContext): Promise<void> {
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  if (browser === undefined) throw new Error('no browser');
  const opened = await newBrowserPage(browser);
  await loopbackOnly(opened.context);
  return opened;
}

beforeAll(async () => {
  idp = await startTestIdp({ alice: ALICE });
  fleet = await startFleet({ clusters: 0 });
  if (fleet.git === undefined) throw new Error('no git');
  repoUrl = await fleet.git.createRepo('fleet');
  const doc = (...lines: string[]): string =>
    ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
  await fleet.git.commit('fleet', {
    files: {
      'targets.yaml': doc('kind: Target', 'metadata: { name: edge, labels: { env: prod } }'),
      'apps/web.yaml': doc(
        'kind: Application',
        'metadata: { name: web }',
        'spec:',
        '  source: { path: apps/web }',
        '  placement: { selector: { matchLabels: { env: prod } } }',
      ),
      'apps/web/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: hello }\n',
    },
    message: 'v1',
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-ui-oidc-'));
  uiDir = path.join(dir, 'ui');
  await buildUiInto(uiDir);
  await mkdir(path.join(dir, 'tokens'));
  await writeFile(path.join(dir, 'tokens', 'edge.token'), randomBytes(16).toString('hex'));
  await writeFile(path.join(dir, 'scopes.yaml'), 'platform-admins: admin\ndevs: read\n');
  tokens = await writeApiTokens(dir);
  hub = await startHub('oidc', ['--oidc-client-id', CLIENT_ID]);
  origin = `http://127.0.0.1:${String(hub.httpPort)}`;
  idp.register({ clientId: CLIENT_ID, redirectUris: [`${origin}/ui/signin/callback`] });
  plainHub = await startHub('plain', []);
  plainOrigin = `http://127.0.0.1:${String(plainHub.httpPort)}`;
  for (const o of [origin, plainOrigin])
    await waitFor('the hub ready', async () => (await fetch(`${o}/readyz`)).ok, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await plainHub?.close();
  await hub?.close();
  await idp?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('GET /api/v1/auth/config', () => {
  it('is open and names the issuer, the browser client and the scopes', async () => {
    const res = await fetch(`${origin}/api/v1/auth/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      oidc: {
        issuer: idp?.issuer,
        clientId: CLIENT_ID,
        scopes: ['openid', 'email', 'profile', 'groups'],
      },
    });
  });

  it('is {} on a hub that accepts OIDC tokens but has no browser client', async () => {
    const res = await fetch(`${plainOrigin}/api/v1/auth/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });
});

describe("the web UI's content security policy", () => {
  const connectSrc = async (base: string): Promise<string | undefined> => {
    const res = await fetch(`${base}/ui/`);
    await res.body?.cancel();
    return /(?:^|;\s*)connect-src ([^;]*)/.exec(
      res.headers.get('content-security-policy') ?? '',
    )?.[1];
  };

  it("lets the pages connect to the issuer's origin only with a browser client", async () => {
    expect(await connectSrc(origin)).toBe(`'self' ${idp?.issuer ?? ''}`);
    expect(await connectSrc(plainOrigin)).toBe("'self'");
  });
});

describe("the web UI's OIDC sign-in", () => {
  it('signs in with the provider as oidc:<email> with the mapped scope', async () => {
    const issuer = idp?.issuer ?? '';
    const { context, page } = await newPage();
    try {
      let authorize: URL | undefined;
      let tokenBody: URLSearchParams | undefined;
      /** The hub's API answers to the UI: status and the bearer token sent. */
      const api: { path: string; status: number; bearer: string | undefined }[] = [];
      page.on('request', (req) => {
        const url = new URL(req.url());
        if (url.origin === issuer && url.pathname === '/auth') authorize = url;
        if (url.origin === issuer && url.pathname === '/token')
          tokenBody = new URLSearchParams(req.postData() ?? '');
      });
      page.on('response', (res) => {
        const url = new URL(res.url());
        if (url.origin !== origin || !url.pathname.startsWith('/api/v1/')) return;
        void res
          .request()
          .allHeaders()
          .then((h) =>
            api.push({
              path: url.pathname,
              status: res.status(),
              bearer: /^Bearer (.+)$/.exec(h['authorization'] ?? '')?.[1],
            }),
          );
      });

      await page.goto(`${origin}/ui/drift`);
      await page.waitForURL((u) => u.pathname === '/ui/signin');
      const host = new URL(issuer).host;
      await page.getByRole('button', { name: `Sign in with ${host}` }).click();

      // the provider's login form, then its consent page
      await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/'));
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();

      // back on the UI, signed in, where the sign-in started
      await page.waitForURL((u) => u.origin === origin && u.pathname === '/ui/drift', {
        timeout: 20_000,
      });
      await page
        .getByTestId('identity')
        .filter({ hasText: 'oidc:alice@example.com · admin' })
        .waitFor({ timeout: 15_000 });

      // the authorization request: code flow, PKCE S256, state and nonce, the hub's callback
      expect(authorize?.searchParams.get('response_type')).toBe('code');
      expect(authorize?.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(authorize?.searchParams.get('redirect_uri')).toBe(`${origin}/ui/signin/callback`);
      expect(authorize?.searchParams.get('scope')).toBe('openid email profile groups');
      expect(authorize?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize?.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(authorize?.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
      expect(authorize?.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
      // the token request: the verifier, no secret
      expect(tokenBody?.get('grant_type')).toBe('authorization_code');
      expect(tokenBody?.get('code_verifier')).toMatch(/^[\w-]{43,128}$/);
      expect(tokenBody?.has('client_secret')).toBe(false);

      // the UI's API calls carry the ID token, and the hub answers them
      const answered = await waitFor(
        'an API call of the UI with the ID token',
        () => api.find((a) => a.bearer !== undefined && a.status === 200),
        { timeoutMs: 15_000 },
      );
      expect(api.filter((a) => a.bearer !== undefined && a.status >= 400)).toEqual([]);
      const idToken = answered.bearer ?? '';
      const claims = decodeJwt(idToken);
      expect(claims).toMatchObject({
        iss: issuer,
        aud: CLIENT_ID,
        sub: 'alice',
        email: ALICE.email,
        groups: ALICE.groups,
        nonce: authorize?.searchParams.get('nonce'),
      });
      const whoami = await fetch(`${origin}/api/v1/whoami`, {
        headers: { authorization: `Bearer ${idToken}` },
      });
      expect(await whoami.json()).toEqual({
        name: 'oidc:alice@example.com',
        scope: 'admin',
        via: 'oidc',
      });

      // nothing of the flow left behind in the browser
      const storage = await page.evaluate(() => ({
        session: Object.keys(sessionStorage),
        local: Object.values(localStorage).join('\n'),
      }));
      expect(storage.session).not.toContain('gitfleet-oidc-pending');
      expect(storage.local).not.toContain(idToken);
      expect(page.url()).not.toMatch(/[?&](code|state)=/);
      expect(logs.join('\n')).not.toContain(idToken);
    } finally {
      await context.close();
    }
  });

  it('a callback that no sign-in of this tab started says so and signs nobody in', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${origin}/ui/signin/callback?code=stolen-code&state=guessed`);
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: 15_000 });
      expect(await alert.textContent()).toContain('no sign-in was started in this tab');
      expect(page.url()).toBe(`${origin}/ui/signin/callback`);
      expect(await page.getByTestId('identity').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('a hub without --oidc-client-id shows no OIDC button', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${plainOrigin}/ui/`);
      await page.waitForURL((u) => u.pathname === '/ui/signin');
      await page.locator('[data-testid="oidc-signin"][data-state="none"]').waitFor({
        state: 'attached',
        timeout: 15_000,
      });
      expect(await page.getByRole('button', { name: /^Sign in with / }).count()).toBe(0);
      expect(await page.getByLabel('API token').isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });
});
