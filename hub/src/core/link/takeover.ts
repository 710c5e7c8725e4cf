/**
 * Whether a new stream may take over a target's live stream (proto/README.md, "Connection state
 * machines" and "Limits and quotas"). A second stream for a target supersedes the first, so that a
 * restarted agent whose old connection is half-dead is never locked out. Two processes holding the
 * same token (a stolen token, or two agents started for one target) would then push each other
 * off in a loop; this decides when that stops:
 *
 * - A takeover counts when the live stream belongs to another agent instance
 *   (`agent_instance_id`). The same instance reconnecting never counts, nor does a new stream for
 *   a target with no live stream.
 * - More than `maxTakeovers` counted takeovers within `windowMs` start a penalty of
 *   `basePenaltyMs × 2^level` (at most `maxPenaltyMs`; `level` counts penalties in a row and
 *   resets after `maxPenaltyMs` without one). During it, new streams from every instance but the
 *   incumbent are refused. The incumbent is the instance that held the stream when the first
 *   takeover of the window happened: the agent that was there before the loop began, which may
 *   reclaim its stream at any time.
 *
 * Pure: the hub keeps one state per target and passes the clock.
 */
import type { TakeoverPolicy } from '@gitfleet/proto/domain';

export interface TakeoverState {
  /** Times of the counted takeovers in the current window, oldest first. */
  readonly times: readonly number[];
  /** The instance that held the stream when the window's first takeover happened. */
  readonly incumbent?: string;
  /** New streams from instances other than the incumbent are refused until then. */
  readonly refusedUntilMs: number;
  /** Penalties in a row so far. */
  readonly level: number;
}

export const NO_TAKEOVERS: TakeoverState = Object.freeze({
  times: [],
  refusedUntilMs: 0,
  level: 0,
});

export interface TakeoverInput {
  readonly nowMs: number;
  /** Instance id of the target's live stream; undefined when it has none. */
  readonly holder: string | undefined;
  /** Instance id of the new stream. */
  readonly newcomer: string;
}

export type TakeoverVerdict =
  | {
      readonly allow: true;
      /** The new stream supersedes another instance's live stream (log it). */
      readonly takeover: boolean;
      /** Counted takeovers in the window, this one included. */
      readonly count: number;
      readonly state: TakeoverState;
    }
  | {
      readonly allow: false;
      /** When the new stream's instance may try again. */
      readonly retryAfterMs: number;
      readonly count: number;
      readonly state: TakeoverState;
    };

function penaltyMs(policy: TakeoverPolicy, level: number): number {
  return Math.min(policy.maxPenaltyMs, policy.basePenaltyMs * 2 ** level);
}

/** Decides on a new stream for a target (see the module comment). */
export function decideTakeover(
  state: TakeoverState,
  input: TakeoverInput,
  policy: TakeoverPolicy,
): TakeoverVerdict {
  const { nowMs, holder, newcomer } = input;
  const superseding = holder !== undefined && holder !== newcomer;
  let s: TakeoverState = state;
  // penalties in a row: forgiven after a long enough quiet time
  if (s.level > 0 && nowMs >= s.refusedUntilMs + policy.maxPenaltyMs) s = { ...s, level: 0 };
  const times = s.times.filter((t) => t > nowMs - policy.windowMs && t <= nowMs);
  s = {
    ...s,
    times,
    ...(times.length === 0 && nowMs >= s.refusedUntilMs ? { incumbent: undefined } : {}),
  };

  if (nowMs < s.refusedUntilMs) {
    if (newcomer === s.incumbent) {
      return { allow: true, takeover: superseding, count: times.length, state: s };
    }
    return { allow: false, retryAfterMs: s.refusedUntilMs - nowMs, count: times.length, state: s };
  }
  if (!superseding) return { allow: true, takeover: false, count: times.length, state: s };

  const incumbent = s.incumbent ?? holder;
  const counted = [...times, nowMs];
  if (counted.length <= policy.maxTakeovers) {
    return {
      allow: true,
      takeover: true,
      count: counted.length,
      state: { ...s, times: counted, incumbent },
    };
  }
  const refusedUntilMs = nowMs + penaltyMs(policy, s.level);
  const penalised: TakeoverState = { times: [], incumbent, refusedUntilMs, level: s.level + 1 };
  if (newcomer === incumbent) {
    return { allow: true, takeover: true, count: counted.length, state: penalised };
  }
  return {
    allow: false,
    retryAfterMs: refusedUntilMs - nowMs,
    count: counted.length,
    state: penalised,
  };
}

/** The refusal's message: names the target, the limit and what to do; never an instance id. */
export function takeoverRefusedMessage(
  target: string,
  policy: TakeoverPolicy,
  retryAfterMs: number,
): string {
  return (
    `target ${target}: its AgentLink stream was taken over by different agent instances more than ` +
    `${String(policy.maxTakeovers)} times within ${String(Math.round(policy.windowMs / 1_000))} s ` +
    `(takeover policy maxTakeovers / windowMs); new streams from other instances are refused for ` +
    `${String(Math.ceil(retryAfterMs / 1_000))} s while the agent that held it keeps it. Two ` +
    `processes use ${target}'s token: stop the one that should not run, or rotate the token if it leaked`
  );
}
