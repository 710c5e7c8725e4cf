// Original file: proto/gitfleet/v1/agent_link.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _gitfleet_v1_AgentMessage, AgentMessage__Output as _gitfleet_v1_AgentMessage__Output } from '../../gitfleet/v1/AgentMessage.js';
import type { HubMessage as _gitfleet_v1_HubMessage, HubMessage__Output as _gitfleet_v1_HubMessage__Output } from '../../gitfleet/v1/HubMessage.js';

/**
 * The hub's service. Agents dial the hub; the hub never dials agents.
 */
export interface AgentLinkClient extends grpc.Client {
  /**
   * Opened by the agent with `authorization: Bearer <token>` metadata. The first AgentMessage
   * MUST be `hello`; the hub answers `welcome` and then streams only differences.
   */
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gitfleet_v1_AgentMessage, _gitfleet_v1_HubMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gitfleet_v1_AgentMessage, _gitfleet_v1_HubMessage__Output>;
  /**
   * Opened by the agent with `authorization: Bearer <token>` metadata. The first AgentMessage
   * MUST be `hello`; the hub answers `welcome` and then streams only differences.
   */
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gitfleet_v1_AgentMessage, _gitfleet_v1_HubMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gitfleet_v1_AgentMessage, _gitfleet_v1_HubMessage__Output>;
  
}

/**
 * The hub's service. Agents dial the hub; the hub never dials agents.
 */
export interface AgentLinkHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Opened by the agent with `authorization: Bearer <token>` metadata. The first AgentMessage
   * MUST be `hello`; the hub answers `welcome` and then streams only differences.
   */
  Connect: grpc.handleBidiStreamingCall<_gitfleet_v1_AgentMessage__Output, _gitfleet_v1_HubMessage>;
  
}

export interface AgentLinkDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_gitfleet_v1_AgentMessage, _gitfleet_v1_HubMessage, _gitfleet_v1_AgentMessage__Output, _gitfleet_v1_HubMessage__Output>
}
