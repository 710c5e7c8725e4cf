/** `gitfleet` entry point (hub/bin/gitfleet): runs the CLI on this process's argv and streams. */
import { runCli } from './cli.ts';

function writer(stream: NodeJS.WriteStream): (text: string) => void {
  return (text) => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
}

// `gitfleet status | head`: a reader that goes away early is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: writer(process.stdout),
  stderr: writer(process.stderr),
  isTTY: process.stdout.isTTY,
  columns: process.stdout.columns,
  now: Date.now,
});
// let stdout drain (a pipe may still hold a large JSON document), then exit with the code
process.exitCode = code;
