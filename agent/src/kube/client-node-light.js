// The two names @kubernetes/client-node's config.js takes from its generated API index. Loading
// them from their own modules instead of gen/index.js (1,000+ generated API and model files)
// saves ~80 MB of RSS in the agent, which uses KubeConfig only for credentials. See
// client-node-hooks.ts.
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
