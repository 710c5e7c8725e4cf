import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { gitfleetPlugin, importProblem, pureRootOf } from '../../../scripts/eslint/core-imports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const linter = new Linter({ cwd: ROOT });
const config: Linter.Config[] = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { gitfleet: gitfleetPlugin },
    rules: { 'gitfleet/core-imports': 'error' },
  },
];

/** Messages of the rule for `code` in the repository file `file`. */
function lint(code: string, file: string): string[] {
  return linter
    .verify(code, config, path.join(ROOT, file))
    .map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const CORE = 'hub/src/core/render/objects.ts';
const CORE_TEST = 'hub/src/core/render/objects.test.ts';

describe('gitfleet/core-imports', () => {
  it.each([
    ["import { identityOf } from '@gitfleet/proto/domain';", CORE],
    ["import type { KubeObject } from '@gitfleet/proto/domain';", CORE],
    ["import { parse } from 'yaml';", CORE],
    ["import { maxSatisfying } from 'semver';", CORE],
    ["import { createHash } from 'node:crypto';", CORE],
    ["import { Buffer } from 'node:buffer';", CORE],
    ["import { inspect } from 'node:util';", CORE],
    ["import { getOwn } from './json.ts';", CORE],
    ["import { readFleet } from '../fleet/index.ts';", CORE],
    ["export { getOwn } from './json.ts';", CORE],
    ["export * from '../fleet/types.ts';", CORE],
    ["const m = await import('./json.ts');", CORE],
    ["import spec from './__fixtures__/spec.json' with { type: 'json' };", CORE],
    ["import { describe } from 'vitest';", CORE_TEST],
    ["import fc from 'fast-check';", CORE_TEST],
    ["import * as repo from './__fixtures__/repo.ts';", CORE_TEST],
    ["import * as shared from '../../../../proto/src/__fixtures__/messages.ts';", CORE_TEST],
    ["import { describe } from 'vitest';", 'agent/src/core/__fixtures__/pods.ts'],
    ["import { ErrorCode } from './errors.ts';", 'proto/src/domain/limits.ts'],
    ["import { createHash } from 'node:crypto';", 'proto/src/domain/ids.ts'],
    ["import { ObjectIdentity } from './kube.ts';", 'agent/src/core/health/pod.ts'],
    ["import { x } from '../kube-object.ts';", 'agent/src/core/health/pod.ts'],
    // Outside a pure tree the rule says nothing.
    ["import { Redis } from 'ioredis';", 'hub/src/link/session.ts'],
  ])('allows %s in %s', (code, file) => {
    expect(lint(code, file)).toEqual([]);
  });

  it.each([
    ["import { canonicalJson } from '@gitfleet/proto';", CORE, "'@gitfleet/proto' is not allowed"],
    [
      "import type { KubeObject } from '@gitfleet/proto';",
      CORE,
      "'@gitfleet/proto' is not allowed",
    ],
    ["import { encode } from '@gitfleet/proto/wire';", CORE, "'@gitfleet/proto/wire' is not"],
    ["import { Redis } from 'ioredis';", CORE, "'ioredis' is not allowed"],
    ["import { readFileSync } from 'node:fs';", CORE, "'node:fs' is not allowed"],
    ["import { readFile } from 'node:fs/promises';", CORE, "'node:fs/promises' is not"],
    ["import { createHash } from 'crypto';", CORE, "'crypto' is not allowed"],
    ["import { request } from 'node:http';", CORE, "'node:http' is not allowed"],
    ["import type { V1Pod } from '@kubernetes/client-node';", CORE, "'@kubernetes/client-node' is"],
    ["import { x } from '../../link/x.ts';", CORE, "'../../link/x.ts' leaves core/"],
    ["export { x } from '../../link/x.ts';", CORE, "'../../link/x.ts' leaves core/"],
    ["export * from '../../http/diff.ts';", CORE, "'../../http/diff.ts' leaves core/"],
    ["const m = await import('ioredis');", CORE, "'ioredis' is not allowed"],
    ["type R = import('ioredis').Redis;", CORE, "'ioredis' is not allowed"],
    ["import { describe } from 'vitest';", CORE, "'vitest' is not allowed"],
    ["import fc from 'fast-check';", CORE, "'fast-check' is not allowed"],
    ["import { encode } from '../codec.ts';", 'proto/src/domain/limits.test.ts', 'leaves domain/'],
    ["import { x } from '../../agent/src/core/x.ts';", 'hub/src/core/x.ts', 'leaves core/'],
    ["import { x } from '../../../agent/src/core/drift.ts';", CORE, 'leaves core/'],
  ])('forbids %s in %s', (code, file, problem) => {
    const messages = lint(code, file);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(problem);
    expect(messages[0]).toContain('gitfleet/core-imports');
    expect(messages[0]).toContain('may import only files inside its own core/ (or domain/) tree');
    expect(messages[0]).toContain('@gitfleet/proto/domain, yaml, semver, node:assert');
  });

  it('reports a computed import()', () => {
    const messages = lint('const m = await import(name);', CORE);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('computed import()');
  });

  it('reports every forbidden import of a file', () => {
    const code = [
      "import { identityOf } from '@gitfleet/proto/domain';",
      "import { Redis } from 'ioredis';",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(lint(code, CORE)).toHaveLength(2);
  });
});

describe('pureRootOf', () => {
  it.each([
    ['/r/hub/src/core/render/objects.ts', '/r/hub/src/core'],
    ['/r/agent/src/core/drift.ts', '/r/agent/src/core'],
    ['/r/proto/src/domain/kube.ts', '/r/proto/src/domain'],
    ['/r/hub/src/link/session.ts', undefined],
    ['/r/hub/src/core.ts', undefined],
  ])('%s → %s', (file, root) => {
    expect(pureRootOf(file)).toBe(root);
  });
});

describe('importProblem', () => {
  it.each([
    ['./x.ts', '/r/hub/src/core/a.ts', undefined],
    ['../core/x.ts', '/r/hub/src/core/a.ts', undefined],
    ['../corex/x.ts', '/r/hub/src/core/a.ts', "'../corex/x.ts' leaves core/"],
    ['../x.ts', '/r/hub/src/core/a/b.ts', undefined],
    ['../../x.ts', '/r/hub/src/core/a/b.ts', "'../../x.ts' leaves core/"],
    ['../../__fixtures__/x.ts', '/r/hub/src/core/a/b.ts', "'../../__fixtures__/x.ts' leaves core/"],
    ['../../__fixtures__/x.ts', '/r/hub/src/core/a/b.test.ts', undefined],
    ['node:assert/strict', '/r/hub/src/core/a.ts', undefined],
    ['node:path', '/r/hub/src/core/a.ts', "'node:path' is not allowed"],
  ])('%s from %s → %s', (specifier, file, problem) => {
    const root = pureRootOf(file);
    expect(root).toBeDefined();
    expect(importProblem(specifier, file, root ?? '')).toBe(problem);
  });
});
