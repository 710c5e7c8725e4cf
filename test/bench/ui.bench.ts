/**
 * `npm run bench -- ui [--targets=1000] [--apps=5] [--loads=3] [--rounds=3]`: the web UI's fleet
 * grid in a real browser (the Debian chromium, playwright-core) against the gitfleet-hub binary
 * on real Redis, with `targets` simulated agents (test/src/sim) and `apps` applications on every
 * target (5,000 cells by default).
 *
 * - `first_render_ms`: navigation start of `/ui/` (signed in, HTTP cache emptied) → the grid
 *   rendered with every cell (`data-ready="true"`, `data-cells` = targets × apps); the median of
 *   `loads` loads;
 * - `kb`: the bytes the browser received for one such load until that moment, counted on the wire
 *   (the browser talks to the hub through a loopback TCP proxy, test/src/faults/tcp-proxy.ts):
 *   the page, its assets, the API calls and the event stream so far, HTTP headers included;
 * - `update_ms`: a simulated agent's report stored by the hub (its ack, in the agent's events
 *   file) → the cell showing it in the page (the next animation frame with the cell's attributes
 *   changed), for target sim-0 (the grid's first row) connecting alone to a quiet hub, median
 *   over its apps;
 * - `update_flood_ms`: the same for the visible cells of `app-0` while a commit changes `app-0`
 *   on every target (all targets report at once), median over the cells and `rounds` commits.
 * Goals: first render < 1000 ms, update < 500 ms, < 1 MB.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { startTcpProxy, type TcpProxy } from '../src/faults/tcp-proxy.ts';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { freePorts } from '../src/fleet/ports.ts';
import { stopAll } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import {
  postPushWebhook,
  readSimEvents,
  simFleetFiles,
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type HubProcess,
  type SimAgents,
} from '../src/sim/sim-fleet.ts';
import {
  buildUiInto,
  GRID,
  launchBrowser,
  newPage,
  signIn,
  type PageGlobals,
} from '../src/ui/browser.ts';
import { benchLog, bounded, machine, median, numberArg, percentile, round } from './lib/common.ts';

const log = benchLog('ui');

/** What a page function keeps on the page's global object between calls. */
interface Watch {
  /** Cells (data-testid) to watch, each with the attributes it must reach. */
  want: Record<string, Record<string, string>>;
  /** data-testid → Date.now() of the first animation frame it had them. */
  hits: Record<string, number>;
  stop: boolean;
}
type WatchGlobals = PageGlobals & { gfWatch?: Watch };

/** Starts watching `want` in the page: every animation frame, the cells not reached yet. */
async function watchCells(page: Page, want: Record<string, Record<string, string>>): Promise<void> {
  await page.evaluate((w) => {
    const g = globalThis as unknown as WatchGlobals;
    if (g.gfWatch !== undefined) g.gfWatch.stop = true;
    const watch: Watch = { want: w, hits: {}, stop: false };
    g.gfWatch = watch;
    const loop = (): void => {
      if (watch.stop) return;
      const now = Date.now();
      for (const [id, attrs] of Object.entries(watch.want)) {
        if (watch.hits[id] !== undefined) continue;
        const c = g.document.querySelector(`[data-testid="${id}"]`);
        if (c === null) continue;
        if (Object.entries(attrs).every(([k, v]) => c.getAttribute(`data-${k}`) === v)) {
          watch.hits[id] = now;
        }
      }
      if (Object.keys(watch.hits).length < Object.keys(watch.want).length) {
        g.requestAnimationFrame(loop);
      }
    };
    g.requestAnimationFrame(loop);
  }, want);
}

async function watchHits(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => (globalThis as unknown as WatchGlobals).gfWatch?.hits ?? {});
}

/** The targets of the rows in the DOM (the visible window). */
async function visibleTargets(page: Page): Promise<string[]> {
  return page.evaluate((sel) => {
    const { document } = globalThis as unknown as PageGlobals;
    return [...document.querySelectorAll(`${sel} [role="row"][data-target]`)]
      .map((r) => r.getAttribute('data-target') ?? '')
      .filter((t) => t !== '');
  }, GRID);
}

/**
 * The hub alone: GET /api/v1/events (gzip, as a browser asks) → the end of its snapshot event,
 * read by Node; the ms and the snapshot's size decoded.
 */
