/**
 * The live event stream's settings (./streams.ts), apart from the stream so that the HTTP
 * server's dependencies can name them without importing the stream.
 */
import type { LiveChanges } from './changes.ts';

/** The event stream's settings (`--max-event-streams`) and the change feed. */
export interface LiveEventSettings {
  readonly changes: LiveChanges;
  /** Open streams at most; one more is answered 503. */
  readonly maxStreams: number;
  /** @defaultValue 15_000 */
  readonly heartbeatMs?: number;
  /** A row is sent at most once per this interval. @defaultValue 250 */
  readonly coalesceMs?: number;
  /** Unsent output above which a stream is reset. @defaultValue 4 MiB */
  readonly maxBufferBytes?: number;
  /** How often the fleet status is compared with the one last sent. @defaultValue 1_000 */
  readonly fleetCheckMs?: number;
}
