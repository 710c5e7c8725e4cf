/**
 * @gitfleet/hub, as other packages (tests, benchmarks) use it: the pure decisions — the fleet
 * definition (targets, applications, environments, pins, placement), rendering (manifests,
 * overlays, substitution, digest) and the resync plan — and the adapters built on them: the Git
 * source, the resolver, the AgentLink server, the Redis store, and `runHub` with its config.
 */
export * as fleet from './core/fleet/index.ts';
export * as render from './core/render/index.ts';
export * as git from './git/index.ts';
export * from './config.ts';
export * from './run.ts';
export { Resolver } from './resolve/resolver.ts';
export { AgentLinkServer } from './link/agent-link-server.ts';
export { RedisHubStore } from './store/redis-store.ts';
export { planResync, type ResyncDecision, type ResyncHubState } from './core/resync.ts';
