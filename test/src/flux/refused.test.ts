import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './controllers.ts';
import { describeRefused, refusedModules } from './refused.ts';

// Captured from this machine's go 1.26.8 against the Go module proxy (scripts/build-flux.sh logs).
const DOWNLOAD_403 = `go: downloading github.com/fluxcd/pkg/artifact v0.18.3
go: github.com/fluxcd/pkg/artifact@v0.18.3: reading https://proxy.golang.org/github.com/fluxcd/pkg/artifact/@v/v0.18.3.zip: 403 Forbidden
	server response: This module version is not available.
`;
const TIDY_TEST_ONLY = `go: finding module for package github.com/fluxcd/pkg/helmtestserver
	github.com/fluxcd/source-controller/internal/controller tested by
	github.com/fluxcd/source-controller/internal/controller.test imports
	github.com/fluxcd/pkg/helmtestserver: github.com/fluxcd/pkg/helmtestserver@v0.40.2: reading https://proxy.golang.org/github.com/fluxcd/pkg/helmtestserver/@v/v0.40.2.zip: 403 Forbidden
	server response: This module version is not available.
`;
const SCRIPT = `[gitfleet setup] building Flux source-controller v1.9.6 from the Go module proxy (cold: ~8 min on 2 cores) → /root/.cache/gitfleet/flux/v1.9.6
[gitfleet setup] ERROR: module refused by the Go module proxy: github.com/fluxcd/pkg/artifact@v0.18.3 (403 Forbidden)
[gitfleet setup] ERROR: building Flux source-controller v1.9.6 failed: the Go module proxy (https://proxy.golang.org,direct) refused the module version(s) above (log: /root/.cache/gitfleet/flux-source-controller-build.log.build)
`;

describe('refusedModules', () => {
  it('names the module and version of a download the proxy refused', () => {
    expect(refusedModules(DOWNLOAD_403)).toEqual([
      { module: 'github.com/fluxcd/pkg/artifact', version: 'v0.18.3', reason: '403 Forbidden' },
    ]);
  });

  it('finds the refused module inside go mod tidy’s import chain', () => {
    expect(refusedModules(TIDY_TEST_ONLY)).toEqual([
      {
        module: 'github.com/fluxcd/pkg/helmtestserver',
        version: 'v0.40.2',
        reason: '403 Forbidden',
      },
    ]);
  });

  it("reads scripts/build-flux.sh's own ERROR line", () => {
    const mods = refusedModules(SCRIPT);
    expect(mods).toEqual([
      { module: 'github.com/fluxcd/pkg/artifact', version: 'v0.18.3', reason: '403 Forbidden' },
    ]);
    expect(describeRefused(mods)).toBe('github.com/fluxcd/pkg/artifact@v0.18.3 (403 Forbidden)');
  });

  it('knows the other ways go says a version is not to be had, once per module version', () => {
    const log = [
      'go: example.com/a/b@v1.0.0-rc.1: invalid version: unknown revision v1.0.0-rc.1',
      'go: example.com/c@v2.0.0+incompatible: reading https://proxy.example/example.com/c/@v/v2.0.0+incompatible.info: 410 Gone',
      'go: example.com/c@v2.0.0+incompatible: reading https://proxy.example/example.com/c/@v/v2.0.0+incompatible.mod: 410 Gone',
      'go: example.com/d@v0.1.0: verifying module: checksum mismatch',
    ].join('\n');
    expect(refusedModules(log).map((m) => `${m.module}@${m.version} ${m.reason}`)).toEqual([
      'example.com/a/b@v1.0.0-rc.1 invalid version: unknown revision v1.0.0-rc.1',
      'example.com/c@v2.0.0+incompatible 410 Gone',
      'example.com/d@v0.1.0 verifying module: checksum mismatch',
    ]);
  });

  it('finds nothing in a log without a refusal', () => {
    expect(refusedModules('go: downloading github.com/fluxcd/pkg/ssa v0.50.0\n# ok\n')).toEqual([]);
  });
});

describe('parseGoDuration', () => {
  it('reads the durations kustomize-controller logs', () => {
    expect(parseGoDuration('7.583s')).toBeCloseTo(7583);
    expect(parseGoDuration('812.4ms')).toBeCloseTo(812.4);
    expect(parseGoDuration('1m2.5s')).toBeCloseTo(62_500);
    expect(parseGoDuration('950µs')).toBeCloseTo(0.95);
    expect(() => parseGoDuration('soon')).toThrow(/not a Go duration/);
  });
});
