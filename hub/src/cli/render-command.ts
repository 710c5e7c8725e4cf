/**
 * `gitfleet render APP --target T [--revision R]`: where the fleet repository is (flags, else
 * the hub), the render on this machine (./render-local.ts, loaded only for this command) and the
 * objects printed as multi-document YAML or a JSON list. What was rendered (repository, ref,
 * commit) goes to stderr, so stdout is only the objects.
 */
import { stringify } from 'yaml';
import type { KubeObject } from '@gitfleet/proto';
import { name, need, str, timeoutMs, type CommandContext } from './context.ts';
import { ExitCode } from './errors.ts';
import { fleetRepoLocation } from './fleet-change.ts';
import { shortSha } from './format.ts';

const WHY: Readonly<Record<string, string>> = {
  flag: '--revision',
  'target-pin': 'the target pin',
  'environment-pin': 'the environment pin',
  application: "the application's targetRevision",
};

/** The objects as a YAML stream: one document each, `---` between them. */
export function objectsYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 }).trimEnd()).join('\n---\n');
}

export async function render(ctx: CommandContext): Promise<number> {
  const app = name(ctx, 'application', ctx.cmd.positionals[0]) ?? '';
  const target = name(ctx, 'target', need(ctx, 'target')) ?? '';
  const revision = str(ctx, 'revision');
  const credsFile = str(ctx, 'repo-creds-file');
  const { readRepoCreds, renderLocally } = await import('./render-local.ts');
  const repoCreds =
    credsFile === undefined
      ? undefined
      : await readRepoCreds(credsFile, ctx.cmd.from.get('repo-creds-file') ?? '--repo-creds-file');
  const fleet = await fleetRepoLocation(ctx);
  const result = await renderLocally({
    fleet,
    app,
    target,
    ...(revision === undefined ? {} : { revision }),
    kubectlCommand: need(ctx, 'kubectl-command'),
    helmCommand: need(ctx, 'helm-command'),
    ...(repoCreds === undefined ? {} : { repoCreds }),
    timeoutMs: timeoutMs(ctx),
  });
  ctx.note(
    `# ${app} for ${target}: ${result.repo} at ${shortSha(result.commit)} (${JSON.stringify(result.ref)}, ${WHY[result.refSource] ?? result.refSource}); fleet ${shortSha(result.fleetCommit)}; ${String(result.objects.length)} object(s)`,
  );
  if (result.frozenEnvironment !== undefined) {
    ctx.note(
      `# environment ${result.frozenEnvironment} is frozen: the hub keeps what ${target} has until it is thawed`,
    );
  }
  ctx.out(ctx.json ? JSON.stringify(result.objects, null, 2) : objectsYaml(result.objects));
  return ExitCode.Ok;
}
