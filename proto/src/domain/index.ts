/**
 * `@gitfleet/proto/domain`: the protocol's plain values and the pure vocabulary around them —
 * errors, the logger interface, message types, ids and digests, limits, selectors, the
 * Kubernetes vocabulary, the hub's signatures of desired state, and bounded concurrency. No I/O and no dependency beyond Node's crypto: the only part of the
 * package that `core/` code may import.
 */
export * from './errors.ts';
export * from './logger.ts';
export * from './messages.ts';
export * from './ids.ts';
export * from './limits.ts';
export * from './selectors.ts';
export * from './kube.ts';
export * from './secret-mask.ts';
export * from './label-selector.ts';
export * from './project-scope.ts';
export * from './signature.ts';
export * from './agent-identity.ts';
export * from './map-limit.ts';
