/**
 * The Markdown table of the options `gitfleet` commands share, for docs/cli.md
 * (scripts/gen-flag-docs.ts writes it there): each option with its environment variable, its
 * default, the commands that take it and what it means. Pure.
 */
import { markdownCode, markdownText } from '@gitfleet/proto/runtime';
import { COMMANDS } from './command-table.ts';
import { flagOf } from './help.ts';
import { GIT_OPTIONS, GLOBAL_OPTIONS, HUB_OPTIONS, optionsOf, type OptionSpec } from './options.ts';

/** The options docs/cli.md lists: those many commands share (all but `--help`). */
const DOCUMENTED_OPTIONS: readonly OptionSpec[] = [
  ...HUB_OPTIONS,
  ...GIT_OPTIONS,
  ...GLOBAL_OPTIONS.filter((o) => o.name !== 'help'),
];

/** Text with the names of environment variables (`GITFLEET_AUTHOR`, `$USER`) as code. */
function withCodeNames(s: string): string {
  return markdownText(s).replace(/\$[A-Z]+|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?:=\w+)?/g, (m) =>
    markdownCode(m),
  );
}

/** The commands that take the option: every command, every one but one or two, or a list. */
function usedBy(o: OptionSpec): string {
  const users = COMMANDS.filter((c) => optionsOf(c).includes(o)).map((c) => c.name);
  const others = COMMANDS.map((c) => c.name).filter((n) => !users.includes(n));
  if (others.length === 0) return 'every command';
  if (others.length <= 2) return `every command but ${others.map(markdownCode).join(' and ')}`;
  return users.map(markdownCode).join(', ');
}

export function optionsDocTable(): string {
  const rows = DOCUMENTED_OPTIONS.map((o) => [
    markdownCode(`${o.short === undefined ? '' : `-${o.short}, `}${flagOf(o)}`),
    [o.env, o.envNote]
      .filter((e) => e !== undefined)
      .map(withCodeNames)
      .join(' or ') || '—',
    o.defaultText !== undefined
      ? withCodeNames(o.defaultText)
      : o.default === undefined
        ? '—'
        : markdownCode(o.default),
    usedBy(o),
    markdownText(o.help),
  ]);
  return [
    '| option | environment | default | used by | meaning |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
