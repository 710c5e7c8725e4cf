/**
 * The web UI in a real browser (the Debian chromium, playwright-core) against a real hub serving
 * its build, three real clusters dev, staging and prod with real agents (test/src/ui/ui-fleet.ts):
 *
 * - the grid, signed in with a read token, shows a commit converging on the 3 targets in the same
 *   page — each cell's revision and sync change with no navigation;
 * - a change made by hand with kubectl (its own field manager) on an app whose drift policy is
 *   `warn` shows on /ui/drift with the field's JSON pointer, the desired and live values and the
 *   manager, and the Manager filter keeps it;
 * - a rollout waiting at its manual gate: a read token sees no command button, and a POST of the
 *   command with that token from the page is refused 403; an operate token approves the wave
 *   from the rollout page, and the prod cell of the grid moves to the new revision;
 * - a second hub with 200 targets × 5 apps (1,000 cells): first render, scrolling through the
 *   windowed rows and filtering stay within bounds a loaded 2-core machine meets (the `ui`
 *   benchmark measures 1,000 × 5 against its goals).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fleet/wait.ts';
import {
  buildUiInto,
  cellState,
  countNavigations,
  GRID,
  launchBrowser,
  newPage,
  signIn,
  type DomElement,
  type PageGlobals,
  waitCell,
  waitGridReady,
} from './browser.ts';
import {
  ENVS,
  startScaleHub,
  startUiWorld,
  uiFleetFiles,
  V1,
  type ScaleHub,
  type UiWorld,
} from './ui-fleet.ts';

let dir = '';
let world: UiWorld | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];

function w(): UiWorld {
  if (world === undefined) throw new Error('the fleet did not start');
  return world;
}

/** A page in a context of its own, closed after the test. */
async function page(): Promise<Page> {
  if (browser === undefined) throw new Error('no browser');
  const { context, page: p } = await newPage(browser);
  contexts.push(context);
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-ui-'));
  const [uiDir, b] = await Promise.all([buildUiInto(path.join(dir, 'ui-dist')), launchBrowser()]);
  browser = b;
  world = await startUiWorld(dir, uiDir);
}, 180_000);

afterEach(async ({ task }) => {
  // a failed test says what its pages showed: the address and the text
  if (task.result?.state === 'fail') {
    for (const c of contexts) {
      for (const pg of c.pages()) {
        const text = await pg
          .evaluate(
            () => (globalThis as unknown as PageGlobals).document.documentElement.textContent,
          )
          .catch((err: unknown) => String(err));
        console.log(`[ui] ${pg.url()} showed:\n${(text ?? '').slice(0, 3000)}`);
      }
    }
  }
  await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await world?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

it('shows a commit converging on the 3 targets in the same page, without a reload', async () => {
  const { api, tokens, v1 } = w();
  const p = await page();
  await signIn(p, api, tokens.read, '/ui/');
  expect(await waitGridReady(p)).toBe(7); // site and web on 3 targets, cfg on dev
  await expect.poll(() => p.getByTestId('identity').textContent()).toBe('viewer · read');
  await expect.poll(() => p.getByTestId('live').getAttribute('data-state')).toBe('open');
  for (const env of ENVS) await waitCell(p, 'site', env, { revision: v1, sync: 'Synced' });
  const navigations = countNavigations(p);
  await p.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    document.documentElement.dataset['uiTestMarker'] = 'same-document';
  });

  const v2 = await w().commit(uiFleetFiles({ ...V1, site: 'v2' }), 'site v2');
  const t0 = performance.now();
  for (const env of ENVS) {
    const cell = await waitCell(p, 'site', env, { revision: v2, sync: 'Synced' });
    expect(cell.health).toBe('Healthy');
    expect(cell.connection).toBe('Connected');
  }
  console.log(
    `[ui] commit → 3 cells Synced at it in the page: ${Math.round(performance.now() - t0)} ms`,
  );
  expect(await w().message('prod', 'site')).toBe('v2');
  expect(navigations()).toBe(0);
  expect(
    await p.evaluate(
      () => (globalThis as unknown as PageGlobals).document.documentElement.dataset['uiTestMarker'],
    ),
  ).toBe('same-document');
  // web did not change: its cells keep the first commit
  expect((await cellState(p, 'web', 'prod'))?.revision).toBe(v1);
});