async function hubSnapshot(api: string, token: string): Promise<{ ms: number; bytes: number }> {
  const abort = new AbortController();
  const t0 = performance.now();
  const res = await fetch(`${api}/api/v1/events`, {
    signal: abort.signal,
    headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' },
  });
  if (res.status !== 200 || res.body === null) throw new Error(`GET /api/v1/events: ${res.status}`);
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      const at = text.indexOf('event: snapshot');
      if (at >= 0 && text.indexOf('\n\n', at) >= 0) {
        return { ms: performance.now() - t0, bytes: text.indexOf('\n\n', at) - at };
      }
    }
  } finally {
    abort.abort();
  }
  throw new Error('GET /api/v1/events ended before its snapshot');
}

/** One load of the grid. */
interface Load {
  /** Navigation start → every cell rendered (the page's clock). */
  readonly ms: number;
  /** Bytes received meanwhile. */
  readonly bytes: number;
  /**
   * Navigation start → the page asking for the event stream, the stream's response headers, and
   * its last bytes before ready.
   */
  readonly streamRequestMs: number;
  /** Navigation start → the app's script received (resource timing). */
  readonly scriptMs: number;
  readonly streamHeadersMs: number;
  readonly snapshotMs: number;
}

/**
 * When, per load, the document was requested, the event stream answered and its last bytes came
 * (DevTools protocol timestamps, seconds).
 */
interface StreamProbe {
  docAt: number;
  streamId: string;
  requestAt: number;
  headersAt: number;
  lastDataAt: number;
}

function probeStream(cdp: CDPSession): StreamProbe {
  const p: StreamProbe = {
    docAt: NaN,
    streamId: '',
    requestAt: NaN,
    headersAt: NaN,
    lastDataAt: NaN,
  };
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.type === 'Document') {
      Object.assign(p, {
        docAt: e.timestamp,
        streamId: '',
        requestAt: NaN,
        headersAt: NaN,
        lastDataAt: NaN,
      });
    }
    if (e.request.url.includes('/api/v1/events')) {
      p.streamId = e.requestId;
      p.requestAt = e.timestamp;
    }
  });
  cdp.on('Network.responseReceived', (e) => {
    if (e.requestId === p.streamId) p.headersAt = e.timestamp;
  });
  cdp.on('Network.dataReceived', (e) => {
    if (e.requestId === p.streamId) p.lastDataAt = e.timestamp;
  });
  return p;
}

/**
 * Loads `/ui/` with an empty HTTP cache; the ms from navigation start to every cell rendered, and
 * when the event stream answered and its snapshot arrived.
 */
