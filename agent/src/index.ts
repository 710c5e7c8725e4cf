/** @gitfleet/agent: the agent that reconciles one cluster from a gitfleet hub's assignments. */
export * from './config.ts';
export * from './run.ts';
export { Agent, type AgentOptions, type AgentDeps } from './reconcile/agent.ts';
export { HubLink, type LinkState, type LinkHandler } from './link/hub-link.ts';
export { ClusterAppStore } from './state/app-store.ts';
export { ClientNodeKube } from './kube/client-node-kube.ts';
export type { KubeClient } from './kube/port.ts';