it('shows a change made with kubectl on /ui/drift with its field, values and manager', async () => {
  const { api, tokens, clusters } = w();
  const dev = clusters.get('dev');
  if (dev === undefined) throw new Error('no dev cluster');
  await dev.kubectl([
    ...['-n', 'default', 'patch', 'configmap', 'cfg', '--type=merge'],
    ...['--field-manager', 'ui-test-editor', '-p', '{"data":{"message":"by-hand"}}'],
  ]);
  // the policy reports and leaves it: the hub has the record before the page is opened
  await waitFor(
    'the drift of cfg on dev in the API',
    async () =>
      (await w().get<{ items: { fieldManager: string }[] }>('/api/v1/drift?target=dev')).items.some(
        (d) => d.fieldManager === 'ui-test-editor',
      ),
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  const p = await page();
  await signIn(p, api, tokens.read, '/ui/drift');
  const table = p.getByRole('table', { name: 'Drift', exact: true });
  const record = table.locator('tbody[data-drift="dev/cfg/ConfigMap/default/cfg"]');
  await record.waitFor();
  const field = record.locator('tr[data-field="/data/message"]');
  await expect.poll(() => field.locator('.desired').textContent()).toContain('v1');
  await expect.poll(() => field.locator('.live').textContent()).toContain('by-hand');
  await expect.poll(() => record.getByTestId('manager').textContent()).toContain('ui-test-editor');
  // the Manager filter keeps the record and goes into the address
  await p.getByLabel('Manager', { exact: true }).selectOption('ui-test-editor');
  await p.waitForURL((u) => u.searchParams.get('manager') === 'ui-test-editor');
  await record.waitFor();
  // a deep link with the filter opens the same view
  await p.goto(`${api}/ui/drift?manager=ui-test-editor&app=cfg`);
  await record.waitFor();
  expect(await p.locator('tbody[data-drift]').count()).toBe(1);
  // warn: the change is still there
  expect(await w().message('dev', 'cfg')).toBe('by-hand');
});

describe('a rollout at its manual gate', () => {
  let v2 = '';
  const approveProd = (p: Page) => p.getByRole('button', { name: 'Approve prod', exact: true });

  interface RolloutView {
    state: { phase: string; toRevision: string; history: { kind: string; by?: string }[] };
  }
  const rollout = (): Promise<RolloutView> => w().get<RolloutView>('/api/v1/rollout?app=web');

  beforeAll(async () => {
    v2 = await w().commit(uiFleetFiles({ ...V1, site: 'v2', web: 'v2' }), 'web v2');
    await waitFor(
      'web waiting for the approval of prod',
      async () => {
        const r = await rollout();
        return r.state.phase === 'WaitingApproval' && r.state.toRevision === v2;
      },
      { timeoutMs: 40_000, intervalMs: 100 },
    );
  }, 60_000);

  it('offers a read token no command, and refuses its forged POST with 403', async () => {
    const { api, tokens } = w();
    const p = await page();
    await signIn(p, api, tokens.read, '/ui/rollouts/web');
    const prod = p.getByRole('region', { name: 'Wave prod', exact: true });
    await prod.waitFor();
    await p.getByRole('region', { name: 'Wave canary', exact: true }).waitFor();
    expect(await prod.getAttribute('data-status')).not.toBeNull();
    for (const name of ['Approve prod', 'Pause', 'Resume', 'Abort', 'Rollback']) {
      expect(await p.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    }
    const forged = await p.evaluate(async (token) => {
      const res = await fetch('/api/v1/rollout/command?app=web&command=approve&wave=prod', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as { error?: { code?: string } } };
    }, tokens.read);
    expect(forged.status).toBe(403);
    expect(forged.body.error?.code).toBe('FORBIDDEN');
    expect((await rollout()).state.phase).toBe('WaitingApproval');
    expect(await w().message('prod', 'web')).toBe('v1');
  });

  it('is approved from the UI with an operate token, and the prod wave moves', async () => {
    const { api, tokens, v1 } = w();
    const p = await page();
    await signIn(p, api, tokens.operate, '/ui/');
    await waitGridReady(p);
    // the waves so far: canary and staging moved, prod holds the first commit
    await waitCell(p, 'web', 'dev', { revision: v2 });
    await waitCell(p, 'web', 'staging', { revision: v2 });
    expect((await cellState(p, 'web', 'prod'))?.revision).toBe(v1);

    await p.goto(`${api}/ui/rollouts/web`);
    const prod = p.getByRole('region', { name: 'Wave prod', exact: true });
    await prod.waitFor();
    const before = await prod.getAttribute('data-status');
    await approveProd(p).click();
    await p.getByRole('status').first().waitFor();
    await expect.poll(() => prod.getAttribute('data-status'), { timeout: 20_000 }).not.toBe(before);

    // back to the grid through the header: the prod cell moves to v2
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet' }).click();
    await waitGridReady(p);
    await waitCell(p, 'web', 'prod', { revision: v2, sync: 'Synced' });
    expect(await w().message('prod', 'web')).toBe('v2');
    await waitFor('rollout completed', async () => (await rollout()).state.phase === 'Completed', {
      timeoutMs: 20_000,
    });
    expect((await rollout()).state.history.some((e) => e.kind === 'approved')).toBe(true);
  });
});

describe('the grid with 200 targets × 5 apps', () => {
  let scale: ScaleHub | undefined;

  beforeAll(async () => {
    scale = await startScaleHub(w().fleet, dir, path.join(dir, 'ui-dist'), 200, 5);
  }, 90_000);

  afterAll(async () => {
    await scale?.hub.close();
  });

  it('renders, scrolls and filters within bounds', async () => {
    if (scale === undefined) throw new Error('no scale hub');
    const p = await page();
    await signIn(p, scale.api, scale.tokens.read, '/ui/');
    await waitGridReady(p, 1000, 20_000);

    // first render: from navigation start to every cell's grid ready
    await p.goto(`${scale.api}/ui/`);
    const firstRenderMs = await p.evaluate(
      (sel) =>
        new Promise<number>((resolve) => {
          const { document, requestAnimationFrame } = globalThis as unknown as PageGlobals;
          const check = (): void => {
            const g = document.querySelector(sel);
            if (
              g?.getAttribute('data-ready') === 'true' &&
              g.getAttribute('data-cells') === '1000'
            ) {
              performance.mark('grid-ready');
              resolve(
                performance.getEntriesByName('grid-ready')[0]?.startTime ?? performance.now(),
              );
            } else requestAnimationFrame(check);
          };
          check();
        }),
      GRID,
    );

    // scrolling: a viewport at a time to the end; each step until the next frame shows new rows
    const scroll = await p.evaluate(async (sel) => {
      const { document, requestAnimationFrame, getComputedStyle } =
        globalThis as unknown as PageGlobals;
      const grid = document.querySelector(sel);
      if (grid === null) throw new Error(`no ${sel}`);
      let el: DomElement | null = grid;
      while (el !== null) {
        const s = getComputedStyle(el);
        if (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight) break;
        el = el.parentElement;
      }
      const scroller = el ?? document.scrollingElement ?? document.documentElement;
      const rows = (): string =>
        [...grid.querySelectorAll('[role="row"][data-target]')]
          .map((r) => r.getAttribute('data-target'))
          .join(',');
      const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
      const steps: number[] = [];
      let distinct = new Set<string>();
      let unchanged = 0;
      for (
        let i = 0;
        i < 400 && scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 1;
        i++
      ) {
        const before = rows();
        performance.mark(`scroll-${i}-start`);
        scroller.scrollTop += scroller.clientHeight;
        // the row set changes on the next frame(s); at the end the window may hold the last
        // rows already (they are rendered ahead), and nothing changes
        let changed = false;
        for (let f = 0; f < 60 && !changed; f++) {
          if (rows() !== before) changed = true;
          else await frame();
        }
        await frame();
        performance.mark(`scroll-${i}-end`);
        const took = performance.measure(`scroll-${i}`, `scroll-${i}-start`, `scroll-${i}-end`);
        if (changed) steps.push(took.duration);
        else unchanged++;
        distinct = new Set([
          ...distinct,
          ...rows()
            .split(',')
            .filter((t) => t !== ''),
        ]);
      }
      return {
        steps,
        unchanged,
        rowsSeen: distinct.size,
        domRows: grid.querySelectorAll('[role="row"][data-target]').length,
      };
    }, GRID);

    // filtering: from the input event to the grid holding the matching cells
    const search = p.getByLabel('Search', { exact: true });
    await p.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      document.addEventListener(
        'input',
        () => {
          performance.clearMarks('filter-input');
          performance.mark('filter-input');
        },
        { capture: true },
      );
    });
    const filterTo = async (text: string, cells: number): Promise<number> => {
      await search.fill(text);
      const h = await p.waitForFunction(
        ({ sel, want }) => {
          const { document } = globalThis as unknown as PageGlobals;
          const g = document.querySelector(sel);
          if (
            g?.getAttribute('data-ready') !== 'true' ||
            g.getAttribute('data-cells') !== String(want)
          )
            return false;
          performance.clearMarks('filter-done');
          performance.mark('filter-done');
          return performance.measure('filter', 'filter-input', 'filter-done').duration;
        },
        { sel: GRID, want: cells },
        { polling: 'raf', timeout: 10_000 },
      );
      return (await h.jsonValue()) as number;
    };
    const filterOneMs = await filterTo('sim-123', 5);
    await p.waitForURL((u) => u.searchParams.get('q') === 'sim-123');
    const filterClearMs = await filterTo('', 1000);

    const maxStep = Math.max(...scroll.steps);
    const medianStep =
      [...scroll.steps].sort((a, b) => a - b)[Math.floor(scroll.steps.length / 2)] ?? 0;
    console.log(
      `[ui] 1,000 cells: first render ${Math.round(firstRenderMs)} ms; scroll ${scroll.steps.length} viewports, median ${Math.round(medianStep)} ms, max ${Math.round(maxStep)} ms per viewport, ${scroll.rowsSeen} rows seen, ${scroll.domRows} rows in the DOM; filter to 1 target ${Math.round(filterOneMs)} ms, cleared ${Math.round(filterClearMs)} ms`,
    );
    expect(firstRenderMs).toBeLessThan(5_000);
    expect(scroll.steps.length).toBeGreaterThan(1);
    expect(scroll.unchanged).toBeLessThanOrEqual(1);
    expect(maxStep).toBeLessThan(1_000);
    // every target row came through the window, and the DOM holds only a window of them
    expect(scroll.rowsSeen).toBeGreaterThanOrEqual(200);
    expect(scroll.domRows).toBeLessThan(200);
    expect(filterOneMs).toBeLessThan(1_000);
    expect(filterClearMs).toBeLessThan(1_500);
  });
});
