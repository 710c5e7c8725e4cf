/** The progress line sim-agents.ts prints (one JSON object per stdout line). */

/** Per Git revision (commit SHA of the assignments). Counts are of distinct (target, app). */
export interface SimRevisionProgress {
  /** Currently held at this revision. */
  readonly held: number;
  /** Took an assignment at this revision (a version above the one held) and acked it. */
  readonly acked: number;
  /** Wall-clock ms of the last increase of `acked`. */
  readonly ackedAtMs: number;
  /** Their Synced/Healthy report at this revision was acked by the hub. */
  readonly reported: number;
  /** Wall-clock ms of the last increase of `reported`. */
  readonly reportedAtMs: number;
}

export interface SimProgress {
  readonly sim: 'progress';
  /** Wall-clock ms when the line was written. */
  readonly atMs: number;
  readonly pid: number;
  readonly agents: number;
  /** Agents whose first connect waits for a pacing slot (or, --await-certs, a certificate). */
  readonly notStarted: number;
  readonly ready: number;
  readonly handshaking: number;
  readonly disconnected: number;
  /** Welcomes received, all agents, all streams. */
  readonly sessions: number;
  /** Wall-clock ms of the last Welcome. */
  readonly lastReadyAtMs: number;
  readonly drops: number;
  readonly dropReasons: Readonly<Record<string, number>>;
  /** Assignments at a version ≤ the one held (acked again, not taken). */
  readonly duplicates: number;
  readonly removals: number;
  readonly rejectedReports: number;
  readonly pendingReports: number;
  readonly revisions: Readonly<Record<string, SimRevisionProgress>>;
}

/** One line of sim-agents.ts `--events-file`: a per-(target, app) moment. */
export interface SimEvent {
  /** `assigned`: a fresh assignment taken and acked; `reported`: its report acked by the hub. */
  readonly kind: 'assigned' | 'reported';
  readonly target: string;
  readonly app: string;
  readonly revision: string;
  /** Wall-clock ms (Date.now). */
  readonly atMs: number;
}
