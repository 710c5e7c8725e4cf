/**
 * Every command of `gitfleet`, in the order the help lists them, and how they are found: by name,
 * and by group (`rollout watch` is the command `watch` of the group `rollout`). Pure.
 */
import type { CommandSpec } from './options.ts';
import { AGENT_COMMANDS } from './spec-agents.ts';
import { FLEET_COMMANDS } from './spec-fleet.ts';
import { RENDER_COMMAND } from './spec-render.ts';
import { ROLLOUT_COMMANDS } from './spec-rollout.ts';

const COMPLETION: CommandSpec = {
  name: 'completion',
  summary: 'print a shell completion script (bash or zsh)',
  description:
    'bash: `source <(gitfleet completion bash)` (or save it in /etc/bash_completion.d/gitfleet). zsh: `source <(gitfleet completion zsh)` (or save it as _gitfleet in a directory of $fpath). Application, target and environment names are completed from the hub.',
  positionals: [{ name: 'SHELL', complete: ['bash', 'zsh'] }],
  options: [],
  examples: ['source <(gitfleet completion bash)'],
  hub: false,
  git: false,
};

export const COMMANDS: readonly CommandSpec[] = [
  ...FLEET_COMMANDS,
  RENDER_COMMAND,
  ...ROLLOUT_COMMANDS,
  ...AGENT_COMMANDS,
  COMPLETION,
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Groups of commands (`rollout`): the first word of command names of two words. */
export const GROUPS: readonly string[] = [
  ...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0] ?? '')),
];

export const GROUP_SUMMARIES: Readonly<Record<string, string>> = {
  rollout: 'rollouts: list, status, plan, watch; approve, pause, resume, abort, rollback',
};

/** The commands of a group, by their second word. */
export function groupCommands(group: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}

/** The word after the group (`watch` of `rollout watch`), or the name itself. */
export function subcommandName(cmd: CommandSpec): string {
  return cmd.name.slice(cmd.name.indexOf(' ') + 1);
}
