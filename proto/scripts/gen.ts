/**
 * Regenerates the committed TypeScript types of the gitfleet.v1 wire contract with
 * proto-loader-gen-types, using the loader options of proto/src/load.ts.
 *
 *   node proto/scripts/gen.ts           rewrite proto/src/generated/
 *   node proto/scripts/gen.ts --check   generate into a temp dir; exit 1 naming every stale file
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, cpSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { LOADER_OPTIONS, PROTO_FILES, PROTO_ROOT } from '../src/load.ts';

const GENERATED_DIR = join(import.meta.dirname, '..', 'src', 'generated');
/** Generated files name their source relative to the cwd, so always generate from the repo root. */
const REPO_ROOT = join(PROTO_ROOT, '..');

/** CLI flags equivalent to LOADER_OPTIONS (the generator must describe what the loader decodes). */
function loaderFlags(): string[] {
  const flags: string[] = [];
  if (LOADER_OPTIONS.keepCase) flags.push('--keepCase');
  flags.push('--longs', LOADER_OPTIONS.longs.name, '--enums', LOADER_OPTIONS.enums.name);
  if (LOADER_OPTIONS.defaults) flags.push('--defaults');
  if (LOADER_OPTIONS.oneofs) flags.push('--oneofs');
  return flags;
}

function generate(outDir: string): void {
  const require = createRequire(import.meta.url);
  const loaderPkg = dirname(require.resolve('@grpc/proto-loader/package.json'));
  const bin = join(loaderPkg, 'build', 'bin', 'proto-loader-gen-types.js');
  const args = [
    bin,
    ...loaderFlags(),
    '--includeComments',
    '--grpcLib',
    '@grpc/grpc-js',
    '--importFileExtension',
    '.js',
    '--includeDirs',
    relative(REPO_ROOT, PROTO_ROOT),
    '--outDir',
    outDir,
    ...PROTO_FILES,
  ];
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(`proto-loader-gen-types failed with exit code ${String(result.status)}`);
  }
}

/** Relative paths of every file under `dir` (empty if `dir` does not exist), sorted. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Files that differ between the committed and the fresh output, with the reason. */
function staleFiles(committedDir: string, freshDir: string): string[] {
  const committed = new Set(listFiles(committedDir));
  const fresh = new Set(listFiles(freshDir));
  const stale: string[] = [];
  for (const file of fresh) {
    if (!committed.has(file)) stale.push(`${file} (missing)`);
    else if (
      readFileSync(join(committedDir, file), 'utf8') !== readFileSync(join(freshDir, file), 'utf8')
    ) {
      stale.push(`${file} (differs)`);
    }
  }
  for (const file of committed) if (!fresh.has(file)) stale.push(`${file} (no longer generated)`);
  return stale.sort();
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const tmp = mkdtempSync(join(tmpdir(), 'gitfleet-proto-gen-'));
  try {
    generate(tmp);
    const where = relative(REPO_ROOT, GENERATED_DIR);
    if (check) {
      const stale = staleFiles(GENERATED_DIR, tmp);
      if (stale.length === 0) {
        process.stdout.write(`${where} is up to date\n`);
        return 0;
      }
      process.stderr.write(
        `${where} is stale; run \`npm run gen:proto\` and commit:\n${stale.map((f) => `  ${f}`).join('\n')}\n`,
      );
      return 1;
    }
    rmSync(GENERATED_DIR, { recursive: true, force: true });
    cpSync(tmp, GENERATED_DIR, { recursive: true });
    process.stdout.write(
      `generated ${String(listFiles(GENERATED_DIR).length)} files into ${where}\n`,
    );
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
