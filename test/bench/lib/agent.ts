/**
 * The agent under test: the real `gitfleet-agent` binary as a supervised process (its own event
 * loop, its own RSS, its structured log readable line by line), or in-process through the same
 * composition root (harness.startAgent) for comparison.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningAgent } from '@gitfleet/agent';
import { startAgent, TOKEN } from '../../src/agent/harness.ts';
import type { KubeCluster } from '../../src/fleet/kube.ts';
import { REPO_ROOT } from '../../src/fleet/paths.ts';
import { spawnManaged, type ManagedProcess } from '../../src/fleet/processes.ts';
import { waitFor } from '../../src/fleet/wait.ts';
import type { MiniHub } from '../../src/fleet/mini-hub.ts';
import { exeOf } from './common.ts';

export const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
export const STATE_NAMESPACE = 'gitfleet-system';

export interface AgentSettings {
  readonly resyncIntervalMs?: number;
  readonly logLevel?: 'debug' | 'info' | 'warn';
  /** Process (and log file) name; distinct per start so a restart gets a fresh log. */
  readonly name?: string;
  /** Extra environment of the binary (experiments: NODE_OPTIONS, MALLOC_ARENA_MAX, …). */
  readonly env?: Readonly<Record<string, string>>;
}

/** One line of the agent's JSON log. */
export interface LogRecord {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface AgentUnderTest {
  readonly mode: 'binary' | 'in-process';
  /** The agent's node process (binary only). */
  nodePid(): number | undefined;
  /** Every log record so far (binary only; empty in-process). */
  logRecords(): LogRecord[];
  /** Waits for the first log record after index `from` matching `pred`; returns it and its index. */
  waitForLog(
    pred: (r: LogRecord) => boolean,
    from: number,
    timeoutMs: number,
  ): Promise<{ record: LogRecord; index: number }>;
  /** Why the agent is gone (binary exited), or undefined while it runs. */
  gone(): string | undefined;
  stop(): Promise<void>;
}

export async function startAgentBinary(
  cluster: KubeCluster,
  hub: MiniHub,
  dir: string,
  s: AgentSettings = {},
): Promise<AgentUnderTest> {
  const tokenFile = path.join(dir, 'agent-token');
  await writeFile(tokenFile, TOKEN, { mode: 0o600 });
  const proc = await spawnManaged(s.name ?? 'gitfleet-agent', AGENT_BIN, {
    logDir: dir,
    ...(s.env === undefined ? {} : { env: s.env }),
    args: [
      '--target',
      'c1',
      '--hub',
      hub.address,
      // the MiniHub serves plaintext on loopback and knows agents by static tokens
      '--insecure-plaintext',
      '--token-file',
      tokenFile,
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--state-namespace',
      STATE_NAMESPACE,
      '--log-level',
      s.logLevel ?? 'info',
      ...(s.resyncIntervalMs === undefined
        ? []
        : ['--resync-interval-ms', String(s.resyncIntervalMs)]),
    ],
  });
  const records = (): LogRecord[] => logOf(proc);
  return {
    mode: 'binary',
    nodePid: () => nodePidOf(proc),
    logRecords: records,
    waitForLog: async (pred, from, timeoutMs) =>
      waitFor(
        'an agent log line',
        () => {
          const all = records();
          for (let i = from; i < all.length; i++) {
            const r = all[i];
            if (r !== undefined && pred(r)) return { record: r, index: i };
          }
          return undefined;
        },
        {
          timeoutMs,
          intervalMs: 10,
          abortIf: () => (proc.running ? undefined : `agent exited: ${proc.tail()}`),
        },
      ),
    gone: () => (proc.running ? undefined : `agent exited: ${proc.tail()}`),
    stop: () => proc.stop(),
  };
}

export async function startAgentInProcess(
  cluster: KubeCluster,
  hub: MiniHub,
  s: AgentSettings = {},
): Promise<AgentUnderTest> {
  const running: RunningAgent = await startAgent(cluster, hub.address, {
    ...(s.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: s.resyncIntervalMs }),
    unmanagedScanIntervalMs: 60_000,
  });
  return {
    mode: 'in-process',
    nodePid: () => undefined,
    logRecords: () => [],
    waitForLog: () => Promise.reject(new Error('no log in-process')),
    gone: () => undefined,
    stop: () => running.close(),
  };
}

export function startAgentUnderTest(
  inProcess: boolean,
  cluster: KubeCluster,
  hub: MiniHub,
  dir: string,
  s: AgentSettings = {},
): Promise<AgentUnderTest> {
  return inProcess ? startAgentInProcess(cluster, hub, s) : startAgentBinary(cluster, hub, dir, s);
}

/** Waits until the agent holds a session with the hub (fails at once if the agent exits). */
export async function waitConnected(
  hub: MiniHub,
  agent: AgentUnderTest,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor('the agent to connect to the hub', () => hub.isConnected('c1'), {
    timeoutMs,
    intervalMs: 20,
    abortIf: () => agent.gone(),
  });
}

/**
 * The node process below the supervisor (the bin script and with-node exec into it). Found by
 * its executable: node names its main thread "MainThread", so /proc/<pid>/comm does not say node.
 */
function nodePidOf(proc: ManagedProcess): number | undefined {
  return proc.descendants().find((p) => exeOf(p) === 'node');
}

function logOf(proc: ManagedProcess): LogRecord[] {
  let text: string;
  try {
    text = readFileSync(proc.logFile, 'utf8');
  } catch {
    return [];
  }
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      // a line being written right now
    }
  }
  return out;
}