async function coldLoad(
  page: Page,
  cdp: CDPSession,
  probe: StreamProbe,
  url: string,
  cells: number,
  bytes: () => number,
): Promise<Load> {
  await cdp.send('Network.clearBrowserCache');
  const from = bytes();
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    ({ sel, want }) => {
      const { document } = globalThis as unknown as PageGlobals;
      const g = document.querySelector(sel);
      if (g?.getAttribute('data-ready') !== 'true' || g.getAttribute('data-cells') !== want)
        return false;
      performance.mark('grid-ready');
      return performance.now();
    },
    { sel: GRID, want: String(cells) },
    { polling: 'raf', timeout: 60_000 },
  );
  const ms = (await handle.jsonValue()) as number;
  const scriptMs = await page.evaluate(
    () =>
      performance
        .getEntriesByType('resource')
        .find((e) => /\/assets\/app-[^/]*\.js$/.test(e.name))
        ?.toJSON() as { responseEnd?: number } | undefined,
  );
  return {
    ms,
    scriptMs: scriptMs?.responseEnd ?? NaN,
    bytes: bytes() - from,
    streamRequestMs: (probe.requestAt - probe.docAt) * 1000,
    streamHeadersMs: (probe.headersAt - probe.docAt) * 1000,
    snapshotMs: (probe.lastDataAt - probe.docAt) * 1000,
  };
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const targets = numberArg(args, 'targets', 1000);
  const apps = numberArg(args, 'apps', 5);
  const loads = numberArg(args, 'loads', 3);
  const rounds = numberArg(args, 'rounds', 3);
  const cells = targets * apps;
  let fleet: TestFleet | undefined;
  let hub: HubProcess | undefined;
  let simRest: SimAgents | undefined;
  let simFirst: SimAgents | undefined;
  let browser: Browser | undefined;
  let proxy: TcpProxy | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-ui-'));
  try {
    return await bounded('ui benchmark', 20 * 60_000, async () => {
      log('building the UI; starting Git and Redis');
      const [uiDir, f] = await Promise.all([
        buildUiInto(path.join(dir, 'ui-dist')),
        startFleet({ clusters: 0 }),
      ]);
      fleet = f;
      const { git, redis } = f;
      if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
      const repoUrl = await git.createRepo('ui-fleet');
      const v0 = await git.commit('ui-fleet', {
        files: simFleetFiles({ targets, apps, message: 'v0' }),
        message: 'v0',
      });
      const tokensDir = path.join(dir, 'agent-tokens');
      await writeAgentTokens(
        tokensDir,
        Array.from({ length: targets }, (_, i) => simTargetName(i)),
      );
      const secret = randomBytes(16).toString('hex');
      const secretFile = path.join(dir, 'webhook.secret');
      await writeFile(secretFile, secret, { mode: 0o600 });
      const [grpcPort = 0, httpPort = 0] = await freePorts(2);
      hub = await startHubProcess({
        name: 'hub-ui',
        logDir: dir,
        fleetRepo: repoUrl,
        redisUrl: redis.url,
        tokensDir,
        grpcPort,
        httpPort,
        cacheDir: path.join(dir, 'hub-git'),
        webhookSecretFile: secretFile,
        logLevel: 'warn',
        extraArgs: ['--ui-dir', uiDir],
      });
      const h = hub;
      await h.waitReady(120_000);
      // every target but sim-0 (the first row): its agent connects later, on a quiet hub
      const restEvents = path.join(dir, 'sim-rest.events');
      simRest = await startSimAgents({
        name: 'sim-rest',
        logDir: dir,
        hub: h.grpcAddress,
        tokensDir,
        from: 1,
        count: targets - 1,
        eventsFile: restEvents,
      });
      const rest = simRest;
      await rest.waitFor(
        `${targets - 1} agents synced at v0`,
        (p) => p.ready === targets - 1 && (p.revisions[v0]?.reported ?? 0) === (targets - 1) * apps,
        { timeoutMs: 300_000, abortIf: h.gone },
      );
      log(`${targets - 1} simulated agents connected and synced; launching chromium`);

      // the browser's every byte passes the proxy: bytesDown is what it received
      proxy = await startTcpProxy({ upstreamPort: httpPort, name: 'ui-bytes' });
      const wire = proxy;
      const base = `http://${wire.address}`;
      const received = (): number => wire.stats().bytesDown;
      browser = await launchBrowser();
      const { context, page } = await newPage(browser);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const probe = probeStream(cdp);
      await signIn(page, base, h.tokens.read, '/ui/');
      const url = `${base}/ui/`;
      const loadAtLoads = os.loadavg()[0] ?? 0;
      const loaded: Load[] = [];
      for (let i = 0; i < loads; i++) {
        loaded.push(await coldLoad(page, cdp, probe, url, cells, received));
        const l = loaded.at(-1);
        if (l === undefined) throw new Error('no load');
        log(
          `load ${i + 1}: ${cells} cells rendered ${Math.round(l.ms)} ms after navigation start (script in at ${Math.round(l.scriptMs)} ms, event stream asked for at ${Math.round(l.streamRequestMs)} ms, answered at ${Math.round(l.streamHeadersMs)} ms, snapshot in at ${Math.round(l.snapshotMs)} ms), ${round(l.bytes / 1024)} KB received`,
        );
      }
      const snapshots: { ms: number; bytes: number }[] = [];
      for (let i = 0; i < loads; i++) snapshots.push(await hubSnapshot(h.api, h.tokens.read));
      log(
        `the hub alone: snapshot of ${cells} rows (${round((snapshots[0]?.bytes ?? 0) / 1024)} KB of JSON) read by Node in ${snapshots.map((x) => Math.round(x.ms)).join(', ')} ms`,
      );
      const firstRenderMs = median(loaded.map((l) => l.ms));
      const kb = median(loaded.map((l) => l.bytes / 1024));
      const visible = await visibleTargets(page);
      log(`rows in the DOM: ${visible.length} (${visible.slice(0, 3).join(', ')}, …)`);
      if (!visible.includes(simTargetName(0))) {
        throw new Error(
          `${simTargetName(0)} is not among the rows in the DOM: ${visible.join(', ')}`,
        );
      }

      // quiet: sim-0's agent connects; each of its apps' reports turns its cell Synced
      const appNames = Array.from({ length: apps }, (_, a) => `app-${a}`);
      const first = simTargetName(0);
      await watchCells(
        page,
        Object.fromEntries(appNames.map((a) => [`cell-${a}-${first}`, { sync: 'Synced' }])),
      );
      const firstEvents = path.join(dir, 'sim-first.events');
      simFirst = await startSimAgents({
        name: 'sim-first',
        logDir: dir,
        hub: h.grpcAddress,
        tokensDir,
        from: 0,
        count: 1,
        eventsFile: firstEvents,
      });
      const quietHits = await waitFor(
        `the ${apps} cells of ${first} Synced in the page`,
        async () => {
          const hits = await watchHits(page);
          return Object.keys(hits).length === apps ? hits : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 50, abortIf: h.gone },
      );
      const quiet = appNames.map((a) => {
        const reported = readSimEvents(firstEvents).find(
          (e) => e.kind === 'reported' && e.target === first && e.app === a,
        );
        const shown = quietHits[`cell-${a}-${first}`];
        if (reported === undefined || shown === undefined) {
          throw new Error(`${first}/${a}: no report acked, or never shown`);
        }
        return shown - reported.atMs;
      });
      const updateMs = median(quiet);
      log(`quiet: report acked → cell shown: ${quiet.join(', ')} ms (median ${updateMs})`);

      // flood: a commit changes app-0 on every target
      const flood: number[] = [];
      const floodLast: number[] = [];
      for (let r = 1; r <= rounds; r++) {
        const file = 'apps/app-0/manifests/configmap.yaml';
        const content = simFleetFiles({ targets: 0, apps: 1, message: `r${r}` })[file] ?? '';
        const sha = await git.commit('ui-fleet', { files: { [file]: content }, message: `r${r}` });
        const rows = await visibleTargets(page);
        await watchCells(
          page,
          Object.fromEntries(
            rows.map((t) => [`cell-app-0-${t}`, { revision: sha, sync: 'Synced' }]),
          ),
        );
        const posted = Date.now();
        await postPushWebhook(h.api, secret, repoUrl, sha);
        const hits = await waitFor(
          `round ${r}: the visible cells of app-0 Synced at ${sha.slice(0, 8)}`,
          async () => {
            const x = await watchHits(page);
            return Object.keys(x).length === rows.length ? x : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 100, abortIf: h.gone },
        );
        const events = [...readSimEvents(restEvents), ...readSimEvents(firstEvents)].filter(
          (e) => e.kind === 'reported' && e.app === 'app-0' && e.revision === sha,
        );
        const these = rows.map((t) => {
          const reported = events.find((e) => e.target === t);
          const shown = hits[`cell-app-0-${t}`];
          if (reported === undefined || shown === undefined) {
            throw new Error(`round ${r}: ${t}/app-0 has no acked report at ${sha.slice(0, 8)}`);
          }
          return shown - reported.atMs;
        });
        flood.push(...these);
        floodLast.push(Math.max(...Object.values(hits)) - posted);
        log(
          `round ${r}: ${rows.length} visible cells, report acked → shown median ${median(these)} ms, max ${Math.max(...these)} ms; webhook → last visible cell ${floodLast.at(-1)} ms`,
        );
      }
      const totalKb = received() / 1024;
      const met = {
        first_render_ms: firstRenderMs < 1000,
        update_ms: updateMs < 500,
        kb: kb < 1024,
      };
      return {
        cells,
        first_render_ms: Math.round(firstRenderMs),
        update_ms: Math.round(updateMs),
        kb: round(kb),
        goal: 'first_render_ms < 1000, update_ms < 500, kb < 1024',
        met: met.first_render_ms && met.update_ms && met.kb,
        goals_met: met,
        detail: {
          targets,
          apps,
          loads_ms: loaded.map((l) => Math.round(l.ms)),
          loads_kb: loaded.map((l) => round(l.bytes / 1024)),
          loads_script_ms: loaded.map((l) => Math.round(l.scriptMs)),
          hub_snapshot_ms: snapshots.map((x) => Math.round(x.ms)),
          hub_snapshot_kb: round((snapshots[0]?.bytes ?? 0) / 1024),
          loads_stream_request_ms: loaded.map((l) => Math.round(l.streamRequestMs)),
          loads_stream_headers_ms: loaded.map((l) => Math.round(l.streamHeadersMs)),
          loads_snapshot_in_ms: loaded.map((l) => Math.round(l.snapshotMs)),
          update_quiet_ms: quiet,
          update_flood_ms: Math.round(median(flood)),
          update_flood_p95_ms: Math.round(percentile(flood, 95)),
          update_flood_max_ms: Math.max(...flood),
          flood_samples: flood.length,
          webhook_to_last_visible_cell_ms: floodLast,
          rows_in_dom: visible.length,
          // other work on the machine shows in every figure
          load_avg_1m_at_loads: round(loadAtLoads, 2),
          session_kb: round(totalKb),
          how: 'chromium (Debian) headless via playwright-core, 1280×800; times from the page (performance.now since navigation start; Date.now at the animation frame a cell changed) and the simulated agents (Date.now when the hub acked a report)',
        },
        machine: machine(),
      };
    });
  } finally {
    await browser?.close().catch((err: unknown) => log(`browser close: ${String(err)}`));
    await proxy?.close();
    await simFirst?.stop();
    await simRest?.stop();
    await hub?.stop();
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
