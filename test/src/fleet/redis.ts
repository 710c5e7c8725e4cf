/**
 * A real redis-server (Debian package) on 127.0.0.1, a free port and a temp dir; AOF on by default
 * (appendfsync always when `durable`), so restart tests see what was acknowledged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { whichOrThrow } from './paths.ts';
import { freePort } from './ports.ts';
import { spawnManaged, type ManagedProcess } from './processes.ts';
import { waitFor } from './wait.ts';

export interface RedisOptions {
  readonly port?: number;
  /** AOF on (default true). */
  readonly aof?: boolean;
  /** fsync every write (appendfsync always) for durability tests. */
  readonly durable?: boolean;
  readonly password?: string;
  readonly dir?: string;
}

export interface RedisInstance {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly password: string | undefined;
  readonly dataDir: string;
  /** Restart on the same port and data dir (AOF replay). `kill` simulates a crash (SIGKILL). */
  restart(opts?: { kill?: boolean }): Promise<void>;
  /** FLUSHALL: simulates losing Redis state entirely. */
  wipe(): Promise<void>;
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Sends one command over RESP and returns the reply as text (enough for tests and readiness). */
export function redisCommand(
  port: number,
  args: readonly string[],
  password?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const enc = (a: readonly string[]): string =>
      `*${a.length}\r\n${a.map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`).join('')}`;
    let buf = '';
    const expected = password === undefined ? 1 : 2;
    sock.setTimeout(3_000, () => sock.destroy(new Error('redis command timed out')));
    sock.on('connect', () => {
      if (password !== undefined) sock.write(enc(['AUTH', password]));
      sock.write(enc(args));
    });
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      const lines = buf.split('\r\n').filter((l) => /^[+\-:$*]/.test(l));
      if (lines.length >= expected) {
        sock.end();
        const reply = buf
          .split('\r\n')
          .slice(expected === 2 ? 1 : 0)
          .join('\n')
          .trim();
        if (reply.startsWith('-')) reject(new Error(reply.slice(1)));
        else resolve(reply);
      }
    });
    sock.on('error', reject);
  });
}

export async function startRedis(opts: RedisOptions = {}): Promise<RedisInstance> {
  const bin = whichOrThrow(
    'redis-server',
    'run scripts/setup.sh (it installs the Debian package redis-server)',
  );
  const dataDir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'gitfleet-redis-')));
  const ownsDir = opts.dir === undefined;
  const port = opts.port ?? (await freePort());
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dataDir,
    '--save',
    '',
    '--appendonly',
    opts.aof === false ? 'no' : 'yes',
    '--appendfsync',
    opts.durable === true ? 'always' : 'everysec',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
  if (opts.password !== undefined) args.push('--requirepass', opts.password);
  let proc: ManagedProcess | undefined;
  const start = async (): Promise<void> => {
    proc = await spawnManaged(`redis-${port}`, bin, { args, logDir: dataDir, stopGraceMs: 5_000 });
    const p = proc;
    await waitFor(
      'redis-server to answer PING',
      async () => (await redisCommand(port, ['PING'], opts.password)) === '+PONG',
      {
        timeoutMs: 10_000,
        intervalMs: 25,
        abortIf: () => {
          if (p.running) return undefined;
          const log = p.tail(5);
          return /Address already in use/.test(log)
            ? `port ${port} is taken (another process listens there)`
            : `redis-server exited: ${log}`;
        },
      },
    ).catch((err: unknown) => {
      if (err instanceof GitfleetError && /is taken/.test(err.message)) {
        throw new GitfleetError(ErrorCode.PortInUse, err.message, { cause: err });
      }
      throw err;
    });
  };
  await start();
  const url = `redis://127.0.0.1:${port}`;
  return {
    host: '127.0.0.1',
    port,
    url,
    password: opts.password,
    dataDir,
    async restart(r = {}) {
      if (proc !== undefined) {
        if (r.kill === true) {
          process.kill(-proc.pid, 'SIGKILL');
          await proc.exited;
        } else {
          await proc.stop();
        }
      }
      await start();
    },
    async wipe() {
      await redisCommand(port, ['FLUSHALL'], opts.password);
    },
    command: (...a: string[]) => redisCommand(port, a, opts.password),
    async stop() {
      await proc?.stop();
      if (ownsDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
