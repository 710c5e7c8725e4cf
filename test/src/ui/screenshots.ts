/**
 * The screenshots of docs/ui.md, taken by hand:
 *
 *   scripts/with-node node test/src/ui/screenshots.ts [OUT_DIR]   (default docs/ui)
 *
 * Starts the UI test fleet (test/src/ui/ui-fleet.ts: a real hub, three real clusters with real
 * agents), brings it to a state worth showing — a commit converged everywhere, a rollout of `web`
 * waiting for the approval of its prod wave, a change made by hand on dev reported as drift —
 * and writes 1280×800 PNGs of the grid (light and dark), a row page, the drift page and the
 * rollout page. Everything it started is stopped and its temporary directory removed, also when
 * a step fails.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../fleet/paths.ts';
import { stopAll } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import { buildUiInto, launchBrowser, newPage, signIn, waitGridReady } from './browser.ts';
import { startUiWorld, uiFleetFiles, V1, type UiWorld } from './ui-fleet.ts';

const out = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, 'docs/ui'));

function log(msg: string): void {
  process.stderr.write(`[screenshots] ${msg}\n`);
}

async function shoot(page: Page, name: string): Promise<void> {
  // no caret, no animation: the same state gives the same picture
  await page.screenshot({
    path: path.join(out, `${name}.png`),
    animations: 'disabled',
    caret: 'hide',
  });
  log(`wrote ${path.join(out, `${name}.png`)}`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-screenshots-'));
  let world: UiWorld | undefined;
  let browser: Browser | undefined;
  try {
    await mkdir(out, { recursive: true });
    log('building the UI, starting the fleet (3 clusters)');
    const [uiDir, b] = await Promise.all([buildUiInto(path.join(dir, 'ui-dist')), launchBrowser()]);
    browser = b;
    world = await startUiWorld(dir, uiDir);
    const w = world;
    await w.commit(uiFleetFiles({ ...V1, site: 'v2' }), 'site v2');
    await waitFor('site v2 on prod', async () => (await w.message('prod', 'site')) === 'v2', {
      timeoutMs: 30_000,
    });
    const v2 = await w.commit(uiFleetFiles({ ...V1, site: 'v2', web: 'v2' }), 'web v2');
    await waitFor(
      'web waiting for approval',
      async () => {
        const r = await w.get<{ state: { phase: string; toRevision: string } }>(
          '/api/v1/rollout?app=web',
        );
        return r.state.phase === 'WaitingApproval' && r.state.toRevision === v2;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await w.clusters
      .get('dev')
      ?.kubectl([
        ...['-n', 'default', 'patch', 'configmap', 'cfg', '--type=merge'],
        ...['--field-manager', 'jane-hotfix', '-p', '{"data":{"message":"hotfix"}}'],
      ]);
    await waitFor(
      'the drift of cfg',
      async () =>
        (await w.get<{ items: unknown[] }>('/api/v1/drift?target=dev&app=cfg')).items.length > 0,
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    for (const scheme of ['light', 'dark'] as const) {
      const { context, page } = await newPage(b, { colorScheme: scheme });
      await signIn(page, w.api, w.tokens.operate, '/ui/');
      await waitGridReady(page);
      await shoot(page, `grid-${scheme}`);
      if (scheme === 'light') {
        await page.goto(`${w.api}/ui/apps/web/staging`);
        await page.getByRole('table', { name: 'Objects' }).waitFor();
        await shoot(page, 'row');
        await page.goto(`${w.api}/ui/drift`);
        await page.locator('tbody[data-drift]').first().waitFor();
        await shoot(page, 'drift');
        await page.goto(`${w.api}/ui/rollouts/web`);
        await page.getByRole('button', { name: 'Approve prod', exact: true }).waitFor();
        await shoot(page, 'rollout');
      }
      await context.close();
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await world?.close().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  await main();
  process.exit(0);
} catch (err) {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
}
