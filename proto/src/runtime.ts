/**
 * `@gitfleet/proto/runtime`: what the hub and agent binaries share at run time — configuration
 * sources, the binary's lifecycle (signals, shutdown deadline, process guard), telemetry, a
 * steady clock, and the PEM files of the AgentLink port's TLS.
 */
export * from './config-source.ts';
export * from './binary-options.ts';
export * from './run-binary.ts';
export * from './telemetry.ts';
export * from './steady-clock.ts';
export * from './tls-files.ts';
