/**
 * The shape of a fuzz property, shared by the unit suite (test/src/fuzz/*.fuzz.test.ts, a few
 * hundred runs each) and the long run (`npm run bench -- fuzz`, test/bench/fuzz.bench.ts).
 *
 * A property is an arbitrary (fast-check) and a check: the check runs the code under test on one
 * input and throws a {@link ContractBroken} when the outcome breaks the contract (an untyped
 * throw, a problem without a place, an accepted input that is not usable…). A run that takes
 * longer than {@link HANG_MS} is a hang.
 */
import fc from 'fast-check';

/** A single run slower than this is a hang (inputs are at most tens of KB). */
export const HANG_MS = 5_000;

export interface FuzzProperty<T = unknown> {
  /** `area: what is generated`. */
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Runs the code under test on `input`; throws ContractBroken when the contract breaks. */
  readonly check: (input: T) => void;
  /** Runs in the unit suite (keep the suite's total under ~20 s). */
  readonly unitRuns: number;
  /** Share of the bench's runs, relative to the other properties. */
  readonly benchWeight: number;
}

/** The outcome of one run broke the contract; `input` is a short description of it. */
export class ContractBroken extends Error {
  override readonly name = 'ContractBroken';
}

/** Throws ContractBroken with `message` unless `condition`. */
export function ensure(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new ContractBroken(message());
}

/** Type-erased property, for lists of properties of different inputs. */
export type AnyFuzzProperty = FuzzProperty<never>;

export function property<T>(p: FuzzProperty<T>): AnyFuzzProperty {
  return p as unknown as AnyFuzzProperty;
}

export type RunOutcome = { readonly kind: 'ok'; readonly ms: number } | Failure;

export interface Failure {
  readonly kind: 'crash' | 'hang';
  readonly ms: number;
  readonly message: string;
}

/** Runs one check, timing it; never throws. */
export function runOnce<T>(p: FuzzProperty<T>, input: T, hangMs = HANG_MS): RunOutcome {
  const t0 = performance.now();
  try {
    p.check(input);
  } catch (err) {
    const ms = performance.now() - t0;
    const message =
      err instanceof ContractBroken
        ? err.message
        : `the check itself threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    return { kind: 'crash', ms, message };
  }
  const ms = performance.now() - t0;
  return ms > hangMs
    ? { kind: 'hang', ms, message: `one run took ${Math.round(ms)} ms` }
    : { kind: 'ok', ms };
}

/** The property as a fast-check property that fails on a crash or a hang (for fc.assert). */
export function asFcProperty<T>(p: FuzzProperty<T>, hangMs = HANG_MS): fc.IPropertyWithHooks<[T]> {
  return fc.property(p.arbitrary, (input) => {
    const outcome = runOnce(p, input, hangMs);
    if (outcome.kind !== 'ok') throw new Error(`${outcome.kind}: ${outcome.message}`);
  });
}

/**
 * fast-check parameters for a property's runs in the unit suite. Locally every run draws a fresh
 * seed (printed on failure, so a counterexample can be replayed); under CI, or when
 * GITFLEET_FUZZ_SEED is set, the seed is fixed so the test command gives the same verdict on the
 * same tree. The long exploration belongs to `npm run bench -- fuzz`.
 */
export function unitParameters(p: AnyFuzzProperty): fc.Parameters<[never]> {
  const pinned = process.env['GITFLEET_FUZZ_SEED'];
  const seed =
    pinned !== undefined && pinned !== ''
      ? Number(pinned)
      : process.env['CI'] === 'true'
        ? CI_SEED
        : undefined;
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new Error(`GITFLEET_FUZZ_SEED must be an integer, got ${String(pinned)}`);
  }
  return seed === undefined ? { numRuns: p.unitRuns } : { numRuns: p.unitRuns, seed };
}

/** The unit suite's seed under CI. */
const CI_SEED = 20_261_207;

/** Inputs are drawn in batches of this many, each batch from its own seed (`seed + start`). */
export const BATCH = 200;

/**
 * Inputs `start`… of a run of `runs` inputs (at most one batch, `start` a multiple of BATCH):
 * deterministic in (seed, index), so the bench can name the input of any run again.
 */
export function drawBatch<T>(
  arbitrary: fc.Arbitrary<T>,
  seed: number,
  start: number,
  runs: number,
): T[] {
  return fc.sample(arbitrary, { seed: seed + start, numRuns: Math.min(BATCH, runs - start) });
}

/** The input of run `index` of a run of `runs` inputs drawn with `seed`. */
export function drawInput<T>(
  arbitrary: fc.Arbitrary<T>,
  seed: number,
  index: number,
  runs: number,
): T | undefined {
  const start = Math.floor(index / BATCH) * BATCH;
  return drawBatch(arbitrary, seed, start, runs)[index - start];
}

/** A short, printable description of an input (strings cut, bytes in hex). */
export function describeInput(input: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(input, (_key, value: unknown) => {
      if (value instanceof Uint8Array) {
        return `bytes:${Buffer.from(value).toString('hex').slice(0, 200)}`;
      }
      if (value instanceof Map)
        return Object.fromEntries(value as Map<unknown, unknown>) as unknown;
      if (typeof value === 'bigint') return `${value.toString()}n`;
      if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
      if (typeof value === 'string' && value.length > 200) {
        return `${value.slice(0, 200)}…(${String(value.length)} chars)`;
      }
      return value;
    });
  } catch {
    text = String(input);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
