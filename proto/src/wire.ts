/**
 * `@gitfleet/proto/wire`: the gitfleet.v1 contract on the wire — the .proto files' loader, the
 * codec between domain values and generated wire types, and the gRPC service definition.
 */
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
  MAX_CERTIFICATE_PEM_BYTES,
  MAX_CSR_PEM_BYTES,
  decodeCertificateResponse,
  decodeRegisterRequest,
  decodeRenewRequest,
  registrationGrpc,
} from './codec-registration.ts';
export type {
  CertificateResponse,
  RegisterRequest,
  RegistrationClient,
  RegistrationGrpc,
  RegistrationHandlers,
  RenewRequest,
} from './codec-registration.ts';
export {
  AGENT_LINK_SERVICE,
  REGISTRATION_SERVICE,
  LOADER_OPTIONS,
  PROTO_FILES,
  PROTO_ROOT,
  loadGitfleetPackageDefinition,
} from './load.ts';
