/**
 * Labels and label selectors with Kubernetes semantics: the shared vocabulary of
 * `@gitfleet/proto/domain` (the agent checks a project's targets with the same meaning), under
 * the names the fleet modules import.
 */
export {
  formatLabelSelector,
  isLabelKey,
  isLabelValue,
  matchesLabelSelector,
} from '@gitfleet/proto/domain';
