/**
 * Fuzz properties of the fleet parser (hub/src/core/fleet): whatever the files hold, parseFleet
 * returns (never throws), every problem is located (a file of the input, a line in it, a field,
 * a message; a limit problem names its limit), the outcome is accepted exactly when no problem
 * is an error, an accepted spec is usable (names valid, JSON round trip exact, every resolve
 * question answerable), and the same files give the same result.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ErrorCode } from '@gitfleet/proto';
import * as fleet from '../../../hub/src/core/fleet/index.ts';
import { VALID_FLEET } from '../../../hub/src/core/fleet/__fixtures__/fleet-repo.ts';
import { ContractBroken, describeInput, ensure, property } from './harness.ts';
import type { AnyFuzzProperty } from './harness.ts';
import { anyText, applyMutations, bytesAsText, mutations, yamlSoup } from './yaml-arbitraries.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const FLEET_FILES = Object.keys(VALID_FLEET).filter((f) => /\.(ya?ml|json)$/.test(f));

export type FleetInput = ReadonlyMap<string, string>;

/** The valid fleet with `file` replaced by `text`. */
function fleetWith(file: string, text: string): FleetInput {
  return new Map([...Object.entries(VALID_FLEET), [file, text]]);
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function threw(what: string, err: unknown): string {
  return `${what} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
}

/** The fleet parser's contract on one input (see the module comment). */
export function checkFleet(files: FleetInput): void {
  let parsed: fleet.ParsedFleet;
  try {
    parsed = fleet.parseFleet(files);
  } catch (err) {
    throw new ContractBroken(threw('parseFleet', err));
  }
  for (const p of parsed.problems) {
    const text = files.get(p.file);
    const where = `${p.file}:${String(p.line)} ${p.field}: ${p.message}`;
    ensure(text !== undefined, () => `problem in a file that is not in the input: ${where}`);
    ensure(
      Number.isInteger(p.line) && p.line >= 1 && p.line <= lineCount(text),
      () => `problem outside its file (${String(lineCount(text))} lines): ${where}`,
    );
    ensure(
      p.column === undefined || (Number.isInteger(p.column) && p.column >= 1),
      () => `bad column ${String(p.column)}: ${where}`,
    );
    ensure(typeof p.field === 'string', () => `no field: ${where}`);
    ensure(p.message.trim() !== '', () => `empty message at ${where}`);
    ensure(!/call stack/i.test(p.message), () => `a stack overflow, caught and reported: ${where}`);
    ensure(p.severity === 'error' || p.severity === 'warning', () => `severity ${p.severity}`);
    ensure(
      (p.code === ErrorCode.LimitExceeded) === (p.limit !== undefined) &&
        (p.code === undefined || p.code === ErrorCode.LimitExceeded),
      () => `limit problem without its limit (or the reverse): ${describeInput(p)}`,
    );
  }
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  let decision: fleet.FleetDecision;
  try {
    decision = fleet.acceptFleet(undefined, parsed);
    fleet.fleetInvalidError(parsed.problems);
    parsed.problems.forEach(fleet.formatProblem);
  } catch (err) {
    throw new ContractBroken(threw('acceptFleet/fleetInvalidError/formatProblem', err));
  }
  ensure(
    decision.accepted === (errors.length === 0),
    () => `accepted=${String(decision.accepted)} with ${String(errors.length)} error(s)`,
  );
  if (decision.accepted) checkUsable(parsed.spec);
  const again = fleet.parseFleet(files);
  ensure(isDeepStrictEqual(again, parsed), () => 'the same files parsed twice differ');
}

/** An accepted spec: what the hub relies on holds. */
function checkUsable(spec: fleet.FleetSpec): void {
  const names = (kind: string, list: readonly { name: string }[]): void => {
    const seen = new Set<string>();
    for (const { name } of list) {
      ensure(DNS_LABEL.test(name), () => `accepted ${kind} name ${JSON.stringify(name)}`);
      ensure(!seen.has(name), () => `accepted duplicate ${kind} ${name}`);
      seen.add(name);
    }
  };
  names('target', spec.targets);
  names('application', spec.applications);
  names('environment', spec.environments);
  for (const t of spec.targets) {
    for (const [k, v] of Object.entries(t.labels)) {
      ensure(typeof v === 'string', () => `label ${k} of ${t.name} is ${typeof v}`);
    }
  }
  for (const app of spec.applications) {
    ensure(
      !app.source.path.split('/').includes('..') && !app.source.path.startsWith('/'),
      () => `accepted source path ${app.source.path}`,
    );
    ensure(app.source.targetRevision !== '', () => `empty targetRevision of ${app.name}`);
  }
  const json: unknown = JSON.parse(JSON.stringify(spec));
  ensure(
    isDeepStrictEqual(json, spec),
    () => 'the accepted spec does not survive a JSON round trip',
  );
  try {
    for (const app of spec.applications) {
      for (const target of fleet.placementOf(spec, app.name)) {
        fleet.resolveRevisionRef(spec, app.name, target);
        fleet.overlaysFor(spec, app.name, target);
        fleet.environmentOf(spec, target);
      }
    }
  } catch (err) {
    throw new ContractBroken(threw('a resolve question about the accepted spec', err));
  }
}

const fleetFile = fc.constantFrom(...FLEET_FILES);
/** A file the parser reads (it mentions gitfleet.dev/) with `text` after the mention. */
const asFleetFile = (text: string): string => `# gitfleet.dev/ fleet file\n${text}`;

export const FLEET_PROPERTIES: readonly AnyFuzzProperty[] = [
  property<FleetInput>({
    name: 'fleet: arbitrary bytes in a fleet file',
    arbitrary: fc
      .tuple(fleetFile, bytesAsText, fc.boolean())
      .map(([file, text, mention]) => fleetWith(file, mention ? asFleetFile(text) : text)),
    check: checkFleet,
    unitRuns: 60,
    benchWeight: 1,
  }),
  property<FleetInput>({
    name: 'fleet: arbitrary text and YAML punctuation in a fleet file',
    arbitrary: fc
      .tuple(fleetFile, fc.oneof(anyText, yamlSoup))
      .map(([file, text]) => fleetWith(file, asFleetFile(text))),
    check: checkFleet,
    unitRuns: 80,
    benchWeight: 2,
  }),
  property<FleetInput>({
    name: 'fleet: mutations of a valid fleet (types, keys, aliases, nesting, bytes)',
    arbitrary: fc
      .tuple(fleetFile, mutations)
      .map(([file, plan]) => fleetWith(file, applyMutations(VALID_FLEET[file] ?? '', plan))),
    check: checkFleet,
    unitRuns: 120,
    benchWeight: 4,
  }),
];
