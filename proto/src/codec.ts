/**
 * The codec between the domain messages (./domain/messages.ts) and the generated wire types
 * (./generated): the only code that touches those types. It encodes domain messages for grpc-js
 * and decodes what grpc-js received back into domain messages, validating as it goes. Anything a
 * peer sends that the domain cannot represent (no payload, an unknown or *_UNSPECIFIED enum, a
 * missing id, an object that is not JSON, a digest that does not match) is rejected with a
 * GitfleetError PROTOCOL_VIOLATION that names the message and field; a list longer than its limit
 * (./domain/limits.ts) with LIMIT_EXCEEDED naming the limit.
 *
 * | File | Holds |
 * | --- | --- |
 * | ./codec-agent.ts | AgentMessage (agent → hub) |
 * | ./codec-hub.ts | HubMessage (hub → agent) |
 * | ./codec-shared.ts | envelope, ack, refs, selectors, health; decoding one message |
 * | ./codec-enums.ts | the proto enums |
 * | ./codec-validate.ts | the field checks and the violations they throw |
 * | ./codec-grpc.ts | grpc-js: service, client, stream reading and writing, bearer token |
 */
export { decodeAgentMessage, encodeAgentMessage } from './codec-agent.ts';
export { decodeHubMessage, encodeHubMessage } from './codec-hub.ts';
export { ENUM_WIRE_NAMES } from './codec-enums.ts';
export {
  agentLinkGrpc,
  bearerMetadata,
  onAgentMessage,
  onHubMessage,
  readBearerToken,
  writeAgentMessage,
  writeHubMessage,
} from './codec-grpc.ts';
export type {
  AgentLinkClient,
  AgentLinkClientConstructor,
  AgentLinkClientStream,
  AgentLinkGrpc,
  AgentLinkHandlers,
  AgentLinkServerStream,
} from './codec-grpc.ts';
