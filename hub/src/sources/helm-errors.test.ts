import { describe, expect, it } from 'vitest';
import { helmErrorProblem } from './helm-errors.ts';

const files = new Set([
  'apps/web/Chart.yaml',
  'apps/web/templates/deployment.yaml',
  'apps/web/charts/redis/templates/svc.yaml',
]);

describe('helmErrorProblem', () => {
  it.each([
    [
      'Error: template: web/templates/deployment.yaml:12:20: executing "web/templates/deployment.yaml" at <.Values.x.y>: nil pointer',
      'apps/web/templates/deployment.yaml',
      12,
    ],
    [
      'Error: parse error at (web/charts/redis/templates/svc.yaml:3): function "nope" not defined',
      'apps/web/charts/redis/templates/svc.yaml',
      3,
    ],
    [
      'Error: YAML parse error on web/templates/deployment.yaml: error converting YAML to JSON: yaml: line 5: did not find expected key',
      'apps/web/templates/deployment.yaml',
      5,
    ],
    ['Error: something else went wrong in /tmp/x/repo/apps/web', 'apps/web/Chart.yaml', undefined],
  ])('%s', (stderr, file, line) => {
    const p = helmErrorProblem({ stderr, repoDir: '/tmp/x/repo', chartDir: 'apps/web', files });
    expect(p.file).toBe(file);
    expect(p.line).toBe(line);
    expect(p.message).toMatch(/helm template failed: /);
    expect(p.message).not.toMatch(/\/tmp\/x/);
  });
});
