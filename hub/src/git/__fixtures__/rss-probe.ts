/**
 * A child process for the memory tests of hostile-repos.int.test.ts. It runs a warm-up operation
 * (so that code, caches and buffers every operation needs are in place), notes the process's peak
 * RSS, runs the operation under test, and prints one JSON line: both peaks (process.resourceUsage
 * maxRSS, in KiB) and the error the operation ended with, if any. A fresh process each time, so
 * the second peak says what the operation itself cost at most.
 *
 * argv[2]: a JSON ProbeRequest.
 */
import { GitfleetError } from '@gitfleet/proto';
import { IsomorphicGitSource } from '../git-source.ts';

interface ProbeRequest {
  readonly cacheDir: string;
  readonly op: 'fetch' | 'read';
  /** The repository under test. */
  readonly url: string;
  /** fetch: a small repository fetched first. */
  readonly warmUrl?: string;
  /** read: the path to read at the tip of main. */
  readonly path?: string;
  /** read: the warm-up reads `path` with only this file. */
  readonly warmFile?: string;
}

export interface ProbeResult {
  readonly beforeKiB: number;
  readonly afterKiB: number;
  readonly code?: string;
  readonly message?: string;
  readonly details?: unknown;
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as ProbeRequest;
  const source = new IsomorphicGitSource({ cacheDir: req.cacheDir });
  let run: () => Promise<unknown>;
  if (req.op === 'fetch') {
    if (req.warmUrl !== undefined) await source.fetch({ url: req.warmUrl });
    run = () => source.fetch({ url: req.url });
  } else {
    const commit = await source.resolve({ url: req.url }, 'main');
    const base = req.path ?? '';
    await source.readFiles({ url: req.url }, commit, base, {
      include: (p) => p === `${base}/${req.warmFile ?? ''}`,
    });
    run = () => source.readFiles({ url: req.url }, commit, base);
  }
  const beforeKiB = process.resourceUsage().maxRSS;
  let outcome: Pick<ProbeResult, 'code' | 'message' | 'details'> = {};
  try {
    await run();
  } catch (err) {
    outcome =
      err instanceof GitfleetError
        ? { code: err.code, message: err.message, details: err.details }
        : { code: 'UNTYPED', message: err instanceof Error ? err.message : String(err) };
  }
  const result: ProbeResult = { beforeKiB, afterKiB: process.resourceUsage().maxRSS, ...outcome };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
