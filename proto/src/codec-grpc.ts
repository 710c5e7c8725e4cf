/**
 * The codec's grpc-js glue (./codec.ts): the typed AgentLink service and client, reading decoded
 * messages off a stream and writing encoded ones onto it, and the bearer token in call metadata.
 */
import { Metadata, loadPackageDefinition } from '@grpc/grpc-js';
import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ErrorCode, GitfleetError, toGitfleetError } from './domain/errors.ts';
import { AUTHORIZATION_METADATA_KEY } from './domain/messages.ts';
import type { AgentMessage, HubMessage } from './domain/messages.ts';
import { decodeAgentMessage, encodeAgentMessage } from './codec-agent.ts';
import { decodeHubMessage, encodeHubMessage } from './codec-hub.ts';
import { loadGitfleetPackageDefinition } from './load.ts';
import type { ProtoGrpcType } from './generated/agent_link.ts';
import type {
  AgentLinkClient as WireAgentLinkClient,
  AgentLinkDefinition,
  AgentLinkHandlers as WireAgentLinkHandlers,
} from './generated/gitfleet/v1/AgentLink.ts';
import type {
  AgentMessage as WireAgentMessage,
  AgentMessage__Output as WireAgentMessageOut,
} from './generated/gitfleet/v1/AgentMessage.ts';
import type {
  HubMessage as WireHubMessage,
  HubMessage__Output as WireHubMessageOut,
} from './generated/gitfleet/v1/HubMessage.ts';

/** The hub's end of a Connect stream: reads wire AgentMessages, writes wire HubMessages. */
export type AgentLinkServerStream = grpc.ServerDuplexStream<WireAgentMessageOut, WireHubMessage>;
/** The agent's end of a Connect stream: writes wire AgentMessages, reads wire HubMessages. */
export type AgentLinkClientStream = grpc.ClientDuplexStream<WireAgentMessage, WireHubMessageOut>;
/** A typed AgentLink client (`client.Connect(metadata)` opens the stream). */
export type AgentLinkClient = WireAgentLinkClient;
/** Server implementation of AgentLink, for `server.addService(service, handlers)`. */
export type AgentLinkHandlers = WireAgentLinkHandlers;
/** Constructor of {@link AgentLinkClient}. */
export type AgentLinkClientConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => AgentLinkClient;

/** What hub and agent need to speak AgentLink over grpc-js. */
export interface AgentLinkGrpc {
  /** Service definition for `server.addService`. */
  readonly service: AgentLinkDefinition;
  /** Client constructor for the agent. */
  readonly Client: AgentLinkClientConstructor;
}

/**
 * Builds the typed AgentLink service definition and client constructor from the loaded package.
 *
 * @param definition - package definition; defaults to {@link loadGitfleetPackageDefinition}
 */
export function agentLinkGrpc(
  definition: PackageDefinition = loadGitfleetPackageDefinition(),
): AgentLinkGrpc {
  // The one unchecked step: grpc-js returns an untyped object tree, which the generated
  // ProtoGrpcType describes for exactly these loader options. Check the shape we rely on.
  const root = loadPackageDefinition(definition) as unknown as Partial<ProtoGrpcType>;
  const ctor = root.gitfleet?.v1.AgentLink;
  if (typeof ctor !== 'function' || typeof ctor.service !== 'object') {
    throw new GitfleetError(
      ErrorCode.Internal,
      'gitfleet.v1.AgentLink: not found in the package definition (wrong .proto files loaded?)',
    );
  }
  return { service: ctor.service, Client: ctor };
}

/** A stream's 'data' events, whatever the direction. */
interface DataSource<W> {
  on(event: 'data', listener: (wire: W) => void): unknown;
}

/**
 * Hands every decoded message of `stream` to `onMessage`; one that fails validation goes to
 * `onViolation` instead (as a GitfleetError) and never to `onMessage`.
 */
function onDecoded<W, M>(
  stream: DataSource<W>,
  decode: (wire: W) => M,
  onMessage: (message: M) => void,
  onViolation: (error: GitfleetError) => void,
): void {
  stream.on('data', (wire: W) => {
    let message: M;
    try {
      message = decode(wire);
    } catch (err) {
      onViolation(toGitfleetError(err, ErrorCode.ProtocolViolation));
      return;
    }
    onMessage(message);
  });
}

/**
 * Decodes every message the agent sends on a hub-side stream. A message that fails validation goes
 * to `onViolation` (the hub then ends the call with INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for
 * LIMIT_EXCEEDED) and never to `onMessage`; errors thrown by `onMessage` itself propagate as usual.
 */
export function onAgentMessage(
  stream: AgentLinkServerStream,
  onMessage: (message: AgentMessage) => void,
  onViolation: (error: GitfleetError) => void,
): void {
  onDecoded<WireAgentMessageOut, AgentMessage>(stream, decodeAgentMessage, onMessage, onViolation);
}

/** Decodes every message the hub sends on an agent-side stream (see {@link onAgentMessage}). */
export function onHubMessage(
  stream: AgentLinkClientStream,
  onMessage: (message: HubMessage) => void,
  onViolation: (error: GitfleetError) => void,
): void {
  onDecoded<WireHubMessageOut, HubMessage>(stream, decodeHubMessage, onMessage, onViolation);
}

/**
 * Writes a hub message; returns `stream.write`'s result (false = the transport buffer is full:
 * wait for 'drain' before writing more, see "Backpressure" in proto/README.md).
 */
export function writeHubMessage(stream: AgentLinkServerStream, message: HubMessage): boolean {
  return stream.write(encodeHubMessage(message));
}

/** Writes an agent message; returns `stream.write`'s result (see {@link writeHubMessage}). */
export function writeAgentMessage(stream: AgentLinkClientStream, message: AgentMessage): boolean {
  return stream.write(encodeAgentMessage(message));
}

/** gRPC metadata carrying the agent's bearer token (`authorization: Bearer <token>`). */
export function bearerMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set(AUTHORIZATION_METADATA_KEY, `Bearer ${token}`);
  return metadata;
}

/** The bearer token of a call, or undefined when the metadata carries none (or several). */
export function readBearerToken(metadata: Metadata): string | undefined {
  const values = metadata.get(AUTHORIZATION_METADATA_KEY);
  if (values.length !== 1 || typeof values[0] !== 'string') return undefined;
  const match = /^Bearer ([^\s]+)$/.exec(values[0]);
  return match?.[1];
}
