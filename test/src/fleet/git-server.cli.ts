/**
 * Serves directories as Git repositories over smart HTTP, for a local demo:
 *
 *   scripts/with-node node test/src/fleet/git-server.cli.ts --repos <dir> [--port <n>] [--token-file <file>]
 *
 * Every subdirectory of --repos becomes `<name>.git` with one commit of its files on `main`.
 * Prints one JSON line `{"url", "repos": {name: url}}` on stdout once serving, then runs until
 * SIGTERM or SIGINT and cleans up (server closed, temp dir removed). The token comes from a file,
 * never from the command line.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { startGitServer, type GitServer } from './git-server.ts';

const USAGE = 'usage: git-server.cli.ts --repos <dir> [--port <n>] [--token-file <file>]';

async function filesOf(dir: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full).split(path.sep).join('/');
    if (rel.split('/').includes('.git')) continue;
    files[rel] = await readFile(full);
  }
  return files;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repos: { type: 'string' },
      port: { type: 'string', default: '0' },
      'token-file': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (values.repos === undefined || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new GitfleetError(ErrorCode.ConfigInvalid, USAGE, { terminal: true });
  }
  const tokenFile = values['token-file'];
  const token = tokenFile === undefined ? undefined : (await readFile(tokenFile, 'utf8')).trim();

  const server: GitServer = await startGitServer(
    token === undefined ? { port } : { port, auth: { token } },
  );
  let stopping: Promise<void> | undefined;
  const stop = (): void => {
    stopping ??= server.close().then(
      () => undefined,
      (err: unknown) => {
        process.stderr.write(
          `git server: close failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const repos: Record<string, string> = {};
    for (const entry of await readdir(values.repos, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      repos[entry.name] = await server.createRepo(entry.name);
      await server.commit(entry.name, {
        files: await filesOf(path.join(values.repos, entry.name)),
        message: `import ${entry.name}`,
      });
    }
    process.stdout.write(`${JSON.stringify({ url: server.url, repos })}\n`);
  } catch (err) {
    stop();
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`git server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
