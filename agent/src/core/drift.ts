/**
 * Local drift decision between the object the agent applied (desired, from Git) and the object
 * the watch cache holds (live). Pure: no I/O, time is a parameter.
 *
 * Semantics follow server-side apply (and Flux's/Argo CD's structured-merge diff): we own only the
 * fields we apply, so every field present in desired must have the same value in live
 * (desired ⊆ live). Fields only live has are server defaults or other managers' fields and are
 * never drift. When the local comparison cannot tell a real change from a server-side
 * canonicalisation it does not know, the result says `undecidable` and the caller decides with a
 * server-side dry-run (`compareDryRunLive`): the live object is compared with what the apiserver
 * makes of the desired one.
 *
 * The parts, in `drift/`: `compare.ts` (the field walk), `normalise.ts` (values
 * equal in different forms), `lists.ts` (list element matching), `managed-fields.ts` (field
 * ownership), `policy.ts` (ignore rules and drift modes), `record.ts` (the drift report).
 */
export {
  compareDesiredLive,
  compareDryRunLive,
  type CompareOptions,
  type DriftResult,
} from './drift/compare.ts';
export { livePathOf } from './drift/lists.ts';
export { UNKNOWN_MANAGER, managerOfPath } from './drift/managed-fields.ts';
export { ignoredPointers, resolveDriftMode } from './drift/policy.ts';
export { parseQuantity, type Quantity } from './drift/normalise.ts';
export {
  SECRET_MASK,
  buildDriftRecord,
  maskSecretChanges,
  type DriftRecordInput,
} from './drift/record.ts';
