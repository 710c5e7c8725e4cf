/**
 * Where the test fleet finds its binaries. Built/cached by scripts/setup.sh outside the repository,
 * keyed by version (GITFLEET_CACHE_DIR, default ~/.cache/gitfleet).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';

export const K8S_VERSION = process.env['GITFLEET_K8S_VERSION'] ?? 'v1.36.3';
export const KWOK_VERSION = process.env['GITFLEET_KWOK_VERSION'] ?? 'v0.7.0';
export const CACHE_DIR =
  process.env['GITFLEET_CACHE_DIR'] ?? path.join(os.homedir(), '.cache', 'gitfleet');
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

const SETUP_HINT = 'run scripts/setup.sh (it builds and caches the test fleet binaries)';

export interface FleetBinaries {
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  readonly kwok: string;
  readonly etcd: string;
}

function need(file: string, what: string): string {
  if (!existsSync(file)) {
    throw new GitfleetError(
      ErrorCode.PrerequisiteMissing,
      `${what} not found at ${file}: ${SETUP_HINT}`,
      {
        terminal: true,
      },
    );
  }
  return file;
}

export function kubeBinaries(): FleetBinaries {
  const k8s = path.join(CACHE_DIR, 'k8s', K8S_VERSION, 'bin');
  return {
    kubeApiserver: need(path.join(k8s, 'kube-apiserver'), `kube-apiserver ${K8S_VERSION}`),
    kubeControllerManager: need(
      path.join(k8s, 'kube-controller-manager'),
      'kube-controller-manager',
    ),
    kubeScheduler: need(path.join(k8s, 'kube-scheduler'), 'kube-scheduler'),
    kubectl: need(path.join(k8s, 'kubectl'), 'kubectl'),
    kwok: need(path.join(CACHE_DIR, 'kwok', KWOK_VERSION, 'bin', 'kwok'), `kwok ${KWOK_VERSION}`),
    etcd: need(path.join(CACHE_DIR, 'etcd', 'bin', 'etcd'), 'etcd (>= 3.5.13)'),
  };
}

/** Finds an executable on PATH (or common sbin dirs), or throws PREREQUISITE_MISSING with a fix. */
export function whichOrThrow(bin: string, fix: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    const f = path.join(d, bin);
    if (d !== '' && existsSync(f)) return f;
  }
  throw new GitfleetError(ErrorCode.PrerequisiteMissing, `${bin} not found on PATH: ${fix}`, {
    terminal: true,
  });
}
