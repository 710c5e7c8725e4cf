/**
 * Preloaded into a process under measurement (`NODE_OPTIONS="--expose-gc --import=<this file>"`):
 * SIGUSR2 runs full garbage collections, then writes one JSON line to stderr,
 * `{"gcOnSignal":{"rss":…,"heapTotal":…,"heapUsed":…,"external":…,"arrayBuffers":…}}` (bytes),
 * so a benchmark can read the RSS of what is live rather than of garbage a busy start left
 * behind, and see how much of it is the JavaScript heap. Changes nothing else in the process.
 */
const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  process.stderr.write(`${JSON.stringify({ gcOnSignal: process.memoryUsage() })}\n`);
});
