/**
 * Shell completion scripts for `gitfleet`, generated from the command table (./command-table.ts):
 * commands, each command's options, fixed values (`-o table|json`), files, and application,
 * target and environment names (and applications with a rollout) asked from the hub through the
 * hidden `gitfleet __complete` (quietly: nothing is completed when the hub cannot be reached).
 * Commands of a group (`rollout watch`) are completed word by word. Pure.
 */
import {
  COMMANDS,
  GROUPS,
  GROUP_SUMMARIES,
  groupCommands,
  subcommandName,
} from './command-table.ts';
import { optionsOf, type CommandSpec, type OptionSpec, type PositionalSpec } from './options.ts';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The kinds of names `gitfleet __complete KIND` prints, one per line. */
export const NAME_KINDS = ['apps', 'targets', 'environments', 'rollouts'] as const;
export type NameKind = (typeof NAME_KINDS)[number];

function flags(o: OptionSpec): string[] {
  return [`--${o.name}`, ...(o.short === undefined ? [] : [`-${o.short}`])];
}

/** A bash snippet that fills COMPREPLY for one completion source. */
function bashSource(src: OptionSpec['complete'] | PositionalSpec['complete']): string {
  if (src === undefined) return 'COMPREPLY=()';
  if (src === 'file') return 'COMPREPLY=($(compgen -f -- "$cur"))';
  if (typeof src === 'string')
    return `COMPREPLY=($(compgen -W "$(_gitfleet_names ${src})" -- "$cur"))`;
  return `COMPREPLY=($(compgen -W "${src.join(' ')}" -- "$cur"))`;
}

/** The `case` label of a command: `status`, or `'rollout watch'` (quoted: two words). */
function caseLabel(cmd: CommandSpec): string {
  return cmd.name.includes(' ') ? `'${cmd.name}'` : cmd.name;
}

/** Words completed after `gitfleet`: commands that are not in a group, the groups, `help`. */
function firstWords(): string[] {
  return [...COMMANDS.filter((c) => !c.name.includes(' ')).map((c) => c.name), ...GROUPS];
}

function bashCommand(cmd: CommandSpec): string {
  const opts = optionsOf(cmd);
  const valued = opts.filter((o) => o.type === 'string');
  const lines = [`    ${caseLabel(cmd)})`, '      case "$prev" in'];
  for (const o of valued) {
    lines.push(`        ${flags(o).join('|')}) ${bashSource(o.complete)}; return ;;`);
  }
  lines.push('      esac');
  lines.push(
    `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${opts.flatMap((o) => `--${o.name}`).join(' ')}" -- "$cur")); return; fi`,
  );
  if (cmd.positionals.length > 0) {
    lines.push('      case "$npos" in');
    cmd.positionals.forEach((p, i) => {
      lines.push(`        ${String(i)}) ${bashSource(p.complete)} ;;`);
    });
    lines.push('      esac');
  }
  lines.push('      ;;');
  return lines.join('\n');
}

export function bashCompletion(): string {
  const valuedFlags = [
    ...new Set(
      COMMANDS.flatMap((c) => optionsOf(c))
        .filter((o) => o.type === 'string')
        .flatMap(flags),
    ),
  ];
  return `# bash completion for gitfleet. Load it with:  source <(gitfleet completion bash)
# or save it as /etc/bash_completion.d/gitfleet
_gitfleet_names() {
  local hub=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ "\${COMP_WORDS[i]}" == --hub ]] && hub=(--hub "\${COMP_WORDS[i+1]}")
  done
  gitfleet __complete "$1" "\${hub[@]}" 2>/dev/null
}
_gitfleet() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${firstWords().join(' ')} help" -- "$cur"))
    return
  fi
  local cmd="\${COMP_WORDS[1]}" first=2 npos=0 i
  case "$cmd" in
${GROUPS.map(
  (g) => `    ${g})
      if [[ $COMP_CWORD -eq 2 ]]; then
        COMPREPLY=($(compgen -W "${groupCommands(g).map(subcommandName).join(' ')}" -- "$cur"))
        return
      fi
      cmd="${g} \${COMP_WORDS[2]}" first=3 ;;`,
).join('\n')}
  esac
  # positionals before the word being completed (skipping options and their values)
  for ((i = first; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${valuedFlags.join('|')}) ((i++)) ;;
      -*) ;;
      *) ((npos++)) ;;
    esac
  done
  case "$cmd" in
${COMMANDS.map(bashCommand).join('\n')}
    help) COMPREPLY=($(compgen -W "${firstWords().join(' ')}" -- "$cur")) ;;
  esac
}
complete -F _gitfleet gitfleet
`;
}

