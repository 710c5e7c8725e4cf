/** The local test fleet: real Redis, real Kubernetes API servers, real Git over HTTP, on loopback. */
export * from './fleet/fleet.ts';
export * from './fleet/kube.ts';
export * from './fleet/kube-objects.ts';
export * from './fleet/redis.ts';
export * from './fleet/git-server.ts';
export * from './fleet/processes.ts';
export * from './fleet/ports.ts';
export * from './fleet/wait.ts';
export * from './fleet/paths.ts';
