/**
 * A throwaway PKI per test fleet, made with the `openssl` command: a CA, the hub's server
 * certificate (localhost, 127.0.0.1, ::1) and one client certificate per target naming it by the
 * URI SAN `spiffe://gitfleet/target/<target>` (docs/security.md). Keys are P-256: each certificate
 * takes one openssl run of a few milliseconds. `hubArgs()` and `agentArgs(target)` are the flags
 * that make a hub and its agents speak mTLS with these files; `issue` makes the odd ones the
 * refusal tests need (another target's, expired, no target at all).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, GitfleetError, targetUri } from '@gitfleet/proto';

const run = promisify(execFile);

/** The URI SAN of a target's agent certificate. */
export { targetUri };

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface IssueOptions {
  /** Subject CN (default: the name). */
  readonly commonName?: string;
  /** URI SANs (default: none). */
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  /** Days of validity; 0 makes a certificate that is expired a second after it is made. */
  readonly days?: number;
  readonly usage?: 'client' | 'server';
  /** Where to write `<name>.pem` and `<name>.key` (default: the PKI's directory). */
  readonly dir?: string;
}

export interface TestPki {
  readonly dir: string;
  /** The CA that signs the hub's and the agents' certificates (hub: --client-ca-file; agent: --hub-ca-file). */
  readonly caFile: string;
  /** The CA's private key (PEM PKCS#8, P-256): the hub's agent CA key in registration tests. */
  readonly caKeyFile: string;
  readonly hub: CertFiles;
  /** The agent certificate of a target given to createTestPki (or issued by issueAgent). */
  agent(target: string): CertFiles;
  /** Issues the agent certificate of another target. */
  issueAgent(target: string): Promise<CertFiles>;
  /** Issues any certificate signed by this PKI's CA. */
  issue(name: string, opts?: IssueOptions): Promise<CertFiles>;
  /** The hub's TLS flags: its certificate and key, and the CA of agents' certificates. */
  hubArgs(): string[];
  /** A target's agent flags: the CA of the hub's certificate, its own certificate and key. */
  agentArgs(target: string): string[];
  /** hubArgs() as the hub's environment variables (for a spawned binary). */
  hubEnv(): Record<string, string>;
  /** agentArgs(target) as the agent's environment variables. */
  agentEnv(target: string): Record<string, string>;
  /** Removes the directory (only when createTestPki made it). */
  remove(): Promise<void>;
}

/** A minimal openssl configuration: nothing of the machine's defaults gets into a certificate. */
const OPENSSL_CNF = '[req]\ndistinguished_name = dn\n[dn]\n';

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args], { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new GitfleetError(
      e.code === 'ENOENT' ? ErrorCode.PrerequisiteMissing : ErrorCode.ProcessFailed,
      e.code === 'ENOENT'
        ? 'openssl not found: the test PKI needs the openssl command on PATH'
        : `openssl ${args[0] ?? ''} failed: ${e.stderr?.trim() ?? e.message}`,
      { cause: err },
    );
  }
}

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Makes a CA, the hub's certificate and an agent certificate for each of `targets` in `dir` (a
 * new temporary directory when omitted; remove() deletes only that one).
 */
