export * from './domain/errors.ts';
export * from './domain/logger.ts';
export * from './domain/messages.ts';
export * from './domain/ids.ts';
export * from './domain/limits.ts';
export * from './domain/selectors.ts';
export {
  agentLinkGrpc,
  bearerMetadata,
  decodeAgentMessage,
  decodeHubMessage,
  encodeAgentMessage,
  encodeHubMessage,
  onAgentMessage,
  onHubMessage,
  readBearerToken,
  writeAgentMessage,
  writeHubMessage,
} from './codec.ts';
export type {
  AgentLinkClient,
  AgentLinkClientConstructor,
  AgentLinkClientStream,
  AgentLinkGrpc,
  AgentLinkHandlers,
  AgentLinkServerStream,
} from './codec.ts';
export {
  AGENT_LINK_SERVICE,
  LOADER_OPTIONS,
  PROTO_FILES,
  PROTO_ROOT,
  loadGitfleetPackageDefinition,
} from './load.ts';
export * from './config-source.ts';
export * from './run-binary.ts';
export * from './telemetry.ts';
export * from './steady-clock.ts';
