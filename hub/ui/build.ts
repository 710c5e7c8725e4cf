/**
 * Builds the web UI: src/main.tsx bundled with esbuild (minified ES2022, with its source map)
 * into `assets/app-<hash>.js`, the stylesheets of src/*.css into `assets/app-<hash>.css`, and an
 * `index.html` that loads both from `/ui/assets/` — no inline script or style, so that the
 * hub's content security policy (`default-src 'self'`) holds. Prints one JSON line with the
 * sizes (raw and gzip).
 *
 *   scripts/with-node node hub/ui/build.ts [OUT_DIR]      (default hub/ui/dist)
 *
 * `buildUi({ outDir })` does the same for tests. A failed build exits 1 naming each file, line
 * and message.
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SRC = path.join(HERE, 'src');
/** Where the hub serves the build. */
const BASE = '/ui/';

export interface UiBuildResult {
  readonly outDir: string;
  readonly js: AssetInfo;
  readonly css: AssetInfo;
  readonly map: string;
}

export interface AssetInfo {
  /** Relative to outDir (`assets/app-<hash>.js`). */
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** A build that failed: every error of esbuild as `file:line:column: message`. */
export class UiBuildError extends Error {
  readonly errors: readonly string[];
  constructor(errors: readonly string[]) {
    super(`the web UI build failed:\n${errors.join('\n')}`);
    this.errors = errors;
  }
}

function describe(m: esbuild.Message): string {
  const at = m.location;
  const where = at === null ? '' : `${at.file}:${String(at.line)}:${String(at.column)}: `;
  return `${where}${m.text}`;
}

async function run<T>(build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (err) {
    const errors = (err as { errors?: esbuild.Message[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) throw new UiBuildError(errors.map(describe));
    throw err;
  }
}

function info(outDir: string, file: string): AssetInfo {
  const body = readFileSync(path.join(outDir, file));
  return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
}

function only(
  outputs: Record<string, esbuild.Metafile['outputs'][string]>,
  ext: string,
  outDir: string,
): string {
  const files = Object.keys(outputs).filter((f) => f.endsWith(ext));
  if (files.length !== 1 || files[0] === undefined)
    throw new UiBuildError([
      `expected one ${ext} output, got ${String(files.length)}: ${files.join(', ')}`,
    ]);
  return path.relative(outDir, path.resolve(process.cwd(), files[0])).split(path.sep).join('/');
}

function indexHtml(js: string, css: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>gitfleet</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${BASE}${css}" />
    <script type="module" src="${BASE}${js}"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>The gitfleet web UI needs JavaScript. The same data is in the HTTP API (/api/v1).</noscript>
  </body>
</html>
`;
}

/** Builds the UI into `outDir` (its `assets/` and `index.html` replaced). */
export async function buildUi(opts: { readonly outDir?: string } = {}): Promise<UiBuildResult> {
  const outDir = path.resolve(opts.outDir ?? path.join(HERE, 'dist'));
  await rm(path.join(outDir, 'assets'), { recursive: true, force: true });
  await rm(path.join(outDir, 'index.html'), { force: true });
  await mkdir(path.join(outDir, 'assets'), { recursive: true });
  const cssFiles = (await readdir(SRC)).filter((f) => f.endsWith('.css')).sort();
  if (cssFiles.length === 0) throw new UiBuildError([`${SRC}: no stylesheet (*.css)`]);
  const common = {
    bundle: true,
    minify: true,
    outdir: path.join(outDir, 'assets'),
    entryNames: 'app-[hash]',
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    absWorkingDir: process.cwd(),
  } as const;
  const [js, css] = await Promise.all([
    run(() =>
      esbuild.build({
        ...common,
        entryPoints: [path.join(SRC, 'main.tsx')],
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        sourcemap: true,
        jsx: 'automatic',
        jsxImportSource: 'preact',
        tsconfig: path.join(HERE, 'tsconfig.json'),
        // the bundle is code of the browser: a Node built-in imported by mistake fails the build
        external: [],
      }),
    ),
    run(() =>
      esbuild.build({
        ...common,
        stdin: {
          contents: cssFiles.map((f) => `@import "./${f}";`).join('\n'),
          resolveDir: SRC,
          sourcefile: '<stylesheets of src>',
          loader: 'css',
        },
        target: ['chrome110', 'firefox115', 'safari16'],
      }),
    ),
  ]);
  const jsFile = only(js.metafile.outputs, '.js', outDir);
  const cssFile = only(css.metafile.outputs, '.css', outDir);
  await writeFile(path.join(outDir, 'index.html'), indexHtml(jsFile, cssFile));
  const map = `${jsFile}.map`;
  await stat(path.join(outDir, map));
  return { outDir, js: info(outDir, jsFile), css: info(outDir, cssFile), map };
}

if (import.meta.main) {
  const outDir = process.argv[2];
  try {
    const t0 = performance.now();
    const r = await buildUi(outDir === undefined ? {} : { outDir });
    process.stdout.write(
      `${JSON.stringify({
        level: 'info',
        msg: 'web UI built',
        outDir: path.relative(process.cwd(), r.outDir) || '.',
        js: r.js,
        css: r.css,
        map: r.map,
        ms: Math.round(performance.now() - t0),
      })}\n`,
    );
  } catch (err) {
    const errors =
      err instanceof UiBuildError ? err.errors : [err instanceof Error ? err.message : String(err)];
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'web UI build failed', errors })}\n`,
    );
    for (const e of errors) process.stderr.write(`  ${e}\n`);
    process.exitCode = 1;
  }
}
