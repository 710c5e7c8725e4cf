/**
 * The subcommands of `gitfleet-hub` beside serving (docs/hub.md, docs/security.md "Registration,
 * renewal and revocation"):
 *
 *   gitfleet-hub registration-token --target <t> [--ttl 1h]   prints a one-time token, only it
 *   gitfleet-hub revoke --target <t>                          refuses the target's certificates
 *
 * They take the hub's own options (flags, GITFLEET_* variables, --config file) so that they run
 * wherever the hub runs; only the Redis ones are used, the others are accepted and ignored. The
 * target must be declared in the fleet the hub last accepted (saved in Redis) when there is one.
 * The token is printed once, on stdout; nothing of it is kept but its SHA-256 in Redis.
 */
import { Redis } from 'ioredis';
import {
  configUsage,
  isDnsLabel,
  option,
  readConfig,
  text,
  toGitfleetError,
  type ConfigOption,
  type ConfigTable,
} from '@gitfleet/proto';
import { HUB_FLAGS } from '../config.ts';
import { DEFAULT_TOKEN_TTL_MS, tokenTtlProblem } from '../core/registration/index.ts';
import { formatDuration, parseDuration } from '../core/time/index.ts';
import { decodeLastGood } from '../store/fleet-store.ts';
import { RedisRegistrationStore } from '../store/registration-store.ts';

export const HUB_SUBCOMMANDS = ['registration-token', 'revoke'] as const;
export type HubSubcommand = (typeof HUB_SUBCOMMANDS)[number];

export function isHubSubcommand(word: string | undefined): word is HubSubcommand {
  return (HUB_SUBCOMMANDS as readonly (string | undefined)[]).includes(word);
}

export interface SubcommandIo {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly readFile?: (path: string) => string;
  readonly now?: () => number;
}

/** The hub's options the subcommands use; every other one is accepted and ignored. */
const USED = new Set(['redisUrl', 'redisOptions', 'redisPasswordFile', 'redisPrefix']);

function ignored(o: ConfigOption<unknown>): ConfigOption<unknown> {
  const { required: _required, ...rest } = o;
  return { ...rest, parse: () => undefined };
}

const SUBCOMMAND_FLAGS = {
  target: option({
    flag: 'target',
    env: 'GITFLEET_REGISTRATION_TARGET',
    arg: 'TARGET',
    description: 'the target (declared in the fleet)',
    required: true,
    parse: text,
  }),
  ttl: option({
    flag: 'ttl',
    env: 'GITFLEET_REGISTRATION_TOKEN_TTL',
    arg: 'DURATION',
    description: 'registration-token only: how long the token may be used, 1m to 168h',
    defaultText: '1h',
    parse: text,
  }),
};

function tableOf(): ConfigTable {
  return {
    ...Object.fromEntries(
      Object.entries(HUB_FLAGS).map(([k, o]) => [
        k,
        USED.has(k) ? (o as ConfigOption<unknown>) : ignored(o as ConfigOption<unknown>),
      ]),
    ),
    ...SUBCOMMAND_FLAGS,
  };
}

export function subcommandUsage(name: HubSubcommand): string {
  const used = Object.fromEntries(
    Object.entries(HUB_FLAGS).filter(([k]) => USED.has(k)),
  ) as ConfigTable;
  const own = name === 'revoke' ? { target: SUBCOMMAND_FLAGS.target } : SUBCOMMAND_FLAGS;
  return configUsage(
    { ...own, ...used },
    name === 'revoke'
      ? {
          name: 'gitfleet-hub revoke',
          summary:
            'refuses every certificate of the target issued until now (Connect and Renew), and ends its open streams on every replica; the agent registers again with a new registration token',
          notes: ["The hub's other options are accepted and ignored."],
        }
      : {
          name: 'gitfleet-hub registration-token',
          summary:
            'creates a one-time registration token for an agent of the target and prints it, only it, on stdout (Redis keeps its SHA-256)',
          notes: [
            "Give the token to the agent (--registration-token-file). The hub's other options are accepted and ignored.",
          ],
        },
  );
}

interface Parsed {
  readonly target: string;
  readonly ttlMs: number;
  readonly redisUrl: string;
  readonly redisOptions: Readonly<Record<string, unknown>>;
  readonly prefix: string;
}

