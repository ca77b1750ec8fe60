import type { Command, CommandGroup } from './command.ts';

const GLOBAL_FLAGS = [
  'global flags:',
  '  --url URL        control plane URL (env MODELPLANE_URL, default http://127.0.0.1:7070)',
  '  --token TOKEN    API token (env MODELPLANE_TOKEN); for a local URL the embedded',
  "                   server's <data dir>/admin-token is used when no token is given",
  '  --data-dir DIR   embedded server data directory (env MODELPLANE_DATA_DIR, default .modelplane)',
  '  --json           print the raw JSON result instead of a table',
  '  -h, --help       show help for any command',
];

/** `modelplane --help`. */
export function rootHelp(groups: CommandGroup[]): string {
  const width = Math.max(...groups.map((g) => g.name.length));
  return [
    'usage: modelplane <command> [subcommand] [args] [flags]',
    '',
    'Manage models, versions, traffic, tokens and the audit log of a Modelplane control plane.',
    '',
    'commands:',
    ...groups.map((g) => `  ${g.name.padEnd(width)}  ${g.summary}${aliasNote(g)}`),
    '',
    ...GLOBAL_FLAGS,
    '',
    "Weights are given in percent (up to 2 decimals); '--json' shows them as the API stores them,",
    'in basis points (10000 = 100%).',
    'Run `modelplane <command> --help` for details.',
  ].join('\n');
}

/** `modelplane <group> --help`. */
export function groupHelp(group: CommandGroup): string {
  const lines = group.commands.map((c) => `  modelplane ${group.name} ${c.name} ${c.usage}`.trimEnd());
  const summaries = group.commands.map((c) => `  ${c.name.padEnd(9)}  ${c.summary}${aliasNote(c)}`);
  return [
    `usage:`,
    ...lines,
    '',
    group.summary,
    ...(group.defaultCommand
      ? [`(\`modelplane ${group.name}\` alone runs \`${group.defaultCommand}\`)`]
      : []),
    '',
    'subcommands:',
    ...summaries,
    '',
    ...GLOBAL_FLAGS,
  ].join('\n');
}

/** `modelplane <group> <command> --help`. */
export function commandHelp(group: CommandGroup, command: Command): string {
  return [
    `usage: modelplane ${group.name} ${command.name} ${command.usage}`.trimEnd(),
    '',
    command.summary,
    ...(command.details ? ['', ...command.details] : []),
    '',
    ...GLOBAL_FLAGS,
  ].join('\n');
}

/** ` (also: rollout)` for an item with aliases, nothing otherwise. */
function aliasNote(item: { aliases?: string[] }): string {
  return item.aliases?.length ? ` (also: ${item.aliases.join(', ')})` : '';
}
