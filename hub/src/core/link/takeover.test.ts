import { describe, expect, it } from 'vitest';
import { DEFAULT_TAKEOVER_POLICY, type TakeoverPolicy } from '@gitfleet/proto/domain';
import {
  NO_TAKEOVERS,
  decideTakeover,
  takeoverRefusedMessage,
  type TakeoverState,
} from './takeover.ts';

const P: TakeoverPolicy = {
  maxTakeovers: 2,
  windowMs: 10_000,
  basePenaltyMs: 1_000,
  maxPenaltyMs: 4_000,
};

/**
 * One new stream: at `at`, while `holder` holds the target's stream (undefined: nobody), from
 * instance `newcomer`. `expect`: 'connect' (allowed, no live stream superseded), 'takeover'
 * (allowed, supersedes another instance), or the retry-after of a refusal in ms.
 */
type Step = readonly [
  at: number,
  holder: string | undefined,
  newcomer: string,
  expect: 'connect' | 'takeover' | number,
];

function run(steps: readonly Step[], policy = P): (string | number)[] {
  let state: TakeoverState = NO_TAKEOVERS;
  return steps.map(([at, holder, newcomer]) => {
    const v = decideTakeover(state, { nowMs: at, holder, newcomer }, policy);
    state = v.state;
    return v.allow ? (v.takeover ? 'takeover' : 'connect') : v.retryAfterMs;
  });
}

describe('decideTakeover', () => {
  it.each<[string, readonly Step[]]>([
    ['a first stream for the target', [[0, undefined, 'real', 'connect']]],
    [
      'the same instance reconnecting over a half-dead stream never counts',
      [
        [0, 'real', 'real', 'connect'],
        [1, 'real', 'real', 'connect'],
        [2, 'real', 'real', 'connect'],
        [3, 'real', 'real', 'connect'],
      ],
    ],
    [
      'a restarted agent (new instance) takes over once',
      [
        [0, undefined, 'pod-1', 'connect'],
        [5_000, 'pod-1', 'pod-2', 'takeover'],
      ],
    ],
    [
      'a takeover loop: the one past maxTakeovers is refused, the incumbent keeps its stream',
      [
        [0, 'real', 'thief', 'takeover'],
        [100, 'thief', 'real', 'takeover'],
        [200, 'real', 'thief', 1_000],
        [300, 'real', 'thief', 900],
        [1_199, 'real', 'thief', 1],
      ],
    ],
    [
      'the incumbent may reclaim its stream during the penalty',
      [
        [0, 'real', 'thief', 'takeover'],
        [100, 'thief', 'real', 'takeover'],
        [200, 'real', 'thief', 1_000],
        [300, undefined, 'real', 'connect'],
        [400, 'real', 'real', 'connect'],
      ],
    ],
    [
      'the incumbent wins when its own takeover is the one past the limit',
      [
        [0, 'real', 'thief', 'takeover'],
        [100, 'thief', 'other', 'takeover'],
        [200, 'other', 'real', 'takeover'],
        [300, 'real', 'thief', 900],
        [400, 'real', 'other', 800],
      ],
    ],
    [
      'during a penalty even a new instance with no live stream is refused',
      [
        [0, 'real', 'thief', 'takeover'],
        [100, 'thief', 'real', 'takeover'],
        [200, 'real', 'thief', 1_000],
        [700, undefined, 'real-restarted', 500],
        [1_200, undefined, 'real-restarted', 'connect'],
      ],
    ],
    [
      'takeovers spread wider than the window are never refused',
      [
        [0, 'real', 'thief', 'takeover'],
        [10_000, 'thief', 'real', 'takeover'],
        [20_000, 'real', 'thief', 'takeover'],
        [30_000, 'thief', 'real', 'takeover'],
        [40_000, 'real', 'thief', 'takeover'],
      ],
    ],
    [
      'penalties in a row grow (× 2) up to maxPenaltyMs',
      [
        [0, 'real', 'thief', 'takeover'],
        [1, 'thief', 'real', 'takeover'],
        [2, 'real', 'thief', 1_000],
        [1_002, 'real', 'thief', 'takeover'],
        [1_003, 'thief', 'real', 'takeover'],
        [1_004, 'real', 'thief', 2_000],
        [3_004, 'real', 'thief', 'takeover'],
        [3_005, 'thief', 'real', 'takeover'],
        [3_006, 'real', 'thief', 4_000],
        [7_006, 'real', 'thief', 'takeover'],
        [7_007, 'thief', 'real', 'takeover'],
        [7_008, 'real', 'thief', 4_000],
      ],
    ],
    [
      'after maxPenaltyMs without a penalty the next one is short again',
      [
        [0, 'real', 'thief', 'takeover'],
        [1, 'thief', 'real', 'takeover'],
        [2, 'real', 'thief', 1_000],
        [1_002, 'real', 'thief', 'takeover'],
        [1_003, 'thief', 'real', 'takeover'],
        [1_004, 'real', 'thief', 2_000],
        [20_000, 'real', 'thief', 'takeover'],
        [20_001, 'thief', 'real', 'takeover'],
        [20_002, 'real', 'thief', 1_000],
      ],
    ],
    [
      'the incumbent is whoever held the stream when the loop began (the guard cannot tell who is real)',
      [
        [0, 'thief', 'real', 'takeover'],
        [100, 'real', 'thief', 'takeover'],
        [200, 'thief', 'real', 1_000],
        [300, undefined, 'thief', 'connect'],
        [20_000, 'thief', 'real', 'takeover'],
      ],
    ],
  ])('%s', (_what, steps) => {
    expect(run(steps)).toEqual(steps.map((s) => s[3]));
  });

  it('counts the takeovers of the window', () => {
    const first = decideTakeover(NO_TAKEOVERS, { nowMs: 0, holder: 'a', newcomer: 'b' }, P);
    const second = decideTakeover(first.state, { nowMs: 1, holder: 'b', newcomer: 'a' }, P);
    expect([first.count, second.count]).toEqual([1, 2]);
  });

  it('with the default policy a pod replaced a few times a minute is never refused', () => {
    const steps: Step[] = Array.from({ length: DEFAULT_TAKEOVER_POLICY.maxTakeovers }, (_, i) => [
      i * 1_000,
      `pod-${String(i)}`,
      `pod-${String(i + 1)}`,
      'takeover',
    ]);
    expect(run(steps, DEFAULT_TAKEOVER_POLICY)).toEqual(steps.map((s) => s[3]));
  });
});

describe('takeoverRefusedMessage', () => {
  it('names the target, the limit, the wait and what to do, and no instance id', () => {
    const m = takeoverRefusedMessage('edge-1', DEFAULT_TAKEOVER_POLICY, 29_500);
    expect(m).toBe(
      "target edge-1: its AgentLink stream was taken over by different agent instances more than 5 times within 60 s (takeover policy maxTakeovers / windowMs); new streams from other instances are refused for 30 s while the agent that held it keeps it. Two processes use edge-1's token: stop the one that should not run, or rotate the token if it leaked",
    );
  });
});
