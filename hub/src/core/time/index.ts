/**
 * The time vocabulary shared by the fleet reader (which validates what the fleet writes) and the
 * rollout decisions (which evaluate it): 5-field cron schedules, durations, and wall-clock time in
 * an IANA time zone. Pure: no clock is read, time is always passed in.
 */
export { cronMatchesDay, cronProblem, parseCron } from './cron.ts';
export type { CronSchedule } from './cron.ts';
export { MAX_DURATION_MS, durationProblem, formatDuration, parseDuration } from './duration.ts';
export { DAY_MS, MAX_OFFSET_MS, ZoneClock, instantIn, timeZoneProblem } from './zone.ts';
export type { DayZone, WallTime } from './zone.ts';
