/**
 * Promotion from one environment to the next: whether the source environment runs the
 * application healthily everywhere, at one revision (decide.ts).
 */
export { decidePromotion, notThereYet, shortRevision } from './decide.ts';
export type { PromotionDecision, PromotionInput, PromotionRow } from './decide.ts';
