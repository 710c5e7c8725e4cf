/**
 * scripts/build-flux.sh when the registry refuses a module: a Go module proxy of our own on
 * loopback answers 403 "This module version is not available." (what the real proxy answers for a
 * refused version) to every request; the script and ensureFlux must name the module and version
 * and fail — and the benchmark, which relays that, never reports gitfleet alone. No network: the
 * module cache is a fresh temp dir, so go asks only our proxy.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUILD_FLUX, ensureFlux, FluxBuildError } from './build.ts';

let proxy: http.Server;
let dir: string;
const asked: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-build-flux-'));
  proxy = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('This module version is not available.\n');
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => proxy.close(r));
  await rm(dir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  const port = (proxy.address() as AddressInfo).port;
  return {
    GOPROXY: `http://127.0.0.1:${String(port)}`,
    GOMODCACHE: path.join(dir, 'gomodcache'),
    GOFLAGS: '-modcacherw',
    GONOSUMDB: '*',
    GOSUMDB: 'off',
    GOTOOLCHAIN: 'local',
  };
}

it('names the refused module and version, and exits 1', async () => {
  const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      'bash',
      [BUILD_FLUX],
      {
        env: { ...process.env, ...env(), GITFLEET_CACHE_DIR: path.join(dir, 'cache') },
        timeout: 60_000,
      },
      (err, _stdout, stderr) =>
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stderr }),
    );
  });
  expect(out.code).toBe(1);
  expect(out.stderr).toMatch(
    /\[gitfleet setup\] ERROR: module refused by the Go module proxy: github\.com\/fluxcd\/source-controller@v1\.9\.6 \(403 Forbidden\)/,
  );
  expect(out.stderr).toMatch(/building Flux source-controller v1\.9\.6 failed/);
  expect(asked.some((u) => u.startsWith('/github.com/fluxcd/source-controller/@v/'))).toBe(true);
});

it('ensureFlux throws a FluxBuildError that lists the refused module', async () => {
  const err = await ensureFlux({ cacheDir: path.join(dir, 'cache2'), env: env() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FluxBuildError);
  const e = err as FluxBuildError;
  expect(e.refused).toContainEqual({
    module: 'github.com/fluxcd/source-controller',
    version: 'v1.9.6',
    reason: '403 Forbidden',
  });
  expect(e.message).toMatch(
    /Flux v1\.9\.6 cannot be built: the Go module proxy refused github\.com\/fluxcd\/source-controller@v1\.9\.6 \(403 Forbidden\)/,
  );
});
