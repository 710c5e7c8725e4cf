/**
 * How the AgentLink port is served (docs/security.md, "AgentLink transport and agent identity"):
 * TLS with the hub's certificate, and client certificates verified against the client CA — or,
 * only when asked for and only on a loopback address, plaintext. Static bearer tokens are read
 * only behind `--allow-static-tokens`. The checks across these options are here, for the
 * configuration loader; the credentials re-read the files while the hub runs, so a rotated
 * certificate serves new connections without a restart.
 */
import { ServerCredentials, experimental } from '@grpc/grpc-js';
import {
  ReloadingCertificateProvider,
  isLoopbackAddress,
  tlsFileProblems,
  type Logger,
} from '@gitfleet/proto';

/** The AgentLink port's TLS files. */
export interface AgentLinkTls {
  /** The hub's certificate chain (PEM, leaf first). */
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle that signs agents' client certificates. */
  readonly clientCaFile: string;
  /** How often the three files are re-read. */
  readonly reloadIntervalMs: number;
}

/** The options of the AgentLink port's security, as the configuration read them. */
export interface AgentLinkSecurityOptions {
  readonly grpcAddress: string;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly clientCaFile: string | undefined;
  readonly tlsReloadIntervalMs: number;
  readonly insecurePlaintext: boolean;
  readonly allowStaticTokens: boolean;
  readonly agentTokensDir: string | undefined;
}

const TLS_FLAGS = '--tls-cert-file, --tls-key-file and --client-ca-file';

/**
 * The port's TLS (undefined: plaintext) and the problems of the options together: TLS needs its
 * three files, usable; plaintext needs a loopback address, no TLS file and static tokens (without
 * TLS there is no client certificate); static tokens need their directory, and the directory is
 * read only when static tokens are allowed.
 */
export function agentLinkSecurity(
  o: AgentLinkSecurityOptions,
  readFile: (path: string) => string | Buffer,
): { readonly tls: AgentLinkTls | undefined; readonly problems: string[] } {
  const problems: string[] = [];
  if (o.allowStaticTokens && o.agentTokensDir === undefined) {
    problems.push(
      '--allow-static-tokens needs --agent-tokens-dir (one <target>.token file per target)',
    );
  }
  if (!o.allowStaticTokens && o.agentTokensDir !== undefined) {
    problems.push(
      '--agent-tokens-dir is read only with --allow-static-tokens: without it, agents are known by their client certificates',
    );
  }
  const files = { cert: o.tlsCertFile, key: o.tlsKeyFile, clientCa: o.clientCaFile };
  if (o.insecurePlaintext) {
    if (!isLoopbackAddress(o.grpcAddress)) {
      problems.push(
        `--insecure-plaintext: plaintext is served only on a loopback --grpc-address, not ${o.grpcAddress}; serve TLS with ${TLS_FLAGS}`,
      );
    }
    if (Object.values(files).some((f) => f !== undefined)) {
      problems.push(`--insecure-plaintext and ${TLS_FLAGS}: set one or the other`);
    }
    if (!o.allowStaticTokens) {
      problems.push(
        '--insecure-plaintext needs --allow-static-tokens: without TLS there is no client certificate, agents authenticate with static tokens',
      );
    }
    return { tls: undefined, problems };
  }
  const { cert, key, clientCa } = files;
  if (cert === undefined || key === undefined || clientCa === undefined) {
    const missing = Object.entries({
      '--tls-cert-file': cert,
      '--tls-key-file': key,
      '--client-ca-file': clientCa,
    })
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    problems.push(
      `the AgentLink port serves TLS and knows agents by their client certificates: set ${TLS_FLAGS} (missing: ${missing.join(', ')}); plaintext only with --insecure-plaintext --allow-static-tokens on a loopback --grpc-address`,
    );
    return { tls: undefined, problems };
  }
  for (const p of tlsFileProblems({ certFile: cert, keyFile: key, caFile: clientCa }, readFile)) {
    problems.push(`AgentLink TLS: ${p}`);
  }
  return {
    tls: {
      certFile: cert,
      keyFile: key,
      clientCaFile: clientCa,
      reloadIntervalMs: o.tlsReloadIntervalMs,
    },
    problems,
  };
}

/** The AgentLink server's credentials, and what stops re-reading their files. */
export interface AgentLinkServerTransport {
  readonly credentials: ServerCredentials;
  close(): void;
}

/**
 * Plaintext without `tls`; else TLS from the files, re-read every `reloadIntervalMs`. A client
 * certificate is required at the handshake unless static tokens are allowed or the port also
 * serves Registration (a new agent has no certificate yet): then it is requested, one that does
 * not verify is treated as none, and Connect and Renew still refuse a call without a verified
 * certificate (./peer-identity.ts) — unless, for Connect, a static token is accepted.
 *
 * @param registration - whether the port serves Registration (the hub has an agent CA)
 * @throws GitfleetError CONFIG_INVALID when the TLS files are not usable
 */
export function agentLinkServerTransport(
  tls: AgentLinkTls | undefined,
  allowStaticTokens: boolean,
  logger: Logger,
  registration = false,
): AgentLinkServerTransport {
  if (tls === undefined) {
    logger.warn('AgentLink serves plaintext (--insecure-plaintext): loopback only, static tokens');
    return { credentials: ServerCredentials.createInsecure(), close: () => undefined };
  }
  const log = logger.child({ component: 'agent-link-tls' });
  const provider = new ReloadingCertificateProvider(
    { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.clientCaFile },
    {
      reloadIntervalMs: tls.reloadIntervalMs,
      onReload: (certificate) =>
        log.info('TLS files changed: new connections use them', { ...certificate }),
      onProblem: (problem) =>
        log.warn('TLS files changed but are not usable: the previous ones stay in use', {
          problem,
        }),
    },
  );
  log.info('AgentLink serves TLS; agents are known by their client certificates', {
    ...provider.certificate(),
    clientCa: tls.clientCaFile,
    staticAgentAuth: allowStaticTokens,
    registration,
  });
  // one provider for the CA and the identity: grpc-js 1.14 passes these two arguments to its
  // constructor in the other order, and one provider for both makes the order irrelevant
  const credentials = experimental.createCertificateProviderServerCredentials(
    provider,
    provider,
    !allowStaticTokens && !registration,
  );
  return { credentials, close: () => provider.close() };
}
