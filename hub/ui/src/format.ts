/** Formatting of the UI's values: commit SHAs, times, durations. */

/** The first 7 characters of a commit SHA ('' stays ''; other revisions as written). */
export function shortSha(sha: string | undefined): string {
  if (sha === undefined) return '';
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha) ? sha.slice(0, 7) : sha;
}

/** How long ago `ms` (Unix ms) was: `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function ago(ms: number | undefined, nowMs: number = Date.now()): string {
  if (ms === undefined) return 'never';
  const s = Math.round((nowMs - ms) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${String(s)} s ago`;
  if (s < 3600) return `${String(Math.floor(s / 60))} min ago`;
  if (s < 86_400) return `${String(Math.floor(s / 3600))} h ago`;
  return `${String(Math.floor(s / 86_400))} d ago`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `ms` (Unix ms) as local date and time, `2026-12-08 14:03:05`. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in ms as `1 h 5 min`, `3 min 20 s`, `45 s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${String(s)} s`;
  if (s < 3600) return `${String(Math.floor(s / 60))} min ${String(s % 60)} s`;
  return `${String(Math.floor(s / 3600))} h ${String(Math.floor((s % 3600) / 60))} min`;
}
