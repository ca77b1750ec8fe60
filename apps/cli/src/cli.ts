import { parseArgs } from 'node:util';
import type { ControlPlaneClient } from '@modelplane/client';
import { uploadLocalArtifact } from './artifact.ts';
import {
  type Command,
  type CommandContext,
  type CommandGroup,
  type FlagValues,
  isNamed,
  type OptionsConfig,
} from './command.ts';
import { alertsGroup } from './commands/alerts.ts';
import { auditGroup } from './commands/audit.ts';
import { cacheGroup } from './commands/cache.ts';
import { compareGroup } from './commands/compare.ts';
import { modelsGroup } from './commands/models.ts';
import { rolloutsGroup } from './commands/rollouts.ts';
import { tokensGroup } from './commands/tokens.ts';
import { trafficGroup } from './commands/traffic.ts';
import { versionsGroup } from './commands/versions.ts';
import { checkUrl, connect } from './connection.ts';
import { describeFailure, EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { commandHelp, groupHelp, rootHelp } from './help.ts';
import { createOutput } from './output.ts';

/** The default control plane: the embedded server started on this machine. */
export const DEFAULT_URL = 'http://127.0.0.1:7070';
const DEFAULT_DATA_DIR = '.modelplane';

const GROUPS: CommandGroup[] = [
  modelsGroup,
  versionsGroup,
  trafficGroup,
  cacheGroup,
  auditGroup,
  tokensGroup,
  compareGroup,
  alertsGroup,
  rolloutsGroup,
];

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies OptionsConfig;

// Every flag of every command, so the first pass knows which flags take a value (`audit --target recs`
// must not read `recs` as a subcommand). A flag name means the same thing in every command.
const ALL_OPTIONS: OptionsConfig = Object.assign(
  {},
  ...GROUPS.flatMap((g) => g.commands.map((c) => c.options ?? {})),
  GLOBAL_OPTIONS,
);

/** What main.ts passes in: environment defaults and where output goes. */
export interface CliEnvironment {
  url?: string;
  token?: string;
  dataDir?: string;
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs one CLI invocation and returns its exit status; never throws. */
export async function run(argv: string[], env: CliEnvironment): Promise<number> {
  let url = env.url || DEFAULT_URL;
  try {
    const found = findCommand(argv);
    if ('help' in found) {
      env.stdout(`${found.help}\n`);
      return found.exitCode;
    }
    const { group, command } = found;
    const { flags, args } = parseCommandLine(argv, group, command, found.explicit);
    url = checkUrl(stringOr(flags.url, url));
    const ctx = commandContext(url, flags, env);
    await command.run(ctx, args, flags);
    return EXIT_OK;
  } catch (error) {
    const { line, exitCode } = describeFailure(error, url);
    env.stderr(`${line}\n`);
    return exitCode;
  }
}

function commandContext(url: string, flags: FlagValues, env: CliEnvironment): CommandContext {
  const settings = {
    url,
    token: stringOr(flags.token, env.token || undefined),
    dataDir: stringOr(flags['data-dir'], env.dataDir || DEFAULT_DATA_DIR),
    cwd: env.cwd,
  };
  let client: Promise<ControlPlaneClient> | undefined;
  return {
    client: () => {
      client ??= connect(settings);
      return client;
    },
    output: createOutput(flags.json === true, env.stdout),
    uploadArtifact: async (path) => uploadLocalArtifact(path, settings),
    cwd: env.cwd,
  };
}

function stringOr<T extends string | undefined>(
  value: string | boolean | undefined,
  fallback: T,
): string | T {
  return typeof value === 'string' ? value : fallback;
}

type Found =
  | { help: string; exitCode: number }
  | { group: CommandGroup; command: Command; explicit: boolean };

/** Finds the group and subcommand among the positionals, or the help text to print instead. */
function findCommand(argv: string[]): Found {
  // A loose first pass to find the command; the command's own strict parse checks its flags.
  const { values, positionals } = parseArgs({
    args: argv,
    options: ALL_OPTIONS,
    strict: false,
    allowPositionals: true,
  });
  const [groupName, commandName] = positionals;
  if (groupName === undefined)
    return { help: rootHelp(GROUPS), exitCode: values.help ? EXIT_OK : EXIT_USAGE };
  const group = GROUPS.find((g) => isNamed(g, groupName));
  if (!group) throw new UsageError(`unknown command "${groupName}" (see modelplane --help)`);
  const command = group.commands.find((c) => isNamed(c, commandName));
  if (command) {
    return values.help
      ? { help: commandHelp(group, command), exitCode: EXIT_OK }
      : { group, command, explicit: true };
  }
  if (values.help && commandName === undefined) return { help: groupHelp(group), exitCode: EXIT_OK };
  const fallback = group.commands.find((c) => c.name === group.defaultCommand);
  // A default command that takes arguments reads them straight after the group: `modelplane compare recs`.
  if (fallback && (commandName === undefined || (fallback.args?.length ?? 0) > 0)) {
    return { group, command: fallback, explicit: false };
  }
  const choices = group.commands.map((c) => c.name).join(', ');
  if (commandName === undefined) {
    throw new UsageError(
      `${group.name}: missing subcommand, one of ${choices} (see modelplane ${group.name} --help)`,
    );
  }
  throw new UsageError(`unknown command "${group.name} ${commandName}", expected one of ${choices}`);
}

/** The strict parse: global flags plus the command's own, and exactly the positionals it expects. */
function parseCommandLine(
  argv: string[],
  group: CommandGroup,
  command: Command,
  explicit: boolean,
): { flags: FlagValues; args: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // Node's messages run on with advice about `--`; the first sentence names the problem.
    const message = (error as Error).message.split(/\.\s/)[0] ?? 'invalid arguments';
    throw new UsageError(`${message} (see modelplane ${group.name} ${command.name} --help)`);
  }
  const args = parsed.positionals.slice(explicit ? 2 : 1);
  const expected = command.args ?? [];
  const name = `${group.name} ${command.name}`;
  if (args.length < expected.length) {
    throw new UsageError(
      `${name}: missing ${expected.slice(args.length).join(' ')} (see modelplane ${name} --help)`,
    );
  }
  if (args.length > expected.length) {
    throw new UsageError(`${name}: unexpected argument "${args[expected.length]}"`);
  }
  return { flags: parsed.values as FlagValues, args };
}
