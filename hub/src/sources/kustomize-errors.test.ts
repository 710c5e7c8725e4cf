import { describe, expect, it } from 'vitest';
import { kustomizeErrorProblem } from './kustomize-errors.ts';

const TMP = '/tmp/gitfleet-render-Ab12Cd/repo';
const FILES = new Set([
  'app/base/kustomization.yaml',
  'app/base/cm.yaml',
  'app/prod/kustomization.yaml',
  'app/prod/cm.yaml',
]);

/** stderr as kubectl kustomize v5 writes it (kubectl v1.36). */
describe('kustomizeErrorProblem', () => {
  it.each([
    [
      'a patch file that does not exist: the kustomization that names it',
      `error: trouble configuring builtin PatchTransformer with config: \`\npath: nope.yaml\n\`: failed to get the patch file from path(nope.yaml): evalsymlink failure on '${TMP}/app/prod/nope.yaml' : lstat ${TMP}/app/prod/nope.yaml: no such file or directory\n`,
      { file: 'app/prod/kustomization.yaml' },
      "kustomize failed: trouble configuring builtin PatchTransformer with config: ` path: nope.yaml `: failed to get the patch file from path(nope.yaml): evalsymlink failure on 'app/prod/nope.yaml' : lstat app/prod/nope.yaml: no such file or directory; fix the kustomization",
    ],
    [
      'a manifest that is not YAML: that file and line, named relative to its kustomization',
      "error: accumulating resources: accumulating resources from 'cm.yaml': MalformedYAMLError: yaml: line 5: mapping values are not allowed in this context in File: cm.yaml\n",
      { file: 'app/prod/cm.yaml', line: 5 },
      undefined,
    ],
    [
      'a base that is not YAML: its kustomization, named by directory',
      `Error: accumulating resources: accumulation err='accumulating resources from '../base': '${TMP}/app/base' must resolve to a file': couldn't make target for path '${TMP}/app/base': invalid Kustomization: yaml: line 2: did not find expected node content\n`,
      { file: 'app/base/kustomization.yaml', line: 2 },
      undefined,
    ],
    [
      "the app's kustomization is not YAML",
      'error: invalid Kustomization: yaml: line 2: did not find expected node content\n',
      { file: 'app/prod/kustomization.yaml', line: 2 },
      'kustomize failed: invalid Kustomization: yaml: line 2: did not find expected node content; fix the kustomization',
    ],
    [
      'a missing resource directory',
      `error: accumulating resources: accumulation err='accumulating resources from 'missing': evalsymlink failure on '${TMP}/app/prod/missing' : lstat ${TMP}/app/prod/missing: no such file or directory'\n`,
      { file: 'app/prod/kustomization.yaml' },
      undefined,
    ],
    [
      'nothing on stderr',
      '',
      { file: 'app/prod/kustomization.yaml' },
      'kustomize failed: no message; fix the kustomization',
    ],
  ])('%s', (_, stderr, where, message) => {
    const p = kustomizeErrorProblem({
      stderr,
      repoDir: TMP,
      dir: 'app/prod',
      kustomizationFile: 'app/prod/kustomization.yaml',
      files: FILES,
    });
    expect({ file: p.file, ...(p.line === undefined ? {} : { line: p.line }) }).toEqual(where);
    expect(p.message).not.toContain('/tmp/');
    expect(p.code).toBe('MANIFEST_INVALID');
    if (message !== undefined)
      expect(p.message).toBe(
        `${where.file}${'line' in where ? `:${String(where.line)}` : ''}: ${message}`,
      );
  });

  it('quotes at most 1,000 characters of the message', () => {
    const p = kustomizeErrorProblem({
      stderr: `error: ${'x'.repeat(5000)}`,
      repoDir: TMP,
      dir: 'app/prod',
      kustomizationFile: 'app/prod/kustomization.yaml',
      files: FILES,
    });
    expect(p.message.length).toBeLessThan(1100);
  });
});
