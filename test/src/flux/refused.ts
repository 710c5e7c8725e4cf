/**
 * Which Go modules the registry refused, read from a captured build log: the go command's own
 * error lines (`go: M@V: reading https://…/@v/V.zip: 403 Forbidden`, `M@V: invalid version: …`)
 * and the lines scripts/build-flux.sh prints for them
 * (`[gitfleet setup] ERROR: module refused by the Go module proxy: M@V (403 Forbidden)`).
 * Pure, so it is tested on captured text without network.
 */

export interface RefusedModule {
  /** Module path, e.g. github.com/fluxcd/pkg/artifact. */
  readonly module: string;
  /** Version as the go command named it, e.g. v0.18.3. */
  readonly version: string;
  /** What the registry answered, e.g. "403 Forbidden". */
  readonly reason: string;
}

const MODULE = String.raw`([a-zA-Z0-9][-a-zA-Z0-9_.~]*\.[a-zA-Z]+(?:/[-a-zA-Z0-9_.~+]+)*)@(v[-0-9A-Za-z.+]+)`;
const GO_LINE = new RegExp(
  String.raw`${MODULE}: (?:reading \S+: (\d{3}[^:\n]*)|(invalid version: [^\n]*|unknown revision [^\n]*|verifying (?:module|go\.mod): [^\n]*))$`,
);
const SCRIPT_LINE = new RegExp(
  String.raw`module refused by the Go module proxy: ${MODULE} \(([^\n]*)\)$`,
);

/** Every refused module version in `log`, once each, in order of first appearance. */
export function refusedModules(log: string): RefusedModule[] {
  const out = new Map<string, RefusedModule>();
  for (const raw of log.split('\n')) {
    const line = raw.trimEnd();
    const m = SCRIPT_LINE.exec(line) ?? GO_LINE.exec(line);
    if (m === null) continue;
    const [, module = '', version = '', a, b] = m;
    const key = `${module}@${version}`;
    if (!out.has(key)) out.set(key, { module, version, reason: (a ?? b ?? '').trim() });
  }
  return [...out.values()];
}

/** "M@V (reason)", joined: what a person needs to see to know which module failed. */
export function describeRefused(mods: readonly RefusedModule[]): string {
  return mods.map((m) => `${m.module}@${m.version} (${m.reason})`).join(', ');
}
