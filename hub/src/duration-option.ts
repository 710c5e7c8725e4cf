/**
 * The parser of a duration option of the hub's flag table (`30s`, `24h`, `1h30m`: see
 * ./core/time/duration.ts), in milliseconds, with a lower bound.
 */
import type { ConfigValue, ParseContext } from '@gitfleet/proto';
import { parseDuration } from './core/time/index.ts';

export function durationAtLeast(
  minMs: number,
  minText: string,
): (raw: ConfigValue, ctx: ParseContext) => number | undefined {
  return (raw, ctx) => {
    const d = parseDuration(raw.value);
    if ('problem' in d) {
      ctx.problem(`${raw.from}=${raw.value}: ${d.problem}`);
      return undefined;
    }
    if (d.ms < minMs) {
      ctx.problem(`${raw.from}=${raw.value}: must be at least ${minText}`);
      return undefined;
    }
    return d.ms;
  };
}
