/**
 * A wall clock that never steps. Liveness (heartbeats, staleness, resends) and rollout timing
 * (soaks, progress deadlines) measure elapsed time: an NTP step or an operator's `date -s` must not
 * make a live agent look silent for an hour, stop heartbeats, or fail a rollout's deadline. The
 * clock reads `Date.now()` once and then advances with the monotonic clock (`performance.now()`,
 * CLOCK_MONOTONIC, which the kernel slews with NTP but never steps), so its values stay Unix
 * milliseconds — storable, comparable across replicas to within their clocks' agreement at start —
 * while a step of the wall clock after start is not seen until the process restarts.
 */
export type Clock = () => number;

export function steadyClock(
  wall: () => number = Date.now,
  monotonic: () => number = () => performance.now(),
): Clock {
  const anchor = wall() - monotonic();
  return () => Math.floor(anchor + monotonic());
}
