/**
 * Memory: @kubernetes/client-node's package index loads its whole generated API (1,000+ modules,
 * ~85 MB of RSS), and even `dist/config.js` — all the agent needs: KubeConfig for credentials —
 * imports `createConfiguration` and `ServerConfiguration` from that index. This resolve hook points
 * that one import at client-node-light.js, which takes the two names from their own modules. The
 * library and its behaviour are unchanged; only what gets loaded is. Measured: the agent process
 * starts at ~79 MB instead of ~128 MB.
 *
 * Must run before client-node is imported (the binary's main.ts installs it first, then imports
 * the rest dynamically). In-process tests load the full index instead, with the same behaviour.
 */
import { registerHooks } from 'node:module';

const LIGHT_INDEX = new URL('./client-node-light.js', import.meta.url).href;

export function installClientNodeLightHooks(): void {
  registerHooks({
    resolve(specifier, context, next) {
      if (
        specifier === './gen/index.js' &&
        context.parentURL?.endsWith('/@kubernetes/client-node/dist/config.js') === true
      ) {
        return { url: LIGHT_INDEX, shortCircuit: true };
      }
      return next(specifier, context);
    },
  });
}
