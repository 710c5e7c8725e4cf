/**
 * The real browser of the web UI tests and the `ui` benchmark: the Debian chromium driven by
 * playwright-core (no browser download), the UI bundle built into a temporary directory for the
 * hub's `--ui-dir`, and the steps every UI test takes — sign in with an API token, wait for the
 * fleet grid to be rendered, read a cell's attributes — against the selectors of the UI contract
 * (docs/ui.md).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { REPO_ROOT } from '../fleet/paths.ts';

/**
 * The little of the DOM that functions run in the page use: the test project is compiled without
 * the DOM library, so a page function takes its globals as
 * `const { document } = globalThis as unknown as PageGlobals;`.
 */
export interface DomElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement> & { readonly length: number };
  readonly parentElement: DomElement | null;
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
}
export interface PageGlobals {
  readonly document: {
    querySelector(selector: string): DomElement | null;
    querySelectorAll(selector: string): Iterable<DomElement> & { readonly length: number };
    readonly documentElement: DomElement;
    readonly scrollingElement: DomElement | null;
    addEventListener(type: string, listener: () => void, opts?: { capture?: boolean }): void;
  };
  readonly requestAnimationFrame: (callback: () => void) => number;
  readonly getComputedStyle: (el: DomElement) => { readonly overflowY: string };
}

/** The Debian chromium (scripts/setup.sh); GITFLEET_CHROMIUM names another build. */
export const CHROMIUM = process.env['GITFLEET_CHROMIUM'] ?? '/usr/bin/chromium';

/** The size of every page: the screenshots of docs/ui are taken at it too. */
export const VIEWPORT = { width: 1280, height: 800 } as const;

/** One headless chromium; `--no-sandbox` because tests run as root in a container. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no chromium at ${CHROMIUM}: install the Debian package chromium (scripts/setup.sh) or set GITFLEET_CHROMIUM`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}

/** A fresh context (own sessionStorage, localStorage and cookies) and its one page. */
export async function newPage(
  browser: Browser,
  opts: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT, ...opts });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  return { context, page };
}

/**
 * Builds the web UI (hub/ui/build.ts `buildUi`) into `outDir`, for the hub's `--ui-dir`; returns
 * `outDir`. Fails naming the file when the build script or its export is missing.
 */
export async function buildUiInto(outDir: string): Promise<string> {
  const buildTs = path.join(REPO_ROOT, 'hub/ui/build.ts');
  if (!existsSync(buildTs)) throw new Error(`the web UI build script ${buildTs} does not exist`);
  const mod = (await import(pathToFileURL(buildTs).href)) as {
    buildUi?: (o: { outDir: string }) => Promise<unknown>;
  };
  if (typeof mod.buildUi !== 'function') throw new Error(`${buildTs} does not export buildUi`);
  await mod.buildUi({ outDir });
  if (!existsSync(path.join(outDir, 'index.html'))) {
    throw new Error(`buildUi({ outDir: ${outDir} }) wrote no index.html`);
  }
  return outDir;
}

/**
 * Signs in through `/ui/signin`: fills "API token", clicks "Sign in", and waits until the page
 * has left the sign-in route (the header names the identity). `next` is where to go after.
 */
export async function signIn(
  page: Page,
  base: string,
  token: string,
  next = '/ui/',
): Promise<void> {
  await page.goto(`${base}/ui/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('API token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/ui/signin'));
  await page.getByTestId('identity').waitFor();
}

/** The grid container of the contract. */
export const GRID = '[data-testid="fleet-grid"]';

/**
 * Waits for the fleet grid to have rendered its snapshot (`data-ready="true"`), and for
 * `data-cells` to equal `cells` when given; returns the number of cells it says.
 */
export async function waitGridReady(
  page: Page,
  cells?: number,
  timeoutMs = 15_000,
): Promise<number> {
  const handle = await page.waitForFunction(
    ({ sel, want }) => {
      const { document } = globalThis as unknown as PageGlobals;
      const g = document.querySelector(sel);
      if (g === null || g.getAttribute('data-ready') !== 'true') return false;
      const n = Number(g.getAttribute('data-cells'));
      return want === undefined || n === want ? n : false;
    },
    { sel: `${GRID}[role="grid"]`, want: cells },
    { timeout: timeoutMs },
  );
  return (await handle.jsonValue()) as number;
}

/** The selector of the cell of (app, target). */
export function cellSelector(app: string, target: string): string {
  return `[role="gridcell"][data-testid="cell-${app}-${target}"]`;
}

/** The `data-*` attributes of a cell of the contract. */
export interface CellState {
  readonly sync: string | null;
  readonly health: string | null;
  readonly connection: string | null;
  readonly drift: string | null;
  readonly revision: string | null;
  readonly pinned: string | null;
}

/** The attributes of the cell of (app, target); undefined while it is not in the DOM. */
export async function cellState(
  page: Page,
  app: string,
  target: string,
): Promise<CellState | undefined> {
  return page.evaluate(
    (sel) => {
      const { document } = globalThis as unknown as PageGlobals;
      const c = document.querySelector(sel);
      if (c === null) return undefined;
      const a = (n: string): string | null => c.getAttribute(`data-${n}`);
      return {
        sync: a('sync'),
        health: a('health'),
        connection: a('connection'),
        drift: a('drift'),
        revision: a('revision'),
        pinned: a('pinned'),
      };
    },
    cellSelector(app, target),
  );
}

/**
 * Waits until the cell of (app, target) satisfies every attribute of `want` (in the same page:
 * no navigation); returns its state.
 */
export async function waitCell(
  page: Page,
  app: string,
  target: string,
  want: Partial<CellState>,
  timeoutMs = 30_000,
): Promise<CellState> {
  const handle = await page.waitForFunction(
    ({ sel, want: w }) => {
      const { document } = globalThis as unknown as PageGlobals;
      const c = document.querySelector(sel);
      if (c === null) return false;
      for (const [k, v] of Object.entries(w)) {
        if (c.getAttribute(`data-${k}`) !== v) return false;
      }
      const a = (n: string): string | null => c.getAttribute(`data-${n}`);
      return {
        sync: a('sync'),
        health: a('health'),
        connection: a('connection'),
        drift: a('drift'),
        revision: a('revision'),
        pinned: a('pinned'),
      };
    },
    { sel: cellSelector(app, target), want },
    { timeout: timeoutMs, polling: 50 },
  );
  return (await handle.jsonValue()) as CellState;
}

/**
 * Counts the page's main-frame navigations from now on (a full load or a reload; History API
 * route changes of the single-page app are not navigations).
 */
export function countNavigations(page: Page): () => number {
  let n = 0;
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) n++;
  });
  return () => n;
}
