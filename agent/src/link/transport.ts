/**
 * How the agent reaches its hub (docs/security.md, "AgentLink transport and agent identity"): TLS,
 * verifying the hub's certificate against `--hub-ca-file` (else the system's CAs), presenting this
 * target's client certificate — or, only when asked for and only to a loopback hub, plaintext
 * with a static token. The checks across these options are here, for the configuration loader;
 * the credentials re-read the files while the agent runs, so a renewed client certificate is
 * presented on the next connection without a restart. With `--registration-token-file` the
 * agent's own certificate and key may not exist yet: it registers for them at start
 * (./enrollment.ts).
 */
import {
  credentials as grpcCredentials,
  experimental,
  type ChannelCredentials,
} from '@grpc/grpc-js';
import {
  ReloadingCertificateProvider,
  isLoopbackAddress,
  tlsFileProblems,
  type CertificateSummary,
  type Logger,
} from '@gitfleet/proto';

/** The agent's TLS towards the hub. */
export interface HubTls {
  /** CA bundle of the hub's certificate; undefined = the system's CAs. */
  readonly caFile: string | undefined;
  /** This target's client certificate and key; undefined = none (a static token instead). */
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  /** The name the hub's certificate must hold (and the TLS server name); default: --hub's host. */
  readonly serverName: string | undefined;
  readonly reloadIntervalMs: number;
}

/** The options of the link's security, as the configuration read them. */
export interface HubLinkSecurityOptions {
  readonly hubAddress: string | undefined;
  readonly hubCaFile: string | undefined;
  readonly hubServerName: string | undefined;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsReloadIntervalMs: number;
  readonly insecurePlaintext: boolean;
  /** Whether a static token was given (`--token-file`). */
  readonly hasToken: boolean;
  /**
   * `--registration-token-file`: the agent registers when it holds no usable certificate, and
   * `--tls-cert-file`/`--tls-key-file` name where it keeps them (they may not exist yet).
   */
  readonly registrationTokenFile?: string | undefined;
}

/**
 * The link's TLS (undefined: plaintext) and the problems of the options together: plaintext
 * needs loopback hubs, no TLS file and a static token; TLS needs a client certificate with its
 * key (or a static token for a hub that accepts them), every file usable.
 */
export function hubLinkSecurity(
  o: HubLinkSecurityOptions,
  readFile: (path: string) => string | Buffer,
): { readonly tls: HubTls | undefined; readonly problems: string[] } {
  const problems: string[] = [];
  if (o.insecurePlaintext) {
    const remote = (o.hubAddress ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '' && !isLoopbackAddress(a));
    if (remote.length > 0) {
      problems.push(
        `--insecure-plaintext: plaintext is allowed only to a loopback hub, not ${remote.join(', ')}; drop it to connect with TLS`,
      );
    }
    const tlsFlags = {
      '--hub-ca-file': o.hubCaFile,
      '--hub-server-name': o.hubServerName,
      '--tls-cert-file': o.tlsCertFile,
      '--tls-key-file': o.tlsKeyFile,
    };
    const set = Object.entries(tlsFlags).filter(([, v]) => v !== undefined);
    if (set.length > 0) {
      problems.push(
        `--insecure-plaintext and ${set.map(([k]) => k).join(', ')}: set one or the other`,
      );
    }
    if (!o.hasToken) {
      problems.push(
        '--insecure-plaintext needs --token-file: without TLS the agent has no certificate to present, only its static token',
      );
    }
    if (o.registrationTokenFile !== undefined) {
      problems.push(
        '--insecure-plaintext and --registration-token-file: registration needs TLS to the hub; set one or the other',
      );
    }
    return { tls: undefined, problems };
  }
  const registers = o.registrationTokenFile !== undefined;
  if (registers && (o.tlsCertFile === undefined || o.tlsKeyFile === undefined)) {
    problems.push(
      '--registration-token-file needs --tls-cert-file and --tls-key-file: where the agent keeps the key it generates and the certificate the hub issues',
    );
  } else if ((o.tlsCertFile === undefined) !== (o.tlsKeyFile === undefined)) {
    problems.push('--tls-cert-file and --tls-key-file are set together');
  } else if (o.tlsCertFile === undefined && !o.hasToken) {
    problems.push(
      "no credential for the hub: set --tls-cert-file and --tls-key-file (this target's client certificate), or --token-file for a hub that accepts static tokens",
    );
  }
  if (problems.length === 0) {
    // a registering agent's own files may be missing or stale: it replaces them at start
    const files = registers
      ? { caFile: o.hubCaFile }
      : { certFile: o.tlsCertFile, keyFile: o.tlsKeyFile, caFile: o.hubCaFile };
    for (const p of tlsFileProblems(files, readFile)) problems.push(`hub TLS: ${p}`);
  }
  return {
    tls: {
      caFile: o.hubCaFile,
      certFile: o.tlsCertFile,
      keyFile: o.tlsKeyFile,
      serverName: o.hubServerName,
      reloadIntervalMs: o.tlsReloadIntervalMs,
    },
    problems,
  };
}

/** The link's channel credentials and options, and what stops re-reading their files. */
export interface HubLinkTransport {
  readonly credentials: ChannelCredentials;
  /** Channel options (the TLS server name when `serverName` is set). */
  readonly channelOptions: Readonly<Record<string, string>>;
  /** Re-reads the files now (they were just replaced): the next connection uses them. */
  reload(): void;
  /** The client certificate presented (undefined: none). */
  certificate(): CertificateSummary | undefined;
  /** Calls `listener` whenever changed files are taken into use. */
  onChange(listener: () => void): void;
  close(): void;
}

/**
 * Plaintext without `tls`; else TLS from the files, re-read every `reloadIntervalMs`: each new
 * connection uses the files as they are then.
 *
 * @throws GitfleetError CONFIG_INVALID when the TLS files are not usable
 */
export function hubLinkTransport(tls: HubTls | undefined, logger: Logger): HubLinkTransport {
  if (tls === undefined) {
    logger.warn('hub link in plaintext (--insecure-plaintext): loopback hub, static token');
    return {
      credentials: grpcCredentials.createInsecure(),
      channelOptions: {},
      reload: () => undefined,
      certificate: () => undefined,
      onChange: () => undefined,
      close: () => undefined,
    };
  }
  const log = logger.child({ component: 'hub-link-tls' });
  const listeners = new Set<() => void>();
  const provider = new ReloadingCertificateProvider(
    { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
    {
      reloadIntervalMs: tls.reloadIntervalMs,
      onReload: (certificate) => {
        log.info('TLS files changed: the next connection uses them', { ...certificate });
        for (const l of listeners) l();
      },
      onProblem: (problem) =>
        log.warn('TLS files changed but are not usable: the previous ones stay in use', {
          problem,
        }),
    },
  );
  const certificate = provider.certificate();
  log.info('hub link uses TLS', {
    hubCa: tls.caFile ?? 'system CAs',
    ...(certificate === undefined ? { clientCertificate: 'none' } : certificate),
  });
  return {
    // the CA provider first, the identity provider (or none) second: one object for both
    credentials: experimental.createCertificateProviderChannelCredentials(
      provider,
      tls.certFile === undefined ? null : provider,
    ),
    channelOptions:
      tls.serverName === undefined ? {} : { 'grpc.ssl_target_name_override': tls.serverName },
    reload: () => void provider.reload(),
    certificate: () => provider.certificate(),
    onChange: (listener) => void listeners.add(listener),
    close: () => provider.close(),
  };
}
