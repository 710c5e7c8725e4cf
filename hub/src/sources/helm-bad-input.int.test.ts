/**
 * Hostile charts against the source renderer with the real `helm template` (helm v4 from the
 * test cache): each is a problem located at a file of the chart (and the limit it crossed), no
 * objects, and no temporary directory left behind.
 *
 * - a template that calls `lookup` (the hub has no cluster to read);
 * - a template that reads a file outside the chart with `.Files.Get`;
 * - a template that renders 100 MB (over the 64 MiB output limit by default);
 * - a template that never finishes (the time limit).
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError, silentLogger } from '@gitfleet/proto';
import { helmBinary } from '../../../test/src/deploy/render.ts';
import { SourceRenderer, type HelmRequest } from './renderer.ts';

const lines = (...l: string[]): string => [...l, ''].join('\n');

const CHART_YAML = lines('apiVersion: v2', 'name: hostile', 'version: 0.1.0');
const CONFIG_MAP = (data: string): string =>
  lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: hostile }', 'data:', data);

/** A chart `hostile/` whose one template is `template`. */
function request(template: string, digest: string): HelmRequest {
  const files = new Map([
    ['hostile/Chart.yaml', CHART_YAML],
    [
      'hostile/values.yaml',
      lines(
        'pad: "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123"',
      ),
    ],
    ['hostile/templates/cm.yaml', template],
  ]);
  return {
    repoUrl: 'https://git.example.com/hostile.git',
    commit: 'b'.repeat(40),
    path: 'hostile',
    release: 'hostile',
    namespace: 'default',
    options: {},
    optionsDigest: digest,
    files,
    read: (p) =>
      Promise.reject(new GitfleetError(ErrorCode.NotFound, `no ${p}`, { terminal: true })),
  };
}

async function helmDirs(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((d) => d.startsWith('gitfleet-helm-'));
}

async function refused(renderer: SourceRenderer, req: HelmRequest) {
  const result = await renderer.helm(req);
  if (result.ok) throw new Error(`rendered ${String(result.objects.length)} objects`);
  return result.problems;
}

describe('hostile charts (real helm template)', () => {
  const helm = helmBinary();

  it('a chart that calls lookup is refused at the template line, before helm runs', async () => {
    const r = new SourceRenderer({ helmCommand: helm }, { logger: silentLogger });
    const problems = await refused(
      r,
      request(
        CONFIG_MAP(
          '  password: {{ (lookup "v1" "Secret" .Release.Namespace "db").data.password | default "none" }}',
        ),
        'lookup',
      ),
    );
    expect(problems).toEqual([
      expect.objectContaining({ file: 'hostile/templates/cm.yaml', line: 5 }),
    ]);
    expect(problems[0]?.message).toMatch(/calls lookup, which reads the cluster/);
    expect(await r.metrics.registry.metrics()).toContain(
      'gitfleet_hub_source_renders_total{type="helm",outcome="refused"} 1',
    );
  });

  it('a chart that reads a file outside itself is refused at the template line', async () => {
    const r = new SourceRenderer({ helmCommand: helm }, { logger: silentLogger });
    const problems = await refused(
      r,
      request(CONFIG_MAP('  key: {{ .Files.Get "../../../../etc/hostname" | quote }}'), 'files'),
    );
    expect(problems).toEqual([
      expect.objectContaining({ file: 'hostile/templates/cm.yaml', line: 5 }),
    ]);
    expect(problems[0]?.message).toMatch(/outside the chart/);
  });

  it('a template that renders 100 MB is stopped at the output limit', async () => {
    const before = await helmDirs();
    const r = new SourceRenderer({ helmCommand: helm }, { logger: silentLogger });
    // 1,000,000 lines of about 110 bytes
    const template = CONFIG_MAP(
      '{{- range $i := until 1000000 }}\n  k{{ $i }}: {{ $.Values.pad | quote }}\n{{- end }}',
    );
    const problems = await refused(r, request(template, 'big'));
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'hostile/Chart.yaml',
        limit: 'renderMaxOutputBytes',
        code: 'LIMIT_EXCEEDED',
      }),
    ]);
    expect(problems[0]?.message).toMatch(/more than 67108864 bytes \(--render-max-output-bytes\)/);
    expect(await helmDirs()).toEqual(before);
  }, 60_000);

  it('a template that never finishes is stopped at the time limit', async () => {
    const before = await helmDirs();
    const r = new SourceRenderer({ helmCommand: helm, timeoutMs: 2_000 }, { logger: silentLogger });
    // ten billion empty iterations: no output, no end
    const template = CONFIG_MAP(
      '{{- range $i := until 100000 }}{{- range $j := until 100000 }}{{- end }}{{- end }}\n  k: v',
    );
    const started = performance.now();
    const problems = await refused(r, request(template, 'hang'));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(problems).toEqual([
      expect.objectContaining({ file: 'hostile/Chart.yaml', limit: 'renderTimeout' }),
    ]);
    expect(problems[0]?.message).toMatch(/longer than 2000 ms \(--render-timeout\)/);
    expect(await helmDirs()).toEqual(before);
  }, 30_000);
});