export async function createTestPki(
  targets: readonly string[],
  opts: { readonly dir?: string } = {},
): Promise<TestPki> {
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'gitfleet-pki-')));
  await mkdir(path.join(dir, 'agents'), { recursive: true });
  const cnf = path.join(dir, 'openssl.cnf');
  await writeFile(cnf, OPENSSL_CNF);
  const caFile = path.join(dir, 'ca.pem');
  const caKey = path.join(dir, 'ca.key');
  await openssl([
    'req',
    '-x509',
    '-config',
    cnf,
    ...NEW_KEY,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-subj',
    `/CN=gitfleet-test-ca-${path.basename(dir)}`,
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  const issue = async (name: string, o: IssueOptions = {}): Promise<CertFiles> => {
    const out = o.dir ?? dir;
    const files = {
      certFile: path.join(out, `${name}.pem`),
      keyFile: path.join(out, `${name}.key`),
    };
    const sans = [
      ...(o.uris ?? []).map((u) => `URI:${u}`),
      ...(o.dnsNames ?? []).map((d) => `DNS:${d}`),
      ...(o.ips ?? []).map((i) => `IP:${i}`),
    ];
    const extensions = [
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      `extendedKeyUsage=${o.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(sans.length === 0 ? [] : ['-addext', `subjectAltName=${sans.join(',')}`]),
    ];
    const subject = ['-subj', `/CN=${o.commonName ?? name}`];
    const signedBy = ['-CA', caFile, '-CAkey', caKey];
    if (o.days === 0) {
      // `req -x509` takes no 0 days; `x509 -req` does: a request, then its certificate
      const csr = `${files.certFile}.csr`;
      await openssl([
        ...['req', '-new', '-config', cnf, ...NEW_KEY, '-keyout', files.keyFile, '-out', csr],
        ...subject,
        ...extensions,
      ]);
      await openssl([
        ...['x509', '-req', '-in', csr, ...signedBy, '-days', '0'],
        ...['-copy_extensions', 'copyall', '-out', files.certFile],
      ]);
    } else {
      await openssl([
        ...['req', '-x509', '-config', cnf, ...NEW_KEY, '-keyout', files.keyFile],
        ...['-out', files.certFile, ...subject, '-days', String(o.days ?? 2), ...signedBy],
        ...extensions,
      ]);
    }
    // a certificate valid for 0 days expires in the second it was made
    if (o.days === 0) await new Promise((r) => setTimeout(r, 1_100));
    return files;
  };

  const agents = new Map<string, CertFiles>();
  const issueAgent = async (target: string): Promise<CertFiles> => {
    const files = await issue(target, {
      uris: [targetUri(target)],
      commonName: `agent-${target}`,
      dir: path.join(dir, 'agents'),
    });
    agents.set(target, files);
    return files;
  };
  const [hub] = await Promise.all([
    issue('hub', {
      usage: 'server',
      commonName: 'gitfleet-hub',
      dnsNames: ['localhost'],
      ips: ['127.0.0.1', '::1'],
    }),
    ...targets.map(issueAgent),
  ]);

  const agent = (target: string): CertFiles => {
    const files = agents.get(target);
    if (files === undefined) {
      throw new GitfleetError(
        ErrorCode.Internal,
        `test PKI: no agent certificate for ${target} (give it to createTestPki or call issueAgent)`,
      );
    }
    return files;
  };
  return {
    dir,
    caFile,
    caKeyFile: caKey,
    hub,
    agent,
    issueAgent,
    issue,
    hubArgs: () => [
      ...['--tls-cert-file', hub.certFile, '--tls-key-file', hub.keyFile],
      ...['--client-ca-file', caFile],
    ],
    agentArgs: (target) => {
      const own = agent(target);
      return [
        // the hub's certificate names localhost: no IP address as TLS server name
        ...['--hub-ca-file', caFile, '--hub-server-name', 'localhost'],
        ...['--tls-cert-file', own.certFile, '--tls-key-file', own.keyFile],
      ];
    },
    hubEnv: () => ({
      GITFLEET_TLS_CERT_FILE: hub.certFile,
      GITFLEET_TLS_KEY_FILE: hub.keyFile,
      GITFLEET_CLIENT_CA_FILE: caFile,
    }),
    agentEnv: (target) => {
      const own = agent(target);
      return {
        GITFLEET_HUB_CA_FILE: caFile,
        GITFLEET_HUB_SERVER_NAME: 'localhost',
        GITFLEET_TLS_CERT_FILE: own.certFile,
        GITFLEET_TLS_KEY_FILE: own.keyFile,
      };
    },
    remove: async () => {
      if (opts.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
