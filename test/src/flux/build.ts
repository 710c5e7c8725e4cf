/**
 * Flux's controllers for the side-by-side benchmark: built by scripts/build-flux.sh from the Go
 * module proxy into the cache outside the repository (`<cache>/flux/<version>/{bin,crds}`), only
 * when a benchmark asks for them — the plain test suite never calls this.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { CACHE_DIR, REPO_ROOT } from '../fleet/paths.ts';
import { describeRefused, refusedModules, type RefusedModule } from './refused.ts';

export const FLUX_VERSION = process.env['GITFLEET_FLUX_VERSION'] ?? 'v1.9.6';
export const BUILD_FLUX = path.join(REPO_ROOT, 'scripts/build-flux.sh');

export interface FluxBuild {
  readonly version: string;
  readonly dir: string;
  readonly sourceController: string;
  readonly kustomizeController: string;
  /** Directory of every CRD both controllers ship (config/crd/bases of each module). */
  readonly crdsDir: string;
  /** scripts/build-flux.sh's build record: wall time of each controller's build, Go version. */
  readonly record: FluxBuildRecord;
  /** True when this call found both controllers in the cache and built nothing. */
  readonly cached: boolean;
}

export interface FluxBuildRecord {
  readonly version?: string;
  readonly built_at?: string;
  readonly go?: string;
  readonly build_s?: Readonly<Record<string, number>>;
  readonly replaces?: Readonly<Record<string, readonly string[]>>;
}

/** Thrown when the build fails; `refused` names each module version the registry refused. */
export class FluxBuildError extends GitfleetError {
  readonly refused: readonly RefusedModule[];
  constructor(message: string, refused: readonly RefusedModule[]) {
    super(ErrorCode.PrerequisiteMissing, message, { terminal: true });
    this.refused = refused;
  }
}

/** `<cache>/flux/<version>`: binaries in bin/, CRDs in crds/, the build record build.json. */
export function fluxDir(version = FLUX_VERSION, cacheDir = CACHE_DIR): string {
  return path.join(cacheDir, 'flux', version);
}

/**
 * Runs scripts/build-flux.sh (seconds when cached; ~8 min per controller cold, on 2 cores) and
 * returns where the binaries and CRDs are. `progress` gets the script's lines as they come.
 * @throws FluxBuildError naming the refused module and version when the registry refused one
 */
export async function ensureFlux(
  opts: {
    readonly progress?: (line: string) => void;
    readonly version?: string;
    readonly cacheDir?: string;
    /** Extra environment of the script (tests point GOPROXY and GOMODCACHE elsewhere). */
    readonly env?: Readonly<Record<string, string>>;
  } = {},
): Promise<FluxBuild> {
  const version = opts.version ?? FLUX_VERSION;
  const cacheDir = opts.cacheDir ?? CACHE_DIR;
  const progress = opts.progress ?? ((): void => undefined);
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', [BUILD_FLUX], {
      env: {
        ...process.env,
        ...opts.env,
        GITFLEET_FLUX_VERSION: version,
        GITFLEET_CACHE_DIR: cacheDir,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        progress(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    });
    child.once('error', reject);
    child.once('close', resolve);
  });
  const dir = fluxDir(version, cacheDir);
  if (code !== 0) {
    const refused = refusedModules(stderr);
    const last = stderr.trimEnd().split('\n').slice(-1)[0] ?? '';
    throw new FluxBuildError(
      refused.length > 0
        ? `Flux ${version} cannot be built: the Go module proxy refused ${describeRefused(refused)}`
        : `Flux ${version} cannot be built (scripts/build-flux.sh exited ${String(code)}): ${last}`,
      refused,
    );
  }
  const bin = (name: string): string => {
    const f = path.join(dir, 'bin', name);
    if (!existsSync(f))
      throw new FluxBuildError(`${name} missing at ${f} after scripts/build-flux.sh`, []);
    return f;
  };
  let record: FluxBuildRecord = {};
  try {
    record = JSON.parse(readFileSync(path.join(dir, 'build.json'), 'utf8')) as FluxBuildRecord;
  } catch {
    // no record (a cache filled by hand): the figures are simply unknown
  }
  return {
    version,
    dir,
    sourceController: bin('source-controller'),
    kustomizeController: bin('kustomize-controller'),
    crdsDir: path.join(dir, 'crds'),
    record,
    cached: /cached in/.test(stderr) && !/building Flux/.test(stderr),
  };
}