function parse(name: HubSubcommand, io: SubcommandIo): Parsed | { readonly problems: string[] } {
  const { values, from, problems } = readConfig(tableOf(), {
    argv: io.argv,
    env: io.env,
    ...(io.readFile === undefined ? {} : { readFile: io.readFile }),
  });
  const v = values as Record<string, unknown>;
  const target = typeof v['target'] === 'string' ? v['target'] : '';
  if (target !== '' && !isDnsLabel(target)) {
    problems.push(`${from['target'] ?? '--target'}=${target}: not a target name (a DNS label)`);
  }
  let ttlMs = DEFAULT_TOKEN_TTL_MS;
  const ttl = v['ttl'];
  if (typeof ttl === 'string') {
    if (name === 'revoke') {
      problems.push(`${from['ttl'] ?? '--ttl'}: revoke takes no --ttl`);
    } else {
      const d = parseDuration(ttl);
      const problem = 'problem' in d ? d.problem : tokenTtlProblem(d.ms);
      if (problem !== undefined) problems.push(`${from['ttl'] ?? '--ttl'}=${ttl}: ${problem}`);
      else if ('ms' in d) ttlMs = d.ms;
    }
  }
  if (problems.length > 0) return { problems };
  const redisOptions: Record<string, unknown> = {
    ...(v['redisOptions'] as Readonly<Record<string, unknown>> | undefined),
  };
  if (typeof v['redisPasswordFile'] === 'string') redisOptions['password'] = v['redisPasswordFile'];
  return {
    target,
    ttlMs,
    redisUrl: String(v['redisUrl']),
    redisOptions,
    prefix: String(v['redisPrefix']),
  };
}

/**
 * Whether `target` is declared in the fleet the hub last accepted: undefined when Redis holds
 * none (the hub has not accepted a fleet yet) or one this command cannot read.
 */
async function declaredInLastGood(
  redis: Redis,
  prefix: string,
  target: string,
): Promise<{ readonly declared: boolean; readonly commit: string } | undefined> {
  const key = `${prefix}fleet:last-good`;
  const raw = await redis.get(key);
  if (raw === null) return undefined;
  try {
    const fleet = decodeLastGood(raw, key);
    return {
      declared: fleet.spec.targets.some((t) => t.name === target),
      commit: fleet.commit,
    };
  } catch {
    return undefined;
  }
}

/** Runs `gitfleet-hub <name> …`; resolves with the exit status (0, 1 failed, 2 usage). */
export async function runHubSubcommand(name: HubSubcommand, io: SubcommandIo): Promise<number> {
  if (io.argv.includes('--help') || io.argv.includes('-h')) {
    io.stdout(subcommandUsage(name));
    return 0;
  }
  const parsed = parse(name, io);
  if ('problems' in parsed) {
    io.stderr(
      `gitfleet-hub ${name}:\n- ${parsed.problems.join('\n- ')}\nsee: gitfleet-hub ${name} --help`,
    );
    return 2;
  }
  const redis = new Redis(parsed.redisUrl, {
    ...parsed.redisOptions,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  // a connection error is reported by the command that fails, not by an unhandled event
  redis.on('error', () => undefined);
  try {
    try {
      await redis.connect();
    } catch (err) {
      const where = parsed.redisUrl.replace(/\/\/[^@/]*@/, '//[credentials]@');
      io.stderr(
        `gitfleet-hub ${name}: cannot reach Redis at ${where} (${err instanceof Error ? err.message : String(err)}): check --redis-url and --redis-options, as the hub's`,
      );
      return 1;
    }
    const store = new RedisRegistrationStore({ redis, prefix: parsed.prefix });
    const { target } = parsed;
    if (name === 'revoke') {
      const cutoff = await store.revoke(target);
      io.stdout(
        `revoked target ${target} at ${new Date(cutoff).toISOString()}: its certificates issued until then are refused and its open streams end; register the agent again with a new registration token`,
      );
      return 0;
    }
    const fleet = await declaredInLastGood(redis, parsed.prefix, target);
    if (fleet !== undefined && !fleet.declared) {
      io.stderr(
        `gitfleet-hub registration-token: target ${target} is not declared in the fleet the hub last accepted (commit ${fleet.commit.slice(0, 12)}): declare it first`,
      );
      return 1;
    }
    if (fleet === undefined) {
      io.stderr(
        `gitfleet-hub registration-token: warning: the hub has accepted no fleet yet, so target ${target} is not checked`,
      );
    }
    const created = await store.createToken(target, parsed.ttlMs, (io.now ?? Date.now)());
    io.stdout(created.token);
    io.stderr(
      `registration token for target ${target}, valid for ${formatDuration(parsed.ttlMs)} (until ${new Date(created.expiresAtMs).toISOString()}), once: give it to the agent (--registration-token-file)`,
    );
    return 0;
  } catch (err) {
    io.stderr(`gitfleet-hub ${name}: ${toGitfleetError(err).message}`);
    return 1;
  } finally {
    redis.disconnect();
  }
}
