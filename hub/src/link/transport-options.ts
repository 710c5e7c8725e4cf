/**
 * The AgentLink port's options (part of the flag table HUB_FLAGS in ../config.ts): the TLS files,
 * the agent CA that signs registered agents' certificates, static tokens and plaintext. How they
 * combine is decided by ./transport.ts (agentLinkSecurity) and ../pki/agent-ca.ts.
 */
import { integer, onOff, option, text } from '@gitfleet/proto';
import { DEFAULT_AGENT_CERT_TTL_MS, MIN_AGENT_CERT_TTL_MS } from '../core/registration/index.ts';
import { durationAtLeast } from '../duration-option.ts';

export const AGENT_LINK_FLAGS = {
  agentTokensDir: option({
    flag: 'agent-tokens-dir',
    env: 'GITFLEET_AGENT_TOKENS_DIR',
    arg: 'DIR',
    description:
      "directory of the agents' static tokens, one <target>.token file per target (read only with --allow-static-tokens)",
    defaultText: 'none',
    parse: text,
  }),
  tlsCertFile: option({
    flag: 'tls-cert-file',
    env: 'GITFLEET_TLS_CERT_FILE',
    arg: 'PATH',
    description: "the hub's TLS certificate chain for agents (PEM); re-read when it changes",
    defaultText: 'required unless --insecure-plaintext',
    parse: text,
  }),
  tlsKeyFile: option({
    flag: 'tls-key-file',
    env: 'GITFLEET_TLS_KEY_FILE',
    arg: 'PATH',
    description: 'the private key of --tls-cert-file (PEM); re-read when it changes',
    defaultText: 'required unless --insecure-plaintext',
    parse: text,
  }),
  clientCaFile: option({
    flag: 'client-ca-file',
    env: 'GITFLEET_CLIENT_CA_FILE',
    arg: 'PATH',
    description:
      "CA bundle of agents' client certificates (PEM); an agent is the target its certificate names (docs/security.md)",
    defaultText: 'required unless --insecure-plaintext',
    parse: text,
  }),
  tlsReloadIntervalMs: option({
    flag: 'tls-reload-interval-ms',
    env: 'GITFLEET_TLS_RELOAD_INTERVAL_MS',
    arg: 'N',
    description:
      'how often the TLS files are re-read (a changed certificate serves new connections)',
    default: 60_000,
    parse: integer(100, 3_600_000),
  }),
  agentCaCertFile: option({
    flag: 'agent-ca-cert-file',
    env: 'GITFLEET_AGENT_CA_CERT_FILE',
    arg: 'PATH',
    description:
      "the agent CA's certificate (PEM), also in --client-ca-file: signs agents' certificates at registration and renewal; re-read when it changes",
    defaultText: 'none (agents do not register)',
    parse: text,
  }),
  agentCaKeyFile: option({
    flag: 'agent-ca-key-file',
    env: 'GITFLEET_AGENT_CA_KEY_FILE',
    arg: 'PATH',
    description:
      'the private key of --agent-ca-cert-file (PEM PKCS#8; EC P-256/P-384 or RSA ≥ 2048); keep it out of Redis; re-read when it changes',
    defaultText: 'none',
    parse: text,
  }),
  agentCertTtl: option({
    flag: 'agent-cert-ttl',
    env: 'GITFLEET_AGENT_CERT_TTL',
    arg: 'DURATION',
    description:
      'lifetime of the certificates the agent CA issues (agents renew at two thirds of it), at least 10s',
    default: DEFAULT_AGENT_CERT_TTL_MS,
    defaultText: '24h',
    parse: durationAtLeast(MIN_AGENT_CERT_TTL_MS, '10s'),
  }),
  allowStaticTokens: option({
    flag: 'allow-static-tokens',
    env: 'GITFLEET_ALLOW_STATIC_TOKENS',
    arg: '',
    description:
      'also accept agents without a client certificate that present their static token (--agent-tokens-dir)',
    default: false,
    switch: true,
    parse: onOff,
  }),
  insecurePlaintext: option({
    flag: 'insecure-plaintext',
    env: 'GITFLEET_INSECURE_PLAINTEXT',
    arg: '',
    description:
      'serve agents without TLS: only on a loopback --grpc-address, with --allow-static-tokens',
    default: false,
    switch: true,
    parse: onOff,
  }),
};
