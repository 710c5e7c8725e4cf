/**
 * `npm run bench -- NAME [args]`: runs test/bench/NAME.bench.ts. Each benchmark prints progress to
 * stderr and its result as the last line of stdout: one JSON object {"bench":"NAME", ...}.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const name = process.argv[2];
if (name === undefined || !available.includes(name)) {
  process.stderr.write(
    `${name === undefined ? 'no benchmark named' : `unknown benchmark "${name}"`}: use npm run bench -- <name>, one of: ${available.join(', ')}\n`,
  );
  process.exit(2);
}
const mod = (await import(
  pathToFileURL(path.join(import.meta.dirname, `${name}.bench.ts`)).href
)) as {
  run: (args: readonly string[]) => Promise<Record<string, unknown>>;
};
const result = await mod.run(process.argv.slice(3));
process.stdout.write(`${JSON.stringify({ bench: name, ...result })}\n`);
process.exit(0);