function zshWords(src: OptionSpec['complete'] | PositionalSpec['complete']): string {
  if (src === undefined) return '';
  if (src === 'file') return '_files';
  if (typeof src === 'string') return `_gitfleet_names ${src}`;
  return `compadd -- ${src.join(' ')}`;
}

function zshCommand(cmd: CommandSpec): string {
  const opts = optionsOf(cmd);
  const lines = [`    ${caseLabel(cmd)})`, '      case $prev in'];
  for (const o of opts.filter((x) => x.type === 'string')) {
    lines.push(`        ${flags(o).join('|')}) ${zshWords(o.complete) || ':'}; return ;;`);
  }
  lines.push('      esac');
  lines.push(
    `      if [[ $cur == -* ]]; then compadd -- ${opts.map((o) => `--${o.name}`).join(' ')}; return; fi`,
  );
  if (cmd.positionals.length > 0) {
    lines.push('      case $npos in');
    cmd.positionals.forEach((p, i) => {
      lines.push(`        ${String(i)}) ${zshWords(p.complete) || ':'} ;;`);
    });
    lines.push('      esac');
  }
  lines.push('      ;;');
  return lines.join('\n');
}

export function zshCompletion(): string {
  const valuedFlags = [
    ...new Set(
      COMMANDS.flatMap((c) => optionsOf(c))
        .filter((o) => o.type === 'string')
        .flatMap(flags),
    ),
  ];
  const describe = (word: string, summary: string): string =>
    `    '${word}:${summary.replaceAll("'", "'\\''").replaceAll(':', '\\:')}'`;
  const described = [
    ...COMMANDS.filter((c) => !c.name.includes(' ')).map((c) => describe(c.name, c.summary)),
    ...GROUPS.map((g) => describe(g, GROUP_SUMMARIES[g] ?? g)),
  ];
  const groupCases = GROUPS.map((g) =>
    [
      `    ${g})`,
      '      if (( CURRENT == 3 )); then',
      `        local -a sub; sub=(`,
      ...groupCommands(g).map((c) => `  ${describe(subcommandName(c), c.summary)}`),
      '        )',
      `        _describe '${g} command' sub`,
      '        return',
      '      fi',
      `      cmd="${g} \${words[3]}" first=4 ;;`,
    ].join('\n'),
  );
  return `#compdef gitfleet
# zsh completion for gitfleet. Load it with:  source <(gitfleet completion zsh)
# or save it as _gitfleet in a directory of $fpath
_gitfleet_names() {
  local -a hub names
  local i
  for ((i = 2; i < CURRENT; i++)); do
    [[ \${words[i]} == --hub ]] && hub=(--hub \${words[i+1]})
  done
  names=(\${(f)"$(gitfleet __complete $1 $hub 2>/dev/null)"})
  compadd -- $names
}
_gitfleet() {
  local -a commands
  commands=(
${described.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=\${words[2]} cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} first=3 npos=0 i
  case $cmd in
${groupCases.join('\n')}
  esac
  for ((i = first; i < CURRENT; i++)); do
    case \${words[i]} in
      ${valuedFlags.join('|')}) ((i++)) ;;
      -*) ;;
      *) ((npos++)) ;;
    esac
  done
  case $cmd in
${COMMANDS.map(zshCommand).join('\n')}
  esac
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _gitfleet "$@"
else
  compdef _gitfleet gitfleet
fi
`;
}

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bashCompletion() : zshCompletion();
}
