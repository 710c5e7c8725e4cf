/**
 * The fleet, declared in Git: parse and validate the fleet repository (parseFleet), keep the last
 * good definition in force (acceptFleet), and answer placement, environment, revision and overlay
 * questions about it (resolve.ts). Pure functions over file texts; the Git adapter does the I/O.
 */
export { acceptFleet, fleetInvalidError, formatProblem } from './accept.ts';
export type { FleetDecision } from './accept.ts';
export {
  formatLabelSelector,
  isLabelKey,
  isLabelValue,
  matchesLabelSelector,
} from './label-selector.ts';
export { parseFleet } from './parse-fleet.ts';
export type { ParseFleetOptions } from './parse-fleet.ts';
export { DEFAULT_POLICIES } from './read-policies.ts';
export {
  RevisionSource,
  environmentOf,
  findApplication,
  findTarget,
  overlayApplies,
  overlaysFor,
  placementOf,
  projectScopeOf,
  resolveRevisionRef,
} from './resolve.ts';
export { ruleLocation } from './check-projects.ts';
export type { RevisionRef } from './resolve.ts';
export {
  gitRefProblem,
  jsonPointerProblem,
  normaliseSourcePath,
  repoURLProblem,
} from './syntax.ts';
export * from './types.ts';
export {
  labelOfVariable,
  overlayVariables,
  substituteVariables,
  variablesIn,
} from './variables.ts';
export type { VariableUse } from './variables.ts';
