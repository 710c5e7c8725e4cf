/**
 * A binary built with runBinary, for run-binary.int.test.ts: `node binary-child.ts MODE`.
 * hang-close: close() never ends; hang-start: start() never ends; rejection: an unhandled
 * rejection after start; uncaught: an uncaught exception after start. Shutdown deadline 1 s.
 */
import { runBinary } from '../run-binary.ts';

const mode = process.argv[2] ?? '';
const never = new Promise<never>(() => undefined);

await runBinary({
  name: 'child',
  usage: 'binary-child MODE\n',
  loadConfig: () => ({ logLevel: 'info' as const, shutdownTimeoutMs: 1_000 }),
  logMeta: () => ({ component: 'child' }),
  start: async (_config, logger, runtime) => {
    // keeps the event loop alive, as a server's sockets would
    const timer = setInterval(() => undefined, 60_000);
    if (mode === 'hang-start') {
      logger.info('starting');
      return never;
    }
    if (mode === 'rejection') {
      void Promise.reject(new Error('a stray rejection'));
      setTimeout(
        () => logger.info('still running', { unexpectedErrors: runtime.unexpectedErrors() }),
        200,
      );
    }
    if (mode === 'uncaught') {
      setTimeout(() => {
        throw new Error('thrown out of a timer');
      }, 100);
    }
    logger.info('started');
    return {
      close: async () => {
        clearInterval(timer);
        if (mode === 'hang-close') await never;
        logger.info('closed');
      },
      unfinished: () => (mode === 'hang-close' ? ['stuck step'] : []),
    };
  },
});
