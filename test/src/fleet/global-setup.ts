/**
 * Vitest global setup for the integration project: checks once, before any test file runs, that
 * the chosen runtime can start — so a missing prerequisite is one clear line, not a failure in
 * every file. Never skips: a missing prerequisite fails the run.
 */
import { dockerReachable } from './containers.ts';
import { fleetRuntime } from './fleet.ts';
import { kubeBinaries, whichOrThrow } from './paths.ts';

export default async function setup(): Promise<void> {
  const runtime = fleetRuntime();
  if (runtime === 'process') {
    kubeBinaries();
    whichOrThrow(
      'redis-server',
      'run scripts/setup.sh (it installs the Debian package redis-server)',
    );
    whichOrThrow('git', 'run scripts/setup.sh (it installs the Debian package git)');
    whichOrThrow('openssl', 'run scripts/setup.sh (it installs the Debian package openssl)');
  } else {
    await dockerReachable();
  }
}
