/**
 * Shell completion scripts for `gitfleet`, generated from the command table (./args.ts):
 * commands, each command's options, fixed values (`-o table|json`), files, and application,
 * target and environment names asked from the hub through the hidden `gitfleet __complete`
 * (quietly: nothing is completed when the hub cannot be reached). Pure.
 */
import {
  COMMANDS,
  optionsOf,
  type CommandSpec,
  type OptionSpec,
  type PositionalSpec,
} from './args.ts';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The kinds of names `gitfleet __complete KIND` prints, one per line. */
export const NAME_KINDS = ['apps', 'targets', 'environments'] as const;
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

function bashCommand(cmd: CommandSpec): string {
  const opts = optionsOf(cmd);
  const valued = opts.filter((o) => o.type === 'string');
  const lines = [`    ${cmd.name})`, '      case "$prev" in'];
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
    COMPREPLY=($(compgen -W "${COMMANDS.map((c) => c.name).join(' ')} help" -- "$cur"))
    return
  fi
  local cmd="\${COMP_WORDS[1]}" npos=0 i
  # positionals before the word being completed (skipping options and their values)
  for ((i = 2; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${valuedFlags.join('|')}) ((i++)) ;;
      -*) ;;
      *) ((npos++)) ;;
    esac
  done
  case "$cmd" in
${COMMANDS.map(bashCommand).join('\n')}
    help) COMPREPLY=($(compgen -W "${COMMANDS.map((c) => c.name).join(' ')}" -- "$cur")) ;;
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
  const lines = [`    ${cmd.name})`, '      case $prev in'];
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
  const described = COMMANDS.map(
    (c) => `    '${c.name}:${c.summary.replaceAll("'", "'\\''").replaceAll(':', '\\:')}'`,
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
  local cmd=\${words[2]} cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} npos=0 i
  for ((i = 3; i < CURRENT; i++)); do
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
