/**
 * `@gitfleet/proto`: the whole package. Adapters may import it; pure code imports only
 * `@gitfleet/proto/domain` (./domain/index.ts), never the wire codec or the runtime.
 */
export * from './domain/index.ts';
export * from './wire.ts';
export * from './runtime.ts';
