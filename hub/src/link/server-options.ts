/**
 * The grpc-js options of the AgentLink server: what a port holding one long-lived, mostly idle
 * stream per agent needs, and nothing kept per connection that nobody reads.
 *
 * - Keepalive pings are accepted from agents without a call in flight (an agent between
 *   reconnects still checks its connection).
 * - Messages above MAX_MESSAGE_BYTES are refused by grpc-js from their length prefix, before they
 *   are buffered (RESOURCE_EXHAUSTED: the call ends, the server stays up).
 * - channelz is off: grpc-js otherwise registers every connection and call in its process-wide
 *   channelz registry (a socket entry, call counters and a trace per connection), which only a
 *   channelz service would read, and the hub serves none. About 1 KB of JavaScript heap per
 *   connected agent, measured with `npm run bench -- trust`.
 */
import type { ServerOptions } from '@grpc/grpc-js';
import { AGENT_LINK_MESSAGE_OPTIONS } from '@gitfleet/proto';

export const AGENT_LINK_SERVER_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.enable_channelz': 0,
  ...AGENT_LINK_MESSAGE_OPTIONS,
});
